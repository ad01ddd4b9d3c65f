/**
 * The sample in Chromium, app policy "password": password sign-in, sign-out, password recovery
 * (link in a second tab of the same browser, link in another browser, typed code) and a tampered
 * `state` on the interaction-code redirect. Each test runs in a fresh browser context.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  askForResetEmail,
  inFreshBrowser,
  type SampleEnv,
  signedInHome,
  signInWithPassword,
  startSampleEnv,
  tableValues,
  waitForEmail,
  widgetView,
} from './support/sample-env.js';

describe('express sample: password sign-in, sign-out, recovery (Chromium)', () => {
  let env: SampleEnv;
  beforeAll(async () => {
    env = await startSampleEnv({
      policy: { factors: 'password', identifierFirst: false, selfServiceRecovery: true },
    });
  });
  afterAll(() => env?.close());

  it('signs in with a password: claims from the validated ID token and userinfo, HttpOnly Lax session cookie', () =>
    inFreshBrowser(env, async ({ context, newPage }) => {
      const { user, password } = await env.server.createUser({ firstName: 'Ada', lastName: 'Lovelace' });
      const page = await newPage();
      await page.goto(`${env.appUrl}/login`);
      await widgetView(page, 'identify');
      const before = (await context.cookies()).find((c) => c.name === 'sample.sid')?.value;
      expect(before, 'the sign-in page starts a session (it holds the PKCE verifier)').toBeTruthy();
      // The dev mailbox link is on the page in development.
      expect(await page.locator('#dev-mailbox').getAttribute('href')).toBe(`${env.server.url}/dev/mailbox`);
      await page.getByLabel('Username').fill(user.login);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.keyboard.press('Enter');
      const claims = await signedInHome(env, page);
      expect(claims.sub).toBe(user.id);
      expect(claims.iss).toBe(env.server.issuer);
      expect(claims.aud).toBe(env.gatehouseApp.clientId);
      expect(claims.email).toBe(user.email);
      expect(await page.locator('#user-name').textContent()).toBe('Ada Lovelace');
      // How the user signed in: the ID token's amr, the password alone.
      expect(claims.amr).toBe(JSON.stringify(['pwd']));
      expect(
        await page.locator('#amr li').evaluateAll((li) => li.map((e) => e.getAttribute('data-amr'))),
      ).toEqual(['pwd']);
      expect(await page.locator('#amr-summary').textContent()).toContain('No multi-factor claim');
      const userinfo = await tableValues(page, '#userinfo');
      expect(userinfo.sub).toBe(user.id);
      expect(userinfo.email).toBe(user.email);

      const cookie = (await context.cookies()).find((c) => c.name === 'sample.sid')!;
      expect(cookie.httpOnly).toBe(true);
      expect(cookie.sameSite).toBe('Lax');
      expect(cookie.path).toBe('/');
      expect(cookie.value, 'a new session id after signing in (no fixation)').not.toBe(before);
      // No token reaches the browser: nothing readable by scripts holds one.
      const stored = await page.evaluate(
        () => JSON.stringify({ ...localStorage, ...sessionStorage }) + document.cookie,
      );
      expect(stored).not.toMatch(/eyJ[\w-]+\.eyJ/);
    }));

  it('signs out: tokens revoked at Gatehouse, the session gone, back on the signed-out home page', () =>
    inFreshBrowser(env, async ({ context, newPage }) => {
      const { user, password } = await env.server.createUser();
      const page = await newPage();
      await signInWithPassword(env, page, user.login, password);
      const cookie = (await context.cookies()).find((c) => c.name === 'sample.sid')!;
      const accessToken = await sessionAccessToken(env, cookie.value);
      expect((await userinfoStatus(env, accessToken)).status).toBe(200);

      const logout = page.waitForRequest((req) => req.url().startsWith(`${env.server.issuer}/v1/logout`));
      await page.getByRole('button', { name: 'Sign out' }).first().click();
      const logoutUrl = new URL((await logout).url());
      expect(logoutUrl.searchParams.get('post_logout_redirect_uri')).toBe(`${env.appUrl}/`);
      expect(logoutUrl.searchParams.get('id_token_hint')).toBeTruthy();
      await page.waitForURL(`${env.appUrl}/`);
      await page.locator('#sign-in').waitFor();
      expect(await page.locator('main').textContent()).toContain('You are not signed in.');
      expect((await userinfoStatus(env, accessToken)).status).toBe(401);
      // Replaying the old cookie gets nobody signed in.
      const replay = await fetch(`${env.appUrl}/`, { headers: { cookie: `sample.sid=${cookie.value}` } });
      expect(await replay.text()).toContain('You are not signed in.');
    }));

  const startRecovery = (page: Page, login: string) => askForResetEmail(env, page, login);

  async function setNewPassword(page: Page, newPassword: string): Promise<void> {
    await widgetView(page, 'reset-authenticator');
    await page.getByLabel('New password').fill(newPassword);
    await page.getByLabel('Re-enter password').fill(newPassword);
    await page.getByRole('button', { name: 'Reset password' }).click();
  }

  it('recovers a password by the custom template link in a second tab of the same browser', async () => {
    const { user } = await env.server.createUser();
    await inFreshBrowser(env, async ({ newPage }) => {
      const first = await newPage();
      await startRecovery(first, user.login);
      const { link, otp, message } = await waitForEmail(env.server, user.email);
      expect(message.subject).toBe('Reset your Express sample password');
      const url = new URL(link);
      expect(`${url.origin}${url.pathname}`).toBe(`${env.appUrl}/magic-link/callback`);
      expect(url.searchParams.get('otp')).toBe(otp);
      expect(message.html).toContain(`${env.appUrl}/magic-link/callback?otp=${otp}&amp;state=`);

      const second = await newPage();
      const landing = await second.goto(link);
      // The link's otp and state leave the address bar: the widget page has a clean URL.
      expect(landing?.url()).toBe(`${env.appUrl}/login`);
      await setNewPassword(second, 'Harbour-Lantern-Quince-2291');
      expect((await signedInHome(env, second)).sub).toBe(user.id);
    });
    // The new password works from a fresh browser.
    await inFreshBrowser(env, async ({ newPage }) => {
      const page = await newPage();
      expect((await signInWithPassword(env, page, user.login, 'Harbour-Lantern-Quince-2291')).sub).toBe(
        user.id,
      );
    });
  });

  it('recovers by the typed code; the link opened in another browser only shows the code there', async () => {
    const { user, password: oldPassword } = await env.server.createUser();
    await inFreshBrowser(env, async ({ newPage }) => {
      const page = await newPage();
      await startRecovery(page, user.login);
      const { link, otp } = await waitForEmail(env.server, user.email);

      await inFreshBrowser(env, async (other) => {
        const elsewhere = await other.newPage();
        await elsewhere.goto(link);
        expect(elsewhere.url()).toBe(`${env.appUrl}/magic-link/code`);
        expect(await elsewhere.content()).not.toContain(otp);
        await elsewhere.locator('#show-code').click();
        expect(await elsewhere.locator('#otp').textContent()).toBe(otp);
        await elsewhere.goto(`${env.appUrl}/`);
        expect(await elsewhere.locator('main').textContent()).toContain('You are not signed in.');
      });

      await page.getByRole('button', { name: 'Enter a code instead' }).click();
      await page.getByLabel('Verification code').fill(otp);
      await page.keyboard.press('Enter');
      await setNewPassword(page, 'Meadow-Compass-Tangent-5530');
      expect((await signedInHome(env, page)).sub).toBe(user.id);
    });
    // The old password no longer works; the new one does.
    await inFreshBrowser(env, async ({ newPage }) => {
      const page = await newPage();
      await page.goto(`${env.appUrl}/login`);
      await widgetView(page, 'identify');
      await page.getByLabel('Username').fill(user.login);
      await page.getByLabel('Password', { exact: true }).fill(oldPassword);
      await page.keyboard.press('Enter');
      await page.locator('.gh-banner--error, .gh-banner').first().waitFor();
      expect(page.url()).toBe(`${env.appUrl}/login`);
      await page.getByLabel('Password', { exact: true }).fill('Meadow-Compass-Tangent-5530');
      await page.keyboard.press('Enter');
      expect((await signedInHome(env, page)).sub).toBe(user.id);
    });
  });

  it('refuses an interaction-code redirect whose state was tampered with; the genuine one still works', () =>
    inFreshBrowser(env, async ({ newPage }) => {
      const { user, password } = await env.server.createUser();
      const page = await newPage();
      let genuine = '';
      // Hold the widget's redirect to the callback so the test can change it.
      await page.route(
        (url) => url.pathname === '/login/callback' && url.searchParams.has('interaction_code') && !genuine,
        (route) => {
          genuine = route.request().url();
          return route.fulfill({ status: 204 });
        },
      );
      await page.goto(`${env.appUrl}/login`);
      await widgetView(page, 'identify');
      await page.getByLabel('Username').fill(user.login);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.keyboard.press('Enter');
      await expect.poll(() => genuine, { timeout: 15_000 }).not.toBe('');

      const tampered = new URL(genuine);
      const state = tampered.searchParams.get('state')!;
      tampered.searchParams.set('state', `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`);
      const refused = await page.goto(tampered.href);
      expect(refused?.status()).toBe(400);
      expect(await page.locator('#state-refused').textContent()).toContain(
        'does not belong to a sign-in started in this browser',
      );
      await page.goto(`${env.appUrl}/`);
      expect(await page.locator('main').textContent()).toContain('You are not signed in.');

      await page.goto(genuine);
      expect((await signedInHome(env, page)).sub).toBe(user.id);
      // A redirect is redeemed once: replaying it is refused.
      const replay = await page.goto(genuine);
      expect(replay?.status()).toBe(400);
    }));
});

/** The access token kept in the server-side session of a signed `sample.sid` cookie. */
async function sessionAccessToken(env: SampleEnv, cookieValue: string): Promise<string> {
  const sid = decodeURIComponent(cookieValue)
    .replace(/^s:/, '')
    .replace(/\.[^.]*$/, '');
  const data = await new Promise<Record<string, unknown> | null | undefined>((resolve, reject) =>
    env.sample.store.get(sid, (err, value) =>
      err ? reject(err) : resolve(value as unknown as Record<string, unknown>),
    ),
  );
  const tokens = (data?.gatehouse as { tokens?: { accessToken: string } } | undefined)?.tokens;
  if (!tokens) throw new Error('no tokens in the session');
  return tokens.accessToken;
}

function userinfoStatus(env: SampleEnv, accessToken: string): Promise<Response> {
  return fetch(`${env.server.issuer}/v1/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
}
