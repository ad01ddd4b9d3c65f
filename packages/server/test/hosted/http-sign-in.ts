import type { IdxForm, IdxResponse } from '@gatehouse/protocol';
import * as oauth from 'oauth4webapi';

/**
 * Hosted sign-in over plain HTTP, without a browser, for the conformance-style suites (docs/adr/0012).
 * `HttpBrowser` is one browser profile talking to Gatehouse: it keeps Gatehouse's cookies (the
 * per-flow `gh_flow_<id>` cookie, the `gh_session` cookie, page CSRF cookies) and never follows
 * redirects by itself. `completeHostedSignIn` does what the hosted page's widget does: it reads the
 * page's JSON configuration, continues the interaction over the IDX API, and goes to the
 * completion URL the widget would navigate to, which answers with the authorization response.
 */

type Headers_ = Record<string, string>;

export interface RequestInit_ {
  method?: 'GET' | 'POST';
  /** An `application/x-www-form-urlencoded` body. */
  form?: Record<string, string> | URLSearchParams;
  /** A JSON body (IDX); sent with the ion content type the Okta clients use. */
  json?: unknown;
  headers?: Headers_;
}

/** One browser profile: a cookie jar for Gatehouse's origin and manual redirects. */
export class HttpBrowser {
  readonly cookies = new Map<string, string>();

  constructor(readonly origin: string) {}

