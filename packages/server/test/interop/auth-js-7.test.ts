import { describeAuthJsInterop, loadAuthJs7 } from './auth-js-scenarios.js';

// @okta/okta-auth-js 7.14.5, the version @okta/okta-signin-widget 7.x pins.
describeAuthJsInterop('auth-js 7.14.5', loadAuthJs7, { database: 'sqlite', version: '7.14.5' });
