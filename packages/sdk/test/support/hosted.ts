/**
 * Gatehouse's hosted sign-in over plain HTTP (docs/adr/0012-hosted-sign-in.md), for the SDK's
 * redirect tests: one "browser" (a cookie jar for Gatehouse's origin, redirects not followed) that
 * goes to the authorize URL the SDK built, signs in on the hosted page the way its widget does
 * (the page's JSON configuration, the IDX conversation, the completion URL), and returns where
 * Gatehouse sends it back to the app.
 */
import type { IdxForm, IdxResponse } from '@gatehouse/protocol';

const IDX_HEADERS = {
  'content-type': 'application/ion+json; okta-version=1.0.0',
  accept: 'application/ion+json; okta-version=1.0.0',
};

export class GatehouseBrowser {
  readonly cookies = new Map<string, string>();

  constructor(readonly origin: string) {}

  /** One request; Gatehouse's cookies are kept and sent back, redirects are not followed. */
  async request(url: string, init: { json?: unknown } = {}): Promise<Response> {
    const target = new URL(url, this.origin);
    const headers: Record<string, string> = init.json === undefined ? {} : { ...IDX_HEADERS };
    const same = target.origin === this.origin;
    if (same && this.cookies.size)
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    if (same && init.json !== undefined) headers.origin = this.origin;
    const res = await fetch(target, {
      method: init.json === undefined ? 'GET' : 'POST',
      headers,
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
      redirect: 'manual',
    });
    if (same)
      for (const line of res.headers.getSetCookie()) {
        const [pair = ''] = line.split(';');
        const eq = pair.indexOf('=');
        const name = pair.slice(0, eq).trim();
        const value = pair.slice(eq + 1).trim();
        if (!value || /max-age=0|expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
        else this.cookies.set(name, value);
      }
    return res;
  }
}

export interface HostedConfig {
  issuer: string;
  clientId: string;
  redirectUri: string;
  interactionHandle: string;
  state: string;
  [key: string]: unknown;
}

/** The hosted page's widget configuration (`<script type="application/json" id="gatehouse-sign-in-config">`). */
export function hostedConfigOf(html: string): HostedConfig | null {
  const json = /<script[^>]*id="gatehouse-sign-in-config"[^>]*>([\s\S]*?)<\/script>/.exec(html)?.[1];
  return json ? (JSON.parse(json) as HostedConfig) : null;
}

const formOf = (body: IdxResponse, name: string): IdxForm | undefined =>
  body.remediation?.value.find((f) => f.name === name);

/** The IDX conversation of the hosted page's widget, for a password policy: up to the interaction code. */
async function signInOverIdx(
  browser: GatehouseBrowser,
  config: HostedConfig,
  login: string,
  password: string,
) {
  let res = await browser.request('/idp/idx/introspect', {
    json: { interactionHandle: config.interactionHandle },
  });
  let body = (await res.json()) as IdxResponse;
  for (let step = 0; step < 4; step++) {
    if (res.status !== 200) throw new Error(`IDX answered ${res.status}: ${JSON.stringify(body)}`);
    const code = body.successWithInteractionCode?.value.find((f) => f.name === 'interaction_code')?.value;
    if (typeof code === 'string') return code;
    const identify = formOf(body, 'identify');
    const challenge = formOf(body, 'challenge-authenticator');
    const next = identify ?? challenge;
    if (!next) throw new Error(`no step a password answers: ${JSON.stringify(body)}`);
    const values: Record<string, unknown> = identify ? { identifier: login } : {};
    if (!identify || identify.value.some((f) => f.name === 'credentials'))
      values.credentials = { passcode: password };
    res = await browser.request(next.href, { json: { ...values, stateHandle: body.stateHandle } });
    body = (await res.json()) as IdxResponse;
  }
  throw new Error(`no interaction code: ${JSON.stringify(body)}`);
}

export interface RedirectOutcome {
  /** Where Gatehouse sent the browser back to the app (the redirect URI with `code` or `error`). */
  callbackUrl: string;
  /** Whether the hosted page was shown (false: answered from the SSO session, or an error). */
  pageShown: boolean;
}

/**
 * Follows an authorize URL in `browser`: straight back to the app (SSO session, `prompt=none`,
 * an error), or through the hosted page with `credentials`.
 */
export async function followAuthorize(
  browser: GatehouseBrowser,
  authorizeUrl: string,
  credentials: { login: string; password: string } | null,
  redirectUri: string,
): Promise<RedirectOutcome> {
  const answer = await browser.request(authorizeUrl);
  const location = answer.headers.get('location');
  if (!location)
    throw new Error(`/authorize answered ${answer.status}: ${(await answer.text()).slice(0, 300)}`);
  if (location.startsWith(`${redirectUri}?`)) return { callbackUrl: location, pageShown: false };
  if (new URL(location, browser.origin).pathname !== '/signin')
    throw new Error(`/authorize sent to ${location}`);
  if (!credentials) throw new Error('the hosted page asks for a sign-in');
  const page = await browser.request(location);
  const config = hostedConfigOf(await page.text());
  if (page.status !== 200 || !config) throw new Error(`the hosted page answered ${page.status}`);
  const interactionCode = await signInOverIdx(browser, config, credentials.login, credentials.password);
  // Where the widget goes on success (its redirectUri is Gatehouse's completion endpoint).
  const complete = new URL(config.redirectUri, browser.origin);
  complete.searchParams.set('interaction_code', interactionCode);
  complete.searchParams.set('state', config.state);
  const done = await browser.request(complete.href);
  const back = done.headers.get('location');
  if (!back?.startsWith(`${redirectUri}?`))
    throw new Error(`the completion answered ${done.status} ${back ?? (await done.text()).slice(0, 300)}`);
  return { callbackUrl: back, pageShown: true };
}