  /** The `Cookie` header this browser sends to Gatehouse, or null without cookies. */
  cookieHeader(): string | null {
    if (this.cookies.size === 0) return null;
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** Names of the per-flow cookies this browser holds (`gh_flow_<flow id>`). */
  flowCookies(): string[] {
    return [...this.cookies.keys()].filter((name) => /^(__Host-)?gh_flow_/.test(name));
  }

  /** A fresh profile with this one's cookies (the same browser, another request later). */
  clone(): HttpBrowser {
    const copy = new HttpBrowser(this.origin);
    for (const [name, value] of this.cookies) copy.cookies.set(name, value);
    return copy;
  }

  async request(url: string | URL, init: RequestInit_ = {}): Promise<Response> {
    const target = new URL(url, this.origin);
    const headers: Headers_ = { ...init.headers };
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    } else if (init.json !== undefined) {
      headers['content-type'] ??= 'application/ion+json; okta-version=1.0.0';
      headers.accept ??= 'application/ion+json; okta-version=1.0.0';
      body = JSON.stringify(init.json);
    }
    const sameOrigin = target.origin === this.origin;
    const cookie = this.cookieHeader();
    if (sameOrigin && cookie && headers.cookie === undefined) headers.cookie = cookie;
    // A browser's same-origin POST (the widget's fetch, a page's form) carries the page's Origin.
    if (sameOrigin && (init.method ?? (body ? 'POST' : 'GET')) === 'POST') headers.origin ??= this.origin;
    const res = await fetch(target, {
      method: init.method ?? (body !== undefined ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    if (sameOrigin) this.remember(res);
    return res;
  }

  /** Stores (or, for an expired one, drops) every cookie a response sets. */
  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expired = attributes.some((attribute) => {
        const [key = '', val = ''] = attribute.split('=');
        if (key.toLowerCase() === 'max-age') return Number(val) <= 0;
        if (key.toLowerCase() === 'expires') return Date.parse(val) <= Date.now();
        return false;
      });
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/** The hosted page's widget configuration (`<script type="application/json" id="gatehouse-sign-in-config">`). */
export interface HostedConfig {
  issuer: string;
  clientId: string;
  redirectUri: string;
  interactionHandle: string;
  state: string;
  otp?: string;
  language?: string;
  [key: string]: unknown;
}

const CONFIG_SCRIPT =
  /<script\b(?=[^>]*\bid="gatehouse-sign-in-config")(?=[^>]*\btype="application\/json")[^>]*>([\s\S]*?)<\/script>/;

/** The widget configuration the page embeds, or null when the page has none (an error page). */
export function findHostedConfig(html: string): HostedConfig | null {
  const match = CONFIG_SCRIPT.exec(html);
  if (!match) return null;
  return JSON.parse(match[1]!) as HostedConfig;
}

/** What came back at the redirect URI: a redirect's query (`query`) or an auto-submitted form (`form_post`). */
export interface AuthorizationResponse {
  mode: 'query' | 'form_post';
  /** The redirect URI it was sent to (the URL without its query, or the form's action). */
  target: string;
  params: URLSearchParams;
  status: number;
  headers: Headers;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'" };
const unescapeHtml = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|#39|apos|#x27|#x2F);/g, (whole, name: string) => {
    if (name === '#x27') return "'";
    if (name === '#x2F') return '/';
    return ENTITIES[name] ?? whole;
  });

function attribute(tag: string, name: string): string | null {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  if (!match) return null;
  return unescapeHtml(match[1] ?? match[2] ?? match[3] ?? '');
}

/** The `<form>` of a `response_mode=form_post` page: its method, action and hidden fields. */
export function parseFormPost(
  html: string,
): { method: string; action: string; fields: URLSearchParams; scripts: string[] } | null {
  const form = /<form\b[^>]*>/i.exec(html)?.[0];
  if (!form) return null;
  const fields = new URLSearchParams();
  for (const input of html.match(/<input\b[^>]*>/gi) ?? []) {
    const name = attribute(input, 'name');
    if (name !== null) fields.append(name, attribute(input, 'value') ?? '');
  }
  const scripts = [...html.matchAll(/<script\b[^>]*>/gi)].map((match) => match[0]);
  return {
    method: (attribute(form, 'method') ?? 'get').toLowerCase(),
    action: attribute(form, 'action') ?? '',
    fields,
    scripts,
  };
}

/**
 * The authorization response in `res`, when `res` delivers one to `redirectUri`: a 302/303 whose
 * Location starts with it, or a 200 HTML form posting to it. Null otherwise (a page of Gatehouse's,
 * a redirect to /signin, an error page).
 */
export async function readAuthorizationResponse(
  res: Response,
  redirectUri: string,
): Promise<AuthorizationResponse | null> {
  const location = res.headers.get('location');
  if (res.status >= 300 && res.status < 400 && location) {
    const url = new URL(location, res.url || undefined);
    const target = `${url.origin}${url.pathname}`;
    if (target !== redirectUri && !location.startsWith(`${redirectUri}?`)) return null;
    return { mode: 'query', target, params: url.searchParams, status: res.status, headers: res.headers };
  }
  if (res.status === 200 && (res.headers.get('content-type') ?? '').includes('text/html')) {
    const form = parseFormPost(await res.clone().text());
    if (form && form.method === 'post' && form.action === redirectUri)
      return {
        mode: 'form_post',
        target: form.action,
        params: form.fields,
        status: 200,
        headers: res.headers,
      };
  }
  return null;
}

export interface Credentials {
  login: string;
  password: string;
  /** Tick "Keep me signed in" (`rememberMe` on the identify form). */
  rememberMe?: boolean;
}

export interface HostedSignIn {
  /** The page's embedded configuration. */
  config: HostedConfig;
  /** The page's own response (headers checked by the page-security suite). */
  page: Response;
  html: string;
  /** The completion request the widget navigates to. */
  completeUrl: URL;
  /** Gatehouse's answer to it (the authorization response, unread). */
  completion: Response;
}

const IDX_HEADERS = {
  'content-type': 'application/ion+json; okta-version=1.0.0',
  accept: 'application/ion+json; okta-version=1.0.0',
};

function form(body: IdxResponse, name: string): IdxForm | undefined {
  return body.remediation?.value.find((f) => f.name === name);
}

function interactionCodeOf(body: IdxResponse): string | null {
  const value = body.successWithInteractionCode?.value.find((f) => f.name === 'interaction_code')?.value;
  return typeof value === 'string' ? value : null;
}

/**
 * Runs the IDX conversation the widget runs on the hosted page, from the interaction handle to
 * the interaction code (one-step or identifier-first password policies).
 */
export async function proveOverIdx(
  browser: HttpBrowser,
  config: HostedConfig,
  credentials: Credentials,
): Promise<string> {
  const introspect = await browser.request(`${browser.origin}/idp/idx/introspect`, {
    json: { interactionHandle: config.interactionHandle },
    headers: IDX_HEADERS,
  });
  let body = (await introspect.json()) as IdxResponse;
  if (introspect.status !== 200) throw new Error(`introspect: ${introspect.status} ${JSON.stringify(body)}`);
  for (let step = 0; step < 4; step++) {
    const code = interactionCodeOf(body);
    if (code) return code;
    const identify = form(body, 'identify');
    const challenge = form(body, 'challenge-authenticator');
    let next: IdxForm;
    let values: Record<string, unknown>;
    if (identify) {
      const fields = identify.value.map((f) => f.name);
      values = { identifier: credentials.login };
      if (fields.includes('credentials')) values.credentials = { passcode: credentials.password };
      if (credentials.rememberMe !== undefined) {
        if (!fields.includes('rememberMe'))
          throw new Error(`the identify form has no rememberMe field: ${JSON.stringify(identify)}`);
        values.rememberMe = credentials.rememberMe;
      }
      next = identify;
    } else if (challenge) {
      values = { credentials: { passcode: credentials.password } };
      next = challenge;
    } else {
      throw new Error(`no step the password can answer: ${JSON.stringify(body)}`);
    }
    const res = await browser.request(next.href, {
      json: { ...values, stateHandle: body.stateHandle },
      headers: IDX_HEADERS,
    });
    body = (await res.json()) as IdxResponse;
    if (res.status !== 200) throw new Error(`${next.name}: ${res.status} ${JSON.stringify(body)}`);
  }
  throw new Error(`no interaction code after four steps: ${JSON.stringify(body)}`);
}

/**
 * From the hosted page (`signinUrl`, the Location /authorize answered) to Gatehouse's answer at
 * the completion URL: what the browser does between leaving the app and coming back to it.
 */
export async function completeHostedSignIn(
  browser: HttpBrowser,
  signinUrl: string,
  credentials: Credentials,
): Promise<HostedSignIn> {
  const page = await browser.request(signinUrl);
  const html = await page.clone().text();
  if (page.status !== 200) throw new Error(`GET ${signinUrl}: ${page.status} ${html.slice(0, 500)}`);
  const config = findHostedConfig(html);
  if (!config) throw new Error(`no widget configuration on ${signinUrl}: ${html.slice(0, 500)}`);
  const interactionCode = await proveOverIdx(browser, config, credentials);
  // What the widget's showSignInAndRedirect() navigates to (packages/widget/src/core/client.ts).
  const completeUrl = new URL(config.redirectUri, signinUrl);
  completeUrl.searchParams.set('interaction_code', interactionCode);
  completeUrl.searchParams.set('state', config.state);
  const completion = await browser.request(completeUrl);
  return { config, page, html, completeUrl, completion };
}

/** Parameters of an authorization request (strings only; absent ones are left out). */
export type AuthorizeParams = Record<string, string | undefined>;

function defined(params: AuthorizeParams): Record<string, string> {
  return Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
}

/** `GET` (or `POST`) `{issuer}/v1/authorize` in `browser`, without following the answer. */
export function sendAuthorize(
  browser: HttpBrowser,
  authorizationEndpoint: string,
  params: AuthorizeParams,
  method: 'GET' | 'POST' = 'GET',
): Promise<Response> {
  if (method === 'POST') return browser.request(authorizationEndpoint, { form: defined(params) });
  const url = new URL(authorizationEndpoint);
  for (const [key, value] of Object.entries(defined(params))) url.searchParams.set(key, value);
  return browser.request(url);
}

/** A relying party built on oauth4webapi, talking to a loopback Gatehouse over http. */
export interface RelyingParty {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  auth: oauth.ClientAuth;
  redirectUri: string;
}

export const insecure = { [oauth.allowInsecureRequests]: true } as const;

/** The discovery document, read and validated by oauth4webapi (`processDiscoveryResponse`). */
export async function discover(issuer: string): Promise<oauth.AuthorizationServer> {
  const issuerUrl = new URL(issuer);
  return oauth.processDiscoveryResponse(issuerUrl, await oauth.discoveryRequest(issuerUrl, insecure));
}

/** One authorization request's secrets, as an RP keeps them between the redirect and the callback. */
export interface PendingRequest {
  params: AuthorizeParams;
  /** What was sent (undefined when the request left it out). */
  state: string | undefined;
  nonce: string | undefined;
  verifier: string;
}

/** state, nonce and an S256 PKCE pair, from oauth4webapi's generators; `extra` overrides any parameter. */
export async function newRequest(
  rp: RelyingParty,
  extra: AuthorizeParams = {},
  scope = 'openid profile email offline_access',
): Promise<PendingRequest> {
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const verifier = oauth.generateRandomCodeVerifier();
  const params: AuthorizeParams = {
    client_id: rp.client.client_id,
    redirect_uri: rp.redirectUri,
    response_type: 'code',
    scope,
    state,
    nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  };
  return { params, state: params.state, nonce: params.nonce, verifier };
}

/** How an authorization request ended in the browser. */
export interface Authorized {
  /** The authorization response at the redirect URI (code or error). */
  response: AuthorizationResponse;
  /** Whether the hosted page was shown (false: answered at once, from the session or as an error). */
  signedIn: boolean;
  hosted: HostedSignIn | null;
}

/**
 * Sends `request` to /authorize in `browser` and, when Gatehouse shows its page, signs in there
 * with `credentials`: the authorization response that comes back to the app.
 */
export async function authorizeInBrowser(
  browser: HttpBrowser,
  rp: RelyingParty,
  request: PendingRequest,
  credentials: Credentials | null,
  method: 'GET' | 'POST' = 'GET',
): Promise<Authorized> {
  const res = await sendAuthorize(browser, rp.as.authorization_endpoint!, request.params, method);
  const direct = await readAuthorizationResponse(res, rp.redirectUri);
  if (direct) return { response: direct, signedIn: false, hosted: null };
  const location = res.headers.get('location');
  if (res.status !== 302 || !location || new URL(location, browser.origin).pathname !== '/signin')
    throw new Error(`/authorize answered ${res.status} ${location ?? (await res.text()).slice(0, 400)}`);
  if (!credentials) throw new Error(`/authorize asked for a sign-in: ${location}`);
  const hosted = await completeHostedSignIn(browser, new URL(location, browser.origin).href, credentials);
  const response = await readAuthorizationResponse(hosted.completion, rp.redirectUri);
  if (!response)
    throw new Error(
      `the completion answered ${hosted.completion.status} ${hosted.completion.headers.get('location') ?? (await hosted.completion.text()).slice(0, 400)}`,
    );
  return { response, signedIn: true, hosted };
}

/** The token request oauth4webapi makes for an authorization response (its validators run first). */
export async function requestTokens(
  rp: RelyingParty,
  response: AuthorizationResponse,
  request: PendingRequest,
  verifier: string | typeof oauth.nopkce = request.verifier,
): Promise<Response> {
  const params = oauth.validateAuthResponse(
    rp.as,
    rp.client,
    response.params,
    request.state ?? oauth.expectNoState,
  );
  return oauth.authorizationCodeGrantRequest(
    rp.as,
    rp.client,
    rp.auth,
    params,
    rp.redirectUri,
    verifier,
    insecure,
  );
}

/** Redeems the code of `response` and validates the answer as an OpenID response (nonce, ID token, auth_time). */
export async function redeem(
  rp: RelyingParty,
  response: AuthorizationResponse,
  request: PendingRequest,
  options: { maxAge?: number; verifier?: string | typeof oauth.nopkce } = {},
): Promise<oauth.TokenEndpointResponse> {
  const res = await requestTokens(rp, response, request, options.verifier ?? request.verifier);
  return oauth.processAuthorizationCodeResponse(rp.as, rp.client, res, {
    expectedNonce: request.nonce ?? oauth.expectNoNonce,
    requireIdToken: true,
    ...(options.maxAge !== undefined ? { maxAge: options.maxAge } : {}),
  });
}

/** The OAuth error body of a refused token request, with its status (`{status, error}`). */
export async function tokenError(res: Response): Promise<{ status: number; error: unknown; body: unknown }> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  const error = body && typeof body === 'object' ? (body as Record<string, unknown>).error : undefined;
  return { status: res.status, error, body };
}

export interface RelyingPartyOptions {
  /** The app's client id and, for a confidential app, its secret and how it is sent. */
  clientId: string;
  secret?: string | null;
  method?: 'client_secret_basic' | 'client_secret_post';
  redirectUri?: string;
  /** The server's test clock: the RP's notion of "now" follows it (oauth4webapi `clockSkew`). */
  clock?: { now(): number };
}

/** An oauth4webapi relying party for one app of a loopback Gatehouse (metadata from discovery). */
export async function relyingParty(issuer: string, options: RelyingPartyOptions): Promise<RelyingParty> {
  const as = await discover(issuer);
  const clock = options.clock;
  const client: oauth.Client = {
    client_id: options.clientId,
    // Every ID token must carry auth_time (ADR 0012), whatever the request asked.
    require_auth_time: true,
    get [oauth.clockSkew]() {
      return clock ? Math.round((clock.now() - Date.now()) / 1000) : 0;
    },
  };
  let auth: oauth.ClientAuth;
  if (!options.secret) auth = oauth.None();
  else if (options.method === 'client_secret_post') auth = oauth.ClientSecretPost(options.secret);
  else auth = oauth.ClientSecretBasic(options.secret);
  return { as, client, auth, redirectUri: options.redirectUri ?? 'http://localhost:8080/login/callback' };
}
