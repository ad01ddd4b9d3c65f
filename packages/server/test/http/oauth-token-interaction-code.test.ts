import { createHash } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpResult, IdxConversation, type Interaction, postForm } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * `POST /v1/token` with `grant_type=interaction_code` (docs/security.md A3, A5–A8, A11, C1, D1–D3;
 * docs/protocol/idx-protocol.md §5.3, §10). Codes come from the raw IDX one-step password flow.
 */

const REDIRECT = 'http://localhost:8080/login/callback';
type Body = Record<string, unknown>;

interface SignedIn {
  idx: IdxConversation;
  interaction: Interaction;
  code: string;
}

const s256 = (verifier: string) => createHash('sha256').update(verifier, 'ascii').digest('base64url');

function expectTokenError(res: HttpResult<Body>, error: string, status = 400) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error).toBe(error);
  expect(typeof res.body.error_description).toBe('string');
  expect(res.body).not.toHaveProperty('access_token');
  expect(res.headers.get('cache-control')).toBe('no-store');
}

describe('POST /v1/token grant_type=interaction_code', () => {
  let server: TestServer;
  let clientId: string;
  let login: string;
  let password: string;
  let userId: string;

  async function signIn(
    options: { clientId?: string; scope?: string; extra?: Record<string, string>; redirectUri?: string } = {},
  ): Promise<SignedIn> {
    const idx = new IdxConversation(
      server.url,
      options.clientId ?? clientId,
      options.redirectUri ?? REDIRECT,
    );
    const interaction = await idx.interact({
      ...(options.scope ? { scope: options.scope } : {}),
      ...options.extra,
    });
    await idx.introspect(interaction.interactionHandle);
    const done = await idx.submit('identify', { identifier: login, credentials: { passcode: password } });
    expect(done.status).toBe(200);
    return { idx, interaction, code: idx.interactionCode() };
  }

  const userinfo = (accessToken: string) =>
    fetch(`${server.issuer}/v1/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
  const introspect = (token: string, client = clientId) =>
    postForm<Body>(`${server.issuer}/v1/introspect`, { client_id: client, token });
  const refresh = (refreshToken: string, client = clientId) =>
    postForm<Body>(`${server.issuer}/v1/token`, {
      grant_type: 'refresh_token',
      client_id: client,
      refresh_token: refreshToken,
    });

  beforeAll(async () => {
    server = await startTestServer();
    clientId = (await server.createApp()).app.clientId;
    const created = await server.createUser();
    login = created.user.login;
    userId = created.user.id;
    password = created.password;
  });
  afterAll(() => server.close());

  it('issues a Bearer JWT access token and a verifiable ID token', async () => {
    const { idx, interaction, code } = await signIn();
    const res = await idx.exchange(interaction, code);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.headers.get('content-type')).toMatch(/^application\/json;\s*charset=utf-8$/i);
    expect(res.body.token_type).toBe('Bearer');
    expect(res.body.expires_in).toBe(3600);
    expect(res.body.scope).toBe('openid profile email');
    expect(res.body).not.toHaveProperty('state');
    expect(res.body).not.toHaveProperty('refresh_token');

    const accessToken = res.body.access_token as string;
    const idToken = res.body.id_token as string;
    expect(accessToken.split('.')).toHaveLength(3);

    const doc = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Body;
    const jwks = createRemoteJWKSet(new URL(doc.jwks_uri as string));

    const at = await jwtVerify(accessToken, jwks, {
      issuer: server.issuer,
      audience: 'api://default',
      algorithms: ['RS256'],
      typ: 'at+jwt',
    });
    expect(at.protectedHeader.typ).toBe('at+jwt');
    expect(typeof at.protectedHeader.kid).toBe('string');
    expect(at.payload.sub).toBe(userId);
    expect(at.payload.cid).toBe(clientId);
    expect(at.payload.scp).toEqual(['openid', 'profile', 'email']);
    expect((at.payload.exp as number) - (at.payload.iat as number)).toBe(3600);

    const id = await jwtVerify(idToken, jwks, {
      issuer: doc.issuer as string,
      audience: clientId,
      algorithms: ['RS256'],
    });
    expect(id.protectedHeader.alg).toBe('RS256');
    expect(typeof id.protectedHeader.kid).toBe('string');
    expect(id.protectedHeader.typ).not.toBe('at+jwt');
    const claims = id.payload;
    expect(claims.iss).toBe(server.issuer);
    expect(claims.aud).toBe(clientId);
    expect(claims.sub).toBe(userId);
    expect(claims.nonce).toBe(interaction.nonce);
    const expectedAtHash = createHash('sha256')
      .update(accessToken, 'ascii')
      .digest()
      .subarray(0, 16)
      .toString('base64url');
    expect(claims.at_hash).toBe(expectedAtHash);
    expect(claims.amr).toEqual(['pwd']);
    expect(typeof claims.auth_time).toBe('number');
    const now = Math.floor(server.clock.now() / 1000);
    expect(Math.abs((claims.auth_time as number) - now)).toBeLessThan(60);
    expect(Math.abs((claims.iat as number) - now)).toBeLessThan(60);
    expect(claims.exp as number).toBeGreaterThan(claims.iat as number);
    expect(typeof claims.sid).toBe('string');
    expect(claims.email).toBe(login);
    expect(typeof claims.name).toBe('string');
  });

  it('echoes the nonce byte for byte, and omits it when none was sent', async () => {
    const nonce = 'n-ÄÖ +/=%&"<>';
    const withNonce = await signIn({ extra: { nonce } });
    const a = await withNonce.idx.exchange(withNonce.interaction, withNonce.code);
    expect(a.status).toBe(200);
    const idA = await jwtVerify(
      a.body.id_token as string,
      createRemoteJWKSet(new URL(`${server.issuer}/v1/keys`)),
      {
        algorithms: ['RS256'],
      },
    );
    expect(idA.payload.nonce).toBe(nonce);

    // IdxConversation always sends a nonce; an empty value counts as absent.
    const without = await signIn({ extra: { nonce: '' } });
    const b = await without.idx.exchange(without.interaction, without.code);
    expect(b.status).toBe(200);
    const payloadB = JSON.parse(
      Buffer.from((b.body.id_token as string).split('.')[1]!, 'base64url').toString(),
    );
    expect(payloadB).not.toHaveProperty('nonce');
  });

  it('no openid scope → no ID token', async () => {
    const { idx, interaction, code } = await signIn({ scope: 'profile email' });
    const res = await idx.exchange(interaction, code);
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('id_token');
    expect(typeof res.body.access_token).toBe('string');
  });

  it('accepts the parameters in the query string with an empty body (okta-idx-golang)', async () => {
    const { interaction, code } = await signIn();
    const query = new URLSearchParams({
      grant_type: 'interaction_code',
      client_id: clientId,
      redirect_uri: REDIRECT,
      code_verifier: interaction.pkce.verifier,
      interaction_code: code,
    });
    const res = await fetch(`${server.issuer}/v1/token?${query}`, {
      method: 'POST',
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Body).token_type).toBe('Bearer');
  });

  it('A3: a wrong verifier burns the code (the right one then fails too)', async () => {
    const { idx, interaction, code } = await signIn();
    const wrong = await idx.exchange(interaction, code, { code_verifier: 'w'.repeat(43) });
    expectTokenError(wrong, 'invalid_grant');
    const right = await idx.exchange(interaction, code);
    expectTokenError(right, 'invalid_grant');
  });

  describe('A2: verifier syntax is enforced even when it matches the challenge', () => {
    for (const [label, verifier] of [
      ['42 chars', 'a'.repeat(42)],
      ['129 chars', 'a'.repeat(129)],
      ['1 char', 'a'],
      ['illegal char "+"', `${'a'.repeat(42)}+`],
      ['illegal char "/"', `${'a'.repeat(42)}/`],
      ['illegal char "="', `${'a'.repeat(42)}=`],
      ['illegal char " "', `${'a'.repeat(21)} ${'a'.repeat(21)}`],
      ['non-ASCII', `${'a'.repeat(42)}é`],
    ] as const) {
      it(`${label} → invalid_grant`, async () => {
        const { idx, interaction, code } = await signIn({ extra: { code_challenge: s256(verifier) } });
        expectTokenError(await idx.exchange(interaction, code, { code_verifier: verifier }), 'invalid_grant');
      });
    }

    for (const [label, verifier] of [
      ['43 chars', `${'A'.repeat(40)}-._~`.slice(0, 43).padEnd(43, 'z')],
      ['128 chars', `${'0123456789-._~'.repeat(10)}`.slice(0, 128)],
    ] as const) {
      it(`boundary ${label} succeeds`, async () => {
        expect(verifier).toHaveLength(Number.parseInt(label, 10));
        const { idx, interaction, code } = await signIn({ extra: { code_challenge: s256(verifier) } });
        const res = await idx.exchange(interaction, code, { code_verifier: verifier });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
      });
    }

    it('missing code_verifier → invalid_request', async () => {
      const { code } = await signIn();
      const res = await postForm<Body>(`${server.issuer}/v1/token`, {
        grant_type: 'interaction_code',
        client_id: clientId,
        redirect_uri: REDIRECT,
        interaction_code: code,
      });
      expectTokenError(res, 'invalid_request');
    });
  });

  it('A5: replay → invalid_grant and everything from the first redemption is revoked', async () => {
    const { idx, interaction, code } = await signIn({ scope: 'openid profile email offline_access' });
    const first = await idx.exchange(interaction, code);
    expect(first.status).toBe(200);
    const at1 = first.body.access_token as string;
    const rt1 = first.body.refresh_token as string;
    expect(typeof rt1).toBe('string');
    // They work before the replay …
    expect((await userinfo(at1)).status).toBe(200);
    expect((await introspect(at1)).body.active).toBe(true);
    expect((await introspect(rt1)).body.active).toBe(true);

    const replay = await idx.exchange(interaction, code);
    expectTokenError(replay, 'invalid_grant');

    // … and not after it.
    expect((await userinfo(at1)).status).toBe(401);
    expectTokenError(await refresh(rt1), 'invalid_grant');
    expect((await introspect(at1)).body).toEqual({ active: false });
    expect((await introspect(rt1)).body).toEqual({ active: false });
  });

  it('A5: replay after 30 s is still refused and still revokes', async () => {
    const { idx, interaction, code } = await signIn();
    const first = await idx.exchange(interaction, code);
    expect(first.status).toBe(200);
    server.clock.advance(30_000);
    expectTokenError(await idx.exchange(interaction, code), 'invalid_grant');
    expect((await userinfo(first.body.access_token as string)).status).toBe(401);
  });

  it('A6: 20 concurrent redemptions of one code → at most one 200, every other one invalid_grant', async () => {
    for (let round = 0; round < 3; round++) {
      const { idx, interaction, code } = await signIn();
      const results = await Promise.all(Array.from({ length: 20 }, () => idx.exchange(interaction, code)));
      const ok = results.filter((r) => r.status === 200);
      expect(ok.length).toBeLessThanOrEqual(1);
      for (const r of results.filter((r) => r.status !== 200)) {
        expect(r.status).toBe(400);
        expect(r.body.error).toBe('invalid_grant');
      }
    }
  });

  it('A7: a code expires after 60 s', async () => {
    const late = await signIn();
    server.clock.advance(61_000);
    expectTokenError(await late.idx.exchange(late.interaction, late.code), 'invalid_grant');

    const inTime = await signIn();
    server.clock.advance(59_000);
    const res = await inTime.idx.exchange(inTime.interaction, inTime.code);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it('A8: a code redeemed by another client → invalid_grant', async () => {
    const other = (await server.createApp()).app.clientId;
    const { interaction, code } = await signIn();
    const thief = new IdxConversation(server.url, other);
    expectTokenError(await thief.exchange(interaction, code), 'invalid_grant');
  });

  it('A8: a code redeemed with another redirect_uri → invalid_grant (even a registered one)', async () => {
    const second = 'http://localhost:8080/other/callback';
    const app = (await server.createApp({ redirectUris: [REDIRECT, second] })).app.clientId;
    const registered = await signIn({ clientId: app });
    expectTokenError(
      await registered.idx.exchange(registered.interaction, registered.code, { redirect_uri: second }),
      'invalid_grant',
    );
    const unregistered = await signIn({ clientId: app });
    expectTokenError(
      await unregistered.idx.exchange(unregistered.interaction, unregistered.code, {
        redirect_uri: `${REDIRECT}/`,
      }),
      'invalid_grant',
    );
  });

  it('a code of the default server is refused at the org server', async () => {
    const { interaction, code } = await signIn();
    const org = new IdxConversation(server.url, clientId, REDIRECT, '/oauth2');
    expectTokenError(await org.exchange(interaction, code), 'invalid_grant');
  });

  it('unknown or garbage interaction codes → invalid_grant', async () => {
    const { idx, interaction } = await signIn();
    for (const code of ['x', 'a'.repeat(43), 'ü'.repeat(50), '../../etc/passwd', 'a'.repeat(5000)])
      expectTokenError(await idx.exchange(interaction, code), 'invalid_grant');
  });

  it('A11: grant_type=password → unsupported_grant_type', async () => {
    const res = await postForm<Body>(`${server.issuer}/v1/token`, {
      grant_type: 'password',
      client_id: clientId,
      username: login,
      password,
      scope: 'openid',
    });
    expectTokenError(res, 'unsupported_grant_type');
  });

  it('other unsupported grant types → unsupported_grant_type', async () => {
    for (const grantType of [
      'client_credentials',
      'implicit',
      'urn:ietf:params:oauth:grant-type:device_code',
    ]) {
      const res = await postForm<Body>(`${server.issuer}/v1/token`, {
        grant_type: grantType,
        client_id: clientId,
      });
      expectTokenError(res, 'unsupported_grant_type');
    }
  });

  it('missing grant_type → invalid_request', async () => {
    const { interaction, code } = await signIn();
    const res = await postForm<Body>(`${server.issuer}/v1/token`, {
      client_id: clientId,
      redirect_uri: REDIRECT,
      code_verifier: interaction.pkce.verifier,
      interaction_code: code,
    });
    expectTokenError(res, 'invalid_request');
  });

  it('unknown client → 401 invalid_client', async () => {
    const { interaction, code } = await signIn();
    const stranger = new IdxConversation(server.url, '0oa-unknown');
    expectTokenError(await stranger.exchange(interaction, code), 'invalid_client', 401);
  });

  describe('an app created without refresh tokens', () => {
    let noRefresh: string;
    beforeAll(async () => {
      noRefresh = (await server.createApp({ refreshTokens: false })).app.clientId;
    });

    it('gets no refresh token even when asking for offline_access', async () => {
      const { idx, interaction, code } = await signIn({
        clientId: noRefresh,
        scope: 'openid offline_access',
      });
      const res = await idx.exchange(interaction, code);
      expect(res.status).toBe(200);
      expect(res.body).not.toHaveProperty('refresh_token');
    });

    it('asking for the refresh_token grant → unauthorized_client', async () => {
      const res = await postForm<Body>(`${server.issuer}/v1/token`, {
        grant_type: 'refresh_token',
        client_id: noRefresh,
        refresh_token: 'a'.repeat(43),
      });
      expectTokenError(res, 'unauthorized_client');
    });
  });
});
