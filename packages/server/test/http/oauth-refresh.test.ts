import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpResult, IdxConversation, postForm } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** `grant_type=refresh_token`: issuance, rotation, reuse detection, scope, expiry (docs/security.md C3). */

type Body = Record<string, unknown>;
const FULL = 'openid profile email offline_access';

function expectError(res: HttpResult<Body>, error: string, status = 400) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error).toBe(error);
  expect(res.body).not.toHaveProperty('access_token');
  expect(res.headers.get('cache-control')).toBe('no-store');
}

interface Ctx {
  server: TestServer;
  clientId: string;
  login: string;
  password: string;
}

async function setUp(config?: Parameters<typeof startTestServer>[0]): Promise<Ctx> {
  const server = await startTestServer(config);
  const clientId = (await server.createApp()).app.clientId;
  const { user, password } = await server.createUser();
  return { server, clientId, login: user.login, password };
}

async function signIn(ctx: Ctx, scope = FULL, clientId = ctx.clientId, path = '/oauth2/default') {
  const idx = new IdxConversation(ctx.server.url, clientId, undefined, path);
  const interaction = await idx.interact({ scope });
  await idx.introspect(interaction.interactionHandle);
  const done = await idx.submit('identify', {
    identifier: ctx.login,
    credentials: { passcode: ctx.password },
  });
  expect(done.status).toBe(200);
  const res = await idx.exchange(interaction, idx.interactionCode());
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as {
    access_token: string;
    refresh_token?: string;
    id_token?: string;
    scope: string;
  };
}

const refresh = (
  ctx: Ctx,
  refreshToken: string,
  extra: Record<string, string> = {},
  path = '/oauth2/default',
) =>
  postForm<Body>(`${ctx.server.url}${path}/v1/token`, {
    grant_type: 'refresh_token',
    client_id: ctx.clientId,
    refresh_token: refreshToken,
    ...extra,
  });

