import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdxConversation, postForm } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  authorizeInBrowser,
  type Credentials,
  completeHostedSignIn,
  findHostedConfig,
  HttpBrowser,
  insecure,
  newRequest,
  type PendingRequest,
  proveOverIdx,
  type RelyingParty,
  readAuthorizationResponse,
  redeem,
  relyingParty,
  requestTokens,
  sendAuthorize,
  tokenError,
} from './http-sign-in.js';

/**
 * Authorization codes at `/v1/token` (`grant_type=authorization_code`, docs/adr/0012 "Codes" and
 * "Tokens"), judged by oauth4webapi. Basic OP plan modules:
 *   oidcc-codereuse (OP-OAuth-2nd)                                → "oidcc-codereuse: …"
 *   oidcc-codereuse-30seconds (OP-OAuth-2nd-30s, OP-OAuth-2nd-Revokes) → "oidcc-codereuse-30seconds: …"
 *   oidcc-ensure-request-with-valid-pkce-succeeds (its negative side)  → "PKCE: …"
 * and rules the plan leaves to RFC 6749 §4.1.3 / RFC 7636 §4.6 / RFC 9700: an expired code, a code
 * presented by another client or with another redirect_uri, a missing code, and the separation of
 * the two code kinds (an embedded interaction code is not an authorization code and vice versa).
 */

const REDIRECT = 'http://localhost:8080/login/callback';
type Body = Record<string, unknown>;

