/**
 * The redirect sign-in on its own, against a small fake provider (discovery, JWKS, token endpoint):
 * the `/v1/authorize` URL and the saved transaction (`buildAuthorizeUrl`, `signInWithRedirect`),
 * and every way `handleLoginRedirect` refuses an answer (state, `iss`, `error`, no code, nonce)
 * before or after the code exchange, whose request it checks too.
 */
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type AuthClient,
  type AuthStorage,
  ConfigurationError,
  createAuthClient,
  createAuthorizeUrl,
  type FetchLike,
  memoryStorage,
  OAuthError,
  ValidationError,
} from '../../src/index.js';

const ISSUER = 'https://id.example.test/oauth2/default';
const CLIENT_ID = 'client-1';
const REDIRECT_URI = 'https://app.example.test/authorization-code/callback';

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let privateKey: Key;
let jwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  privateKey = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
});

interface FakeOp {
  fetch: FetchLike;
  /** `METHOD path` of every request. */
  calls: string[];
  /** Form bodies sent to the token endpoint. */
  tokenRequests: URLSearchParams[];
  /** What the token endpoint answers next (default: tokens whose ID token carries `nonce`). */
  answer: { status: number; body: Record<string, unknown> } | null;
  nonce: string;
}

/** A provider whose token endpoint signs an ID token with the nonce set on `op.nonce`. */
function fakeOp(discovery: Record<string, unknown> = {}): FakeOp {
  const op: FakeOp = {
    calls: [],
    tokenRequests: [],
    answer: null,
    nonce: '',
    fetch: async (url, init) => {
      const path = new URL(url).pathname;
      op.calls.push(`${init.method ?? 'GET'} ${path}`);
      if (path.endsWith('/.well-known/openid-configuration'))
        return Response.json({
          issuer: ISSUER,
          jwks_uri: `${ISSUER}/v1/keys`,
          authorization_endpoint: `${ISSUER}/v1/authorize`,
          token_endpoint: `${ISSUER}/v1/token`,
          code_challenge_methods_supported: ['S256'],
          authorization_response_iss_parameter_supported: true,
          ...discovery,
        });
      if (path.endsWith('/v1/keys')) return Response.json({ keys: [jwk] });
      if (path.endsWith('/v1/token')) {
        op.tokenRequests.push(new URLSearchParams(String(init.body)));
        if (op.answer) return Response.json(op.answer.body, { status: op.answer.status });
        const now = Math.floor(Date.now() / 1000);
        const idToken = await new SignJWT({
          iss: ISSUER,
          aud: CLIENT_ID,
          sub: '00u1',
          email: 'ada@example.com',
          nonce: op.nonce,
          iat: now,
          exp: now + 300,
        })
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .sign(privateKey);
        return Response.json({
          token_type: 'Bearer',
          access_token: 'at-1',
          expires_in: 3600,
          scope: 'openid email',
          id_token: idToken,
        });
      }
      return new Response('not found', { status: 404 });
    },
  };
  return op;
}

function client(op: FakeOp, storage: AuthStorage = memoryStorage(), clientSecret?: string): AuthClient {
  return createAuthClient({
    issuer: ISSUER,
    clientId: CLIENT_ID,
    ...(clientSecret ? { clientSecret } : {}),
    redirectUri: REDIRECT_URI,
    scopes: ['openid', 'email'],
    storage,
    fetch: op.fetch,
  });
}

/** The answer URL for a saved request: `?code&state&iss` plus `extra` (null removes a parameter). */
function answer(state: string, extra: Record<string, string | null> = {}): string {
  const url = new URL(REDIRECT_URI);
  const params: Record<string, string | null> = { code: 'code-1', state, iss: ISSUER, ...extra };
  for (const [key, value] of Object.entries(params)) if (value !== null) url.searchParams.set(key, value);
  return url.href;
}

