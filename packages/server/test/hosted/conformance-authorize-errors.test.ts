import { UnsecuredJWT } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  type AuthorizationResponse,
  type AuthorizeParams,
  authorizeInBrowser,
  type Credentials,
  findHostedConfig,
  HttpBrowser,
  newRequest,
  type PendingRequest,
  type RelyingParty,
  readAuthorizationResponse,
  redeem,
  relyingParty,
  sendAuthorize,
} from './http-sign-in.js';

/**
 * `/v1/authorize` refusals (docs/adr/0012 "/authorize decisions" 1–2), judged by oauth4webapi's
 * `validateAuthResponse`. Basic OP plan modules:
 *   oidcc-ensure-registered-redirect-uri (OP-redirect_uri-NotReg)      → "oidcc-ensure-registered-redirect-uri"
 *   oidcc-response-type-missing (OP-Response-Missing)                  → same name
 *   oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported (OP-request-Unsigned),
 *   oidcc-ensure-request-object-with-redirect-uri                      → "request objects: …"
 *   oidcc-request-uri-unsigned-supported-correctly-or-rejected-as-unsupported (OP-request_uri-Unsigned)
 *                                                                      → "request objects: …"
 * and the rules behind them: errors are redirected only to a validated redirect URI of a known
 * client (RFC 6749 §4.1.2.1), with `state` and `iss` (RFC 9207); unsupported response types
 * (implicit, hybrid); PKCE for public clients and for confidential ones that require it (RFC 7636,
 * RFC 9700 §2.1.1), `plain` refused.
 */

const REDIRECT = 'http://localhost:8080/login/callback';

