/**
 * A cookie-keeping HTTP client standing in for one browser (redirects not followed), and a
 * sign-in that does over HTTP what the widget does in the page: continue the interaction the
 * app's server started (introspect by its handle — no `/v1/interact`), identify with a password,
 * then follow the redirect to the app.
 */
import { IdxConversation } from '../../../../packages/server/test/support/idx-client.js';
import type { SampleEnv } from './sample-env.js';

export class HttpBrowser {
  readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  get cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size && !headers.has('cookie')) headers.set('cookie', this.cookieHeader);
    const send = () => fetch(new URL(path, this.baseUrl), { ...init, headers, redirect: 'manual' });
    // A pooled connection to an app that was restarted is closed: a GET is retried once.
    const res = await send().catch((err: unknown) => {
      const method = init.method ?? 'GET';
      if (method !== 'GET' || (err as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET')
        throw err;
      return send();
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...rest] = pair!.split('=');
      const value = rest.join('=');
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name!.trim());
      else this.cookies.set(name!.trim(), value);
    }
    return res;
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(path, { headers });
  }

  post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
  }
}

export interface WidgetOptions {
  state: string;
  interactionHandle: string;
  clientId: string;
  redirectUri: string;
  otp?: string;
  flow: string;
}

/** The widget options the app put in the /login page (read the way login.js reads them). */
export function widgetOptionsOf(page: string): WidgetOptions {
  const json = /<script type="application\/json" id="widget-config">([^<]*)<\/script>/.exec(page)?.[1];
  if (!json) throw new Error('no widget config in the page');
  return JSON.parse(json) as WidgetOptions;
}

/** GET /login, then what the widget would do; returns the redirect to the app's callback. */
export async function interactionCodeRedirect(
  env: SampleEnv,
  browser: HttpBrowser,
  login: string,
  password: string,
): Promise<string> {
  const page = await browser.get('/login');
  const options = widgetOptionsOf(await page.text());
  const idx = new IdxConversation(env.server.url, options.clientId, options.redirectUri);
  await idx.introspect(options.interactionHandle);
  const answer = await idx.submit('identify', { identifier: login, credentials: { passcode: password } });
  if (answer.status !== 200) throw new Error(`identify failed: ${answer.status}`);
  return `/login/callback?${new URLSearchParams({ interaction_code: idx.interactionCode(), state: options.state })}`;
}

/** Signs `browser` in (the callback must answer 303 to /). */
export async function signInOverHttp(env: SampleEnv, browser: HttpBrowser, login: string, password: string) {
  const res = await browser.get(await interactionCodeRedirect(env, browser, login, password));
  if (res.status !== 303 || res.headers.get('location') !== '/')
    throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return res;
}
