/**
 * A hosted sign-in driven over HTTP the way a browser and the hosted page's widget drive it:
 * `/authorize` (its flow cookie kept), the page's configuration, the IDX steps, then the widget's
 * redirect to `/v1/authorize/complete` with the cookie. Cookies are kept per "browser".
 */
import { expect } from 'vitest';

export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** Records the Set-Cookie headers of a response (Max-Age=0 deletes). */
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (attributes.some((a) => a.trim().toLowerCase() === 'max-age=0')) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  names(): string[] {
    return [...this.cookies.keys()];
  }
}

export async function browserGet(jar: CookieJar, url: string): Promise<Response> {
  const response = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
  jar.take(response);
  return response;
}

export interface PageConfig {
  issuer: string;
  clientId: string;
  redirectUri: string;
  interactionHandle: string;
  state: string;
  otp?: string;
  language?: string;
  brand?: Record<string, string>;
  i18n?: Record<string, Record<string, string>>;
}

/** The widget configuration the hosted page embeds. */
export function pageConfig(page: string): PageConfig {
  const match = /<script type="application\/json" id="gatehouse-sign-in-config">([^<]*)<\/script>/.exec(page);
  expect(match, 'the hosted page embeds its configuration').not.toBeNull();
  return JSON.parse(match![1]!) as PageConfig;
}

interface IdxBody {
  stateHandle?: string;
  successWithInteractionCode?: { value: Array<{ name: string; value?: string }> };
}

async function idx(base: string, path: string, body: Record<string, unknown>) {
  const response = await fetch(`${base}/idp/idx/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/ion+json; okta-version=1.0.0' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as IdxBody };
}

/**
 * Follows `/authorize` in `jar`'s browser: an answer at once (SSO, an error) is returned as the
 * redirect location; otherwise signs in with `login`/`password` on the hosted flow and returns
 * where `/complete` sends the browser.
 */
export async function hostedSignIn(
  base: string,
  jar: CookieJar,
  authorizeUrl: string,
  credentials: { login: string; password: string; rememberMe?: boolean } | null,
): Promise<{ location: string; signedIn: boolean; response: Response }> {
  const first = await browserGet(jar, authorizeUrl);
  const location = first.headers.get('location') ?? '';
  if (!location.startsWith('/signin?')) return { location, signedIn: false, response: first };
  if (!credentials) throw new Error(`a sign-in form was shown: ${location}`);
  const page = await browserGet(jar, `${base}${location}`);
  expect(page.status).toBe(200);
  const config = pageConfig(await page.text());
  const introspected = await idx(base, 'introspect', { interactionHandle: config.interactionHandle });
  expect(introspected.status).toBe(200);
  const stateHandle = introspected.json.stateHandle as string;
  const identified = await idx(base, 'identify', {
    stateHandle,
    identifier: credentials.login,
    credentials: { passcode: credentials.password },
    ...(credentials.rememberMe ? { rememberMe: true } : {}),
  });
  expect(identified.status, JSON.stringify(identified.json)).toBe(200);
  const code = identified.json.successWithInteractionCode?.value.find((f) => f.name === 'interaction_code')
    ?.value as string;
  expect(code).toBeTruthy();
  const complete = new URL(config.redirectUri);
  complete.searchParams.set('interaction_code', code);
  complete.searchParams.set('state', config.state);
  const done = await browserGet(jar, complete.toString());
  return { location: done.headers.get('location') ?? '', signedIn: true, response: done };
}
