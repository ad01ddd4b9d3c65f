import { createServer, type Server } from 'node:http';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { type Credentials, newRequest, type RelyingParty, relyingParty } from './http-sign-in.js';

/**
 * The hosted page in Chromium (docs/adr/0012 "The hosted page"; issue 16 "Clickjacking"): it runs
 * under its own CSP without a single violation, through a whole sign-in in both response modes,
 * and another loopback origin cannot frame it. The framing page is same-site with Gatehouse
 * (127.0.0.1, another port), so the flow cookie does reach the framed page: only the page's
 * `frame-ancestors 'none'` (and X-Frame-Options, when sent) can stop it.
 */

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface Watched {
  page: Page;
  /** `securitypolicyviolation` events from every frame, and CSP messages on the console. */
  violations(): Promise<string[]>;
  console: string[];
  errors: string[];
}

describe('hosted page security (Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let user: Credentials;
  let rp: RelyingParty;
  /** One loopback server for the app's side: its callback, and a page that frames `framedUrl`. */
  let appServer: Server;
  let framerUrl: string;
  let REDIRECT: string;
  let framedUrl = '';

  beforeAll(async () => {
    server = await startTestServer();
    const created = await server.createUser();
    user = { login: created.user.login, password: created.password };
    appServer = createServer((req, res) => {
      res.setHeader('content-type', 'text/html');
      if (req.url?.startsWith('/frame'))
        res.end(
          `<!doctype html><title>framer</title><iframe id="framed" src="${framedUrl}" width="600" height="600"></iframe>`,
        );
      else res.end('<!doctype html><title>app</title>ok');
    });
    await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
    const address = appServer.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    // The framer is same-site with Gatehouse (127.0.0.1, another port); the app's callback is on localhost.
    framerUrl = `http://127.0.0.1:${port}/frame`;
    REDIRECT = `http://localhost:${port}/callback`;
    const app = await server.createApp({ public: true, redirectUris: [REDIRECT] });
    rp = await relyingParty(server.issuer, { clientId: app.app.clientId, redirectUri: REDIRECT });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
    });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => appServer?.close(resolve));
    await server?.close();
  });

  async function watch(context: BrowserContext): Promise<Watched> {
    await context.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { __csp: string[] }).__csp = seen;
      document.addEventListener('securitypolicyviolation', (e) => {
        seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
      });
    });
    const page = await context.newPage();
    const consoleMessages: string[] = [];
    const errors: string[] = [];
    page.on('console', (message) => consoleMessages.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => errors.push(String(error)));
    return {
      page,
      console: consoleMessages,
      errors,
      async violations() {
        const fromEvents: string[] = [];
        for (const frame of page.frames()) {
          const seen = await frame
            .evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])
            .catch(() => [] as string[]);
          fromEvents.push(...seen);
        }
        return [...fromEvents, ...consoleMessages.filter((m) => /Content Security Policy/i.test(m))];
      },
    };
  }

  async function authorizeUrl(extra = {}) {
    const request = await newRequest(rp, extra);
    const url = new URL(rp.as.authorization_endpoint!);
    for (const [key, value] of Object.entries(request.params))
      if (value !== undefined) url.searchParams.set(key, value);
    return { url: url.href, request };
  }

  async function signInOnPage(page: Page) {
    await page.getByLabel('Username').fill(user.login);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  for (const mode of ['query', 'form_post'] as const) {
    it(`the page and a whole sign-in (response_mode=${mode}) run with no CSP violation`, async () => {
      const context = await browser.newContext();
      try {
        const watched = await watch(context);
        const { url, request } = await authorizeUrl(
          mode === 'form_post' ? { response_mode: 'form_post' } : {},
        );
        const appRequests: Array<{ method: string; url: string; body: string | null }> = [];
        watched.page.on('request', (req) => {
          if (req.url().startsWith(REDIRECT))
            appRequests.push({ method: req.method(), url: req.url(), body: req.postData() });
        });
        await watched.page.goto(url);
        expect(new URL(watched.page.url()).pathname).toBe('/signin');
        await watched.page.getByLabel('Username').waitFor();
        expect(await watched.page.locator('#gatehouse-sign-in input[name="identifier"]').count()).toBe(1);
        expect(await watched.violations()).toEqual([]);

        await signInOnPage(watched.page);
        await watched.page.waitForURL((u) => u.href.startsWith(REDIRECT), { timeout: 10_000 });
        expect(appRequests).toHaveLength(1);
        const arrived = appRequests[0]!;
        const params =
          mode === 'query' ? new URL(arrived.url).searchParams : new URLSearchParams(arrived.body ?? '');
        expect(arrived.method).toBe(mode === 'query' ? 'GET' : 'POST');
        expect(params.get('code')).toEqual(expect.any(String));
        expect(params.get('state')).toBe(request.state);
        expect(params.get('iss')).toBe(server.issuer);
        expect(await watched.violations()).toEqual([]);
        expect(watched.errors).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }

  it('another loopback origin cannot frame the page (clickjacking)', async () => {
    const context = await browser.newContext();
    try {
      const watched = await watch(context);
      const { url } = await authorizeUrl();
      await watched.page.goto(url);
      await watched.page.getByLabel('Username').waitFor();
      // The same page, with its flow cookie in this browser, framed by http://127.0.0.1:<other port>.
      framedUrl = watched.page.url();
      await watched.page.goto(framerUrl);
      const framed = () => watched.page.frames().find((frame) => frame !== watched.page.mainFrame());
      await expect.poll(() => framed()?.url(), { timeout: 10_000 }).toMatch(/^chrome-error:/);
      const text = await framed()!
        .evaluate(() => document.body?.textContent ?? '')
        .catch(() => '');
      expect(text).not.toMatch(/Sign in|Username/);
      expect(watched.console.some((m) => /frame-ancestors|X-Frame-Options/i.test(m))).toBe(true);

      // The flow itself is intact: the page still works at the top level.
      await watched.page.goto(framedUrl);
      await signInOnPage(watched.page);
      await watched.page.waitForURL((u) => u.href.startsWith(REDIRECT), { timeout: 10_000 });
    } finally {
      await context.close();
    }
  });
});
