/**
 * The browser build (dist/gatehouse-sdk.browser.js, built here from source with esbuild) in
 * headless Chromium against a running Gatehouse. The app page is on http://localhost:<port> (a
 * secure context, so WebCrypto works) and Gatehouse on http://127.0.0.1:<port>: cross-origin,
 * so CORS is exercised. Default storage is the browser adapter (sessionStorage + localStorage).
 * The redirect sign-in goes through Gatehouse's hosted page in the same tab and back.
 */
import { createServer, type Server } from 'node:http';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppPolicyInput } from '../../../server/src/apps/app-service.js';
import { startTestServer, type TestServer } from '../../../server/test/support/test-server.js';
import { buildBrowserBundle } from '../../scripts/build-browser.mjs';
import type * as Sdk from '../../src/index.js';
import { latestMail, magicLinkOf } from '../support/gatehouse.js';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>SDK test page</title></head><body>
<script type="module">
import * as Gatehouse from '/sdk/gatehouse-sdk.browser.js';
window.Gatehouse = Gatehouse;
window.sdkReady = true;
</script></body></html>`;

interface PageConfig {
  issuer: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
}

/** A Web Storage as the page sees it (this package compiles without the DOM library). */
interface PageStorage {
  length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
}

/** What the page's module script puts on `window`. */
interface PageGlobals {
  Gatehouse: typeof Sdk;
  localStorage: PageStorage;
  sessionStorage: PageStorage;
}

/** What the page's calls resolve to, reduced to plain data. */
interface Outcome {
  status?: string;
  step?: string;
  sub?: string;
  email?: string;
  keys?: string[];
  error?: { name: string; code?: string; otp?: string; state?: string; message: string };
  canProceed?: boolean;
  isCallback?: boolean;
  stored?: string;
}

describe('the browser bundle in Chromium against Gatehouse', () => {
  let server: TestServer;
  let appServer: Server;
  let appUrl: string;
  let browser: Browser;
  let bundle: { code: string; bytes: number; gzipBytes: number };
  const problems: string[] = [];

  beforeAll(async () => {
    bundle = await buildBrowserBundle();
    server = await startTestServer();
    appServer = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path === '/sdk/gatehouse-sdk.browser.js') {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
        res.end(bundle.code);
      } else if (path === '/' || path === '/login/callback' || path === '/authorization-code/callback') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(PAGE);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
    const address = appServer.address();
    appUrl = `http://localhost:${typeof address === 'object' && address ? address.port : 0}`;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (appServer ? appServer.close(() => resolve()) : resolve()));
    await server?.close();
  });

  async function appFor(policy: AppPolicyInput, redirectPath = '/login/callback'): Promise<PageConfig> {
    const redirectUri = `${appUrl}${redirectPath}`;
    const { app } = await server.createApp({
      redirectUris: [redirectUri],
      emailVerifyUri: redirectUri,
      trustedOrigins: [appUrl],
      postLogoutRedirectUris: [`${appUrl}/`],
      policy,
    });
    return {
      issuer: server.issuer,
      clientId: app.clientId,
      redirectUri,
      scopes: ['openid', 'profile', 'email'],
    };
  }

  async function newContext(): Promise<BrowserContext> {
    const context = await browser.newContext();
    // Only the app and Gatehouse may be reached.
    await context.route(
      (url) => url.origin !== appUrl && url.origin !== server.url,
      (route) => {
        problems.push(`blocked ${route.request().url()}`);
        return route.abort();
      },
    );
    context.on('page', (page) => {
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    });
    return context;
  }

  async function open(context: BrowserContext, url: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => (globalThis as { sdkReady?: boolean }).sdkReady === true);
    return page;
  }

  /** Runs one SDK script in the page with a client built from `config`; errors come back as data. */
  function run(
    page: Page,
    config: PageConfig,
    script: string,
    args: Record<string, unknown> = {},
  ): Promise<Outcome> {
    return page.evaluate(
      async ({ config, script, args }) => {
        const g = globalThis as unknown as PageGlobals;
        const auth = g.Gatehouse.createAuthClient(config);
        const summary = (tx: Sdk.IdxTransaction) => ({
          status: tx.status,
          step: tx.nextStep?.name,
          sub: tx.tokens?.claims?.sub,
          email: tx.tokens?.claims?.email,
          keys: tx.messages.map((m) => m.key),
        });
        const stored = () => {
          const all: Array<string | null> = [];
          for (const s of [g.localStorage, g.sessionStorage])
            for (let i = 0; i < s.length; i++) all.push(s.getItem(s.key(i) ?? ''));
          return all.join('\n');
        };
        try {
          const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
            ...params: string[]
          ) => (...values: unknown[]) => Promise<Outcome>;
          const fn = new AsyncFunction('auth', 'sdk', 'args', 'summary', 'stored', script);
          return await fn(auth, g.Gatehouse, args, summary, stored);
        } catch (err) {
          const e = err as { name: string; code?: string; otp?: string; state?: string; message: string };
          return {
            error: { name: e.name, code: e.code, otp: e.otp, state: e.state, message: String(e.message) },
          };
        }
      },
      { config, script, args },
    );
  }

  it('the bundle is small: under 16 KB gzipped', () => {
    console.log(
      `gatehouse-sdk.browser.js: ${bundle.bytes} bytes minified, ${bundle.gzipBytes} bytes gzipped`,
    );
    expect(bundle.gzipBytes).toBeLessThan(16 * 1024);
  });

  it('password sign-in in the page: SUCCESS, tokens validated, none left in Web Storage', async () => {
    const config = await appFor({ factors: 'password', identifierFirst: false, selfServiceRecovery: true });
    const { user, password } = await server.createUser();
    const context = await newContext();
    try {
      const page = await open(context, `${appUrl}/`);
      const outcome = await run(
        page,
        config,
        `const tx = await auth.idx.authenticate({ username: args.username, password: args.password });
         const info = await auth.getUserInfo();
         return { ...summary(tx), email: info.email, stored: stored(), canProceed: auth.idx.canProceed() };`,
        { username: user.login, password },
      );
      expect(outcome.error).toBeUndefined();
      expect(outcome).toMatchObject({
        status: 'SUCCESS',
        sub: user.id,
        email: user.email,
        canProceed: false,
      });
      // docs/security.md N2: no JWT-shaped value in localStorage or sessionStorage.
      expect(outcome.stored).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\./);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('email magic link in a second tab of the same browser signs in there; another browser gets the code', async () => {
    const config = await appFor({ factors: 'email', identifierFirst: true, selfServiceRecovery: true });
    const { user } = await server.createUser();
    const context = await newContext();
    const other = await newContext();
    try {
      const first = await open(context, `${appUrl}/`);
      const challenge = await run(
        first,
        config,
        `await auth.idx.authenticate({ username: args.username });
         return summary(await auth.idx.proceed({ authenticator: 'okta_email' }));`,
        { username: user.login },
      );
      expect(challenge).toMatchObject({ status: 'PENDING', step: 'challenge-authenticator' });
      const { link, otp, state } = magicLinkOf(await latestMail(server, user.email));
      expect(`${link.origin}${link.pathname}`).toBe(config.redirectUri);

      // Another browser (context): no shared storage → the code to type in the original tab.
      const elsewhere = await open(other, link.toString());
      const checks = await run(
        elsewhere,
        config,
        `return { isCallback: auth.idx.isEmailVerifyCallback(location.search),
                  canProceed: auth.idx.canProceed(auth.idx.parseEmailVerifyCallback(location.search)) };`,
      );
      expect(checks).toEqual({ isCallback: true, canProceed: false });
      const refused = await run(
        elsewhere,
        config,
        'return summary(await auth.idx.handleEmailVerifyCallback(location.search));',
      );
      expect(refused).toEqual({
        error: {
          name: 'EmailVerifyCallbackError',
          code: 'email_verify_callback',
          otp,
          state,
          message: expect.stringContaining(otp),
        },
      });
      const isTyped = await elsewhere.evaluate(async () => {
        const sdk = (globalThis as unknown as PageGlobals).Gatehouse;
        const auth = sdk.createAuthClient({
          issuer: 'http://127.0.0.1:1/oauth2/default',
          clientId: 'x',
          redirectUri: '/cb',
        });
        return auth.idx
          .handleEmailVerifyCallback(location.search)
          .catch(
            (e: unknown) => e instanceof sdk.EmailVerifyCallbackError && sdk.isEmailVerifyCallbackError(e),
          );
      });
      expect(isTyped).toBe(true);

      // Second tab of the same browser: the shared transaction continues there.
      const second = await open(context, link.toString());
      const done = await run(
        second,
        config,
        `const { state } = auth.idx.parseEmailVerifyCallback(location.search);
         if (!auth.idx.isEmailVerifyCallback(location.search) || !auth.idx.canProceed({ state })) return { canProceed: false };
         const tx = await auth.idx.handleEmailVerifyCallback(location.search);
         return { ...summary(tx), canProceed: true, stored: stored() };`,
      );
      expect(done.error).toBeUndefined();
      expect(done).toMatchObject({ status: 'SUCCESS', sub: user.id, canProceed: true });
      expect(done.stored).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\./);

      // The first tab, reloaded, finds its transaction over.
      const resumed = await run(first, config, 'return summary(await auth.idx.proceed());');
      expect(resumed).toMatchObject({ status: 'TERMINAL', keys: ['idx.session.expired'] });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
      await other.close();
    }
  });
  it('redirect sign-in: signInWithRedirect → hosted page → handleLoginRedirect; SSO; sign-out ends the session', async () => {
    const config = await appFor(
      { factors: 'password', identifierFirst: false },
      '/authorization-code/callback',
    );
    const { user, password } = await server.createUser();
    const context = await newContext();
    try {
      const page = await open(context, `${appUrl}/`);
      // The page navigates away as the call ends: its outcome may not come back.
      await run(page, config, 'await auth.signInWithRedirect({ loginHint: args.login });', {
        login: user.login,
      }).catch(() => undefined);
      await page.waitForURL((url) => url.origin === server.url && url.pathname === '/signin');
      await page.locator('.gh-widget[data-gh-view="identify"]').waitFor();
      // login_hint pre-fills the username (docs/adr/0012).
      expect(await page.getByLabel('Username').inputValue()).toBe(user.login);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.keyboard.press('Enter');
      await page.waitForURL((url) => url.href.startsWith(`${config.redirectUri}?`));
      expect(new URL(page.url()).searchParams.get('iss')).toBe(server.issuer);
      await page.waitForFunction(() => (globalThis as { sdkReady?: boolean }).sdkReady === true);
      const signedIn = await run(
        page,
        config,
        `if (!auth.isLoginRedirect()) return { isCallback: false };
         const tokens = await auth.handleLoginRedirect();
         return { isCallback: true, sub: tokens.claims.sub, email: tokens.claims.email, stored: stored() };`,
      );
      expect(signedIn.error).toBeUndefined();
      expect(signedIn).toMatchObject({ isCallback: true, sub: user.id, email: user.email });
      // docs/security.md N2: tokens stay in memory; the used transaction is gone too.
      expect(signedIn.stored).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\./);
      expect(signedIn.stored).not.toContain('"flow":"redirect"');
      // The same answer again (a reload): the state was used once.
      const reload = await run(page, config, 'return summary(await auth.handleLoginRedirect());');
      expect(reload.error).toMatchObject({ name: 'ValidationError', code: 'state_mismatch' });

      // The SSO session: no page this time; then sign out with the ID token (RP-initiated logout).
      await run(page, config, "await auth.signInWithRedirect({ prompt: 'none' });").catch(() => undefined);
      await page.waitForURL(
        (url) => url.href.startsWith(`${config.redirectUri}?`) && url.searchParams.has('code'),
      );
      await page.waitForFunction(() => (globalThis as { sdkReady?: boolean }).sdkReady === true);
      const again = await run(
        page,
        config,
        `const tokens = await auth.handleLoginRedirect();
         location.assign(await auth.signOut({ postLogoutRedirectUri: args.home }));
         return { sub: tokens.claims.sub };`,
        { home: `${appUrl}/` },
      ).catch(() => ({ sub: 'navigated' }));
      expect([user.id, 'navigated']).toContain(again.sub);
      await page.waitForURL(`${appUrl}/`);

      // Gatehouse's session is over: prompt=none answers login_required, a sign-in shows the form.
      await page.waitForFunction(() => (globalThis as { sdkReady?: boolean }).sdkReady === true);
      await run(page, config, "await auth.signInWithRedirect({ prompt: 'none' });").catch(() => undefined);
      await page.waitForURL(
        (url) => url.href.startsWith(`${config.redirectUri}?`) && url.searchParams.has('error'),
      );
      await page.waitForFunction(() => (globalThis as { sdkReady?: boolean }).sdkReady === true);
      const refused = await run(page, config, 'return summary(await auth.handleLoginRedirect());');
      expect(refused.error).toMatchObject({ name: 'OAuthError', code: 'login_required' });
      await run(page, config, 'await auth.signInWithRedirect();').catch(() => undefined);
      await page.waitForURL((url) => url.origin === server.url && url.pathname === '/signin');
      await page.locator('.gh-widget[data-gh-view="identify"]').waitFor();
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
