import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdxConversation, postForm } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Resource-side endpoints: userinfo (OIDC §5.3, RFC 6750), revoke (RFC 7009), introspect
 * (RFC 7662); docs/security.md A5, C5, D5; docs/protocol/idx-protocol.md §5.5.
 */

type Body = Record<string, unknown>;
interface Tokens {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  scope: string;
}

describe('userinfo, revoke and introspect', () => {
  let server: TestServer;
  let clientId: string;
  let otherClientId: string;
  let login: string;
  let password: string;
  let userId: string;

  async function signIn(
    scope = 'openid profile email offline_access',
    client = clientId,
    path = '/oauth2/default',
  ) {
    const idx = new IdxConversation(server.url, client, undefined, path);
    const interaction = await idx.interact({ scope });
    await idx.introspect(interaction.interactionHandle);
    const done = await idx.submit('identify', { identifier: login, credentials: { passcode: password } });
    expect(done.status).toBe(200);
    const res = await idx.exchange(interaction, idx.interactionCode());
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as unknown as Tokens;
  }

  const userinfoGet = (authorization?: string, path = '/oauth2/default') =>
    fetch(`${server.url}${path}/v1/userinfo`, { headers: authorization ? { authorization } : {} });
  const userinfoPost = (authorization?: string) =>
    fetch(`${server.issuer}/v1/userinfo`, {
      method: 'POST',
      headers: authorization ? { authorization } : {},
    });
  const revoke = (
    token: string,
    client = clientId,
    extra: Record<string, string> = {},
    headers: Record<string, string> = {},
  ) => postForm<Body>(`${server.issuer}/v1/revoke`, { client_id: client, token, ...extra }, headers);
  const introspect = (token: string, client = clientId, headers: Record<string, string> = {}) =>
    postForm<Body>(
      `${server.issuer}/v1/introspect`,
      { ...(client ? { client_id: client } : {}), token },
      headers,
    );
  const refresh = (refreshToken: string) =>
    postForm<Body>(`${server.issuer}/v1/token`, {
      grant_type: 'refresh_token',
      client_id: clientId,
      refresh_token: refreshToken,
    });

  async function expectUnauthorized(res: Response) {
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    const body = (await res.json()) as Body;
    expect(typeof body.error).toBe('string');
    expect(typeof body.error_description).toBe('string');
    expect(body).not.toHaveProperty('sub');
  }

  beforeAll(async () => {
    server = await startTestServer();
    clientId = (await server.createApp()).app.clientId;
    otherClientId = (await server.createApp()).app.clientId;
    const created = await server.createUser({ firstName: 'Ada', lastName: 'Lovelace' });
    login = created.user.login;
    password = created.password;
    userId = created.user.id;
  });
  afterAll(() => server.close());

  describe('userinfo', () => {
    it('GET and POST with a Bearer token return the ID token subject and scoped claims', async () => {
      const tokens = await signIn('openid profile email');
      const idSub = decodeJwt(tokens.id_token!).sub;
      for (const res of [
        await userinfoGet(`Bearer ${tokens.access_token}`),
        await userinfoPost(`Bearer ${tokens.access_token}`),
      ]) {
        expect(res.status).toBe(200);
        expect(res.headers.get('cache-control')).toBe('no-store');
        const body = (await res.json()) as Body;
        expect(body.sub).toBe(idSub);
        expect(body.sub).toBe(userId);
        expect(body.email).toBe(login);
        expect(body.name).toBe('Ada Lovelace');
        expect(body.given_name).toBe('Ada');
        expect(body.family_name).toBe('Lovelace');
        expect(body.preferred_username).toBe(login);
      }
    });

    it('claims follow the scope', async () => {
      const emailOnly = (await (
        await userinfoGet(`Bearer ${(await signIn('openid email')).access_token}`)
      ).json()) as Body;
      expect(emailOnly.email).toBe(login);
      expect(emailOnly).not.toHaveProperty('name');
      expect(emailOnly).not.toHaveProperty('preferred_username');

      const profileOnly = (await (
        await userinfoGet(`Bearer ${(await signIn('openid profile')).access_token}`)
      ).json()) as Body;
      expect(profileOnly.name).toBe('Ada Lovelace');
      expect(profileOnly).not.toHaveProperty('email');

      const bare = (await (
        await userinfoGet(`Bearer ${(await signIn('openid')).access_token}`)
      ).json()) as Body;
      expect(Object.keys(bare)).toEqual(['sub']);
    });

    it('missing, malformed or garbage tokens → 401 with WWW-Authenticate: Bearer', async () => {
      await expectUnauthorized(await userinfoGet());
      await expectUnauthorized(await userinfoPost());
      for (const header of [
        'Bearer',
        'Bearer ',
        'Bearer garbage',
        'Bearer a.b.c',
        'Basic dXNlcjpwdw==',
        `Bearer ${'a'.repeat(5000)}`,
        'Bearer eyJhbGciOiJSUzI1NiJ9.eyJ9.x',
      ])
        await expectUnauthorized(await userinfoGet(header));
    });

    it('an expired token → 401', async () => {
      const { access_token } = await signIn('openid');
      expect((await userinfoGet(`Bearer ${access_token}`)).status).toBe(200);
      server.clock.advance(3601_000);
      await expectUnauthorized(await userinfoGet(`Bearer ${access_token}`));
    });

    it('a revoked token → 401', async () => {
      const { access_token } = await signIn('openid');
      expect((await revoke(access_token)).status).toBe(200);
      await expectUnauthorized(await userinfoGet(`Bearer ${access_token}`));
    });

    it("the org server's token is refused by the default server (and vice versa)", async () => {
      const org = await signIn('openid', clientId, '/oauth2');
      expect((await userinfoGet(`Bearer ${org.access_token}`, '/oauth2')).status).toBe(200);
      await expectUnauthorized(await userinfoGet(`Bearer ${org.access_token}`));
      const def = await signIn('openid');
      await expectUnauthorized(await userinfoGet(`Bearer ${def.access_token}`, '/oauth2'));
    });

    it('an ID token presented as an access token → 401 (C5)', async () => {
      const { id_token } = await signIn('openid');
      await expectUnauthorized(await userinfoGet(`Bearer ${id_token}`));
    });

    it('forged tokens → 401 (D5)', async () => {
      const { access_token } = await signIn('openid');
      const claims = decodeJwt(access_token);
      const header = decodeProtectedHeader(access_token);
      // alg: none
      const none = new UnsecuredJWT(claims).encode();
      await expectUnauthorized(await userinfoGet(`Bearer ${none}`));
      // Right kid, wrong key.
      const { privateKey } = await generateKeyPair('RS256');
      const wrongKey = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: header.kid!, typ: 'at+jwt' })
        .sign(privateKey);
      await expectUnauthorized(await userinfoGet(`Bearer ${wrongKey}`));
      // HS256 keyed with the public JWK's modulus (key confusion).
      const jwks = (await (await fetch(`${server.issuer}/v1/keys`)).json()) as {
        keys: { kid: string; n: string }[];
      };
      const pub = jwks.keys.find((k) => k.kid === header.kid)!;
      const hs = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', kid: header.kid!, typ: 'at+jwt' })
        .sign(new TextEncoder().encode(pub.n));
      await expectUnauthorized(await userinfoGet(`Bearer ${hs}`));
      // Tampered payload with the original signature.
      const [h, , sig] = access_token.split('.');
      const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')}.${sig}`;
      await expectUnauthorized(await userinfoGet(`Bearer ${tampered}`));
    });
  });

  describe('revoke (RFC 7009)', () => {
    it('revoking an access token ends that token', async () => {
      const tokens = await signIn();
      const res = await revoke(tokens.access_token, clientId, { token_type_hint: 'access_token' });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect((await userinfoGet(`Bearer ${tokens.access_token}`)).status).toBe(401);
      expect((await introspect(tokens.access_token)).body).toEqual({ active: false });
    });

    it('revoking a refresh token ends the whole grant', async () => {
      const tokens = await signIn();
      expect((await userinfoGet(`Bearer ${tokens.access_token}`)).status).toBe(200);
      const res = await revoke(tokens.refresh_token!, clientId, { token_type_hint: 'refresh_token' });
      expect(res.status).toBe(200);
      expect((await userinfoGet(`Bearer ${tokens.access_token}`)).status).toBe(401);
      const again = await refresh(tokens.refresh_token!);
      expect(again.status).toBe(400);
      expect(again.body.error).toBe('invalid_grant');
    });

    it('a wrong token_type_hint does not matter', async () => {
      const tokens = await signIn();
      expect(
        (await revoke(tokens.refresh_token!, clientId, { token_type_hint: 'access_token' })).status,
      ).toBe(200);
      expect((await userinfoGet(`Bearer ${tokens.access_token}`)).status).toBe(401);
    });

    it('unknown tokens → 200', async () => {
      for (const token of ['a'.repeat(43), 'x', 'a.b.c', 'eyJhbGciOiJub25lIn0.e30.']) {
        const res = await revoke(token);
        expect(res.status).toBe(200);
      }
    });

    it("another client's tokens → 200, but they keep working", async () => {
      const tokens = await signIn();
      expect((await revoke(tokens.access_token, otherClientId)).status).toBe(200);
      expect((await revoke(tokens.refresh_token!, otherClientId)).status).toBe(200);
      expect((await userinfoGet(`Bearer ${tokens.access_token}`)).status).toBe(200);
      expect((await introspect(tokens.refresh_token!)).body.active).toBe(true);
    });

    it('Basic auth with only the client id (public client, as auth-js sends it) works', async () => {
      const tokens = await signIn();
      const res = await postForm<Body>(
        `${server.issuer}/v1/revoke`,
        { token_type_hint: 'access_token', token: tokens.access_token },
        { authorization: `Basic ${Buffer.from(clientId).toString('base64')}` },
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect((await userinfoGet(`Bearer ${tokens.access_token}`)).status).toBe(401);
    });

    it('unknown client → 401 invalid_client; missing token → invalid_request', async () => {
      const tokens = await signIn();
      const stranger = await revoke(tokens.access_token, '0oa-unknown');
      expect(stranger.status).toBe(401);
      expect(stranger.body.error).toBe('invalid_client');
      expect((await userinfoGet(`Bearer ${tokens.access_token}`)).status).toBe(200);

      const missing = await postForm<Body>(`${server.issuer}/v1/revoke`, { client_id: clientId });
      expect(missing.status).toBe(400);
      expect(missing.body.error).toBe('invalid_request');
    });
  });

  describe('introspect (RFC 7662)', () => {
    it('an active access token', async () => {
      const tokens = await signIn();
      const res = await introspect(tokens.access_token);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const claims = decodeJwt(tokens.access_token);
      expect(res.body).toMatchObject({
        active: true,
        scope: tokens.scope,
        client_id: clientId,
        username: login,
        sub: userId,
        exp: claims.exp,
        iss: server.issuer,
      });
    });

    it('an active refresh token', async () => {
      const tokens = await signIn();
      const res = await introspect(tokens.refresh_token!);
      expect(res.body).toMatchObject({ active: true, client_id: clientId, username: login, sub: userId });
      expect(res.body.exp).toEqual(expect.any(Number));
    });

    it('with Basic auth carrying only the client id', async () => {
      const tokens = await signIn();
      const res = await introspect(tokens.access_token, '', {
        authorization: `Basic ${Buffer.from(clientId).toString('base64')}`,
      });
      expect(res.status).toBe(200);
      expect(res.body.active).toBe(true);
    });

    it('revoked, expired or garbage tokens → exactly {active:false}', async () => {
      const tokens = await signIn();
      expect((await revoke(tokens.access_token)).status).toBe(200);
      expect((await introspect(tokens.access_token)).body).toEqual({ active: false });
      for (const token of ['garbage', 'a.b.c', 'a'.repeat(43)])
        expect((await introspect(token)).body).toEqual({ active: false });

      const later = await signIn();
      server.clock.advance(3601_000);
      expect((await introspect(later.access_token)).body).toEqual({ active: false });
    });

    it("another client's token → {active:false}", async () => {
      const tokens = await signIn();
      expect((await introspect(tokens.access_token, otherClientId)).body).toEqual({ active: false });
      expect((await introspect(tokens.refresh_token!, otherClientId)).body).toEqual({ active: false });
      expect((await introspect(tokens.access_token)).body.active).toBe(true);
    });

    it('unknown client → 401 invalid_client', async () => {
      const tokens = await signIn();
      const res = await introspect(tokens.access_token, '0oa-unknown');
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
    });
  });
});
