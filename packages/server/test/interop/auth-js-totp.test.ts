import { loadAuthJs7Module, loadAuthJs8Module } from './auth-js-email-scenarios.js';
import { describeAuthJsTotpInterop } from './auth-js-totp-scenarios.js';

// The authenticator app (google_otp) set up and used through @okta/okta-auth-js 8.0.1 (legacy and
// step mode) and 7.14.5 (the version @okta/okta-signin-widget 7.x pins), unmodified, in Node.
describeAuthJsTotpInterop('auth-js 8.0.1 (legacy mode)', loadAuthJs8Module, {
  database: 'sqlite',
  version: '8.0.1',
  mode: 'legacy',
});
describeAuthJsTotpInterop('auth-js 8.0.1 (step mode)', loadAuthJs8Module, {
  database: 'sqlite',
  version: '8.0.1',
  mode: 'step',
});
describeAuthJsTotpInterop('auth-js 7.14.5', loadAuthJs7Module, {
  database: 'sqlite',
  version: '7.14.5',
  mode: 'legacy',
});
describeAuthJsTotpInterop('auth-js 8.0.1 (legacy mode)', loadAuthJs8Module, {
  database: 'postgres',
  version: '8.0.1',
  mode: 'legacy',
});
