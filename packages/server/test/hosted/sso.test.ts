/**
 * The SSO session of hosted sign-in (docs/adr/0012-hosted-sign-in.md) seen from two openid-client
 * relying parties in one browser: app B skips the form after app A, `prompt=none` with and without
 * a session, and RP-initiated logout at app A ending the session for app B too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectHostedPage,
  expectText,
  type HostedEnv,
  startHostedEnv,
  withProfiles,
} from './hosted-harness.js';
import {
  type OpenIdClientRp,
  signedIn,
  signInThroughForm,
  signInWithoutForm,
  startOpenIdClientRp,
} from './openid-client-rp.js';

describe('SSO across apps through the hosted page (openid-client RPs, Chromium)', () => {
  let env: HostedEnv;
  let appA: OpenIdClientRp;
  let appB: OpenIdClientRp;
  beforeAll(async () => {
    env = await startHostedEnv();
    appA = await startOpenIdClientRp(env.server, { name: 'A' });
    appB = await startOpenIdClientRp(env.server, { name: 'B' });
  });
  afterAll(async () => {
    await appA?.close();
    await appB?.close();
    await env?.close();
  });

  const signinPages = (paths: string[]) => paths.filter((p) => p === '/signin').length;

  it('signed in at app A, app B gets a code without a form: same user, same sid and auth_time', async () => {
    const { user, password } = await env.server.createUser();
    await withProfiles(env, 'sso a then b', async (open) => {
      const profile = await open('browser');
      const page = await profile.newPage();
      const a = await signInThroughForm(page, env.server, appA, { login: user.login, password });
      expect(signinPages(profile.gatehousePaths())).toBe(1);

      const b = signedIn(await signInWithoutForm(page, appB));
      await expectText(page.locator('#rp-user'), `Signed in as ${user.email}`);
      // No password asked: the browser never saw the hosted page again.
      expect(signinPages(profile.gatehousePaths())).toBe(1);
      expect(b.claims).toMatchObject({
        sub: user.id,
        aud: appB.app.clientId,
        sid: a.claims.sid,
        auth_time: a.claims.auth_time,
        amr: ['pwd'],
      });
      expect(b.claims.sid).toEqual(expect.any(String));
      expect(b.idToken).not.toBe(a.idToken);
      expect(b.userinfo.sub).toBe(user.id);
    });
  });

  it('prompt=none: login_required at the redirect URI without a session; a code with one', async () => {
    const { user, password } = await env.server.createUser();
    await withProfiles(env, 'prompt none', async (open) => {
      const profile = await open('browser');
      const page = await profile.newPage();
      const refused = await signInWithoutForm(page, appA, { prompt: 'none' });
      // openid-client checked state and iss on the error response before reporting it.
      expect(refused).toMatchObject({ ok: false, error: 'login_required' });
      await expectText(page.locator('#rp-error'), 'login_required');
      const callback = new URL(page.url());
      expect(callback.searchParams.get('error')).toBe('login_required');
      expect(callback.searchParams.get('iss')).toBe(env.server.issuer);
      expect(callback.searchParams.get('code')).toBeNull();
      expect(signinPages(profile.gatehousePaths())).toBe(0);

      const a = await signInThroughForm(page, env.server, appA, { login: user.login, password });
      const silent = signedIn(await signInWithoutForm(page, appB, { prompt: 'none' }));
      expect(silent.claims).toMatchObject({ sub: user.id, sid: a.claims.sid, aud: appB.app.clientId });
      expect(signinPages(profile.gatehousePaths())).toBe(1);
    });
  });

  it('logout at app A (id_token_hint) ends the session for app B too, on the server and in the browser', async () => {
    const { user, password } = await env.server.createUser();
    await withProfiles(env, 'logout ends sso', async (open) => {
      const profile = await open('browser');
      const page = await profile.newPage();
      await signInThroughForm(page, env.server, appA, { login: user.login, password });
      signedIn(await signInWithoutForm(page, appB));
      const cookie = await profile.sessionCookie();
      expect(cookie).toBeDefined();

      await page.goto(`${appA.url}/logout`);
      await page.waitForURL((url) => url.href.startsWith(`${appA.url}/?`), { timeout: 10_000 });
      // The registered post_logout_redirect_uri got the RP's state back.
      expect(new URL(page.url()).searchParams.get('state')).toBe('signed-out');
      const logout = profile.navigations.find((l) => l.includes('/v1/logout?'))!;
      expect(new URL(logout.split(' ')[2]!).searchParams.get('id_token_hint')).toBeTruthy();
      expect(await profile.sessionCookie()).toBeUndefined();

      // App B: no silent sign-in any more, and its sign-in shows the form.
      expect(await signInWithoutForm(page, appB, { prompt: 'none' })).toMatchObject({
        ok: false,
        error: 'login_required',
      });
      await page.goto(appB.loginUrl());
      await expectHostedPage(page, env.server);

      // The session ended on the server, not only in this browser: its old cookie is worthless.
      await profile.context.addCookies([cookie!]);
      expect(await signInWithoutForm(page, appB, { prompt: 'none' })).toMatchObject({
        ok: false,
        error: 'login_required',
      });
    });
  });
});
