/**
 * The sample's "Sign in with redirect" mode in Chromium (docs/adr/0012-hosted-sign-in.md): the
 * server builds the authorize URL (PKCE verifier, state and nonce stay in its session), Gatehouse's
 * hosted page signs the user in, the authorization code comes back to /authorization-code/callback
 * and the same signed-in page shows the user. Gatehouse's SSO session skips the form the next time;
 * sign-out (RP-initiated logout with the ID token) ends it, so the form shows again.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  inFreshBrowser,
  type SampleEnv,
  signedInHome,
  startSampleEnv,
  tableValues,
  widgetView,
} from './support/sample-env.js';

describe('express sample: sign in with redirect (Chromium)', () => {
  let env: SampleEnv;
  beforeAll(async () => {
    env = await startSampleEnv({ policy: { factors: 'password', identifierFirst: false } });
  });
  afterAll(() => env?.close());

  const callback = () => `${env.appUrl}/authorization-code/callback`;

  /** Home → "Sign in with redirect" → Gatehouse's hosted page, its identify form shown. */
  async function toHostedPage(page: Page): Promise<URL> {
    await page.goto(`${env.appUrl}/`);
    const authorize = page.waitForRequest((req) =>
      req.url().startsWith(`${env.server.issuer}/v1/authorize?`),
    );
    await page.locator('#sign-in-redirect').click();
    const url = new URL((await authorize).url());
    await page.waitForURL((u) => u.origin === env.server.url && u.pathname === '/signin');
    await widgetView(page, 'identify');
    return url;
  }

  async function signInOnHostedPage(page: Page, login: string, password: string) {
    await page.getByLabel('Username').fill(login);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.keyboard.press('Enter');
    return signedInHome(env, page);
  }

  it('signs in on the hosted page; SSO skips the form; sign-out ends the Gatehouse session (the form shows again)', () =>
    inFreshBrowser(env, async ({ context, newPage }) => {
      const { user, password } = await env.server.createUser({ firstName: 'Grace', lastName: 'Hopper' });
      const page = await newPage();
      const authorize = await toHostedPage(page);
      // What the sample's server sent: a code request with PKCE S256 to its own callback; the
      // verifier stays in the sample's session.
      expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
        client_id: env.gatehouseApp.clientId,
        redirect_uri: callback(),
        response_type: 'code',
        scope: 'openid profile email',
        code_challenge_method: 'S256',
      });
      for (const name of ['state', 'nonce', 'code_challenge'])
        expect(authorize.searchParams.get(name)).toMatch(/^[\w-]{43}$/);
      expect(authorize.searchParams.has('code_verifier')).toBe(false);

      const codeBack = page.waitForRequest((req) => req.url().startsWith(`${callback()}?`));
      const claims = await signInOnHostedPage(page, user.login, password);
      const back = new URL((await codeBack).url());
      expect(back.searchParams.get('state')).toBe(authorize.searchParams.get('state'));
      expect(back.searchParams.get('iss')).toBe(env.server.issuer);
      expect(claims.sub).toBe(user.id);
      expect(claims.nonce).toBe(authorize.searchParams.get('nonce'));
      expect(claims.sid).toBeTruthy();
      expect(await page.locator('#user-name').textContent()).toBe('Grace Hopper');
      expect(await page.locator('#sign-in-mode').getAttribute('data-mode')).toBe('redirect');
      expect((await tableValues(page, '#userinfo')).sub).toBe(user.id);
      expect((await context.cookies(env.server.url)).map((c) => c.name)).toContain('gh_session');
      // The code and state left the address bar; no token reached the browser.
      expect(page.url()).toBe(`${env.appUrl}/`);
      const stored = await page.evaluate(
        () => JSON.stringify({ ...localStorage, ...sessionStorage }) + document.cookie,
      );
      expect(stored).not.toMatch(/eyJ[\w-]+\.eyJ/);

      // The sample's session gone, Gatehouse's kept: "Sign in with redirect" comes straight back.
      await context.clearCookies({ name: 'sample.sid' });
      await page.goto(`${env.appUrl}/`);
      await page.locator('#sign-in-redirect').click();
      const again = await signedInHome(env, page);
      expect(again.sub).toBe(user.id);
      expect(again.sid).toBe(claims.sid);

      // Sign out: RP-initiated logout with the ID token and the registered post-logout URI.
      const logout = page.waitForRequest((req) => req.url().startsWith(`${env.server.issuer}/v1/logout`));
      await page.getByRole('button', { name: 'Sign out' }).first().click();
      const logoutUrl = new URL((await logout).url());
      expect(logoutUrl.searchParams.get('id_token_hint')).toBeTruthy();
      expect(logoutUrl.searchParams.get('post_logout_redirect_uri')).toBe(`${env.appUrl}/`);
      await page.waitForURL(`${env.appUrl}/`);
      await page.locator('#sign-in-redirect').waitFor();
      expect(await page.locator('main').textContent()).toContain('You are not signed in.');
      expect((await context.cookies(env.server.url)).map((c) => c.name)).not.toContain('gh_session');

      // Gatehouse's session is over: the hosted page asks again, and signs in again.
      await toHostedPage(page);
      expect((await signInOnHostedPage(page, user.login, password)).sub).toBe(user.id);
    }));

  it('the widget page links to the redirect mode; the embedded sign-in says how it signed in', () =>
    inFreshBrowser(env, async ({ newPage }) => {
      const { user, password } = await env.server.createUser();
      const page = await newPage();
      await page.goto(`${env.appUrl}/login`);
      await widgetView(page, 'identify');
      expect(await page.locator('#sign-in-redirect').getAttribute('href')).toBe('/login/redirect');
      await page.getByLabel('Username').fill(user.login);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.keyboard.press('Enter');
      await signedInHome(env, page);
      expect(await page.locator('#sign-in-mode').getAttribute('data-mode')).toBe('embedded');
      // Signed in already: "Sign in with redirect" goes home.
      await page.goto(`${env.appUrl}/login/redirect`);
      expect(page.url()).toBe(`${env.appUrl}/`);
    }));

  it('refuses a callback whose state was tampered with or that another browser opens; the genuine one works once', () =>
    inFreshBrowser(env, async ({ newPage }) => {
      const { user, password } = await env.server.createUser();
      const page = await newPage();
      let genuine = '';
      // Hold Gatehouse's redirect back to the sample (the completion's 302) so the test can change it.
      await page.route(
        (url) => url.origin === env.server.url && url.pathname === '/oauth2/default/v1/authorize/complete',
        async (route) => {
          const answer = await route.fetch({ maxRedirects: 0 });
          genuine = answer.headers().location ?? '';
          return route.fulfill({ status: 204 });
        },
      );
      await toHostedPage(page);
      await page.getByLabel('Username').fill(user.login);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.keyboard.press('Enter');
      await expect.poll(() => genuine, { timeout: 15_000 }).not.toBe('');
      expect(new URL(genuine).searchParams.get('code')).toBeTruthy();

      // Another browser (no session that started this sign-in) is refused.
      await inFreshBrowser(env, async (other) => {
        const elsewhere = await other.newPage();
        const refused = await elsewhere.goto(genuine);
        expect(refused?.status()).toBe(400);
        expect(await elsewhere.locator('#state-refused').textContent()).toContain(
          'does not belong to a sign-in started in this browser',
        );
      });

      const tampered = new URL(genuine);
      const state = tampered.searchParams.get('state')!;
      tampered.searchParams.set('state', `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`);
      expect((await page.goto(tampered.href))?.status()).toBe(400);
      expect(await page.locator('#state-refused').isVisible()).toBe(true);
      // A repeated parameter in the callback is refused before the SDK sees it.
      expect((await page.goto(`${genuine}&state=${state}`))?.status()).toBe(400);
      expect(await page.locator('#link-invalid').isVisible()).toBe(true);

      await page.goto(genuine);
      expect((await signedInHome(env, page)).sub).toBe(user.id);
      // A callback is redeemed once: replaying it is refused (the state is used up).
      const replay = await page.goto(genuine);
      expect(replay?.status()).toBe(400);
    }));

  it('an error from Gatehouse at the callback is shown as text, escaped', () =>
    inFreshBrowser(env, async ({ newPage }) => {
      const page = await newPage();
      let state = '';
      // The sample's 303 to Gatehouse is held: the test answers in Gatehouse's place.
      await page.route(
        (url) => url.href === `${env.appUrl}/login/redirect`,
        async (route) => {
          const answer = await route.fetch({ maxRedirects: 0 });
          state = new URL(answer.headers().location ?? 'x:').searchParams.get('state') ?? '';
          // Its session cookie (which holds the sign-in's state) is kept; the redirect is not followed.
          const { location: _location, ...headers } = answer.headers();
          return route.fulfill({ status: 204, headers });
        },
      );
      await page.goto(`${env.appUrl}/`);
      await page.locator('#sign-in-redirect').click();
      await expect.poll(() => state).not.toBe('');
      const description = '<img src=x onerror=alert(1)>Access denied';
      const url = new URL(callback());
      url.search = new URLSearchParams({
        error: 'access_denied',
        error_description: description,
        state,
        iss: env.server.issuer,
      }).toString();
      const res = await page.goto(url.href);
      expect(res?.status()).toBe(400);
      expect(await page.locator('#sign-in-error').textContent()).toBe(`access_denied: ${description}`);
      expect(await page.locator('#sign-in-error img').count()).toBe(0);
    }));
});
