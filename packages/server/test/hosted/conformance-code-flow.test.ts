import { createHash } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  type AuthorizeParams,
  authorizeInBrowser,
  type Credentials,
  discover,
  HttpBrowser,
  insecure,
  newRequest,
  parseFormPost,
  type RelyingParty,
  redeem,
  relyingParty,
  requestTokens,
  tokenError,
} from './http-sign-in.js';

/**
 * Hosted sign-in as an OpenID Provider, judged by oauth4webapi in the spirit of the OpenID
 * Foundation's `oidcc-basic-certification-test-plan` ("Basic OP") and
 * `oidcc-formpost-basic-certification-test-plan` (docs/adr/0012-hosted-sign-in.md). The browser is
 * plain HTTP (`HttpBrowser`): the hosted page's widget is replaced by the IDX calls it makes.
 *
 * Plan modules covered here (the rest of the plan: conformance-codes, conformance-authorize-errors,
 * conformance-sessions):
 *   oidcc-server (discovery + OP-Response-code, nonce, iss, at_hash)   → "oidcc-server: …"
 *   oidcc-discovery-endpoint-verification (config plan)                → "discovery: …"
 *   oidcc-idtoken-signature (OP-IDToken-Signature, OP-IDToken-kid)     → "oidcc-server: …"
 *   oidcc-server-client-secret-post                                    → "oidcc-server-client-secret-post"
 *   oidcc-userinfo-get, oidcc-userinfo-post-header                     → "oidcc-userinfo-*"
 *   oidcc-ensure-request-without-nonce-succeeds-for-code-flow          → same name
 *   oidcc-scope-profile, oidcc-scope-email, oidcc-scope-all,
 *   oidcc-ensure-other-scope-order-succeeds                            → "oidcc-scope-*"
 *   oidcc-display-page, oidcc-display-popup,
 *   oidcc-ensure-request-with-unknown-parameter-succeeds,
 *   oidcc-ensure-request-with-acr-values-succeeds, oidcc-claims-essential,
 *   oidcc-claims-locales                                                → "ignored parameters: …"
 *   oidcc-ui-locales                                                   → "oidcc-ui-locales"
 *   oidcc-ensure-post-request-succeeds                                 → same name
 *   oidcc-ensure-request-with-valid-pkce-succeeds                      → same name
 *   oidcc-refresh-token                                                → same name
 *   oidcc-formpost-basic-certification-test-plan: oidcc-server         → "form_post: …"
 * Not covered: oidcc-scope-address, oidcc-scope-phone (Gatehouse offers neither scope),
 * oidcc-userinfo-post-body (the access token in a form body, RFC 6750 §2.2, is not accepted: the
 * OP may refuse it), oidcc-idtoken-unsigned (ID tokens are always signed: RS256, or ES256 or EdDSA per app).
 */

const REDIRECT = 'http://localhost:8080/login/callback';

/** The left half of SHA-256 of the access token (OIDC Core §3.1.3.6, RS256). */
const atHash = (accessToken: string) =>
  createHash('sha256').update(accessToken, 'ascii').digest().subarray(0, 16).toString('base64url');

