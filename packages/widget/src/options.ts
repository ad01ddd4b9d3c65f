import type { FlowName } from './core/widget-client.js';
import type { I18nOverrides, LanguageOption } from './i18n/translator.js';

/** The options of `new SignInWidget(…)` (the names Okta's widget integrators know). */
export interface SignInWidgetOptions {
  /** Where to render: a CSS selector or an element. */
  el: string | HTMLElement;
  /** The authorization server, e.g. `https://id.example.com/oauth2/default`. */
  issuer: string;
  clientId: string;
  redirectUri: string;
  scopes?: string[];
  /** OAuth `state`; with `otp`, the magic link being resumed. */
  state?: string;
  /** The one-time code of a magic link (`?otp=…&state=…`). */
  otp?: string;
  /** PKCE challenge made by the app's server ("remediation mode": the widget never exchanges the code). */
  codeChallenge?: string;
  /**
   * The interaction handle of an interaction the app's server started (`/v1/interact` with its own
   * PKCE pair and nonce), with that interaction's `state`: the widget does not call `/v1/interact`,
   * it continues this interaction and redirects with the interaction code, never exchanging it.
   */
  interactionHandle?: string;
  codeChallengeMethod?: 'S256';
  /**
   * `resetPassword` opens on "Reset your password", `signup` on the sign-up form, `unlockAccount`
   * on the unlock form (when the server offers them; else the sign-in form with a notice).
   */
  flow?: FlowName;
  /** `fr`, `de`, … or a function choosing among the supported languages; default: the browser's. */
  language?: LanguageOption;
  /** Per-language text overrides: `{ en: { 'primaryauth.title': 'Sign in to Acme' } }`. */
  i18n?: I18nOverrides;
  brand?: { name?: string; primaryColor?: string; primaryTextColor?: string };
  /** URL of a logo image (http(s), same-origin path, or a `data:image/…` URL). */
  logo?: string;
  /** Seconds before "Send again" is offered on the email challenge (the server's resend interval); default 30. */
  resendIntervalSeconds?: number;
  /** Move focus into the widget when it first renders; default true. */
  autoFocus?: boolean;
  /**
   * Your app's page to go on to from a tab whose flow ended elsewhere ("Flow continued in a new
   * tab": the magic link was opened in another tab). An http(s) URL or a path on your site.
   */
  homeUri?: string;
}

export interface ResolvedOptions
  extends Required<Pick<SignInWidgetOptions, 'issuer' | 'clientId' | 'redirectUri'>> {
  el: string | HTMLElement;
  scopes: string[];
  state?: string | undefined;
  otp?: string | undefined;
  codeChallenge?: string | undefined;
  interactionHandle?: string | undefined;
  codeChallengeMethod: 'S256';
  flow: FlowName;
  language?: LanguageOption | undefined;
  i18n: I18nOverrides;
  brand: {
    name?: string | undefined;
    primaryColor?: string | undefined;
    primaryTextColor?: string | undefined;
  };
  logo?: string | undefined;
  resendIntervalSeconds: number;
  autoFocus: boolean;
  homeUri?: string | undefined;
}

const FLOWS: FlowName[] = ['default', 'resetPassword', 'signup', 'unlockAccount'];

function requireString(options: Record<string, unknown>, name: string): string {
  const value = options[name];
  if (typeof value !== 'string' || value.trim() === '')
    throw new TypeError(`SignInWidget: the "${name}" option is required and must be a string.`);
  return value;
}