describe('hosted sign-in, Basic OP conformance: authorization codes', () => {
  let server: TestServer;
  let user: Credentials & { id: string };
  let pub: RelyingParty;
  let other: RelyingParty;
  let basic: RelyingParty;

  beforeAll(async () => {
    server = await startTestServer();
    const created = await server.createUser();
    user = { id: created.user.id, login: created.user.login, password: created.password };
    const app = (await server.createApp({ public: true, redirectUris: [REDIRECT] })).app;
    pub = await relyingParty(server.issuer, { clientId: app.clientId, clock: server.clock });
    const second = (await server.createApp({ public: true, redirectUris: [REDIRECT] })).app;
    other = await relyingParty(server.issuer, { clientId: second.clientId, clock: server.clock });
    const confidential = await server.createApp({ public: false, redirectUris: [REDIRECT] });
    basic = await relyingParty(server.issuer, {
      clientId: confidential.app.clientId,
      secret: confidential.clientSecret,
      clock: server.clock,
    });
  });
  afterAll(() => server.close());

  /** A signed-in authorization response for `rp`, not yet redeemed. */
  async function authorized(rp: RelyingParty, extra = {}) {
    const request = await newRequest(rp, extra);
    const { response } = await authorizeInBrowser(new HttpBrowser(server.url), rp, request, user);
    return { request, response, code: response.params.get('code')! };
  }

  /** The raw token request for a code, outside oauth4webapi (to send what it would not). */
  const tokenRequest = (params: Record<string, string>) =>
    postForm<Body>(`${server.issuer}/v1/token`, { grant_type: 'authorization_code', ...params });

  async function expectRefused(res: Response, error: string) {
    const refused = await tokenError(res);
    expect(refused.status, JSON.stringify(refused.body)).toBe(400);
    expect(refused.error).toBe(error);
  }

  const userinfoStatus = async (accessToken: string) =>
    (await oauth.userInfoRequest(pub.as, pub.client, accessToken, insecure)).status;

  async function expectRevoked(rp: RelyingParty, tokens: oauth.TokenEndpointResponse) {
    expect(await userinfoStatus(tokens.access_token)).toBe(401);
    const res = await oauth.refreshTokenGrantRequest(
      rp.as,
      rp.client,
      rp.auth,
      tokens.refresh_token!,
      insecure,
    );
    await expectRefused(res, 'invalid_grant');
  }

  it('oidcc-codereuse: a second redemption is invalid_grant and revokes what the first produced', async () => {
    const { request, response } = await authorized(pub);
    const tokens = await redeem(pub, response, request);
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(await userinfoStatus(tokens.access_token)).toBe(200);

    await expectRefused(await requestTokens(pub, response, request), 'invalid_grant');
    await expectRevoked(pub, tokens);
  });

  it('oidcc-codereuse-30seconds: the same, 30 seconds later, for a confidential client', async () => {
    const { request, response } = await authorized(basic);
    const tokens = await redeem(basic, response, request);
    server.clock.advance(30_000);
    await expectRefused(await requestTokens(basic, response, request), 'invalid_grant');
    await expectRevoked(basic, tokens);
  });

  it('an expired code is invalid_grant', async () => {
    const { request, response } = await authorized(pub);
    server.clock.advance((server.services.config.tokens.interactionCodeTtlSeconds + 5) * 1000);
    await expectRefused(await requestTokens(pub, response, request), 'invalid_grant');
  });

  it('a code presented by another client is invalid_grant, with no tokens', async () => {
    const { request, response } = await authorized(pub);
    const stolen = await tokenError(await requestTokens(other, response, request));
    expect(stolen.status, JSON.stringify(stolen.body)).toBe(400);
    expect(stolen.error).toBe('invalid_grant');
    expect(JSON.stringify(stolen.body)).not.toContain('access_token');
  });

  it('PKCE: a wrong code_verifier is invalid_grant, a missing one is refused', async () => {
    const { request, response, code } = await authorized(pub);
    const wrong = await requestTokens(pub, response, request, oauth.generateRandomCodeVerifier());
    await expectRefused(wrong, 'invalid_grant');

    const second = await authorized(pub);
    const missing = await tokenRequest({
      client_id: pub.client.client_id,
      code: second.code,
      redirect_uri: REDIRECT,
    });
    expect(missing.status, JSON.stringify(missing.body)).toBe(400);
    expect(['invalid_grant', 'invalid_request']).toContain(missing.body.error);
    expect(missing.body).not.toHaveProperty('access_token');
    expect(code).not.toBe(second.code);
  });

  it('a code_verifier for a code that has no challenge is refused', async () => {
    const { request, response } = await authorized(basic, {
      code_challenge: undefined,
      code_challenge_method: undefined,
    });
    const res = await requestTokens(basic, response, request, oauth.generateRandomCodeVerifier());
    const refused = await tokenError(res);
    expect(refused.status, JSON.stringify(refused.body)).toBe(400);
    expect(['invalid_grant', 'invalid_request']).toContain(refused.error);
  });

  it('the redirect_uri must be sent and equal the one of the authorization request', async () => {
    const { request, code } = await authorized(pub);
    const base = { client_id: pub.client.client_id, code, code_verifier: request.verifier };
    const without = await tokenRequest(base);
    expect(without.status).toBe(400);
    expect(['invalid_grant', 'invalid_request']).toContain(without.body.error);
    const different = await tokenRequest({ ...base, redirect_uri: 'http://localhost:8080/other' });
    expect(different.status).toBe(400);
    expect(different.body.error).toBe('invalid_grant');
  });

  it('a token request without a code is invalid_request', async () => {
    const res = await tokenRequest({
      client_id: pub.client.client_id,
      redirect_uri: REDIRECT,
      code_verifier: oauth.generateRandomCodeVerifier(),
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });

  describe('code kinds', () => {
    it('an embedded interaction code (/v1/interact) cannot be redeemed with grant_type=authorization_code', async () => {
      const idx = new IdxConversation(server.url, pub.client.client_id, REDIRECT);
      const interaction = await idx.interact();
      await idx.introspect(interaction.interactionHandle);
      await idx.submit('identify', { identifier: user.login, credentials: { passcode: user.password } });
      const code = idx.interactionCode();
      const res = await tokenRequest({
        client_id: pub.client.client_id,
        code,
        redirect_uri: REDIRECT,
        code_verifier: interaction.pkce.verifier,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
      expect(res.body).not.toHaveProperty('access_token');
    });

    it('an authorization code cannot be redeemed with grant_type=interaction_code', async () => {
      const { request, code } = await authorized(pub);
      const res = await postForm<Body>(`${server.issuer}/v1/token`, {
        grant_type: 'interaction_code',
        client_id: pub.client.client_id,
        interaction_code: code,
        redirect_uri: REDIRECT,
        code_verifier: request.verifier,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
    });

    it("the hosted page's own interaction code cannot be redeemed by the app with grant_type=interaction_code", async () => {
      const request: PendingRequest = await newRequest(pub);
      const browser = new HttpBrowser(server.url);
      const start = await sendAuthorize(browser, pub.as.authorization_endpoint!, request.params);
      expect(start.status).toBe(302);
      const signin = new URL(start.headers.get('location')!, server.url).href;
      const page = await browser.request(signin);
      const config = findHostedConfig(await page.text())!;
      const hostedCode = await proveOverIdx(browser, config, user);
      const res = await postForm<Body>(`${server.issuer}/v1/token`, {
        grant_type: 'interaction_code',
        client_id: pub.client.client_id,
        interaction_code: hostedCode,
        redirect_uri: REDIRECT,
        code_verifier: request.verifier,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
      expect(res.body).not.toHaveProperty('access_token');
    });
  });

  it('the completion step redeems its interaction code once: a replayed completion issues no second code', async () => {
    const request = await newRequest(pub);
    const browser = new HttpBrowser(server.url);
    const start = await sendAuthorize(browser, pub.as.authorization_endpoint!, request.params);
    const signin = new URL(start.headers.get('location')!, server.url).href;
    const hosted = await completeHostedSignIn(browser, signin, user);
    const first = await readAuthorizationResponse(hosted.completion, REDIRECT);
    expect(first?.params.get('code')).toEqual(expect.any(String));
    const replay = await browser.request(hosted.completeUrl);
    const second = await readAuthorizationResponse(replay, REDIRECT);
    expect(second?.params.get('code') ?? null).toBeNull();
  });
});
