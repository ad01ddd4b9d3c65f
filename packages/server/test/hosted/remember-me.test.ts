/**
 * "Keep me signed in" on the hosted identify form (Okta's `rememberMe`, docs/adr/0012): ticked,
 * the SSO cookie persists until the session's absolute expiry and the session lives by the
 * `remembered*` lifetimes; unticked, the cookie is a browser-session cookie (no Expires / Max-Age)
 * and the session has the short ones. Both cookies are opaque, HttpOnly, SameSite=Lax.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectHostedPage,
  type HostedEnv,
  type Profile,
  rememberMeBox,
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

const SESSIONS = {
  idleTtlSeconds: 3_600,
  absoluteTtlSeconds: 4 * 3_600,
  rememberedIdleTtlSeconds: 86_400,
  rememberedAbsoluteTtlSeconds: 7 * 86_400,
};

describe('"Keep me signed in" and the SSO session cookie (Chromium)', () => {
  let env: HostedEnv;
  let app: OpenIdClientRp;
  beforeAll(async () => {
    env = await startHostedEnv({ config: { sessions: SESSIONS } });
    app = await startOpenIdClientRp(env.server, { name: 'remember me' });
  });
  afterAll(async () => {
    await app?.close();
    await env?.close();
  });

  /** Moves Gatehouse's clock `seconds` forward. */
  const wait = (seconds: number) => env.server.clock.advance(seconds * 1000);

  async function expectSessionCookieShape(profile: Profile) {
    const cookie = await profile.sessionCookie();
    expect(cookie).toMatchObject({
      name: 'gh_session',
      domain: '127.0.0.1',
      path: '/',
      httpOnly: true,
      sameSite: 'Lax',
      value: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/),
    });
    return cookie!;
  }

  it('the identify form offers "Keep me signed in", unticked', async () => {
    await withProfiles(env, 'remember me offered', async (open) => {
      const page = await (await open('browser')).newPage();
      await page.goto(app.loginUrl());
      await expectHostedPage(page, env.server);
      expect(await rememberMeBox(page).isVisible()).toBe(true);
      expect(await rememberMeBox(page).isChecked()).toBe(false);
    });
  });

  it('ticked: a persistent cookie; the session outlives the short idle limit, not the remembered one', async () => {
    const { user, password } = await env.server.createUser();
    await withProfiles(env, 'remember me ticked', async (open) => {
      const profile = await open('browser');
      const page = await profile.newPage();
      const signedInAt = env.server.clock.now() / 1000;
      const first = await signInThroughForm(page, env.server, app, {
        login: user.login,
        password,
        rememberMe: true,
      });
      const cookie = await expectSessionCookieShape(profile);
      // The cookie lasts as long as the session can (its absolute expiry); idleness is the server's.
      expect(cookie.expires).toBeGreaterThan(signedInAt + SESSIONS.rememberedAbsoluteTtlSeconds - 120);
      expect(cookie.expires).toBeLessThan(signedInAt + SESSIONS.rememberedAbsoluteTtlSeconds + 120);

      // Unused for longer than a short session may be: still signed in.
      wait(SESSIONS.idleTtlSeconds + 60);
      const later = signedIn(await signInWithoutForm(page, app, { prompt: 'none' }));
      expect(later.claims.sid).toBe(first.claims.sid);
      // Unused for longer than the remembered idle limit: over, although the browser kept the cookie.
      wait(SESSIONS.rememberedIdleTtlSeconds + 60);
      expect(await profile.sessionCookie()).toBeDefined();
      expect(await signInWithoutForm(page, app, { prompt: 'none' })).toMatchObject({
        ok: false,
        error: 'login_required',
      });
    });
  });

  it('unticked: a browser-session cookie (no expiry); the session ends after the short idle limit', async () => {
    const { user, password } = await env.server.createUser();
    await withProfiles(env, 'remember me unticked', async (open) => {
      const profile = await open('browser');
      const page = await profile.newPage();
      await signInThroughForm(page, env.server, app, { login: user.login, password, rememberMe: false });
      const cookie = await expectSessionCookieShape(profile);
      // Playwright reports a session cookie (no Expires, no Max-Age) as expires -1.
      expect(cookie.expires).toBe(-1);

      wait(SESSIONS.idleTtlSeconds - 300);
      signedIn(await signInWithoutForm(page, app, { prompt: 'none' }));
      // The use above slid the idle expiry; unused for longer than the limit, the session is over.
      wait(SESSIONS.idleTtlSeconds + 60);
      expect(await signInWithoutForm(page, app, { prompt: 'none' })).toMatchObject({
        ok: false,
        error: 'login_required',
      });
    });
  });
});
