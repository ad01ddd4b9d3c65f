import { loadAuthJs7Module, loadAuthJs8Module } from './auth-js-email-scenarios.js';
import { describeAuthJsWebauthnInterop } from './auth-js-webauthn-scenarios.js';

// Passkeys set up and used through @okta/okta-auth-js 8.0.1 (legacy and step mode) and 7.14.5
// (the version @okta/okta-signin-widget 7.x pins), unmodified, in Node, with a software authenticator.
describeAuthJsWebauthnInterop('auth-js 8.0.1 (legacy mode)', loadAuthJs8Module, {
  database: 'sqlite',
  version: '8.0.1',
  mode: 'legacy',
});
describeAuthJsWebauthnInterop('auth-js 8.0.1 (step mode)', loadAuthJs8Module, {
  database: 'sqlite',
  version: '8.0.1',
  mode: 'step',
});
describeAuthJsWebauthnInterop('auth-js 7.14.5', loadAuthJs7Module, {
  database: 'sqlite',
  version: '7.14.5',
  mode: 'legacy',
});
describeAuthJsWebauthnInterop('auth-js 8.0.1 (legacy mode)', loadAuthJs8Module, {
  database: 'postgres',
  version: '8.0.1',
  mode: 'legacy',
});
