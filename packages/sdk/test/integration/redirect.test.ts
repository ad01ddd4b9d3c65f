/**
 * The SDK's redirect sign-in against a running Gatehouse (docs/adr/0012-hosted-sign-in.md):
 * `buildAuthorizeUrl` → `/v1/authorize` → the hosted page (signed in over HTTP the way its widget
 * does) → the app's redirect URI → `handleLoginRedirect` (state, iss, the authorization_code
 * exchange, the ID token); the SSO session, `prompt=none`, `prompt=login`, a confidential client,
 * and RP-initiated logout ending the session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../server/test/support/test-server.js';
import {
  authorizationCodeGrant,
  deriveUrls,
  memoryStorage,
  OAuthError,
  serverSessionStorage,
} from '../../src/index.js';
import { REDIRECT_URI, sdkClient } from '../support/gatehouse.js';
import { followAuthorize, GatehouseBrowser } from '../support/hosted.js';

const POLICY = { factors: 'password', identifierFirst: false } as const;

describe('SDK redirect sign-in against Gatehouse', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('public app: authorize URL → hosted page → code → handleLoginRedirect: validated tokens, nonce, auth_time, sid', async () => {
    const { app } = await server.createApp({ policy: POLICY });
    const { user, password } = await server.createUser();
    const storage = memoryStorage();
    const auth = sdkClient(server, app, storage);
    const request = await auth.buildAuthorizeUrl();
    expect(request.url.startsWith(`${server.issuer}/v1/authorize?`)).toBe(true);

    const browser = new GatehouseBrowser(server.url);
    const back = await followAuthorize(browser, request.url, { login: user.login, password }, REDIRECT_URI);
    expect(back.pageShown).toBe(true);
    const params = new URL(back.callbackUrl).searchParams;
    expect(params.get('state')).toBe(request.state);
    expect(params.get('iss')).toBe(server.issuer);
    expect(auth.isLoginRedirect(back.callbackUrl)).toBe(true);

    const tokens = await auth.handleLoginRedirect(back.callbackUrl);
    expect(tokens.claims).toMatchObject({
      sub: user.id,
      iss: server.issuer,
      aud: app.clientId,
      nonce: request.nonce,
      email: user.email,
    });
    expect(tokens.claims?.auth_time).toEqual(expect.any(Number));
    expect(tokens.claims?.sid).toEqual(expect.any(String));
    expect(tokens.claims?.amr).toEqual(['pwd']);
    expect(auth.token.get()?.accessToken).toBe(tokens.accessToken);
    expect((await auth.getUserInfo()).sub).toBe(user.id);
    expect(storage.getTransaction(request.state)).toBeUndefined();

    // The same code again: refused by the SDK (state used) and by Gatehouse (code used).
    await expect(auth.handleLoginRedirect(back.callbackUrl)).rejects.toMatchObject({
      code: 'state_mismatch',
    });
    const replay = await authorizationCodeGrant(
      fetch,
      deriveUrls(server.issuer).tokenUrl,
      { clientId: app.clientId },
      {
        code: params.get('code')!,
        redirectUri: REDIRECT_URI,
        codeVerifier: request.codeVerifier,
      },
    ).catch((e: unknown) => e);
    expect(replay).toBeInstanceOf(OAuthError);
    expect(replay).toMatchObject({ error: 'invalid_grant' });
  });

  it('the SSO session: a second sign-in (prompt=none too) comes straight back; prompt=login shows the page again', async () => {
    const { app } = await server.createApp({ policy: POLICY });
    const { user, password } = await server.createUser();
    const auth = sdkClient(server, app);
    const browser = new GatehouseBrowser(server.url);
    const first = await auth.buildAuthorizeUrl();
    const signedIn = await followAuthorize(browser, first.url, { login: user.login, password }, REDIRECT_URI);
    const sid = (await auth.handleLoginRedirect(signedIn.callbackUrl)).claims?.sid;

    const again = await auth.buildAuthorizeUrl();
    const sso = await followAuthorize(browser, again.url, null, REDIRECT_URI);
    expect(sso.pageShown).toBe(false);
    const tokens = await auth.handleLoginRedirect(sso.callbackUrl);
    expect(tokens.claims).toMatchObject({ sub: user.id, nonce: again.nonce, sid });

    const silent = await auth.buildAuthorizeUrl({ prompt: 'none' });
    const quiet = await followAuthorize(browser, silent.url, null, REDIRECT_URI);
    expect((await auth.handleLoginRedirect(quiet.callbackUrl)).claims?.sub).toBe(user.id);

    const forced = await auth.buildAuthorizeUrl({ prompt: 'login' });
    const page = await followAuthorize(browser, forced.url, { login: user.login, password }, REDIRECT_URI);
    expect(page.pageShown).toBe(true);
    expect((await auth.handleLoginRedirect(page.callbackUrl)).claims?.sub).toBe(user.id);
  });

  it('Gatehouse says it always sends iss (RFC 9207): an answer stripped of it is refused, the state used up', async () => {
    const { app } = await server.createApp({ policy: POLICY });
    const { user, password } = await server.createUser();
    const auth = sdkClient(server, app);
    const discovery = (await auth.discover()) as Record<string, unknown>;
    expect(discovery.authorization_response_iss_parameter_supported).toBe(true);
    const request = await auth.buildAuthorizeUrl();
    const back = await followAuthorize(
      new GatehouseBrowser(server.url),
      request.url,
      { login: user.login, password },
      REDIRECT_URI,
    );
    const stripped = new URL(back.callbackUrl);
    stripped.searchParams.delete('iss');
    await expect(auth.handleLoginRedirect(stripped.href)).rejects.toMatchObject({ code: 'issuer_mismatch' });
    await expect(auth.handleLoginRedirect(back.callbackUrl)).rejects.toMatchObject({
      code: 'state_mismatch',
    });
    expect(auth.token.get()).toBeUndefined();
  });

  it('prompt=none without a session → OAuthError login_required from handleLoginRedirect', async () => {
    const { app } = await server.createApp({ policy: POLICY });
    const auth = sdkClient(server, app);
    const request = await auth.buildAuthorizeUrl({ prompt: 'none' });
    const back = await followAuthorize(new GatehouseBrowser(server.url), request.url, null, REDIRECT_URI);
    expect(back.pageShown).toBe(false);
    const error = await auth.handleLoginRedirect(back.callbackUrl).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({ error: 'login_required' });
    expect(auth.token.get()).toBeUndefined();
  });

  it('a confidential app on a server: the transaction in the session object, the secret sent with the code', async () => {
    const { app, clientSecret } = await server.createApp({ policy: POLICY, public: false });
    expect(clientSecret).toEqual(expect.any(String));
    const { user, password } = await server.createUser();
    const session: Record<string, unknown> = {};
    const auth = sdkClient(server, app, serverSessionStorage(session), { clientSecret });
    const request = await auth.buildAuthorizeUrl({ loginHint: user.login });
    expect(new URL(request.url).searchParams.get('login_hint')).toBe(user.login);
    expect(JSON.stringify(session)).toContain(request.codeVerifier);
    const back = await followAuthorize(
      new GatehouseBrowser(server.url),
      request.url,
      { login: user.login, password },
      REDIRECT_URI,
    );
    const tokens = await auth.handleLoginRedirect(back.callbackUrl);
    expect(tokens.claims?.sub).toBe(user.id);
    expect(JSON.stringify(session)).not.toContain(request.codeVerifier);
  });

  it("sign-out with the ID token (RP-initiated logout) ends Gatehouse's session: prompt=none then gets login_required", async () => {
    const { app } = await server.createApp({ policy: POLICY });
    const { user, password } = await server.createUser();
    const auth = sdkClient(server, app);
    const browser = new GatehouseBrowser(server.url);
    const request = await auth.buildAuthorizeUrl();
    const back = await followAuthorize(browser, request.url, { login: user.login, password }, REDIRECT_URI);
    await auth.handleLoginRedirect(back.callbackUrl);

    const logoutUrl = await auth.signOut({ postLogoutRedirectUri: 'http://localhost:8080/', state: 'bye' });
    expect(new URL(logoutUrl).searchParams.get('id_token_hint')).toEqual(expect.any(String));
    const logout = await browser.request(logoutUrl);
    expect([302, 303]).toContain(logout.status);
    expect(logout.headers.get('location')).toBe('http://localhost:8080/?state=bye');
    expect(auth.token.get()).toBeUndefined();

    const silent = await auth.buildAuthorizeUrl({ prompt: 'none' });
    const after = await followAuthorize(browser, silent.url, null, REDIRECT_URI);
    await expect(auth.handleLoginRedirect(after.callbackUrl)).rejects.toMatchObject({
      error: 'login_required',
    });
  });
});