describe('hosted sign-in, Basic OP conformance: the code flow', () => {
  let server: TestServer;
  let user: Credentials & { id: string };
  let pub: RelyingParty;
  let basic: RelyingParty;
  let post: RelyingParty;
  let publicClientId: string;

  beforeAll(async () => {
    server = await startTestServer();
    const created = await server.createUser();
    user = { id: created.user.id, login: created.user.login, password: created.password };
    const publicApp = (await server.createApp({ public: true, redirectUris: [REDIRECT] })).app;
    publicClientId = publicApp.clientId;
    pub = await relyingParty(server.issuer, { clientId: publicApp.clientId, clock: server.clock });
    const confidential = await server.createApp({ public: false, redirectUris: [REDIRECT] });
    expect(confidential.clientSecret).toEqual(expect.any(String));
    basic = await relyingParty(server.issuer, {
      clientId: confidential.app.clientId,
      secret: confidential.clientSecret,
      method: 'client_secret_basic',
      clock: server.clock,
    });
    post = await relyingParty(server.issuer, {
      clientId: confidential.app.clientId,
      secret: confidential.clientSecret,
      method: 'client_secret_post',
      clock: server.clock,
    });
  });
  afterAll(() => server.close());

  const browser = () => new HttpBrowser(server.url);

  /** A full sign-in in a fresh browser; tokens validated by oauth4webapi. */
  async function signIn(rp: RelyingParty, extra: AuthorizeParams = {}, scope?: string) {
    const request = await newRequest(rp, extra, scope);
    const { response, hosted } = await authorizeInBrowser(browser(), rp, request, user);
    const tokens = await redeem(rp, response, request);
    return { request, response, hosted, tokens, claims: oauth.getValidatedIdTokenClaims(tokens)! };
  }

  describe('discovery', () => {
    it('the document passes processDiscoveryResponse and advertises exactly what hosted sign-in supports', async () => {
      const as = await discover(server.issuer);
      expect(as.issuer).toBe(server.issuer);
      expect(as.authorization_endpoint).toBe(`${server.issuer}/v1/authorize`);
      expect(as.token_endpoint).toBe(`${server.issuer}/v1/token`);
      expect(as.userinfo_endpoint).toBe(`${server.issuer}/v1/userinfo`);
      expect(as.end_session_endpoint).toBe(`${server.issuer}/v1/logout`);
      expect(as.response_types_supported).toEqual(['code']);
      expect(as.response_modes_supported).toEqual(expect.arrayContaining(['query', 'form_post']));
      expect(as.response_modes_supported).not.toContain('fragment');
      expect(as.prompt_values_supported).toEqual(expect.arrayContaining(['none', 'login']));
      expect(as.code_challenge_methods_supported).toEqual(['S256']);
      expect(as.grant_types_supported).toEqual(
        expect.arrayContaining(['authorization_code', 'refresh_token']),
      );
      expect(as.authorization_response_iss_parameter_supported).toBe(true);
      expect(as.token_endpoint_auth_methods_supported).toEqual(
        expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'none']),
      );
      expect(as.id_token_signing_alg_values_supported).toContain('RS256');
      expect(as.id_token_signing_alg_values_supported).not.toContain('none');
      expect(as.subject_types_supported).toContain('public');
      expect(as.scopes_supported).toContain('openid');
      // Omitted, request_parameter_supported defaults to false (OIDC Discovery §3).
      expect(as.request_parameter_supported).not.toBe(true);
    });

    // Omitted, the member means true, while /authorize answers request_uri_not_supported.
    it('request_uri_parameter_supported is false (omitted, it defaults to true: OIDC Discovery §3)', async () => {
      const as = await discover(server.issuer);
      expect(as.request_uri_parameter_supported).toBe(false);
    });

    it('processDiscoveryResponse refuses the document for another issuer (oidcc-discovery-issuer-not-matching-config)', async () => {
      const res = await oauth.discoveryRequest(new URL(server.issuer), insecure);
      await expect(
        oauth.processDiscoveryResponse(new URL(`${server.url}/oauth2/other`), res),
      ).rejects.toMatchObject({ code: oauth.JSON_ATTRIBUTE_COMPARISON });
    });
  });

  describe('oidcc-server', () => {
    it('client_secret_basic: code, state and iss come back; the ID token is signed, carries the nonce, auth_time, sid, amr and a valid at_hash', async () => {
      const { request, response, hosted, tokens, claims } = await signIn(basic);
      // The widget on the page completes at Gatehouse's own endpoint, never at the app.
      expect(hosted?.completeUrl.origin + hosted!.completeUrl.pathname).toBe(
        `${server.issuer}/v1/authorize/complete`,
      );
      expect(response.mode).toBe('query');
      expect(response.params.get('code')).toEqual(expect.any(String));
      expect(response.params.get('state')).toBe(request.state);
      expect(response.params.get('iss')).toBe(server.issuer);
      expect(response.params.has('id_token')).toBe(false);
      expect(response.params.has('access_token')).toBe(false);

      expect(tokens.token_type).toBe('bearer');
      expect(tokens.access_token).toEqual(expect.any(String));
      expect(claims).toMatchObject({ iss: server.issuer, aud: basic.client.client_id, sub: user.id });
      expect(claims.nonce).toBe(request.nonce);
      expect(claims.auth_time).toEqual(expect.any(Number));
      expect(Math.abs(claims.auth_time! - server.clock.now() / 1000)).toBeLessThan(60);
      expect(claims.sid).toEqual(expect.any(String));
      expect(claims.amr).toEqual(expect.arrayContaining(['pwd']));
      expect(claims.at_hash).toBe(atHash(tokens.access_token));

      // oauth4webapi checks iss, aud, exp, nonce but not the signature: jose does (oidcc-idtoken-signature).
      const header = decodeProtectedHeader(tokens.id_token!);
      expect(header).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
      const jwks = createRemoteJWKSet(new URL(basic.as.jwks_uri!));
      const { payload } = await jwtVerify(tokens.id_token!, jwks, {
        issuer: server.issuer,
        audience: basic.client.client_id,
        currentDate: new Date(server.clock.now()),
      });
      expect(payload.sub).toBe(user.id);
    });

    it('oauth4webapi refuses an authorization response without iss or with another iss (RFC 9207 is advertised)', async () => {
      const request = await newRequest(basic);
      const { response } = await authorizeInBrowser(browser(), basic, request, user);
      const without = new URLSearchParams(response.params);
      without.delete('iss');
      expect(() => oauth.validateAuthResponse(basic.as, basic.client, without, request.state!)).toThrow(
        /"iss" \(issuer\) missing/,
      );
      const other = new URLSearchParams(response.params);
      other.set('iss', `${server.url}/oauth2/other`);
      expect(() => oauth.validateAuthResponse(basic.as, basic.client, other, request.state!)).toThrow(
        /unexpected "iss"/,
      );
      // The untouched response is still good (the checks above refused only the changes).
      await redeem(basic, response, request);
    });

    it('a wrong nonce in the RP is caught by processAuthorizationCodeResponse (the OP echoes the one sent)', async () => {
      const request = await newRequest(basic);
      const { response } = await authorizeInBrowser(browser(), basic, request, user);
      const res = await requestTokens(basic, response, request);
      await expect(
        oauth.processAuthorizationCodeResponse(basic.as, basic.client, res, {
          expectedNonce: 'another-nonce',
        }),
      ).rejects.toMatchObject({ code: oauth.JWT_CLAIM_COMPARISON, cause: { claim: 'nonce' } });
    });

    it('oidcc-server-client-secret-post: the same flow with the secret in the body', async () => {
      const { claims, tokens } = await signIn(post);
      expect(claims).toMatchObject({ aud: post.client.client_id, sub: user.id });
      expect(claims.at_hash).toBe(atHash(tokens.access_token));
    });

    it('a wrong client secret is invalid_client (basic and post), and no tokens are issued', async () => {
      for (const method of ['client_secret_basic', 'client_secret_post'] as const) {
        const wrong: RelyingParty = {
          ...basic,
          auth:
            method === 'client_secret_basic'
              ? oauth.ClientSecretBasic('not-the-secret-not-the-secret-not-the-secret')
              : oauth.ClientSecretPost('not-the-secret-not-the-secret-not-the-secret'),
        };
        const request = await newRequest(wrong);
        const { response } = await authorizeInBrowser(browser(), wrong, request, user);
        const refused = await tokenError(await requestTokens(wrong, response, request));
        expect(refused.status, `${method}: ${JSON.stringify(refused.body)}`).toBe(401);
        expect(refused.error).toBe('invalid_client');
        expect(JSON.stringify(refused.body)).not.toContain('access_token');
      }
    });

    it('oidcc-ensure-request-with-valid-pkce-succeeds: a public client with S256 and no secret', async () => {
      const { claims, tokens } = await signIn(pub);
      expect(claims).toMatchObject({ aud: publicClientId, sub: user.id });
      expect(tokens.refresh_token).toEqual(expect.any(String));
    });

    it('a confidential client without PKCE (requirePkce unset) signs in with client_secret_basic', async () => {
      const request = await newRequest(basic, {
        code_challenge: undefined,
        code_challenge_method: undefined,
      });
      const { response } = await authorizeInBrowser(browser(), basic, request, user);
      const tokens = await redeem(basic, response, request, { verifier: oauth.nopkce });
      expect(oauth.getValidatedIdTokenClaims(tokens)?.sub).toBe(user.id);
    });
  });

  it('oidcc-ensure-request-without-nonce-succeeds-for-code-flow: no nonce in the ID token', async () => {
    const request = await newRequest(basic, { nonce: undefined });
    const { response } = await authorizeInBrowser(browser(), basic, request, user);
    const tokens = await redeem(basic, response, request);
    const claims = oauth.getValidatedIdTokenClaims(tokens)!;
    expect(claims.sub).toBe(user.id);
    expect(claims).not.toHaveProperty('nonce');
  });

  it('without the openid scope the flow is plain OAuth: an access token and no ID token', async () => {
    const request = await newRequest(basic, { nonce: undefined }, 'profile offline_access');
    const { response } = await authorizeInBrowser(browser(), basic, request, user);
    const res = await requestTokens(basic, response, request);
    const tokens = await oauth.processAuthorizationCodeResponse(basic.as, basic.client, res);
    expect(tokens.access_token).toEqual(expect.any(String));
    expect(tokens.id_token).toBeUndefined();
    expect(tokens.scope?.split(' ')).not.toContain('openid');
  });

  describe('userinfo', () => {
    it('oidcc-userinfo-get and oidcc-userinfo-post-header: the claims of the granted scopes, for the ID token subject', async () => {
      const { tokens, claims } = await signIn(basic);
      const getRes = await oauth.userInfoRequest(basic.as, basic.client, tokens.access_token, insecure);
      const got = await oauth.processUserInfoResponse(basic.as, basic.client, claims.sub, getRes);
      expect(got).toMatchObject({ sub: user.id, email: user.login, given_name: 'Test' });
      const postRes = await oauth.protectedResourceRequest(
        tokens.access_token,
        'POST',
        new URL(basic.as.userinfo_endpoint!),
        undefined,
        undefined,
        insecure,
      );
      const posted = await oauth.processUserInfoResponse(basic.as, basic.client, claims.sub, postRes);
      expect(posted).toEqual(got);
    });

    it('oidcc-scope-profile, oidcc-scope-email, oidcc-scope-all and oidcc-ensure-other-scope-order-succeeds', async () => {
      const cases: Array<[string, string[], string[]]> = [
        ['openid profile', ['given_name', 'family_name', 'name'], ['email']],
        ['openid email', ['email', 'email_verified'], ['given_name']],
        ['email openid', ['email'], ['given_name']],
        ['openid profile email', ['given_name', 'email'], []],
      ];
      for (const [scope, present, absent] of cases) {
        const { tokens, claims } = await signIn(basic, {}, scope);
        const res = await oauth.userInfoRequest(basic.as, basic.client, tokens.access_token, insecure);
        const info = await oauth.processUserInfoResponse(basic.as, basic.client, claims.sub, res);
        for (const claim of present) expect(info, `${scope}: ${claim}`).toHaveProperty(claim);
        for (const claim of absent) expect(info, `${scope}: ${claim}`).not.toHaveProperty(claim);
      }
    });
  });

  it('ignored parameters: display=page|popup, an unknown parameter, acr_values, claims and claims_locales do not stop the flow', async () => {
    const extras: AuthorizeParams[] = [
      { display: 'page' },
      { display: 'popup' },
      { made_up_parameter: 'whatever' },
      { acr_values: '1 2' },
      { claims: JSON.stringify({ userinfo: { name: { essential: true } } }) },
      { claims_locales: 'fr-CA fr en' },
    ];
    for (const extra of extras) {
      const { claims } = await signIn(basic, extra);
      expect(claims.sub, JSON.stringify(extra)).toBe(user.id);
    }
  });

  it('oidcc-ui-locales: ui_locales picks the hosted page language', async () => {
    const request = await newRequest(basic, { ui_locales: 'fr-CA fr' });
    const { hosted, response } = await authorizeInBrowser(browser(), basic, request, user);
    const lang = /<html[^>]*\slang="([^"]+)"/.exec(hosted!.html)?.[1];
    expect(hosted!.config.language ?? lang).toMatch(/^fr/);
    await redeem(basic, response, request);
  });

  it('oidcc-ensure-post-request-succeeds: the authorization request as a form POST', async () => {
    const request = await newRequest(basic);
    const { response, signedIn } = await authorizeInBrowser(browser(), basic, request, user, 'POST');
    expect(signedIn).toBe(true);
    const tokens = await redeem(basic, response, request);
    expect(oauth.getValidatedIdTokenClaims(tokens)?.nonce).toBe(request.nonce);
  });

  it('oidcc-refresh-token: the refresh token gives new tokens for the same subject and auth_time', async () => {
    const { tokens, claims } = await signIn(basic);
    const res = await oauth.refreshTokenGrantRequest(
      basic.as,
      basic.client,
      basic.auth,
      tokens.refresh_token!,
      insecure,
    );
    const refreshed = await oauth.processRefreshTokenResponse(basic.as, basic.client, res);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    const again = oauth.getValidatedIdTokenClaims(refreshed);
    if (again) {
      expect(again.sub).toBe(claims.sub);
      expect(again.auth_time).toBe(claims.auth_time);
    }
  });

  describe('form_post (oidcc-formpost-basic-certification-test-plan: oidcc-server)', () => {
    it('the completion answers an auto-submitting form to the redirect URI with code, state and iss', async () => {
      const request = await newRequest(basic, { response_mode: 'form_post' });
      const { response, hosted } = await authorizeInBrowser(browser(), basic, request, user);
      expect(response.mode).toBe('form_post');
      expect(response.target).toBe(REDIRECT);
      expect(response.headers.get('cache-control')).toContain('no-store');
      expect(response.params.get('state')).toBe(request.state);
      expect(response.params.get('iss')).toBe(server.issuer);
      expect(response.params.get('code')).toEqual(expect.any(String));
      // Nothing in the URL: the code travels in the body only.
      expect(hosted!.completion.headers.get('location')).toBeNull();
      // It submits itself under the page's CSP: a nonce'd script, and form-action allowing the app.
      const html = await hosted!.completion.text();
      const form = parseFormPost(html)!;
      const csp = hosted!.completion.headers.get('content-security-policy') ?? '';
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce, csp).toBeDefined();
      expect(form.scripts.some((tag) => tag.includes(`nonce="${nonce}"`))).toBe(true);
      expect(csp).toMatch(/form-action [^;]*http:\/\/localhost:8080/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      const tokens = await redeem(basic, response, request);
      expect(oauth.getValidatedIdTokenClaims(tokens)?.nonce).toBe(request.nonce);
    });
  });
});