function optionalString(options: Record<string, unknown>, name: string): string | undefined {
  const value = options[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new TypeError(`SignInWidget: the "${name}" option must be a string.`);
  return value;
}

/** An optional link target: an http(s) URL or a path (never `javascript:` or the like). */
function linkUri(options: Record<string, unknown>, name: string): string | undefined {
  const value = optionalString(options, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    // Any http base will do (a path resolves to http); the bundle names no other origin.
    url = new URL(value, 'http://localhost/');
  } catch {
    throw new TypeError(`SignInWidget: "${name}" must be an http(s) URL or a path.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new TypeError(`SignInWidget: "${name}" must be an http(s) URL or a path.`);
  return value;
}

/** Checks the options once; programmer errors are TypeErrors thrown by the constructor. */
export function resolveOptions(input: SignInWidgetOptions): ResolvedOptions {
  if (!input || typeof input !== 'object') throw new TypeError('SignInWidget: options are required.');
  const options = input as unknown as Record<string, unknown>;
  const el = options.el;
  if (typeof el !== 'string' && !(typeof HTMLElement !== 'undefined' && el instanceof HTMLElement))
    throw new TypeError('SignInWidget: the "el" option must be a CSS selector or an element.');
  const issuer = requireString(options, 'issuer');
  if (!/^https?:\/\//i.test(issuer)) throw new TypeError('SignInWidget: "issuer" must be an http(s) URL.');
  const flow = options.flow ?? 'default';
  if (!FLOWS.includes(flow as FlowName))
    throw new TypeError(`SignInWidget: "flow" must be one of ${FLOWS.map((f) => `"${f}"`).join(', ')}.`);
  const scopes = options.scopes ?? ['openid', 'profile', 'email'];
  if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string'))
    throw new TypeError('SignInWidget: "scopes" must be an array of strings.');
  const method = options.codeChallengeMethod ?? 'S256';
  if (method !== 'S256')
    throw new TypeError('SignInWidget: only the "S256" codeChallengeMethod is supported.');
  const resend = options.resendIntervalSeconds ?? 30;
  if (typeof resend !== 'number' || !Number.isFinite(resend) || resend < 0)
    throw new TypeError('SignInWidget: "resendIntervalSeconds" must be a number of seconds.');
  const state = optionalString(options, 'state');
  const codeChallenge = optionalString(options, 'codeChallenge');
  const interactionHandle = optionalString(options, 'interactionHandle');
  if (interactionHandle !== undefined && state === undefined)
    throw new TypeError('SignInWidget: "interactionHandle" needs the "state" of that interaction.');
  if (interactionHandle !== undefined && codeChallenge !== undefined)
    throw new TypeError('SignInWidget: give either "interactionHandle" or "codeChallenge", not both.');
  const i18n = (options.i18n ?? {}) as I18nOverrides;
  if (typeof i18n !== 'object') throw new TypeError('SignInWidget: "i18n" must be an object of languages.');
  const brand = (options.brand ?? {}) as ResolvedOptions['brand'];
  return {
    el: el as string | HTMLElement,
    issuer: issuer.replace(/\/+$/, ''),
    clientId: requireString(options, 'clientId'),
    redirectUri: requireString(options, 'redirectUri'),
    scopes,
    state,
    otp: optionalString(options, 'otp'),
    codeChallenge,
    interactionHandle,
    codeChallengeMethod: 'S256',
    flow: flow as FlowName,
    language: options.language as LanguageOption | undefined,
    i18n,
    brand: {
      name: typeof brand.name === 'string' ? brand.name : undefined,
      primaryColor: typeof brand.primaryColor === 'string' ? brand.primaryColor : undefined,
      primaryTextColor: typeof brand.primaryTextColor === 'string' ? brand.primaryTextColor : undefined,
    },
    logo: optionalString(options, 'logo'),
    resendIntervalSeconds: resend,
    autoFocus: options.autoFocus !== false,
    homeUri: linkUri(options, 'homeUri'),
  };
}

/** A logo URL the widget will load: http(s), a path on this site, or an inline image. */
export function safeImageUrl(value: string | undefined, base: string): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value, base);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url.href;
    if (url.protocol === 'data:' && /^data:image\/(png|gif|jpeg|webp|svg\+xml)[;,]/i.test(value))
      return value;
  } catch {
    // not a URL
  }
  return undefined;
}