describe('hosted sign-in, Basic OP conformance: /authorize refusals', () => {
  let server: TestServer;
  let user: Credentials;
  let pub: RelyingParty;
  let basic: RelyingParty;
  let strict: RelyingParty;
  let noRedirect: RelyingParty;

  beforeAll(async () => {
    server = await startTestServer();
    const created = await server.createUser();
    user = { login: created.user.login, password: created.password };
    const app = (await server.createApp({ public: true, redirectUris: [REDIRECT] })).app;
    pub = await relyingParty(server.issuer, { clientId: app.clientId, clock: server.clock });
    const confidential = await server.createApp({ public: false, redirectUris: [REDIRECT] });
    basic = await relyingParty(server.issuer, {
      clientId: confidential.app.clientId,
      secret: confidential.clientSecret,
    });
    const pkceApp = await server.createApp({ public: false, requirePkce: true, redirectUris: [REDIRECT] });
    strict = await relyingParty(server.issuer, {
      clientId: pkceApp.app.clientId,
      secret: pkceApp.clientSecret,
    });
    const embeddedOnly = await server.createApp({
      public: true,
      redirectSignIn: false,
      redirectUris: [REDIRECT],
    });
    noRedirect = await relyingParty(server.issuer, { clientId: embeddedOnly.app.clientId });
  });
  afterAll(() => server.close());

  const browser = () => new HttpBrowser(server.url);

  /** The answer to `params` when it is an error page: 400 HTML, no Location, no widget. */
  async function expectErrorPage(params: AuthorizeParams, method: 'GET' | 'POST' = 'GET') {
    const res = await sendAuthorize(browser(), `${server.issuer}/v1/authorize`, params, method);
    const html = await res.text();
    expect(res.status, `${JSON.stringify(params)} → ${res.status} ${res.headers.get('location')}`).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(findHostedConfig(html)).toBeNull();
    expect(res.headers.getSetCookie().filter((c) => c.includes('gh_flow_'))).toEqual([]);
    return html;
  }

  /** The error redirected to the app for `request`, checked by oauth4webapi (state, iss). */
  async function expectRedirectedError(
    rp: RelyingParty,
    request: PendingRequest,
    error: string,
  ): Promise<AuthorizationResponse> {
    const res = await sendAuthorize(browser(), rp.as.authorization_endpoint!, request.params);
    const response = await readAuthorizationResponse(res, rp.redirectUri);
    expect(
      response,
      `${JSON.stringify(request.params)} → ${res.status} ${res.headers.get('location')}`,
    ).not.toBeNull();
    expect(response!.params.get('error')).toBe(error);
    expect(response!.params.get('error_description')).toEqual(expect.any(String));
    expect(response!.params.has('code')).toBe(false);
    expect(response!.params.get('iss')).toBe(server.issuer);
    expect(response!.params.get('state')).toBe(request.state ?? null);
    let thrown: unknown;
    try {
      oauth.validateAuthResponse(rp.as, rp.client, response!.params, request.state ?? oauth.expectNoState);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(oauth.AuthorizationResponseError);
    expect((thrown as oauth.AuthorizationResponseError).error).toBe(error);
    return response!;
  }

  describe('errors that must not be redirected', () => {
    it('oidcc-ensure-registered-redirect-uri: an unregistered redirect_uri gets an error page', async () => {
      const request = await newRequest(pub, { redirect_uri: 'http://localhost:8080/login/callback/../evil' });
      await expectErrorPage(request.params);
      await expectErrorPage((await newRequest(pub, { redirect_uri: 'https://evil.example/cb' })).params);
    });

    it('an unknown or missing client_id, or a missing redirect_uri, gets an error page', async () => {
      await expectErrorPage((await newRequest(pub, { client_id: 'no-such-client' })).params);
      await expectErrorPage((await newRequest(pub, { client_id: undefined })).params);
      await expectErrorPage((await newRequest(pub, { redirect_uri: undefined })).params);
      await expectErrorPage((await newRequest(pub, { client_id: 'no-such-client' })).params, 'POST');
    });

    it('an error that would be redirected (bad response_type, request object, no PKCE) is a page when the redirect URI is not validated', async () => {
      const badUri = { redirect_uri: 'https://evil.example/cb' };
      for (const extra of [
        { response_type: 'token' },
        { response_type: undefined },
        { request: 'x.y.z' },
        { code_challenge: undefined },
        { prompt: 'none' },
      ] as AuthorizeParams[]) {
        await expectErrorPage((await newRequest(pub, { ...badUri, ...extra })).params);
        await expectErrorPage((await newRequest(pub, { client_id: 'no-such-client', ...extra })).params);
      }
    });

    it('an app without redirect sign-in: unauthorized_client at its validated URI, an error page at any other', async () => {
      await expectRedirectedError(noRedirect, await newRequest(noRedirect), 'unauthorized_client');
      await expectErrorPage(
        (await newRequest(noRedirect, { redirect_uri: 'https://evil.example/cb' })).params,
      );
    });
  });

  describe('response types', () => {
    it('oidcc-response-type-missing: invalid_request (or unsupported_response_type) at the redirect URI', async () => {
      const request = await newRequest(pub, { response_type: undefined });
      const res = await sendAuthorize(browser(), pub.as.authorization_endpoint!, request.params);
      const response = await readAuthorizationResponse(res, REDIRECT);
      expect(response?.params.get('error')).toMatch(/^(invalid_request|unsupported_response_type)$/);
      expect(response?.params.get('state')).toBe(request.state);
      expect(response?.params.get('iss')).toBe(server.issuer);
    });

    it('implicit and hybrid response types are unsupported_response_type, redirected in the query', async () => {
      for (const responseType of [
        'token',
        'id_token',
        'id_token token',
        'code id_token',
        'code token',
        'none',
      ]) {
        const response = await expectRedirectedError(
          pub,
          await newRequest(pub, { response_type: responseType }),
          'unsupported_response_type',
        );
        // Never in a fragment, never with tokens.
        expect(response.mode).toBe('query');
        expect(response.params.has('access_token')).toBe(false);
        expect(response.params.has('id_token')).toBe(false);
      }
    });

    it('an unsupported response_mode is invalid_request', async () => {
      await expectRedirectedError(
        pub,
        await newRequest(pub, { response_mode: 'fragment' }),
        'invalid_request',
      );
      await expectRedirectedError(
        pub,
        await newRequest(pub, { response_mode: 'query.jwt' }),
        'invalid_request',
      );
    });

    it('errors follow response_mode=form_post', async () => {
      const request = await newRequest(pub, { response_mode: 'form_post', response_type: 'token' });
      const res = await sendAuthorize(browser(), pub.as.authorization_endpoint!, request.params);
      const response = await readAuthorizationResponse(res, REDIRECT);
      expect(response?.mode).toBe('form_post');
      expect(response?.params.get('error')).toBe('unsupported_response_type');
      expect(response?.params.get('state')).toBe(request.state);
      expect(response?.params.get('iss')).toBe(server.issuer);
    });
  });

  describe('request objects', () => {
    it('request is request_not_supported, even when it names a redirect URI or the request is otherwise valid', async () => {
      const requestObject = new UnsecuredJWT({
        client_id: pub.client.client_id,
        redirect_uri: REDIRECT,
        response_type: 'code',
        scope: 'openid',
      }).encode();
      await expectRedirectedError(
        pub,
        await newRequest(pub, { request: requestObject }),
        'request_not_supported',
      );
    });

    it('request_uri is request_uri_not_supported (and never fetched)', async () => {
      await expectRedirectedError(
        pub,
        await newRequest(pub, { request_uri: 'https://evil.example/request.jwt' }),
        'request_uri_not_supported',
      );
    });
  });

  describe('PKCE', () => {
    it('a public client without code_challenge is invalid_request', async () => {
      await expectRedirectedError(
        pub,
        await newRequest(pub, { code_challenge: undefined, code_challenge_method: undefined }),
        'invalid_request',
      );
    });

    it('code_challenge_method=plain is refused, for public and confidential clients', async () => {
      for (const rp of [pub, basic]) {
        const verifier = oauth.generateRandomCodeVerifier();
        await expectRedirectedError(
          rp,
          await newRequest(rp, { code_challenge: verifier, code_challenge_method: 'plain' }),
          'invalid_request',
        );
      }
    });

    it('a code_challenge without a method is refused or taken as S256, never as plain', async () => {
      const request = await newRequest(pub, { code_challenge_method: undefined });
      const b = browser();
      const res = await sendAuthorize(b, pub.as.authorization_endpoint!, request.params);
      const direct = await readAuthorizationResponse(res, REDIRECT);
      if (direct) {
        expect(direct.params.get('error')).toBe('invalid_request');
        return;
      }
      const { response } = await authorizeInBrowser(b, pub, request, user);
      // Taken as plain, the challenge itself would be the verifier.
      const asPlain = await fetch(`${server.issuer}/v1/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: pub.client.client_id,
          code: response.params.get('code')!,
          redirect_uri: REDIRECT,
          code_verifier: request.params.code_challenge!,
        }),
      });
      expect(asPlain.status).toBe(400);
    });

    it('a confidential app with requirePkce refuses a request without PKCE, and accepts one with it', async () => {
      await expectRedirectedError(
        strict,
        await newRequest(strict, { code_challenge: undefined, code_challenge_method: undefined }),
        'invalid_request',
      );
      const request = await newRequest(strict);
      const { response } = await authorizeInBrowser(browser(), strict, request, user);
      await redeem(strict, response, request);
    });
  });

  describe('other parameters', () => {
    it('an unknown scope is invalid_scope', async () => {
      await expectRedirectedError(pub, await newRequest(pub, {}, 'openid made-up-scope'), 'invalid_scope');
    });

    it('a max_age that is not a non-negative integer is invalid_request', async () => {
      for (const maxAge of ['-1', 'ten', '1.5']) {
        await expectRedirectedError(pub, await newRequest(pub, { max_age: maxAge }), 'invalid_request');
      }
    });

    it('an unsupported prompt value is refused; none with login together is invalid_request', async () => {
      await expectRedirectedError(pub, await newRequest(pub, { prompt: 'none login' }), 'invalid_request');
      const request = await newRequest(pub, { prompt: 'made_up' });
      const res = await sendAuthorize(browser(), pub.as.authorization_endpoint!, request.params);
      const response = await readAuthorizationResponse(res, REDIRECT);
      expect(response?.params.get('error')).toMatch(/^(invalid_request|consent_required|login_required)$/);
    });

    it('a request without state succeeds and the response has no state', async () => {
      const request = await newRequest(pub, { state: undefined });
      const { response } = await authorizeInBrowser(browser(), pub, request, user);
      expect(response.params.has('state')).toBe(false);
      await redeem(pub, response, request);
    });
  });
});
