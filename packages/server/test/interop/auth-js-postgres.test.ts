import { describeAuthJsInterop, loadAuthJs7, loadAuthJs8 } from './auth-js-scenarios.js';

// The core scenarios (one-step sign-in, wrong password, cancel, expiry) on PostgreSQL.
describeAuthJsInterop('auth-js 8.0.1 (legacy mode)', loadAuthJs8, {
  database: 'postgres',
  version: '8.0.1',
  scenarios: 'core',
});
describeAuthJsInterop('auth-js 7.14.5', loadAuthJs7, {
  database: 'postgres',
  version: '7.14.5',
  scenarios: 'core',
});
