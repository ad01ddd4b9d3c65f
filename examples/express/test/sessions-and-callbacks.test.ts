/**
 * The sample over plain HTTP (one cookie jar per "browser"): callbacks, same-browser rule, the
 * other-browser code page, CSRF, headers, session cookies, fixation, lifetimes, the persistent
 * store, and the production refusals of the configuration.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../packages/server/test/support/test-server.js';
import { createSampleApp } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/config.js';
import {
  HttpBrowser,
  interactionCodeRedirect,
  signInOverHttp,
  widgetOptionsOf,
} from './support/http-browser.js';
import { type SampleEnv, startSampleEnv } from './support/sample-env.js';

const VALID_STATE = 'A'.repeat(43);

describe('express sample over HTTP: callbacks, sessions, CSRF, headers', () => {
  let env: SampleEnv;
  const dir = mkdtempSync(join(tmpdir(), 'express-sample-'));
  beforeAll(async () => {
    env = await startSampleEnv({ browser: false });
  });
  afterAll(async () => {
    await env?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const browser = () => new HttpBrowser(env.appUrl);
  const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
  const isSignedIn = async (b: HttpBrowser) =>
    (await (await b.get('/')).text()).includes('id="id-token-claims"');

  it('every page: nonce CSP (new nonce each time, no unsafe-inline), no referrer, no framing, no caching', async () => {
    const b = browser();
    const first = await b.get('/login');
    const second = await b.get('/login');
    const csp = first.headers.get('content-security-policy')!;
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(second.headers.get('content-security-policy')).not.toContain(nonce);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    for (const directive of [
      "default-src 'none'",
      "base-uri 'none'",
      "object-src 'none'",
      "frame-ancestors 'none'",
    ])
      expect(csp).toContain(directive);
    expect(csp).toContain(`connect-src ${new URL(env.server.url).origin}`);
    const body = await first.text();
    // Every script on the page carries the nonce; none is inline code except the JSON data blocks
    // (the widget's options and the page headings).
    const scripts = body.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBe(4);
    for (const tag of scripts)
      expect(tag.includes(`nonce="${nonce}"`) || tag.includes('type="application/json"')).toBe(true);
    expect(body).toMatch(/integrity="sha384-[A-Za-z0-9+/=]+" crossorigin="anonymous"/);
    for (const res of [
      first,
      await b.get(`/login/callback?otp=123456&state=${VALID_STATE}`),
      await b.get('/nope'),
    ]) {
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
  });

  it('session cookie: HttpOnly, SameSite=Lax, Path=/, no Domain; a new id at sign-in and the old one is dead', async () => {
    const b = browser();
    const page = await b.get('/login');
    const setCookie = page.headers.getSetCookie().find((c) => c.startsWith('sample.sid='))!;
    expect(setCookie).toMatch(/; Path=\//);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Lax/);
    expect(setCookie).not.toMatch(/Domain=/i);
    const before = b.cookies.get('sample.sid')!;
    const { user, password } = await env.server.createUser();
    const signedIn = await b.get(await interactionCodeRedirect(env, b, user.login, password));
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/');
    const after = b.cookies.get('sample.sid')!;
    expect(after).not.toBe(before);
    expect(await isSignedIn(b)).toBe(true);
    const old = new HttpBrowser(env.appUrl);
    old.cookies.set('sample.sid', before);
    expect(await isSignedIn(old)).toBe(false);
    // A session id in the URL is not a session.
    const sid = decodeURIComponent(after)
      .replace(/^s:/, '')
      .replace(/\.[^.]*$/, '');
    expect(await (await fetch(`${env.appUrl}/?sid=${sid}`)).text()).toContain('You are not signed in.');
  });

  it('a magic link where the sign-in started: stored in the session, clean /login, the widget gets otp and state once', async () => {
    const b = browser();
    const options = widgetOptionsOf(await (await b.get('/login')).text());
    expect(options.otp).toBeUndefined();
    const link = await b.get(`/login/callback?otp=654321&state=${options.state}`);
    expect(link.status).toBe(303);
    expect(link.headers.get('location')).toBe('/login');
    expect(link.headers.get('referrer-policy')).toBe('no-referrer');
    const resumed = widgetOptionsOf(await (await b.get('/login')).text());
    expect(resumed).toMatchObject({
      otp: '654321',
      state: options.state,
      interactionHandle: options.interactionHandle,
    });
    expect(resumed).not.toHaveProperty('codeChallenge');
    expect(widgetOptionsOf(await (await b.get('/login')).text()).otp, 'handed over once').toBeUndefined();
    // The seed's `/login?state&otp` form and the recovery link behave the same.
    for (const path of ['/login', '/magic-link/callback']) {
      const again = await b.get(`${path}?otp=111222&state=${options.state}`);
      expect(again.headers.get('location')).toBe('/login');
      expect(widgetOptionsOf(await (await b.get('/login')).text()).otp).toBe('111222');
    }
  });

  it('a magic link in another browser: no sign-in, the code only after a CSRF-checked POST', async () => {
    const starter = browser();
    const { state } = widgetOptionsOf(await (await starter.get('/login')).text());
    const other = browser();
    const link = await other.get(`/magic-link/callback?otp=246810&state=${state}`);
    expect(link.status).toBe(303);
    expect(link.headers.get('location')).toBe('/magic-link/code');
    const page = await other.get('/magic-link/code');
    const html = await page.text();
    expect(html).toContain('different browser');
    expect(html).not.toContain('246810');
    const token = csrfOf(html);
    expect(token).toMatch(/^[\w-]{43}$/);
    expect((await other.post('/magic-link/code', {})).status).toBe(403);
    expect((await other.post('/magic-link/code', { _csrf: `${token.slice(0, -1)}x` })).status).toBe(403);
    expect(
      (await other.post('/magic-link/code', { _csrf: token }, { origin: 'http://evil.example' })).status,
    ).toBe(403);
    expect(
      (await other.post('/magic-link/code', { _csrf: token }, { 'sec-fetch-site': 'cross-site' })).status,
    ).toBe(403);
    const shown = await other.post(
      '/magic-link/code',
      { _csrf: token },
      { origin: 'null', 'sec-fetch-site': 'same-origin' },
    );
    expect(shown.status).toBe(200);
    expect(await shown.text()).toContain('<p class="otp" id="otp">246810</p>');
    // The other browser is not signed in, and the starter's transaction is untouched.
    expect(await isSignedIn(other)).toBe(false);
    expect((await starter.get(`/login?otp=246810&state=${state}`)).headers.get('location')).toBe('/login');
    expect(widgetOptionsOf(await (await starter.get('/login')).text()).otp).toBe('246810');
  });

  it('refuses malformed, repeated or foreign callback parameters without consuming the sign-in', async () => {
    const b = browser();
    const { state } = widgetOptionsOf(await (await b.get('/login')).text());
    const bad = [
      `/login/callback?otp=12345&state=${state}`,
      `/login/callback?otp=1234567&state=${state}`,
      `/login/callback?otp=123456&state=short`,
      `/login/callback?otp=123456&otp=654321&state=${state}`,
      `/magic-link/callback?otp=123456&state=${state}&state=${state}`,
      `/login/callback?state=${state}`,
      '/login/callback',
    ];
    for (const path of bad) {
      const res = await b.get(path);
      expect(res.status, path).toBe(400);
    }
    // A state from another session is refused (login CSRF), and so is an unknown one.
    const other = browser();
    const { state: foreign } = widgetOptionsOf(await (await other.get('/login')).text());
    for (const s of [foreign, VALID_STATE]) {
      const res = await b.get(`/login/callback?interaction_code=abc&state=${s}`);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('id="state-refused"');
    }
    // None of that used up this session's sign-in.
    expect((await b.get(`/login/callback?otp=123456&state=${state}`)).headers.get('location')).toBe('/login');
  });

  /** The session record of `b` in the sample's store (read and written the way express-session does). */
  function sessionOf(b: HttpBrowser) {
    const sid = decodeURIComponent(b.cookies.get('sample.sid')!)
      .replace(/^s:/, '')
      .replace(/\.[^.]*$/, '');
    const store = env.sample.store;
    type Data = { gatehouse?: { transactions: Record<string, { transaction: Record<string, unknown> }> } };
    return {
      read: () =>
        new Promise<Data>((resolve, reject) =>
          store.get(sid, (err, data) => (err ? reject(err) : resolve(data as unknown as Data))),
        ),
      write: (data: Data) =>
        new Promise<void>((resolve, reject) =>
          store.set(sid, data as never, (err) => (err ? reject(err) : resolve())),
        ),
    };
  }

  it('/login starts the interaction on the server with the SDK: verifier and nonce stay in the session', async () => {
    const b = browser();
    const page = await (await b.get('/login')).text();
    const options = widgetOptionsOf(page);
    expect(options.interactionHandle).toMatch(/\S{16,}/);
    const saved = (await sessionOf(b).read()).gatehouse!.transactions[options.state]!.transaction;
    expect(saved).toMatchObject({ state: options.state, interactionHandle: options.interactionHandle });
    expect(saved.codeVerifier).toMatch(/^[\w-]{43,128}$/);
    expect(saved.nonce).toMatch(/\S{16,}/);
    // The page carries neither secret (nor a challenge for the widget to interact with).
    expect(page).not.toContain(saved.codeVerifier as string);
    expect(page).not.toContain(saved.nonce as string);
    expect(options).not.toHaveProperty('codeChallenge');
  });

  it('the ID token nonce is checked: a changed nonce in the session refuses the callback, nobody signed in', async () => {
    const b = browser();
    const { user, password } = await env.server.createUser();
    const redirect = await interactionCodeRedirect(env, b, user.login, password);
    const state = new URL(redirect, env.appUrl).searchParams.get('state')!;
    const session = sessionOf(b);
    const data = await session.read();
    data.gatehouse!.transactions[state]!.transaction.nonce = 'tampered-nonce-tampered-nonce';
    await session.write(data);
    const res = await b.get(redirect);
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toContain('id="sign-in-error"');
    expect(body).toContain('id_token_nonce');
    expect(await isSignedIn(b)).toBe(false);
    // The transaction is gone: the same redirect cannot be replayed.
    expect((await b.get(redirect)).status).toBe(400);
    // With the nonce untouched the same flow signs in.
    await signInOverHttp(env, browser(), user.login, password);
  });

  it('canProceed({ state }) over the session decides same browser vs other browser for a magic link', async () => {
    const b = browser();
    const { state } = widgetOptionsOf(await (await b.get('/login')).text());
    // The path form (req.originalUrl) is recognised as an email-verify callback.
    const same = await b.get(`/login/callback?otp=135790&state=${state}`);
    expect(same.headers.get('location')).toBe('/login');
    // Once the SDK transaction is no longer in this session, the same link is "another browser".
    const session = sessionOf(b);
    const data = await session.read();
    delete data.gatehouse!.transactions[state];
    await session.write(data);
    const elsewhere = await b.get(`/login/callback?otp=135790&state=${state}`);
    expect(elsewhere.headers.get('location')).toBe('/magic-link/code');
    const recovery = await b.get(`/magic-link/callback?otp=135790&state=${state}`);
    expect(recovery.headers.get('location')).toBe('/magic-link/code');
  });

  it('an error on the redirect is shown (escaped) and ends that sign-in; interaction_required starts over', async () => {
    const b = browser();
    const { state } = widgetOptionsOf(await (await b.get('/login')).text());
    const res = await b.get(
      `/login/callback?state=${state}&error=access_denied&error_description=${encodeURIComponent('<b>no</b>')}`,
    );
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toContain('access_denied: &lt;b&gt;no&lt;/b&gt;');
    expect(body).not.toContain('<b>no</b>');
    expect((await b.get(`/login/callback?state=${state}&error=access_denied`)).status).toBe(400);
    const { state: next } = widgetOptionsOf(await (await b.get('/login')).text());
    const again = await b.get(`/login/callback?state=${next}&error=interaction_required`);
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe('/login');
  });

  it('a wrong interaction code is refused by Gatehouse and nobody is signed in', async () => {
    const b = browser();
    const { user, password } = await env.server.createUser();
    const redirect = new URL(await interactionCodeRedirect(env, b, user.login, password), env.appUrl);
    redirect.searchParams.set('interaction_code', 'forged-code');
    const res = await b.get(`${redirect.pathname}${redirect.search}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('invalid_grant');
    expect(await isSignedIn(b)).toBe(false);
  });

  it('sign-out needs the CSRF token and a same-origin request', async () => {
    const b = browser();
    const { user, password } = await env.server.createUser();
    await signInOverHttp(env, b, user.login, password);
    const token = csrfOf(await (await b.get('/')).text());
    expect((await b.post('/logout', {})).status).toBe(403);
    expect((await b.post('/logout', { _csrf: token }, { origin: 'http://127.0.0.2:8080' })).status).toBe(403);
    expect((await b.post('/logout', { _csrf: token }, { 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect(await isSignedIn(b)).toBe(true);
    const out = await b.post(
      '/logout',
      { _csrf: token },
      { origin: env.appUrl, 'sec-fetch-site': 'same-origin' },
    );
    expect(out.status).toBe(303);
    const location = new URL(out.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(`${env.server.issuer}/v1/logout`);
    expect(location.searchParams.get('post_logout_redirect_uri')).toBe(`${env.appUrl}/`);
    // Gatehouse sends the browser back to the app.
    const back = await fetch(location, { redirect: 'manual' });
    expect(back.headers.get('location')).toBe(`${env.appUrl}/`);
    expect(await isSignedIn(b)).toBe(false);
  });

  it('idle timeout (30 min) and absolute lifetime are enforced on the server', async () => {
    const { user, password } = await env.server.createUser();
    const idle = browser();
    await signInOverHttp(env, idle, user.login, password);
    env.server.clock.advance(29 * 60_000);
    expect(await isSignedIn(idle)).toBe(true);
    env.server.clock.advance(31 * 60_000);
    expect(await isSignedIn(idle)).toBe(false);

    await env.restartSample({ sessionAbsoluteSeconds: 45 * 60 });
    try {
      const active = browser();
      await signInOverHttp(env, active, user.login, password);
      for (let i = 0; i < 2; i++) {
        env.server.clock.advance(20 * 60_000);
        expect(await isSignedIn(active), `after ${(i + 1) * 20} min of activity`).toBe(true);
      }
      env.server.clock.advance(10 * 60_000);
      const page = await (await active.get('/')).text();
      expect(page).toContain('You are not signed in.');
      expect(page, 'ended by the absolute lifetime, not by the token').not.toContain(
        'Your session has ended',
      );
    } finally {
      await env.restartSample({ sessionAbsoluteSeconds: 12 * 60 * 60 });
    }
  });

  it('sessions persist in the SQLite store across a restart of the app', async () => {
    const file = join(dir, 'sessions.sqlite');
    await env.restartSample({ sessionDb: file });
    try {
      const b = browser();
      const { user, password } = await env.server.createUser();
      await signInOverHttp(env, b, user.login, password);
      await env.restartSample({ sessionDb: file });
      expect(await isSignedIn(b)).toBe(true);
      await env.restartSample({ sessionDb: ':memory:' });
      expect(await isSignedIn(b), 'a different store knows nothing of it').toBe(false);
    } finally {
      await env.restartSample({ sessionDb: ':memory:' });
    }
  });

  it('over https: a __Host- Secure cookie and HSTS', async () => {
    const port = await freePort();
    // /login starts a transaction at Gatehouse: the https app is registered with its own redirect URI.
    const { app: httpsApp } = await env.server.createApp({
      redirectUris: ['https://app.example/login/callback'],
      emailVerifyUri: 'https://app.example/login/callback',
      trustedOrigins: ['https://app.example'],
    });
    const config = loadConfig(
      {},
      {
        mode: 'production',
        port,
        appUrl: 'https://app.example',
        issuer: env.server.issuer,
        clientId: httpsApp.clientId,
        sessionSecret: 'x'.repeat(40),
        sessionDb: ':memory:',
        trustProxy: true,
        devMailboxUrl: undefined,
      },
    );
    const sample = createSampleApp(config);
    const http = sample.app.listen(port, '127.0.0.1');
    await new Promise((resolve) => http.once('listening', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${port}/login`, {
        headers: { 'x-forwarded-proto': 'https' },
      });
      expect(res.status).toBe(200);
      const cookie = res.headers.getSetCookie().join('\n');
      expect(cookie).toMatch(/^__Host-sample\.sid=.*; Path=\/;.*; HttpOnly; Secure; SameSite=Lax/m);
      expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      expect(await res.text()).not.toContain('dev-mailbox');
    } finally {
      await new Promise((resolve) => http.close(resolve));
      sample.close();
    }
  });

  it('production refuses the development secret, the memory store, plain http and the dev mailbox', () => {
    const base = {
      NODE_ENV: 'production',
      CLIENT_ID: 'abc',
      APP_URL: 'https://app.example',
      GATEHOUSE_ISSUER: 'https://id.example/oauth2/default',
      SESSION_SECRET: 's'.repeat(32),
    };
    expect(loadConfig(base).sessionStore).toBe('sqlite');
    expect(loadConfig(base).devMailboxUrl).toBeUndefined();
    const refused: Array<[Record<string, string | undefined>, RegExp]> = [
      [{ SESSION_SECRET: undefined }, /SESSION_SECRET/],
      [{ SESSION_SECRET: 'short' }, /SESSION_SECRET/],
      [{ SESSION_STORE: 'memory' }, /memory is refused/],
      [{ APP_URL: 'http://app.example' }, /https/],
      [{ CLIENT_ID: undefined }, /CLIENT_ID/],
    ];
    for (const [change, message] of refused)
      expect(() => loadConfig({ ...base, ...change })).toThrow(message);
    expect(() => loadConfig(base, { devMailboxUrl: 'http://x/dev/mailbox' })).toThrow(ConfigError);
    // Development allows what production refuses, with the mailbox link.
    const dev = loadConfig({ CLIENT_ID: 'abc', SESSION_STORE: 'memory' });
    expect(dev.devMailboxUrl).toBe('http://localhost:4455/dev/mailbox');
  });
});
