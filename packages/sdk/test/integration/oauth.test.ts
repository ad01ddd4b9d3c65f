/**
 * The SDK's OAuth side against a running Gatehouse: the interaction-code redirect (state check,
 * `error` on the redirect), server-side redemption with a session-backed storage, refresh,
 * revocation, userinfo and the sign-out URL (docs/protocol/idx-protocol.md §5, §8.6, §10).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../server/test/support/test-server.js';
import { OAuthError, serverSessionStorage, ValidationError } from '../../src/index.js';
import { createTestApp, REDIRECT_URI, recordingFetch, sdkClient } from '../support/gatehouse.js';

const ONE_STEP = { factors: 'password', identifierFirst: false } as const;
const SCOPES = ['openid', 'profile', 'email', 'offline_access'];

describe('SDK OAuth helpers against Gatehouse', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  /** Signs in up to the interaction code, without exchanging it (what a redirecting widget does). */
  async function untilInteractionCode(
    auth: ReturnType<typeof sdkClient>,
    username: string,
    password: string,
  ) {
    await auth.idx.start();
    const tx = await auth.idx.proceed({ username, password, exchangeCodeForTokens: false });
    expect(tx.status).toBe('SUCCESS');
    expect(tx.tokens).toBeUndefined();
    expect(tx.interactionCode).toEqual(expect.any(String));
    const saved = auth.idx.getSavedTransaction();
    expect(saved?.state).toEqual(expect.any(String));
    return { code: tx.interactionCode!, state: saved!.state };
  }

  it('handleInteractionCodeRedirect: state checked, code exchanged with the PKCE verifier, tokens stored', async () => {
    const { app } = await createTestApp(server, ONE_STEP);
    const { user, password } = await server.createUser();
    const auth = sdkClient(server, app);
    const { code, state } = await untilInteractionCode(auth, user.login, password);
    const redirect = `${REDIRECT_URI}?interaction_code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`;
    expect(auth.idx.isInteractionCodeRedirect(redirect)).toBe(true);

    // A redirect naming another issuer (RFC 9207 `iss`) is refused.
    await expect(
      auth.idx.handleInteractionCodeRedirect(`${redirect}&iss=${encodeURIComponent('https://evil.example')}`),
    ).rejects.toMatchObject({ name: 'ValidationError', code: 'issuer_mismatch' });

    // A tampered state is refused before anything is sent; the code stays redeemable.
    const tampered = redirect.replace(`state=${encodeURIComponent(state)}`, 'state=forged-state');
    const refused = await auth.idx.handleInteractionCodeRedirect(tampered).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).code).toBe('state_mismatch');
    expect(auth.token.get()).toBeUndefined();

    const tokens = await auth.idx.handleInteractionCodeRedirect(redirect);
    expect(tokens.claims?.sub).toBe(user.id);
    expect(auth.token.get()?.idToken).toBe(tokens.idToken);
    expect(auth.idx.getSavedTransaction(state)).toBeUndefined();
    // Replaying the same redirect finds no transaction any more.
    await expect(auth.idx.handleInteractionCodeRedirect(redirect)).rejects.toMatchObject({
      code: 'state_mismatch',
    });
  });

  it('handleInteractionCodeRedirect with error=access_denied → OAuthError with error_description', async () => {
    const { app } = await createTestApp(server, ONE_STEP);
    const auth = sdkClient(server, app);
    await auth.idx.start();
    const { state } = auth.idx.getSavedTransaction()!;
    const redirect = `${REDIRECT_URI}?error=access_denied&error_description=${encodeURIComponent(
      'User is not assigned to the client application.',
    )}&state=${state}`;
    const error = await auth.idx.handleInteractionCodeRedirect(redirect).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({
      code: 'access_denied',
      error: 'access_denied',
      error_description: 'User is not assigned to the client application.',
    });
    expect(auth.token.get()).toBeUndefined();
    expect(auth.idx.canProceed({ state })).toBe(false);
  });

  it('server-side: a confidential client over a session object redeems the code and reads the identity', async () => {
    const { app, clientSecret } = await createTestApp(server, ONE_STEP, { public: false });
    expect(clientSecret).toEqual(expect.any(String));
    const { user, password } = await server.createUser({ firstName: 'Ada', lastName: 'Lovelace' });
    const base = sdkClient(server, app, undefined, { clientSecret });
    // Each "request" gets the session as a session store would give it back: parsed JSON.
    let persisted = '{}';
    const request = <T>(handler: (auth: typeof base) => Promise<T>) => {
      const session = JSON.parse(persisted) as Record<string, unknown>;
      return handler(base.withStorage(serverSessionStorage(session))).finally(() => {
        persisted = JSON.stringify(session);
      });
    };
    const { code, state } = await request((auth) => untilInteractionCode(auth, user.login, password));
    expect(JSON.parse(persisted).gatehouse.transactions[state].transaction.codeVerifier).toMatch(/^.{43}$/);

    const identity = await request(async (auth) => {
      const context = auth.idx.getSavedTransaction(state);
      expect(context).toBeDefined();
      const tokens = await auth.exchangeInteractionCode(context!, code);
      auth.idx.clearTransaction(state);
      return auth.getIdentityFromTokenResponse(tokens, { nonce: context!.nonce });
    });
    expect(identity).toMatchObject({
      sub: user.id,
      email: user.email,
      name: 'Ada Lovelace',
      preferredUsername: user.login,
    });
    expect(JSON.parse(persisted).gatehouse.transactions).toEqual({});
    // The code was single use.
    await request(async (auth) => {
      const error = await auth
        .exchangeInteractionCode({ codeVerifier: 'x'.repeat(43) }, code)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OAuthError);
      expect((error as OAuthError).error).toBe('invalid_grant');
    });
  });

  it('getUserInfo, token.refresh (one request for concurrent calls), token.revoke', async () => {
    const { app } = await createTestApp(server, ONE_STEP);
    const { user, password } = await server.createUser();
    const wire = recordingFetch();
    const auth = sdkClient(server, app, undefined, { scopes: SCOPES, fetch: wire.fetch });
    const signedIn = await auth.idx.authenticate({ username: user.login, password });
    expect(signedIn.status).toBe('SUCCESS');
    const first = signedIn.tokens!;
    expect(first.refreshToken).toEqual(expect.any(String));
    expect(first.scopes).toEqual(expect.arrayContaining(SCOPES));

    const info = await auth.getUserInfo();
    expect(info).toMatchObject({ sub: user.id, email: user.email });

    const before = wire.calls.filter((c) => c.endsWith('/v1/token')).length;
    const [a, b] = await Promise.all([auth.token.refresh(), auth.token.refresh()]);
    expect(wire.calls.filter((c) => c.endsWith('/v1/token')).length).toBe(before + 1);
    expect(a).toEqual(b);
    expect(a.accessToken).not.toBe(first.accessToken);
    expect(a.refreshToken).not.toBe(first.refreshToken);
    expect(a.claims?.sub).toBe(user.id);
    expect(auth.token.get()?.accessToken).toBe(a.accessToken);

    // The rotated-out refresh token is dead.
    const old = await fetch(`${server.issuer}/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: app.clientId,
        refresh_token: first.refreshToken!,
      }),
    });
    expect(old.status).toBe(400);

    await auth.token.revoke();
    expect(auth.token.get()).toBeUndefined();
    const userinfo = await fetch(`${server.issuer}/v1/userinfo`, {
      headers: { authorization: `Bearer ${a.accessToken}` },
    });
    expect(userinfo.status).toBe(401);
    await expect(auth.getUserInfo()).rejects.toMatchObject({ code: 'no_tokens' });
  });

  it('signOut(): revokes, forgets the tokens and returns the logout URL the server accepts', async () => {
    const { app } = await createTestApp(server, ONE_STEP);
    const { user, password } = await server.createUser();
    const auth = sdkClient(server, app, undefined, { scopes: SCOPES });
    const { tokens } = await auth.idx.authenticate({ username: user.login, password });
    const url = new URL(
      await auth.signOut({ postLogoutRedirectUri: 'http://localhost:8080/', state: 'bye' }),
    );
    expect(url.origin + url.pathname).toBe(`${server.issuer}/v1/logout`);
    expect(url.searchParams.get('id_token_hint')).toBe(tokens!.idToken);
    expect(auth.token.get()).toBeUndefined();
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('http://localhost:8080/?state=bye');
    const userinfo = await fetch(`${server.issuer}/v1/userinfo`, {
      headers: { authorization: `Bearer ${tokens!.accessToken}` },
    });
    expect(userinfo.status).toBe(401);
  });

  it('an issuer whose discovery names another issuer is refused before any interaction', async () => {
    const { app } = await createTestApp(server, ONE_STEP);
    const wire = recordingFetch();
    const auth = sdkClient(server, app, undefined, {
      fetch: (url, init) =>
        url.endsWith('/openid-configuration')
          ? fetch(url, init).then(async (res) => {
              const doc = (await res.json()) as Record<string, unknown>;
              return Response.json({ ...doc, issuer: 'https://evil.example' });
            })
          : wire.fetch(url, init),
    });
    await expect(auth.idx.start()).rejects.toMatchObject({
      name: 'ValidationError',
      code: 'issuer_mismatch',
    });
    expect(wire.calls).toEqual([]);
  });
});
