/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * `@gatehouse/widget`: the browser bundle's entry. `gatehouse-sign-in.js` defines
 * `window.SignInWidget` (also `window.GatehouseSignIn.SignInWidget`).
 */
import { SignInWidget } from './widget.js';

export type { SignInResult } from './core/widget-client.js';
export type { RenderContext, WidgetError, WidgetEvents } from './events.js';
export type { SignInWidgetOptions } from './options.js';
export { SignInWidget };

export const VERSION: string = typeof __WIDGET_VERSION__ === 'string' ? __WIDGET_VERSION__ : '0.0.0';

declare const __WIDGET_VERSION__: string | undefined;
