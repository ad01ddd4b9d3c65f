/**
 * When an SSO session is not enough (docs/adr/0012-hosted-sign-in.md, "/authorize decisions"):
 * `max_age` older than the session's `auth_time`, `prompt=login`, and an app whose policy asks
 * for more factors than the session proved. Each shows the hosted form again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectHostedPage,
  type HostedEnv,
  signInWithPassword,
  startHostedEnv,
  waitForEmail,
  widgetView,
  withProfiles,
} from './hosted-harness.js';
import {
  nextResult,
  type OpenIdClientRp,
  signedIn,
  signInThroughForm,
  signInWithoutForm,
  startOpenIdClientRp,
} from './openid-client-rp.js';

describe('re-authentication through the hosted page (openid-client RPs, Chromium)', () => {
  let env: HostedEnv;
  let app: OpenIdClientRp;
  let mfaApp: OpenIdClientRp;
  beforeAll(async () => {
    env = await startHostedEnv();
    app = await startOpenIdClientRp(env.server, { name: 'password' });
    mfaApp = await startOpenIdClientRp(env.server, {
      name: 'password and email',
      policy: { factors: 'password,email', identifierFirst: false },
    });
  });
  afterAll(async () => {
    await app?.close();
    await mfaApp?.close();
    await env?.close();
  });

  const signinPages = (paths: string[]) => paths.filter((p) => p === '/signin').length;

  it('max_age: a session younger than it is used; older than it, the form again and a later auth_time', async () => {
    const { user, password } = await env.server.createUser();
    await withProfiles(env, 'max_age', async (open) => {
      const profile = await open('browser');
      const page = await profile.newPage();
      const first = await signInThroughForm(page, env.server, app, { login: user.login, password });
      env.server.clock.advance(120_000);

      // Two minutes old, max_age five minutes: no form, the same authentication.
      const young = signedIn(await signInWithoutForm(page, app, { max_age: '300' }));
      expect(young.claims.auth_time).toBe(first.claims.auth_time);
      expect(signinPages(profile.gatehousePaths())).toBe(1);

      // max_age one minute: the session is too old, the user proves it again.
      const again = await signInThroughForm(
        page,
        env.server,
        app,
        { login: user.login, password },
        { max_age: '60' },
      );
      expect(signinPages(profile.gatehousePaths())).toBe(2);
      expect(again.claims.sub).toBe(user.id);
      expect(again.claims.auth_time).toBeGreaterThanOrEqual(first.claims.auth_time! + 120);
    });
  });

  it('max_age=0 always shows the form', async () => {
    const { user, password } = await env.server.createUser();
    await withProfiles(env, 'max_age 0', async (open) => {
      const profile = await open('browser');
      const page = await profile.newPage();
      await signInThroughForm(page, env.server, app, { login: user.login, password });
      const again = await signInThroughForm(
        page,
        env.server,
        app,
        { login: user.login, password },
        { max_age: '0' },
      );
      expect(again.claims.sub).toBe(user.id);
      expect(signinPages(profile.gatehousePaths())).toBe(2);
    });
  });

  it('prompt=login shows the form despite a session; the new ID token has a later auth_time', async () => {
    const { user, password } = await env.server.createUser();
    await withProfiles(env, 'prompt login', async (open) => {
      const profile = await open('browser');
      const page = await profile.newPage();
      const first = await signInThroughForm(page, env.server, app, { login: user.login, password });
      env.server.clock.advance(5_000);
      const again = await signInThroughForm(
        page,
        env.server,
        app,
        { login: user.login, password },
        { prompt: 'login' },
      );
      expect(signinPages(profile.gatehousePaths())).toBe(2);
      expect(again.claims.sub).toBe(user.id);
      expect(again.claims.auth_time).toBeGreaterThan(first.claims.auth_time!);
    });
  });

  it('a password-only session does not skip an app whose policy also needs the email factor', async () => {
    const { user, password } = await env.server.createUser();
    await withProfiles(env, 'mfa app not skipped', async (open) => {
      const profile = await open('browser');
      const page = await profile.newPage();
      await signInThroughForm(page, env.server, app, { login: user.login, password });
      expect(await profile.sessionCookie()).toBeDefined();

      // The MFA app's sign-in runs in full: password, then the email code.
      const before = mfaApp.results.length;
      await page.goto(mfaApp.loginUrl());
      await expectHostedPage(page, env.server);
      await signInWithPassword(page, { login: user.login, password });
      const view = await widgetView(
        page,
        /^(select-authenticator-authenticate|challenge-authenticator:okta_email)$/,
      );
      if (view === 'select-authenticator-authenticate')
        await page.getByRole('button', { name: /Email/ }).click();
      await widgetView(page, 'challenge-authenticator:okta_email');
      const { otp } = await waitForEmail(env.server, user.email);
      await page.getByRole('button', { name: 'Enter a code instead' }).click();
      await page.getByLabel('Verification code').fill(otp);
      await page.keyboard.press('Enter');
      const result = signedIn(await nextResult(page, mfaApp, before));
      expect(result.claims.sub).toBe(user.id);
      // Both factors; no `mfa`, because email counts as low assurance (flows/shared/progress.ts).
      expect([...(result.claims.amr as string[])].sort()).toEqual(['email', 'pwd']);
      expect(signinPages(profile.gatehousePaths())).toBe(2);
    });
  });
});
