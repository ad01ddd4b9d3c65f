import { KeyObject } from 'node:crypto';
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenSigningAlg } from '../../src/storage/apps-store.js';
import { IdxConversation, postForm } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Tokens signed per app (issue 17): RS256 by default, ES256 or EdDSA when the app asks
 * (`tokenSigningAlg`, OIDC `id_token_signed_response_alg`). Through a real HTTP server: the ID and
 * access tokens verify through the published JWKS with the app's algorithm only, and every
 * endpoint that reads our own tokens (userinfo, introspect, revoke, logout) accepts them by `kid`.
 */

type Body = Record<string, unknown>;
interface Tokens {
  access_token: string;
  id_token: string;
  refresh_token?: string;
}

describe('token signing algorithm per app', () => {
  let server: TestServer;
  let login: string;
  let password: string;
  let userId: string;
  const apps = new Map<TokenSigningAlg, string>();

  beforeAll(async () => {
    server = await startTestServer();
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
      const { app } = await server.createApp(alg === 'RS256' ? {} : { tokenSigningAlg: alg });
      expect(app.tokenSigningAlg).toBe(alg);
      apps.set(alg, app.clientId);
    }
    const created = await server.createUser();
    login = created.user.login;
    password = created.password;
    userId = created.user.id;
  });
  afterAll(() => server.close());

  async function signIn(clientId: string): Promise<Tokens> {
    const idx = new IdxConversation(server.url, clientId);
    const interaction = await idx.interact({ scope: 'openid profile email offline_access' });
    await idx.introspect(interaction.interactionHandle);
    const done = await idx.submit('identify', { identifier: login, credentials: { passcode: password } });
    expect(done.status).toBe(200);
    const res = await idx.exchange(interaction, idx.interactionCode());
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as unknown as Tokens;
  }

  const jwks = () => createRemoteJWKSet(new URL(`${server.issuer}/v1/keys`));
  const published = async () =>
    ((await (await fetch(`${server.issuer}/v1/keys`)).json()) as { keys: JWK[] }).keys;

  for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
    it(`${alg} app: ID and access tokens verify through the JWKS with ${alg} only; userinfo, introspect and revoke accept them`, async () => {
      const clientId = apps.get(alg)!;
      const tokens = await signIn(clientId);
      for (const token of [tokens.id_token, tokens.access_token]) {
        const header = decodeProtectedHeader(token);
        expect(header.alg).toBe(alg);
        const key = (await published()).find((k) => k.kid === header.kid);
        expect(key?.alg).toBe(alg);
        const others = (['RS256', 'ES256', 'EdDSA'] as const).filter((a) => a !== alg);
        await expect(
          jwtVerify(token, jwks(), { issuer: server.issuer, algorithms: others }),
        ).rejects.toThrow();
      }
      const { payload: id } = await jwtVerify(tokens.id_token, jwks(), {
        issuer: server.issuer,
        audience: clientId,
        algorithms: [alg],
      });
      expect(id.sub).toBe(userId);
      const { payload: at, protectedHeader } = await jwtVerify(tokens.access_token, jwks(), {
        issuer: server.issuer,
        audience: 'api://default',
        algorithms: [alg],
      });
      expect(protectedHeader.typ).toBe('at+jwt');
      expect(at.cid).toBe(clientId);

      const userinfo = await fetch(`${server.issuer}/v1/userinfo`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(userinfo.status).toBe(200);
      expect(((await userinfo.json()) as Body).sub).toBe(userId);

      const introspected = await postForm<Body>(`${server.issuer}/v1/introspect`, {
        client_id: clientId,
        token: tokens.access_token,
      });
      expect(introspected.body).toMatchObject({ active: true, sub: userId, client_id: clientId });

      const revoked = await postForm<Body>(`${server.issuer}/v1/revoke`, {
        client_id: clientId,
        token: tokens.access_token,
      });
      expect(revoked.status).toBe(200);
      const after = await fetch(`${server.issuer}/v1/userinfo`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(after.status).toBe(401);
    });
  }

  it('logout takes an ES256 and an EdDSA id_token_hint', async () => {
    for (const alg of ['ES256', 'EdDSA'] as const) {
      const tokens = await signIn(apps.get(alg)!);
      const url = new URL(`${server.issuer}/v1/logout`);
      url.searchParams.set('id_token_hint', tokens.id_token);
      url.searchParams.set('post_logout_redirect_uri', 'http://localhost:8080/');
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status, alg).toBe(302);
      expect(res.headers.get('location')).toBe('http://localhost:8080/');
      // The grant is over: its access token no longer reads userinfo.
      const userinfo = await fetch(`${server.issuer}/v1/userinfo`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(userinfo.status, alg).toBe(401);
    }
  });

  it("refuses a token whose header claims another algorithm than its key's", async () => {
    const tokens = await signIn(apps.get('ES256')!);
    const { kid } = decodeProtectedHeader(tokens.access_token);
    const claims = decodeJwt(tokens.access_token) as JWTPayload;
    // Signed with the RS256 private key of this very server but labelled with the ES256 key's kid.
    const rsa = await server.services.keys.activeKey('RS256');
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' })
      .sign(rsa.key);
    const res = await fetch(`${server.issuer}/v1/userinfo`, {
      headers: { authorization: `Bearer ${forged}` },
    });
    expect(res.status).toBe(401);
    // And the same, properly labelled with the RS256 kid, is one of ours (the control).
    const control = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: rsa.kid, typ: 'at+jwt' })
      .sign(rsa.key);
    const ok = await fetch(`${server.issuer}/v1/userinfo`, {
      headers: { authorization: `Bearer ${control}` },
    });
    expect(ok.status).toBe(200);
  });

  it('keeps the imported keys as KeyObjects', async () => {
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
      const active = await server.services.keys.activeKey(alg);
      expect(active.key).toBeInstanceOf(KeyObject);
      expect(active.key.type).toBe('private');
      expect(active.key.asymmetricKeyType).toBe(alg === 'RS256' ? 'rsa' : alg === 'ES256' ? 'ec' : 'ed25519');
      const published = await server.services.keys.verificationKey(active.kid);
      expect(published?.alg).toBe(alg);
      expect(published?.key).toBeInstanceOf(KeyObject);
      expect(published?.key.type).toBe('public');
    }
  });

  it('rotating one algorithm leaves the others alone; the app setting can be changed', async () => {
    const before = await server.services.keys.activeKey('ES256');
    const rsa = await server.services.keys.activeKey('RS256');
    const ed = await server.services.keys.activeKey('EdDSA');
    const oldTokens = await signIn(apps.get('ES256')!);
    const { kid, retired } = await server.services.keys.rotate(3600, 'ES256');
    expect(retired).toBe(before.kid);
    expect((await server.services.keys.activeKey('RS256')).kid).toBe(rsa.kid);
    expect((await server.services.keys.activeKey('EdDSA')).kid).toBe(ed.kid);
    const newTokens = await signIn(apps.get('ES256')!);
    expect(decodeProtectedHeader(newTokens.id_token).kid).toBe(kid);
    // The old ES256 key stays published: tokens it signed still verify.
    await jwtVerify(oldTokens.id_token, jwks(), { issuer: server.issuer, algorithms: ['ES256'] });
    const kids = (await published()).map((k) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([before.kid, kid, rsa.kid, ed.kid]));

    const updated = await server.services.apps.updateApp(apps.get('EdDSA')!, { tokenSigningAlg: 'RS256' });
    expect(updated.tokenSigningAlg).toBe('RS256');
    await expect(
      server.services.apps.updateApp(apps.get('EdDSA')!, { tokenSigningAlg: 'HS256' as TokenSigningAlg }),
    ).rejects.toThrow(/RS256, ES256, EdDSA/);
  });
});
