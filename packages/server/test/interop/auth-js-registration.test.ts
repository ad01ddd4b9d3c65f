import { loadAuthJs7Module, loadAuthJs8Module } from './auth-js-email-scenarios.js';
import { describeAuthJsRegistrationInterop } from './auth-js-registration-scenarios.js';

// Self-service registration and account unlock with @okta/okta-auth-js 8.0.1 (legacy and step
// mode) and 7.14.5 (the version @okta/okta-signin-widget 7.x pins), unmodified, in Node.
describeAuthJsRegistrationInterop('auth-js 8.0.1 (legacy mode)', loadAuthJs8Module, {
  database: 'sqlite',
  version: '8.0.1',
  mode: 'legacy',
});
describeAuthJsRegistrationInterop('auth-js 8.0.1 (step mode)', loadAuthJs8Module, {
  database: 'sqlite',
  version: '8.0.1',
  mode: 'step',
});
describeAuthJsRegistrationInterop('auth-js 7.14.5', loadAuthJs7Module, {
  database: 'sqlite',
  version: '7.14.5',
  mode: 'legacy',
});

// Sign-up to tokens and unlock to "unlocked" on PostgreSQL.
describeAuthJsRegistrationInterop('auth-js 8.0.1 (legacy mode)', loadAuthJs8Module, {
  database: 'postgres',
  version: '8.0.1',
  mode: 'legacy',
  scenarios: 'core',
});
describeAuthJsRegistrationInterop('auth-js 8.0.1 (step mode)', loadAuthJs8Module, {
  database: 'postgres',
  version: '8.0.1',
  mode: 'step',
  scenarios: 'core',
});
describeAuthJsRegistrationInterop('auth-js 7.14.5', loadAuthJs7Module, {
  database: 'postgres',
  version: '7.14.5',
  mode: 'legacy',
  scenarios: 'core',
});
