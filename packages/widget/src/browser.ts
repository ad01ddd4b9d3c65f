/**
 * Entry of the browser bundle `gatehouse-sign-in.js`: defines `window.SignInWidget` (the name
 * pages call) and `window.GatehouseSignIn` (the module, with `VERSION`).
 */
import * as GatehouseSignIn from './index.js';

const scope = globalThis as unknown as Record<string, unknown>;
scope.GatehouseSignIn = GatehouseSignIn;
scope.SignInWidget = GatehouseSignIn.SignInWidget;
