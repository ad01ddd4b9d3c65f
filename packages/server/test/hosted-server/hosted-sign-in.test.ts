import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPkce } from '../support/pkce.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { browserGet, CookieJar, hostedSignIn, pageConfig } from './hosted-http.js';

const REDIRECT = 'http://localhost:8080/login/callback';

describe('hosted sign-in over HTTP', () => {
  let server: TestServer;
  let clientId: string;
  let login: string;
  let password: string;

  beforeAll(async () => {
    server = await startTestServer();
    const { app } = await server.createApp();
    clientId = app.clientId;
    const created = await server.createUser();
    login = created.user.login;
    password = created.password;
  });
  afterAll(() => server?.close());

  const authorizeUrl = (pkce: { challenge: string }, extra: Record<string, string> = {}) => {
    const url = new URL(`${server.issuer}/v1/authorize`);
    const params = {
      client_id: clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'openid profile email offline_access',
      state: 'app-state-1',
      nonce: 'nonce-1',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      ...extra,
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url.toString();
  };

  async function exchange(code: string, verifier: string) {
    const response = await fetch(`${server.issuer}/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        client_id: clientId,
        code_verifier: verifier,
      }),
    });
    return {
      status: response.status,
      json: (await response.json()) as { id_token: string; refresh_token?: string },
    };
  }

  const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());

  it('signs in on the hosted page, then the SSO session answers a second /authorize at once', async () => {
    const jar = new CookieJar();
    const pkce = newPkce();
    const first = await hostedSignIn(server.url, jar, authorizeUrl(pkce), { login, password });
    expect(first.signedIn).toBe(true);
    const back = new URL(first.location);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('app-state-1');
    expect(back.searchParams.get('iss')).toBe(server.issuer);
    expect(jar.get('gh_session')).toBeTruthy();
    expect(jar.names().filter((n) => n.startsWith('gh_flow_'))).toEqual([]);
    const tokens = await exchange(back.searchParams.get('code')!, pkce.verifier);
    expect(tokens.status, JSON.stringify(tokens.json)).toBe(200);
    const claims = claimsOf(tokens.json.id_token);
    expect(claims.nonce).toBe('nonce-1');
    expect(claims.sid).toMatch(/^ses_/);
    expect(claims.amr).toEqual(['pwd']);
    expect(tokens.json.refresh_token).toBeTruthy();

    const again = newPkce();
    const second = await hostedSignIn(server.url, jar, authorizeUrl(again, { state: 'app-state-2' }), null);
    const back2 = new URL(second.location);
    expect(back2.searchParams.get('state')).toBe('app-state-2');
    const tokens2 = await exchange(back2.searchParams.get('code')!, again.verifier);
    expect(tokens2.status).toBe(200);
    expect(claimsOf(tokens2.json.id_token).sid).toBe(claims.sid);
    expect(claimsOf(tokens2.json.id_token).auth_time).toBe(claims.auth_time);
  });

  it('prompt=none without a session answers login_required at the redirect URI', async () => {
    const result = await hostedSignIn(
      server.url,
      new CookieJar(),
      authorizeUrl(newPkce(), { prompt: 'none' }),
      null,
    );
    const back = new URL(result.location);
    expect(back.searchParams.get('error')).toBe('login_required');
    expect(back.searchParams.get('state')).toBe('app-state-1');
  });

  it('login_hint fills the identify form, which offers "Keep me signed in" (rememberMe)', async () => {
    const jar = new CookieJar();
    const first = await browserGet(jar, authorizeUrl(newPkce(), { login_hint: 'hinted@example.com' }));
    const page = await browserGet(jar, `${server.url}${first.headers.get('location')}`);
    const config = pageConfig(await page.text());
    const response = await fetch(`${server.url}/idp/idx/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ interactionHandle: config.interactionHandle }),
    });
    const body = (await response.json()) as {
      remediation: { value: Array<{ name: string; value: unknown[] }> };
    };
    const identify = body.remediation.value.find((r) => r.name === 'identify')!;
    expect(identify.value).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'identifier', value: 'hinted@example.com' }),
        expect.objectContaining({ name: 'rememberMe', type: 'boolean' }),
      ]),
    );
  });

  it('an unregistered redirect URI is a page, never a redirect', async () => {
    const url = new URL(authorizeUrl(newPkce()));
    url.searchParams.set('redirect_uri', 'http://localhost:8080/login/callback/../evil');
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toContain('text/html');
  });
});

describe('hosted sign-in starts per IP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      config: { rateLimits: { hostedSignInsPerIp: { limit: 2, windowSeconds: 600 } } },
    });
  });
  afterAll(() => server?.close());

  it('are limited: past the limit /authorize is a 429 page with Retry-After', async () => {
    const { app } = await server.createApp();
    const url = new URL(`${server.issuer}/v1/authorize`);
    for (const [k, v] of Object.entries({
      client_id: app.clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'openid',
      code_challenge: newPkce().challenge,
      code_challenge_method: 'S256',
    }))
      url.searchParams.set(k, v);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(url, { redirect: 'manual' })).status);
    expect(statuses).toEqual([302, 302, 429]);
    const refused = await fetch(url, { redirect: 'manual' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('content-type')).toContain('text/html');
    expect(await refused.text()).toContain('Too many sign-ins');
  });
});