describe('buildAuthorizeUrl', () => {
  it('the authorize URL: client, redirect URI, code, scopes, state, nonce, S256 challenge of the saved verifier', async () => {
    const op = fakeOp();
    const storage = memoryStorage();
    const auth = client(op, storage);
    const request = await auth.buildAuthorizeUrl();
    const url = new URL(request.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${ISSUER}/v1/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid email',
      state: request.state,
      nonce: request.nonce,
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
    });
    expect(request.state).toMatch(/^[\w-]{43}$/);
    expect(request.nonce).toMatch(/^[\w-]{43}$/);
    expect(request.codeVerifier).toMatch(/^[\w-]{43}$/);
    const { createHash } = await import('node:crypto');
    expect(request.codeChallenge).toBe(createHash('sha256').update(request.codeVerifier).digest('base64url'));
    // Saved under its state, as a redirect transaction (not an IDX one: no handle, canProceed false).
    const saved = storage.getTransaction(request.state);
    expect(saved).toMatchObject({
      flow: 'redirect',
      codeVerifier: request.codeVerifier,
      nonce: request.nonce,
    });
    expect(saved?.interactionHandle).toBeUndefined();
    expect(auth.idx.canProceed({ state: request.state })).toBe(false);
    expect(auth.idx.getSavedTransaction(request.state)).toBeUndefined();
    // Discovery only: nothing else is sent to build a URL.
    expect(op.calls).toEqual(['GET /oauth2/default/.well-known/openid-configuration']);
  });

  it('options: prompt, login_hint, max_age, ui_locales, scopes, redirect URI, state and nonce of your own', async () => {
    const auth = client(fakeOp());
    const request = await auth.buildAuthorizeUrl({
      prompt: 'login',
      loginHint: 'ada@example.com',
      maxAge: 0,
      uiLocales: 'fr de',
      scopes: ['openid', 'offline_access'],
      redirectUri: 'https://app.example.test/other/callback',
      state: 'my-state',
      nonce: 'my-nonce',
    });
    const params = new URL(request.url).searchParams;
    expect(params.get('prompt')).toBe('login');
    expect(params.get('login_hint')).toBe('ada@example.com');
    expect(params.get('max_age')).toBe('0');
    expect(params.get('ui_locales')).toBe('fr de');
    expect(params.get('scope')).toBe('openid offline_access');
    expect(params.get('redirect_uri')).toBe('https://app.example.test/other/callback');
    expect(params.get('state')).toBe('my-state');
    expect(params.get('nonce')).toBe('my-nonce');
    expect(request).toMatchObject({ scopes: ['openid', 'offline_access'], state: 'my-state' });
  });

  it("the discovery document's authorization_endpoint wins over the derived one", async () => {
    const auth = client(fakeOp({ authorization_endpoint: 'https://login.example.test/authorize?tenant=1' }));
    const url = new URL((await auth.buildAuthorizeUrl()).url);
    expect(`${url.origin}${url.pathname}`).toBe('https://login.example.test/authorize');
    expect(url.searchParams.get('tenant')).toBe('1');
    expect(url.searchParams.get('response_type')).toBe('code');
  });

  it('createAuthorizeUrl (low level) leaves out what is not given', () => {
    const url = createAuthorizeUrl(`${ISSUER}/v1/authorize`, {
      clientId: 'c',
      redirectUri: 'https://app/cb',
      scopes: ['openid'],
      state: 's',
      nonce: 'n',
      codeChallenge: 'x'.repeat(43),
    });
    expect([...new URL(url).searchParams.keys()]).toEqual([
      'client_id',
      'redirect_uri',
      'response_type',
      'scope',
      'state',
      'nonce',
      'code_challenge',
      'code_challenge_method',
    ]);
  });
});

