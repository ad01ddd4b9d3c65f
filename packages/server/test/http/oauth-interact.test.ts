import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpResult, IdxConversation, postForm } from '../support/idx-client.js';
import { newPkce } from '../support/pkce.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * `POST /v1/interact` validation (docs/security.md A1, A2, B1, B6, C2; docs/protocol/idx-protocol.md
 * §5.2): every refusal is an OAuth JSON error, never a redirect, never an interaction handle.
 */

const REDIRECT = 'http://localhost:8080/login/callback';
type OAuthBody = { error?: string; error_description?: string; interaction_handle?: string };

function expectOAuthError(res: HttpResult<OAuthBody>, status: number, error: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error).toBe(error);
  expect(typeof res.body.error_description).toBe('string');
  expect(res.body).not.toHaveProperty('interaction_handle');
  expect(res.headers.get('location')).toBeNull();
  expect(res.headers.get('cache-control')).toBe('no-store');
}

describe('POST /oauth2/default/v1/interact', () => {
  let server: TestServer;
  let clientId: string;
  let url: string;

  const validParams = (): Record<string, string> => ({
    client_id: clientId,
    scope: 'openid profile email',
    redirect_uri: REDIRECT,
    code_challenge: newPkce().challenge,
    code_challenge_method: 'S256',
    state: 'state-123',
    nonce: 'nonce-123',
  });
  const send = (params: Record<string, string>, headers: Record<string, string> = {}) =>
    postForm<OAuthBody>(url, params, headers);
  /** Posts a raw body (for repeated parameters, which URLSearchParams objects cannot express). */
  const sendRaw = async (body: string): Promise<HttpResult<OAuthBody>> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as OAuthBody };
  };

  beforeAll(async () => {
    server = await startTestServer();
    url = `${server.issuer}/v1/interact`;
    clientId = (await server.createApp()).app.clientId;
  });
  afterAll(() => server.close());

  it('accepts a valid request and returns an interaction handle (not cacheable)', async () => {
    const res = await send(validParams());
    expect(res.status).toBe(200);
    expect(res.body.interaction_handle).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('ignores unknown parameters (B6)', async () => {
    const res = await send({ ...validParams(), foo: 'bar' });
    expect(res.status).toBe(200);
    expect(typeof res.body.interaction_handle).toBe('string');
  });

  describe('PKCE is mandatory and S256-only (A1, A2)', () => {
    it('missing code_challenge → invalid_request', async () => {
      const { code_challenge: _, code_challenge_method: __, ...params } = validParams();
      expectOAuthError(await send(params), 400, 'invalid_request');
    });

    it('missing code_challenge with method S256 → invalid_request', async () => {
      const { code_challenge: _, ...params } = validParams();
      expectOAuthError(await send(params), 400, 'invalid_request');
    });

    it('plain method → invalid_request', async () => {
      const verifier = newPkce().verifier;
      expectOAuthError(
        await send({ ...validParams(), code_challenge: verifier, code_challenge_method: 'plain' }),
        400,
        'invalid_request',
      );
    });

    it('challenge without a method (RFC 7636 would default to plain) → invalid_request', async () => {
      const { code_challenge_method: _, ...params } = validParams();
      expectOAuthError(await send(params), 400, 'invalid_request');
    });

    it('method with another spelling (s256) → invalid_request', async () => {
      expectOAuthError(
        await send({ ...validParams(), code_challenge_method: 's256' }),
        400,
        'invalid_request',
      );
    });

    for (const [label, challenge] of [
      ['42 chars', 'a'.repeat(42)],
      ['44 chars', 'a'.repeat(44)],
      ['padding', `${'a'.repeat(42)}=`],
      ['standard base64 +', `${'a'.repeat(42)}+`],
      ['standard base64 /', `${'a'.repeat(42)}/`],
      ['a space', `${'a'.repeat(21)} ${'a'.repeat(21)}`],
      ['128-char verifier shape', 'a'.repeat(128)],
    ] as const) {
      it(`malformed challenge (${label}) → invalid_request`, async () => {
        expectOAuthError(await send({ ...validParams(), code_challenge: challenge }), 400, 'invalid_request');
      });
    }
  });

  describe('exact redirect URI matching (B1)', () => {
    for (const [label, uri] of [
      ['trailing slash', `${REDIRECT}/`],
      ['extra path segment', `${REDIRECT}/extra`],
      ['different port', 'http://localhost:8081/login/callback'],
      ['no port', 'http://localhost/login/callback'],
      ['path case change', 'http://localhost:8080/Login/Callback'],
      ['host case change', 'http://LOCALHOST:8080/login/callback'],
      ['query added', `${REDIRECT}?next=/admin`],
      ['empty query added', `${REDIRECT}?`],
      ['fragment', `${REDIRECT}#x`],
      ['https instead of http', 'https://localhost:8080/login/callback'],
      ['userinfo trick', 'http://localhost:8080@evil.example/login/callback'],
      ['percent-encoded path', 'http://localhost:8080/login%2Fcallback'],
      ['127.0.0.1 instead of localhost', 'http://127.0.0.1:8080/login/callback'],
      ['other host', 'https://evil.example/login/callback'],
      ['relative', '/login/callback'],
    ] as const) {
      it(`${label} → 400 invalid_request`, async () => {
        const res = await send({ ...validParams(), redirect_uri: uri });
        expectOAuthError(res, 400, 'invalid_request');
      });
    }

    it('missing redirect_uri → 400 invalid_request', async () => {
      const { redirect_uri: _, ...params } = validParams();
      expectOAuthError(await send(params), 400, 'invalid_request');
    });
  });

  it('unknown client → 401 invalid_client', async () => {
    expectOAuthError(
      await send({ ...validParams(), client_id: '0oa-unknown-client' }),
      401,
      'invalid_client',
    );
  });

  it('missing client_id → 401 invalid_client', async () => {
    const { client_id: _, ...params } = validParams();
    expectOAuthError(await send(params), 401, 'invalid_client');
  });

  it('a public client presenting a secret → 401 invalid_client', async () => {
    expectOAuthError(await send({ ...validParams(), client_secret: 's'.repeat(40) }), 401, 'invalid_client');
  });

  for (const scope of ['openid bogus', 'admin', 'openid profile email phone']) {
    it(`unknown scope (${scope}) → 400 invalid_scope`, async () => {
      expectOAuthError(await send({ ...validParams(), scope }), 400, 'invalid_scope');
    });
  }

  it('missing state → invalid_request', async () => {
    const { state: _, ...params } = validParams();
    expectOAuthError(await send(params), 400, 'invalid_request');
  });

  it('repeated parameters → invalid_request (B6)', async () => {
    const base = new URLSearchParams(validParams());
    for (const [name, a, b] of [
      ['state', 'a', 'b'],
      ['state', 'a', 'a'],
      ['client_id', clientId, clientId],
      ['redirect_uri', REDIRECT, 'https://evil.example/cb'],
      ['code_challenge', base.get('code_challenge')!, newPkce().challenge],
    ] as const) {
      const params = new URLSearchParams(base);
      params.delete(name);
      params.append(name, a);
      params.append(name, b);
      expectOAuthError(await sendRaw(params.toString()), 400, 'invalid_request');
    }
  });

  it('a parameter in both the query string and the body → invalid_request', async () => {
    const res = await fetch(`${url}?state=from-query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(validParams()).toString(),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as OAuthBody).error).toBe('invalid_request');
  });

  it('a client registered without the interaction_code grant → unauthorized_client (A11)', async () => {
    // The app service always grants interaction_code; register such a client in the store directly.
    const { app } = await server.createApp();
    const restricted = {
      ...app,
      id: `${app.id}x`,
      clientId: `${app.clientId}x`,
      grantTypes: ['refresh_token'],
    };
    await server.services.storage.apps.createApp(restricted);
    expectOAuthError(
      await send({ ...validParams(), client_id: restricted.clientId }),
      400,
      'unauthorized_client',
    );
  });

  describe('confidential client', () => {
    const secret = 'x'.repeat(40);
    let confidentialId: string;
    beforeAll(async () => {
      confidentialId = (await server.createApp({ public: false, secret })).app.clientId;
    });
    const params = () => ({ ...validParams(), client_id: confidentialId });
    const basic = (id: string, pw: string) => `Basic ${Buffer.from(`${id}:${pw}`).toString('base64')}`;

    it('without a secret → 401 invalid_client', async () => {
      expectOAuthError(await send(params()), 401, 'invalid_client');
    });

    it('with a wrong secret in the body → 401 invalid_client', async () => {
      expectOAuthError(await send({ ...params(), client_secret: 'y'.repeat(40) }), 401, 'invalid_client');
    });

    it('with a wrong secret via Basic → 401 invalid_client + WWW-Authenticate: Basic (C2)', async () => {
      const res = await send(params(), { authorization: basic(confidentialId, 'y'.repeat(40)) });
      expectOAuthError(res, 401, 'invalid_client');
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic\b/);
    });

    it('client_secret_post works', async () => {
      const res = await send({ ...params(), client_secret: secret });
      expect(res.status).toBe(200);
      expect(typeof res.body.interaction_handle).toBe('string');
    });

    it('client_secret_basic works (with or without client_id in the body)', async () => {
      const withId = await send(params(), { authorization: basic(confidentialId, secret) });
      expect(withId.status).toBe(200);
      const { client_id: _, ...noId } = params();
      const withoutId = await send(noId, { authorization: basic(confidentialId, secret) });
      expect(withoutId.status).toBe(200);
    });

    it('Basic and a body secret together → invalid_request', async () => {
      const res = await send(
        { ...params(), client_secret: secret },
        { authorization: basic(confidentialId, secret) },
      );
      expectOAuthError(res, 400, 'invalid_request');
    });

    it('Basic for one client, body client_id for another → refused', async () => {
      const res = await send(
        { ...params(), client_id: clientId },
        { authorization: basic(confidentialId, secret) },
      );
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body).not.toHaveProperty('interaction_handle');
    });

    it('signs in end to end: the token endpoint also requires the secret', async () => {
      const { user, password } = await server.createUser();
      const idx = new IdxConversation(server.url, confidentialId);
      const interaction = await idx.interact({ client_secret: secret });
      await idx.introspect(interaction.interactionHandle);
      const done = await idx.submit('identify', {
        identifier: user.login,
        credentials: { passcode: password },
      });
      expect(done.status).toBe(200);
      const code = idx.interactionCode();
      // Without the secret: refused before the code is looked at, so the code stays usable.
      const anonymous = await idx.exchange(interaction, code);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error).toBe('invalid_client');
      const ok = await postForm<Record<string, unknown>>(
        `${server.issuer}/v1/token`,
        {
          grant_type: 'interaction_code',
          redirect_uri: REDIRECT,
          code_verifier: interaction.pkce.verifier,
          interaction_code: code,
        },
        { authorization: basic(confidentialId, secret) },
      );
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      expect(ok.body.token_type).toBe('Bearer');
    });
  });
});