const userinfo = (ctx: Ctx, accessToken: string) =>
  fetch(`${ctx.server.issuer}/v1/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });

describe('refresh tokens', () => {
  let ctx: Ctx;
  beforeAll(async () => {
    ctx = await setUp();
  });
  afterAll(() => ctx.server.close());

  it('are issued only when offline_access is in the scope', async () => {
    const without = await signIn(ctx, 'openid profile email');
    expect(without).not.toHaveProperty('refresh_token');
    const withIt = await signIn(ctx, FULL);
    expect(withIt.refresh_token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(withIt.scope).toBe(FULL);
  });

  it('rotate: RT1 → new access token, ID token and RT2', async () => {
    const first = await signIn(ctx);
    const res = await refresh(ctx, first.refresh_token!);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).not.toHaveProperty('state');
    expect(res.body.token_type).toBe('Bearer');
    expect(res.body.scope).toBe(FULL);
    expect(res.body.refresh_token).toEqual(expect.any(String));
    expect(res.body.refresh_token).not.toBe(first.refresh_token);
    expect(res.body.access_token).not.toBe(first.access_token);
    const jwks = createRemoteJWKSet(new URL(`${ctx.server.issuer}/v1/keys`));
    const oldId = await jwtVerify(first.id_token!, jwks, {
      issuer: ctx.server.issuer,
      algorithms: ['RS256'],
    });
    const newId = await jwtVerify(res.body.id_token as string, jwks, {
      issuer: ctx.server.issuer,
      audience: ctx.clientId,
      algorithms: ['RS256'],
    });
    expect(newId.payload.sub).toBe(oldId.payload.sub);
    expect(newId.payload.sid).toBe(oldId.payload.sid);
    expect(newId.payload.auth_time).toBe(oldId.payload.auth_time);
    expect((await userinfo(ctx, res.body.access_token as string)).status).toBe(200);
    // The old access token is not touched by a normal rotation.
    expect((await userinfo(ctx, first.access_token)).status).toBe(200);
  });

  it('reuse of a rotated-out token kills the whole family', async () => {
    const first = await signIn(ctx);
    const rt1 = first.refresh_token!;
    const second = await refresh(ctx, rt1);
    expect(second.status).toBe(200);
    const rt2 = second.body.refresh_token as string;
    const at2 = second.body.access_token as string;
    expect((await userinfo(ctx, at2)).status).toBe(200);

    expectError(await refresh(ctx, rt1), 'invalid_grant');
    expectError(await refresh(ctx, rt2), 'invalid_grant');
    expect((await userinfo(ctx, at2)).status).toBe(401);
    expect((await userinfo(ctx, first.access_token)).status).toBe(401);
  });

  it('a chain of rotations keeps working', async () => {
    let rt = (await signIn(ctx)).refresh_token!;
    for (let i = 0; i < 5; i++) {
      const res = await refresh(ctx, rt);
      expect(res.status).toBe(200);
      rt = res.body.refresh_token as string;
    }
  });

  it('10 concurrent refreshes with one token → exactly one success (A6)', async () => {
    const { refresh_token: rt } = await signIn(ctx);
    const results = await Promise.all(Array.from({ length: 10 }, () => refresh(ctx, rt!)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 200)) expect(r.body.error).toBe('invalid_grant');
  });

  it('a narrower scope works; the refresh token keeps the original grant', async () => {
    const first = await signIn(ctx);
    const narrow = await refresh(ctx, first.refresh_token!, { scope: 'openid offline_access' });
    expect(narrow.status, JSON.stringify(narrow.body)).toBe(200);
    expect(narrow.body.scope).toBe('openid offline_access');
    const info = (await (await userinfo(ctx, narrow.body.access_token as string)).json()) as Body;
    expect(info).not.toHaveProperty('email');
    expect(info).not.toHaveProperty('name');
    // Asking for the original scope again is not "wider" than what was granted.
    const again = await refresh(ctx, narrow.body.refresh_token as string, { scope: FULL });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
  });

  it('a wider or unknown scope → invalid_scope', async () => {
    const first = await signIn(ctx, 'openid offline_access');
    expectError(
      await refresh(ctx, first.refresh_token!, { scope: 'openid email offline_access' }),
      'invalid_scope',
    );
    expectError(await refresh(ctx, first.refresh_token!, { scope: 'openid admin' }), 'invalid_scope');
    // The refused request did not burn the token.
    expect((await refresh(ctx, first.refresh_token!)).status).toBe(200);
  });

  it("another client's refresh token → invalid_grant, and it is not burned", async () => {
    const first = await signIn(ctx);
    const other = (await ctx.server.createApp()).app.clientId;
    expectError(await refresh({ ...ctx, clientId: other }, first.refresh_token!), 'invalid_grant');
    expect((await refresh(ctx, first.refresh_token!)).status).toBe(200);
  });

  it("the default server's refresh token is refused at the org server", async () => {
    const first = await signIn(ctx);
    expectError(await refresh(ctx, first.refresh_token!, {}, '/oauth2'), 'invalid_grant');
    expect((await refresh(ctx, first.refresh_token!)).status).toBe(200);
  });

  it('unknown, garbage or missing refresh tokens are refused', async () => {
    for (const token of ['a'.repeat(43), 'x', 'a.b.c', 'ü'.repeat(30)])
      expectError(await refresh(ctx, token), 'invalid_grant');
    const missing = await postForm<Body>(`${ctx.server.issuer}/v1/token`, {
      grant_type: 'refresh_token',
      client_id: ctx.clientId,
    });
    expectError(missing, 'invalid_request');
  });

  it('an access token is not a refresh token', async () => {
    const first = await signIn(ctx);
    expectError(await refresh(ctx, first.access_token), 'invalid_grant');
  });
});

describe('refresh token expiry', () => {
  let ctx: Ctx;
  beforeAll(async () => {
    ctx = await setUp({
      config: { tokens: { refreshTokenIdleTtlSeconds: 120, refreshTokenAbsoluteTtlSeconds: 300 } },
    });
  });
  afterAll(() => ctx.server.close());

  it('expires when idle longer than refreshTokenIdleTtlSeconds', async () => {
    const first = await signIn(ctx);
    ctx.server.clock.advance(121_000);
    expectError(await refresh(ctx, first.refresh_token!), 'invalid_grant');
  });

  it('each use restarts the idle window', async () => {
    let rt = (await signIn(ctx)).refresh_token!;
    for (let i = 0; i < 2; i++) {
      ctx.server.clock.advance(100_000);
      const res = await refresh(ctx, rt);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      rt = res.body.refresh_token as string;
    }
  });

  it('never outlives refreshTokenAbsoluteTtlSeconds, however often it is used', async () => {
    let rt = (await signIn(ctx)).refresh_token!;
    for (let i = 0; i < 2; i++) {
      ctx.server.clock.advance(100_000);
      const res = await refresh(ctx, rt);
      expect(res.status).toBe(200);
      rt = res.body.refresh_token as string;
    }
    ctx.server.clock.advance(99_000); // 299 s after sign-in
    const last = await refresh(ctx, rt);
    expect(last.status, JSON.stringify(last.body)).toBe(200);
    rt = last.body.refresh_token as string;
    ctx.server.clock.advance(2_000); // 301 s: idle only 2 s, but past the family's end
    expectError(await refresh(ctx, rt), 'invalid_grant');
  });
});
