import { decodeJwt, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdxConversation, postForm } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** `GET /v1/logout` — RP-initiated logout (docs/protocol/idx-protocol.md §5.5; docs/security.md B2, B8). */

const POST_LOGOUT = 'http://localhost:8080/';
type Tokens = { access_token: string; refresh_token?: string; id_token: string };

/** Payloads from docs/security.md B8; none may produce a Location off the allowlist. */
const OPEN_REDIRECT_PAYLOADS = [
  'https://evil.example',
  '//evil.example',
  '/\\evil.example',
  'https:evil.example',
  'https://good.example.evil.example',
  'https://good.example@evil.example',
  'javascript:alert(1)',
  'data:text/html,x',
  '%2F%2Fevil.example',
  '/%0d%0aLocation:%20https://evil.example',
  'http://localhost:8080@evil.example/',
  'http://localhost:8080/\r\nLocation: https://evil.example',
  'http://localhost:8080/evil',
  'http://localhost:8080',
  'http://localhost:8080/?x=1',
  'http://localhost:8080/#frag',
  'HTTP://LOCALHOST:8080/',
  ' http://localhost:8080/',
];

describe('GET /v1/logout', () => {
  let server: TestServer;
  let clientId: string;
  let login: string;
  let password: string;

  async function signIn(path = '/oauth2/default', client = clientId): Promise<Tokens> {
    const idx = new IdxConversation(server.url, client, undefined, path);
    const interaction = await idx.interact({ scope: 'openid profile offline_access' });
    await idx.introspect(interaction.interactionHandle);
    const done = await idx.submit('identify', { identifier: login, credentials: { passcode: password } });
    expect(done.status).toBe(200);
    const res = await idx.exchange(interaction, idx.interactionCode());
    expect(res.status).toBe(200);
    return res.body as unknown as Tokens;
  }

  const logout = (params: Record<string, string>, path = '/oauth2/default') =>
    fetch(`${server.url}${path}/v1/logout?${new URLSearchParams(params)}`, { redirect: 'manual' });
  const userinfo = (accessToken: string) =>
    fetch(`${server.issuer}/v1/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
  const refresh = (refreshToken: string) =>
    postForm<Record<string, unknown>>(`${server.issuer}/v1/token`, {
      grant_type: 'refresh_token',
      client_id: clientId,
      refresh_token: refreshToken,
    });

  /** An HTML error page with no redirect. */
  async function expectErrorPage(res: Response, payload?: string) {
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/i);
    if (payload) {
      expect(html).not.toContain(payload.includes('<') ? payload : `href="${payload}"`);
      expect(html).not.toMatch(/<script/i);
    }
  }

  beforeAll(async () => {
    server = await startTestServer();
    clientId = (await server.createApp({ postLogoutRedirectUris: [POST_LOGOUT] })).app.clientId;
    const created = await server.createUser();
    login = created.user.login;
    password = created.password;
  });
  afterAll(() => server.close());

  it('with id_token_hint + registered post_logout_redirect_uri + state → 302 there, grant revoked', async () => {
    const tokens = await signIn();
    expect((await userinfo(tokens.access_token)).status).toBe(200);
    const state = 'st-üñí +/=&?#';
    const res = await logout({
      id_token_hint: tokens.id_token,
      post_logout_redirect_uri: POST_LOGOUT,
      state,
    });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(POST_LOGOUT);
    expect(location.searchParams.get('state')).toBe(state);
    expect([...location.searchParams.keys()]).toEqual(['state']);

    expect((await userinfo(tokens.access_token)).status).toBe(401);
    const rt = await refresh(tokens.refresh_token!);
    expect(rt.status).toBe(400);
    expect(rt.body.error).toBe('invalid_grant');
  });

  it('without state → 302 to the exact registered URI', async () => {
    const tokens = await signIn();
    const res = await logout({ id_token_hint: tokens.id_token, post_logout_redirect_uri: POST_LOGOUT });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(POST_LOGOUT);
  });

  it('only the hinted grant ends: another sign-in of the same user keeps working', async () => {
    const a = await signIn();
    const b = await signIn();
    const res = await logout({ id_token_hint: a.id_token, post_logout_redirect_uri: POST_LOGOUT });
    expect(res.status).toBe(302);
    expect((await userinfo(a.access_token)).status).toBe(401);
    expect((await userinfo(b.access_token)).status).toBe(200);
  });

  it('with an id_token_hint and no redirect → 200 signed-out page, grant revoked', async () => {
    const tokens = await signIn();
    const res = await logout({ id_token_hint: tokens.id_token });
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect((await userinfo(tokens.access_token)).status).toBe(401);
  });

  it('accepts an expired id_token_hint (OIDC RP-Initiated Logout §2)', async () => {
    const tokens = await signIn();
    server.clock.advance(3700_000);
    const res = await logout({ id_token_hint: tokens.id_token, post_logout_redirect_uri: POST_LOGOUT });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(POST_LOGOUT);
  });

  it('no hint → 200 HTML page, no Location', async () => {
    const res = await logout({});
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('unregistered post_logout_redirect_uri → 400 HTML, no Location', async () => {
    const tokens = await signIn();
    const res = await logout({
      id_token_hint: tokens.id_token,
      post_logout_redirect_uri: 'https://evil.example/<script>alert(1)</script>',
    });
    await expectErrorPage(res, '<script>alert(1)</script>');
  });

  it('a redirect without id_token_hint → 400, no Location', async () => {
    await expectErrorPage(await logout({ post_logout_redirect_uri: POST_LOGOUT }));
  });

  it('a forged, foreign-server or garbage hint with a registered redirect → 400, no Location', async () => {
    const tokens = await signIn();
    const claims = decodeJwt(tokens.id_token);
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'nope' })
      .sign(privateKey);
    const orgTokens = await signIn('/oauth2');
    for (const hint of [new UnsecuredJWT(claims).encode(), forged, 'garbage', 'a.b.c', orgTokens.id_token])
      await expectErrorPage(await logout({ id_token_hint: hint, post_logout_redirect_uri: POST_LOGOUT }));
    // None of these ended the real grant.
    expect((await userinfo(tokens.access_token)).status).toBe(200);
  });

  it("a hint for another app cannot use this app's redirect allowlist", async () => {
    const other = (await server.createApp({ postLogoutRedirectUris: ['http://localhost:9999/bye'] })).app
      .clientId;
    const tokens = await signIn('/oauth2/default', other);
    await expectErrorPage(
      await logout({ id_token_hint: tokens.id_token, post_logout_redirect_uri: POST_LOGOUT }),
    );
    const ok = await logout({
      id_token_hint: tokens.id_token,
      post_logout_redirect_uri: 'http://localhost:9999/bye',
    });
    expect(ok.status).toBe(302);
    expect(ok.headers.get('location')).toBe('http://localhost:9999/bye');
  });

  it('open-redirect payloads never produce a Location off the allowlist (B8)', async () => {
    const tokens = await signIn();
    for (const payload of OPEN_REDIRECT_PAYLOADS) {
      for (const params of [
        { id_token_hint: tokens.id_token, post_logout_redirect_uri: payload } as Record<string, string>,
        { post_logout_redirect_uri: payload },
      ]) {
        const res = await logout(params);
        expect(res.status, payload).toBeLessThan(500);
        const location = res.headers.get('location');
        if (location !== null) {
          const url = new URL(location);
          expect(`${url.origin}${url.pathname}`, payload).toBe(POST_LOGOUT);
        } else {
          expect([200, 400], payload).toContain(res.status);
        }
      }
    }
    // Raw (unencoded) variants, bypassing URLSearchParams.
    for (const raw of [
      '//evil.example',
      '/%5Cevil.example',
      'http:%2F%2Fevil.example',
      'https%3A%2F%2Fevil.example',
    ]) {
      const res = await fetch(
        `${server.issuer}/v1/logout?id_token_hint=${tokens.id_token}&post_logout_redirect_uri=${raw}`,
        { redirect: 'manual' },
      );
      expect(res.status, raw).toBeLessThan(500);
      const location = res.headers.get('location');
      if (location !== null) expect(location.startsWith(POST_LOGOUT), raw).toBe(true);
    }
  });

  it('state cannot inject headers', async () => {
    const tokens = await signIn();
    const res = await fetch(
      `${server.issuer}/v1/logout?id_token_hint=${tokens.id_token}&post_logout_redirect_uri=${encodeURIComponent(POST_LOGOUT)}&state=x%0d%0aSet-Cookie:%20pwn=1`,
      { redirect: 'manual' },
    );
    expect(res.status).toBe(302);
    expect(res.headers.get('set-cookie')).toBeNull();
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('state')).toBe('x\r\nSet-Cookie: pwn=1');
  });

  it('repeated parameters are refused without a redirect', async () => {
    const tokens = await signIn();
    const res = await fetch(
      `${server.issuer}/v1/logout?id_token_hint=${tokens.id_token}&post_logout_redirect_uri=${encodeURIComponent(POST_LOGOUT)}&post_logout_redirect_uri=https%3A%2F%2Fevil.example`,
      { redirect: 'manual' },
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('org server logout works with an org ID token', async () => {
    const tokens = await signIn('/oauth2');
    const res = await logout(
      { id_token_hint: tokens.id_token, post_logout_redirect_uri: POST_LOGOUT, state: 's' },
      '/oauth2',
    );
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${POST_LOGOUT}?state=s`);
    const info = await fetch(`${server.url}/oauth2/v1/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(info.status).toBe(401);
  });
});
