/**
 * openid-client v6 as a server-side relying party through a full browser sign-in on Gatehouse's
 * hosted page (docs/adr/0012-hosted-sign-in.md): password, and the email magic link opened in the
 * same browser (the flow continues there and ends at the app) or in another browser (it shows the
 * code, typed into the original tab).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/storage/users-store.js';
import {
  expectHostedPage,
  expectText,
  type HostedEnv,
  HTTP_401,
  type Profile,
  shownText,
  signInWithPassword,
  startHostedEnv,
  waitForEmail,
  widgetView,
  withProfiles,
} from './hosted-harness.js';
import { type OpenIdClientRp, type RpSignIn, startOpenIdClientRp } from './openid-client-rp.js';

describe('openid-client relying party, hosted sign-in in Chromium', () => {
  let env: HostedEnv;
  let rp: OpenIdClientRp;
  let emailRp: OpenIdClientRp;
  beforeAll(async () => {
    env = await startHostedEnv();
    rp = await startOpenIdClientRp(env.server, { name: 'password' });
    emailRp = await startOpenIdClientRp(env.server, {
      name: 'email',
      policy: { factors: 'email', identifierFirst: true },
    });
  });
  afterAll(async () => {
    await rp?.close();
    await emailRp?.close();
    await env?.close();
  });

  /** Waits for the RP's "Signed in as …" page and returns what openid-client verified. */
  async function landedSignedIn(page: Page, at: OpenIdClientRp, user: User): Promise<RpSignIn> {
    await page.waitForURL((url) => url.href.startsWith(`${at.redirectUri}?`), { timeout: 15_000 });
    await expectText(page.locator('#rp-user'), `Signed in as ${user.email}`);
    const result = at.results.at(-1)!;
    expect(result.ok).toBe(true);
    return result as RpSignIn;
  }

  it('password: the RP redirects to the hosted page and gets back a code it turns into verified tokens', async () => {
    const { user, password } = await env.server.createUser();
    await withProfiles(env, 'openid-client password', async (open) => {
      const profile = await open('browser');
      const page = await profile.newPage();
      const before = Math.floor(env.server.clock.now() / 1000);
      await page.goto(rp.loginUrl());
      await expectHostedPage(page, env.server);
      await signInWithPassword(page, { login: user.login, password });
      const result = await landedSignedIn(page, rp, user);

      // The authorization response named its issuer (RFC 9207), which openid-client checked.
      const callback = new URL(page.url());
      expect(callback.searchParams.get('iss')).toBe(env.server.issuer);
      expect(callback.searchParams.get('code')).toBeTruthy();
      expect(result.claims).toMatchObject({
        iss: env.server.issuer,
        aud: rp.app.clientId,
        sub: user.id,
        amr: ['pwd'],
      });
      expect(result.claims.auth_time).toBeGreaterThanOrEqual(before);
      expect(result.claims.auth_time).toBeLessThanOrEqual(Math.ceil(env.server.clock.now() / 1000));
      expect(result.claims.sid).toEqual(expect.any(String));
      expect(result.userinfo).toMatchObject({ sub: user.id, email: user.email });
      // Through the hosted page and back: /authorize, /signin, /authorize/complete, the app.
      expect(profile.gatehousePaths()).toEqual([
        '/oauth2/default/v1/authorize',
        '/signin',
        '/oauth2/default/v1/authorize/complete',
      ]);
      expect(await profile.sessionCookie()).toBeDefined();
    });
  });

  it('a wrong password keeps the hosted form with its error; the right one then ends at the app', async () => {
    const { user, password } = await env.server.createUser();
    await withProfiles(
      env,
      'openid-client wrong password',
      async (open) => {
        const page = await (await open('browser')).newPage();
        await page.goto(rp.loginUrl());
        await expectHostedPage(page, env.server);
        await signInWithPassword(page, { login: user.login, password: `${password}-wrong` });
        await expectText(
          page.locator('#gatehouse-sign-in .gh-banner'),
          'Unable to sign in. Check your username and password, then try again.',
        );
        expect(new URL(page.url()).pathname).toBe('/signin');
        await page.getByLabel('Password', { exact: true }).fill(password);
        await page.getByRole('button', { name: 'Sign in' }).click();
        const result = await landedSignedIn(page, rp, user);
        expect(result.claims.sub).toBe(user.id);
      },
      [HTTP_401],
    );
  });

  /** The RP's sign-in up to "check your email"; returns the flow id of the hosted page. */
  async function reachEmailChallenge(page: Page, user: User): Promise<string> {
    await page.goto(emailRp.loginUrl());
    await expectHostedPage(page, env.server);
    const flow = new URL(page.url()).searchParams.get('flow')!;
    await page.getByLabel('Username').fill(user.login);
    await page.getByRole('button', { name: 'Next' }).click();
    const view = await widgetView(
      page,
      /^(select-authenticator-authenticate|challenge-authenticator:okta_email)$/,
    );
    if (view === 'select-authenticator-authenticate')
      await page.getByRole('button', { name: /Email/ }).click();
    await widgetView(page, 'challenge-authenticator:okta_email');
    return flow;
  }

  /** The emailed link points at Gatehouse's /email/verify with the flow id, never at the app. */
  async function hostedMagicLink(user: User, flow: string) {
    const { otp, link } = await waitForEmail(env.server, user.email);
    expect(`${link.origin}${link.pathname}`).toBe(`${env.server.url}/email/verify`);
    expect(link.searchParams.get('state')).toBe(flow);
    return { otp, link };
  }

  it('magic link in another tab of the same browser continues the hosted flow and ends at the app', async () => {
    const { user } = await env.server.createUser();
    await withProfiles(env, 'openid-client magic link same browser', async (open) => {
      const profile = await open('browser');
      const first = await profile.newPage();
      const flow = await reachEmailChallenge(first, user);
      const { link } = await hostedMagicLink(user, flow);

      const second = await profile.newPage();
      await second.goto(link.href);
      const result = await landedSignedIn(second, emailRp, user);
      expect(result.claims).toMatchObject({ sub: user.id, aud: emailRp.app.clientId, amr: ['email'] });
      expect(result.userinfo.email).toBe(user.email);
      // The link went back to the hosted page of the same flow, which finished it.
      const resumed = profile.navigations
        .map((line) => new URL(line.split(' ')[2] ?? ''))
        .filter((u) => u.origin === env.server.url && u.pathname === '/signin' && u.searchParams.has('otp'));
      expect(resumed.map((u) => u.searchParams.get('flow'))).toEqual([flow]);
    });
  });

  it('magic link in another browser shows the code; typed in the original tab, it ends at the app', async () => {
    const { user } = await env.server.createUser();
    await withProfiles(env, 'openid-client magic link other browser', async (open) => {
      const original = await open('original');
      const first = await original.newPage();
      const flow = await reachEmailChallenge(first, user);
      const { otp, link } = await hostedMagicLink(user, flow);

      const other: Profile = await open('other');
      const elsewhere = await other.newPage();
      await elsewhere.goto(link.href);
      await expectText(elsewhere.locator('h1'), 'Continue in your original tab');
      expect(await shownText(elsewhere.locator('body'))).not.toContain(otp);
      await elsewhere.locator('#show-code').click();
      await expectText(elsewhere.locator('#code'), otp);
      // Nobody was signed in in the other browser, and it never reached the app.
      expect(await other.sessionCookie()).toBeUndefined();
      expect(other.navigations.some((line) => line.includes(emailRp.url))).toBe(false);

      await first.bringToFront();
      await first.getByRole('button', { name: 'Enter a code instead' }).click();
      await first.getByLabel('Verification code').fill(otp);
      await first.keyboard.press('Enter');
      const result = await landedSignedIn(first, emailRp, user);
      expect(result.claims).toMatchObject({ sub: user.id, amr: ['email'] });
      expect(await original.sessionCookie()).toBeDefined();
    });
  });
});
