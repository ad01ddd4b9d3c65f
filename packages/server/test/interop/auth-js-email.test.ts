import {
  describeAuthJsEmailInterop,
  loadAuthJs7Module,
  loadAuthJs8Module,
} from './auth-js-email-scenarios.js';

// The email authenticator with @okta/okta-auth-js 8.0.1 (legacy and step mode) and 7.14.5 (the
// version @okta/okta-signin-widget 7.x pins), unmodified, in Node.
describeAuthJsEmailInterop('auth-js 8.0.1 (legacy mode)', loadAuthJs8Module, {
  database: 'sqlite',
  version: '8.0.1',
  mode: 'legacy',
});
describeAuthJsEmailInterop('auth-js 8.0.1 (step mode)', loadAuthJs8Module, {
  database: 'sqlite',
  version: '8.0.1',
  mode: 'step',
});
describeAuthJsEmailInterop('auth-js 7.14.5', loadAuthJs7Module, {
  database: 'sqlite',
  version: '7.14.5',
  mode: 'legacy',
});

// Scenario 1 (the magic link) on PostgreSQL.
describeAuthJsEmailInterop('auth-js 8.0.1 (legacy mode)', loadAuthJs8Module, {
  database: 'postgres',
  version: '8.0.1',
  mode: 'legacy',
  scenarios: 'magic-link',
});
describeAuthJsEmailInterop('auth-js 7.14.5', loadAuthJs7Module, {
  database: 'postgres',
  version: '7.14.5',
  mode: 'legacy',
  scenarios: 'magic-link',
});
