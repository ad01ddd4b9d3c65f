import { describeAuthJs8StepMode, describeAuthJsInterop, loadAuthJs8 } from './auth-js-scenarios.js';

// @okta/okta-auth-js 8.0.1 in Node: legacy (auto-remediation) mode, then step mode.
describeAuthJsInterop('auth-js 8.0.1 (legacy mode)', loadAuthJs8, { database: 'sqlite', version: '8.0.1' });
describeAuthJs8StepMode('auth-js 8.0.1', loadAuthJs8, 'sqlite');