describe('signInWithRedirect', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('navigates to the authorize URL with location.assign', async () => {
    const assign = vi.fn();
    vi.stubGlobal('location', { href: 'https://app.example.test/', assign });
    const storage = memoryStorage();
    await client(fakeOp(), storage).signInWithRedirect({ loginHint: 'ada@example.com' });
    expect(assign).toHaveBeenCalledTimes(1);
    const url = new URL(assign.mock.calls[0]![0] as string);
    expect(url.searchParams.get('login_hint')).toBe('ada@example.com');
    expect(storage.getTransaction(url.searchParams.get('state')!)?.flow).toBe('redirect');
  });

  it('without a browser: ConfigurationError (servers use buildAuthorizeUrl)', async () => {
    await expect(client(fakeOp()).signInWithRedirect()).rejects.toBeInstanceOf(ConfigurationError);
  });
});

describe('handleLoginRedirect', () => {
  afterEach(() => vi.unstubAllGlobals());

  async function started(op = fakeOp(), storage = memoryStorage(), secret?: string) {
    const auth = client(op, storage, secret);
    const request = await auth.buildAuthorizeUrl();
    op.nonce = request.nonce;
    return { auth, op, storage, request };
  }

  it('exchanges the code (authorization_code, redirect_uri, client_id, code_verifier), validates, stores, forgets', async () => {
    const { auth, op, storage, request } = await started();
    expect(auth.isLoginRedirect(answer(request.state))).toBe(true);
    const tokens = await auth.handleLoginRedirect(answer(request.state));
    expect(tokens).toMatchObject({
      tokenType: 'Bearer',
      accessToken: 'at-1',
      scopes: ['openid', 'email'],
      claims: { sub: '00u1', email: 'ada@example.com', nonce: request.nonce },
    });
    expect(auth.token.get()).toEqual(tokens);
    expect(Object.fromEntries(op.tokenRequests[0]!)).toEqual({
      client_id: CLIENT_ID,
      grant_type: 'authorization_code',
      code: 'code-1',
      redirect_uri: REDIRECT_URI,
      code_verifier: request.codeVerifier,
    });
    expect(storage.getTransaction(request.state)).toBeUndefined();
    // The same answer again: the state was used once.
    await expect(auth.handleLoginRedirect(answer(request.state))).rejects.toMatchObject({
      code: 'state_mismatch',
    });
  });

  it('a confidential client sends its secret (client_secret_post)', async () => {
    const { auth, op, request } = await started(fakeOp(), memoryStorage(), 'secret-1');
    await auth.handleLoginRedirect(answer(request.state));
    expect(op.tokenRequests[0]!.get('client_secret')).toBe('secret-1');
  });

  it('defaults to location.href in a browser', async () => {
    const { auth, request } = await started();
    vi.stubGlobal('location', { href: answer(request.state) });
    expect(auth.isLoginRedirect()).toBe(true);
    await expect(auth.handleLoginRedirect()).resolves.toMatchObject({ claims: { sub: '00u1' } });
  });

  it('an unknown or tampered state → state_mismatch, nothing sent, the real one still works', async () => {
    const { auth, op, request } = await started();
    const calls = op.calls.length;
    for (const url of [
      answer('forged'),
      answer(request.state, { state: null }),
      `${REDIRECT_URI}?code=code-1`,
      REDIRECT_URI,
    ])
      await expect(auth.handleLoginRedirect(url)).rejects.toMatchObject({
        name: 'ValidationError',
        code: 'state_mismatch',
      });
    expect(op.calls.length).toBe(calls);
    await expect(auth.handleLoginRedirect(answer(request.state))).resolves.toBeDefined();
  });

  it("another storage (another browser or session) has no such state; an IDX transaction's state is not accepted", async () => {
    const { request, op } = await started();
    await expect(client(op).handleLoginRedirect(answer(request.state))).rejects.toMatchObject({
      code: 'state_mismatch',
    });
    const storage = memoryStorage();
    const { flow: _flow, ...idxLike } = request;
    storage.setTransaction({ ...idxLike, flow: 'default', interactionHandle: 'ih' });
    await expect(client(op, storage).handleLoginRedirect(answer(request.state))).rejects.toMatchObject({
      code: 'state_mismatch',
    });
  });

  it('a transaction of another client or issuer in the same storage → state_mismatch', async () => {
    const { request, storage, op } = await started();
    storage.setTransaction({ ...request, clientId: 'another-client' });
    await expect(client(op, storage).handleLoginRedirect(answer(request.state))).rejects.toMatchObject({
      code: 'state_mismatch',
    });
  });

  it('iss of another issuer → issuer_mismatch, and the state is used up; no code exchange', async () => {
    const { auth, op, request } = await started();
    const error = await auth
      .handleLoginRedirect(answer(request.state, { iss: 'https://evil.example.test' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'issuer_mismatch' });
    expect(op.tokenRequests).toHaveLength(0);
    await expect(auth.handleLoginRedirect(answer(request.state))).rejects.toMatchObject({
      code: 'state_mismatch',
    });
  });

  it('no iss from a server that says it sends one (RFC 9207 §2.4) → issuer_mismatch; accepted from one that does not', async () => {
    const strict = await started();
    await expect(
      strict.auth.handleLoginRedirect(answer(strict.request.state, { iss: null })),
    ).rejects.toMatchObject({ code: 'issuer_mismatch' });
    const lax = await started(fakeOp({ authorization_response_iss_parameter_supported: undefined }));
    await expect(
      lax.auth.handleLoginRedirect(answer(lax.request.state, { iss: null })),
    ).resolves.toBeDefined();
  });

  it('error (login_required, access_denied) → OAuthError with the description; the state is used up', async () => {
    const { auth, op, request } = await started();
    const error = await auth
      .handleLoginRedirect(
        answer(request.state, { code: null, error: 'login_required', error_description: 'Sign in first.' }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({
      code: 'login_required',
      error: 'login_required',
      error_description: 'Sign in first.',
      status: undefined,
    });
    expect(op.tokenRequests).toHaveLength(0);
    expect(auth.isLoginRedirect(answer(request.state, { code: null, error: 'access_denied' }))).toBe(true);
    await expect(auth.handleLoginRedirect(answer(request.state))).rejects.toMatchObject({
      code: 'state_mismatch',
    });
  });

  it('no code and no error → missing_code', async () => {
    const { auth, request } = await started();
    expect(auth.isLoginRedirect(answer(request.state, { code: null }))).toBe(false);
    await expect(auth.handleLoginRedirect(answer(request.state, { code: null }))).rejects.toMatchObject({
      name: 'ValidationError',
      code: 'missing_code',
    });
  });

  it('the token endpoint refuses (invalid_grant) → OAuthError with its status; nothing stored', async () => {
    const { auth, op, request } = await started();
    op.answer = { status: 400, body: { error: 'invalid_grant', error_description: 'The code is used.' } };
    await expect(auth.handleLoginRedirect(answer(request.state))).rejects.toMatchObject({
      name: 'OAuthError',
      code: 'invalid_grant',
      status: 400,
    });
    expect(auth.token.get()).toBeUndefined();
  });

  it("an ID token with another nonce than the transaction's → id_token_nonce; nothing stored", async () => {
    const { auth, op, request } = await started();
    op.nonce = 'another-nonce';
    await expect(auth.handleLoginRedirect(answer(request.state))).rejects.toMatchObject({
      name: 'ValidationError',
      code: 'id_token_nonce',
    });
    expect(auth.token.get()).toBeUndefined();
  });

  it('no ID token although openid was asked → invalid_token_response', async () => {
    const { auth, op, request } = await started();
    op.answer = { status: 200, body: { token_type: 'Bearer', access_token: 'at', expires_in: 60 } };
    await expect(auth.handleLoginRedirect(answer(request.state))).rejects.toMatchObject({
      code: 'invalid_token_response',
    });
  });
});
