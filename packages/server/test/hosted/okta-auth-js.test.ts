/**
 * `@okta/okta-auth-js` in a single-page app, the way most Okta SPAs sign in: `signInWithRedirect()`
 * to Gatehouse's hosted page, back at the redirect URI, `handleLoginRedirect()` redeems the code
 * (PKCE, a public client, a cross-origin token call) and the token manager holds verified tokens.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/storage/apps-store.js';
import {
  expectHostedPage,
  expectText,
  type HostedEnv,
  signInWithPassword,
  startHostedEnv,
  withProfiles,
} from './hosted-harness.js';
import { type SpaApp, type SpaOutcome, startSpaApp } from './spa-app.js';

const AUTH_JS_VERSION = '8.0.1';

describe(`@okta/okta-auth-js ${AUTH_JS_VERSION} signInWithRedirect in a single-page app`, () => {
  let env: HostedEnv;
  let spa: SpaApp;
  let app: App;
  beforeAll(async () => {
    env = await startHostedEnv();
    spa = await startSpaApp(env.server.issuer);
    ({ app } = await env.server.createApp({
      name: 'auth-js SPA',
      public: true,
      redirectUris: [spa.redirectUri],
      postLogoutRedirectUris: [`${spa.url}/`],
      // The SPA's origin: CORS for discovery, the keys and the token call.
      trustedOrigins: [spa.url],
    }));
    spa.setClientId(app.clientId);
  });
  afterAll(async () => {
    await spa?.close();
    await env?.close();
  });

  it('is the auth-js version under test', async () => {
    const { readFile } = await import('node:fs/promises');
    const pkg = JSON.parse(
      await readFile(
        new URL('../../../../node_modules/@okta/okta-auth-js/package.json', import.meta.url),
        'utf8',
      ),
    ) as { version: string };
    expect(pkg.version).toBe(AUTH_JS_VERSION);
  });

  async function spaOutcome(page: Page): Promise<SpaOutcome> {
    await page.waitForFunction(() => (globalThis as { spaOutcome?: unknown }).spaOutcome, null, {
      timeout: 15_000,
    });
    return page.evaluate(() => (globalThis as unknown as { spaOutcome: SpaOutcome }).spaOutcome);
  }

  it('sign in → hosted page → back → handleLoginRedirect(): the token manager holds the ID token', async () => {
    const { user, password } = await env.server.createUser();
    await withProfiles(env, 'auth-js redirect', async (open) => {
      const profile = await open('browser');
      const page = await profile.newPage();
      await page.goto(spa.url);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expectHostedPage(page, env.server);

      // What auth-js asked for: a code with PKCE S256 and a nonce, for this public client.
      const authorize = new URL(
        profile.navigations.find((l) => l.includes('/v1/authorize?'))!.split(' ')[2]!,
      );
      expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
        client_id: app.clientId,
        redirect_uri: spa.redirectUri,
        response_type: 'code',
        code_challenge_method: 'S256',
        code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        nonce: expect.any(String),
        state: expect.any(String),
      });

      const before = Math.floor(env.server.clock.now() / 1000);
      await signInWithPassword(page, { login: user.login, password });
      await page.waitForURL((url) => url.href.startsWith(`${spa.redirectUri}?`), { timeout: 15_000 });
      const outcome = await spaOutcome(page);
      expect(outcome.error).toBeUndefined();
      await expectText(page.locator('#status'), `Signed in as ${user.email}`);
      expect(outcome.claims).toMatchObject({
        iss: env.server.issuer,
        aud: app.clientId,
        sub: user.id,
        amr: ['pwd'],
        nonce: authorize.searchParams.get('nonce'),
        sid: expect.any(String),
      });
      const authTime = outcome.claims?.auth_time as number;
      expect(authTime).toBeGreaterThanOrEqual(before - 1);
      expect(authTime).toBeLessThanOrEqual(Math.ceil(env.server.clock.now() / 1000));

      // The access token the SPA holds is one Gatehouse honours.
      const userinfo = await fetch(`${env.server.issuer}/v1/userinfo`, {
        headers: { authorization: `Bearer ${outcome.accessToken}` },
      });
      expect(userinfo.status).toBe(200);
      expect(await userinfo.json()).toMatchObject({ sub: user.id, email: user.email });
    });
  });

  it('a second signInWithRedirect in the same browser skips the form (SSO) and keeps the session id', async () => {
    const { user, password } = await env.server.createUser();
    await withProfiles(env, 'auth-js sso', async (open) => {
      const profile = await open('browser');
      const page = await profile.newPage();
      await page.goto(spa.url);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expectHostedPage(page, env.server);
      await signInWithPassword(page, { login: user.login, password });
      await page.waitForURL((url) => url.href.startsWith(`${spa.redirectUri}?`), { timeout: 15_000 });
      const first = await spaOutcome(page);
      expect(first.error).toBeUndefined();

      // The app forgets its tokens; signing in again needs no password.
      await page.evaluate(() => localStorage.clear());
      await page.goto(spa.url);
      const signins = profile.gatehousePaths().filter((p) => p === '/signin').length;
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => url.href.startsWith(`${spa.redirectUri}?`), { timeout: 15_000 });
      const second = await spaOutcome(page);
      expect(second.error).toBeUndefined();
      expect(profile.gatehousePaths().filter((p) => p === '/signin').length).toBe(signins);
      expect(second.idToken).not.toBe(first.idToken);
      expect(second.claims).toMatchObject({
        sub: user.id,
        sid: first.claims?.sid,
        auth_time: first.claims?.auth_time,
      });
    });
  });
});
