import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenSigningAlg } from '../../src/storage/apps-store.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  type Credentials,
  completeHostedSignIn,
  HttpBrowser,
  readAuthorizationResponse,
} from './http-sign-in.js';

/**
 * openid-client v6 as the relying party of apps whose tokens are signed with ES256 or EdDSA
 * (issue 17; `id_token_signed_response_alg` in its client metadata), and of a default RS256 app:
 * discovery, the authorization URL, hosted sign-in over plain HTTP (the widget's IDX calls), the
 * code grant with the ID token's signature checked through the JWKS (non-repudiation checks on),
 * and userinfo.
 */

const REDIRECT = 'http://localhost:8080/login/callback';

describe('openid-client with ES256, EdDSA and RS256 apps (hosted sign-in over HTTP)', () => {
  let server: TestServer;
  let user: Credentials & { id: string };

  beforeAll(async () => {
    server = await startTestServer();
    const created = await server.createUser();
    user = { id: created.user.id, login: created.user.login, password: created.password };
  });
  afterAll(() => server?.close());

  for (const alg of ['ES256', 'EdDSA', 'RS256'] as const satisfies readonly TokenSigningAlg[]) {
    it(`${alg}: openid-client verifies the ID token's ${alg} signature and reads userinfo`, async () => {
      const { app, clientSecret } = await server.createApp({
        public: false,
        redirectUris: [REDIRECT],
        ...(alg === 'RS256' ? {} : { tokenSigningAlg: alg }),
      });
      const config = await client.discovery(
        new URL(server.issuer),
        app.clientId,
        { client_secret: clientSecret!, id_token_signed_response_alg: alg },
        client.ClientSecretBasic(clientSecret!),
        { execute: [client.allowInsecureRequests] },
      );
      expect(config.serverMetadata().id_token_signing_alg_values_supported).toContain(alg);
      client.enableNonRepudiationChecks(config);

      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT,
        scope: 'openid profile email',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      const browser = new HttpBrowser(server.url);
      const start = await browser.request(url);
      expect(start.status).toBe(302);
      const hosted = await completeHostedSignIn(
        browser,
        new URL(start.headers.get('location')!, server.url).href,
        user,
      );
      const response = await readAuthorizationResponse(hosted.completion, REDIRECT);
      expect(response?.params.get('code')).toEqual(expect.any(String));

      const tokens = await client.authorizationCodeGrant(config, new URL(`${REDIRECT}?${response!.params}`), {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
      expect(decodeProtectedHeader(tokens.id_token!).alg).toBe(alg);
      expect(decodeProtectedHeader(tokens.access_token).alg).toBe(alg);
      expect(tokens.claims()).toMatchObject({ iss: server.issuer, aud: app.clientId, sub: user.id });
      const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
      await jwtVerify(tokens.access_token, jwks, { issuer: server.issuer, algorithms: [alg] });

      const userinfo = await client.fetchUserInfo(config, tokens.access_token, user.id);
      expect(userinfo).toMatchObject({ sub: user.id, email: user.login });
    });
  }
});
