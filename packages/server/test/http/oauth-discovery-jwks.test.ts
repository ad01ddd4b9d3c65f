import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, type JWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdxConversation } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Discovery (OIDC Discovery §3, docs/security.md D2/D6) and the JWKS (docs/protocol/idx-protocol.md §5.1,
 * §5.4).
 */

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

async function getJson(url: string) {
  const res = await fetch(url);
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    body: JSON.parse(text) as Record<string, unknown>,
  };
}

describe('OAuth discovery and JWKS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const cases = [
    {
      name: 'default server',
      path: '/oauth2/default',
      issuer: () => `${server.url}/oauth2/default`,
      v1: () => `${server.url}/oauth2/default/v1`,
    },
    { name: 'org server', path: '', issuer: () => server.url, v1: () => `${server.url}/oauth2/v1` },
  ];

  for (const c of cases) {
    describe(c.name, () => {
      it('publishes an exact discovery document', async () => {
        const res = await getJson(`${server.url}${c.path}/.well-known/openid-configuration`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        const doc = res.body;
        // Byte-equal to the base URL: auth-js and strict RPs compare it with ===.
        expect(doc.issuer).toBe(c.issuer());
        expect(doc.jwks_uri).toBe(`${c.v1()}/keys`);
        expect(doc.token_endpoint).toBe(`${c.v1()}/token`);
        expect(doc.userinfo_endpoint).toBe(`${c.v1()}/userinfo`);
        expect(doc.revocation_endpoint).toBe(`${c.v1()}/revoke`);
        expect(doc.introspection_endpoint).toBe(`${c.v1()}/introspect`);
        expect(doc.end_session_endpoint).toBe(`${c.v1()}/logout`);
        expect(doc.code_challenge_methods_supported).toEqual(['S256']);
        expect(doc.grant_types_supported).toContain('interaction_code');
        expect(doc.grant_types_supported).not.toContain('password');
        expect(doc.grant_types_supported).not.toContain('implicit');
        const responseTypes = doc.response_types_supported as string[];
        expect(responseTypes).toContain('code');
        for (const type of responseTypes) expect(type.split(' ')).not.toContain('token');
        // RS256 by default (Okta's clients), ES256 and EdDSA for the apps that ask (issue 17).
        expect(doc.id_token_signing_alg_values_supported).toEqual(['RS256', 'ES256', 'EdDSA']);
        expect(doc.scopes_supported).toContain('openid');
        expect(doc.subject_types_supported).toContain('public');
      });

      it('serves the same document at the RFC 8414 path', async () => {
        const oidc = await getJson(`${server.url}${c.path}/.well-known/openid-configuration`);
        const rfc8414 = await getJson(`${server.url}${c.path}/.well-known/oauth-authorization-server`);
        expect(rfc8414.status).toBe(200);
        expect(rfc8414.body).toEqual(oidc.body);
      });

      it('publishes public signing keys only, RS256, ES256 and EdDSA', async () => {
        const doc = (await getJson(`${server.url}${c.path}/.well-known/openid-configuration`)).body;
        const res = await getJson(doc.jwks_uri as string);
        expect(res.status).toBe(200);
        const keys = (res.body as { keys: JWK[] }).keys;
        expect(keys.length).toBeGreaterThan(0);
        expect(new Set(keys.map((k) => k.alg))).toEqual(new Set(['RS256', 'ES256', 'EdDSA']));
        for (const key of keys) {
          expect(key.use).toBe('sig');
          expect(typeof key.kid).toBe('string');
          expect(key.kid!.length).toBeGreaterThan(0);
          if (key.alg === 'RS256') {
            expect(key.kty).toBe('RSA');
            expect(key.e).toBe('AQAB');
            expect(Buffer.from(key.n!, 'base64url').length * 8).toBeGreaterThanOrEqual(2048);
          } else if (key.alg === 'ES256') {
            expect(key).toMatchObject({ kty: 'EC', crv: 'P-256' });
            expect(Buffer.from(key.x!, 'base64url')).toHaveLength(32);
            expect(Buffer.from(key.y!, 'base64url')).toHaveLength(32);
          } else {
            expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
            expect(Buffer.from(key.x!, 'base64url')).toHaveLength(32);
          }
          for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
          if (key.key_ops) expect(key.key_ops).toContain('verify');
        }
        expect(new Set(keys.map((k) => k.kid)).size).toBe(keys.length);
        // Nothing private anywhere in the raw text either.
        expect(res.text).not.toMatch(/"(d|p|q|dp|dq|qi)"\s*:/);
      });
    });
  }

  it('both servers publish the same key set', async () => {
    const a = await getJson(`${server.url}/oauth2/default/v1/keys`);
    const b = await getJson(`${server.url}/oauth2/v1/keys`);
    expect(a.body).toEqual(b.body);
  });

  it('signs tokens with a kid from the JWKS; jose verifies them through jwks_uri', async () => {
    const { app } = await server.createApp();
    const { user, password } = await server.createUser();
    const idx = new IdxConversation(server.url, app.clientId);
    const interaction = await idx.interact();
    await idx.introspect(interaction.interactionHandle);
    await idx.submit('identify', { identifier: user.login, credentials: { passcode: password } });
    const tokens = await idx.exchange(interaction, idx.interactionCode());
    expect(tokens.status).toBe(200);
    const idToken = tokens.body.id_token as string;
    const doc = (await getJson(`${server.issuer}/.well-known/openid-configuration`)).body;
    const jwks = createRemoteJWKSet(new URL(doc.jwks_uri as string));
    const { payload, protectedHeader } = await jwtVerify(idToken, jwks, {
      issuer: doc.issuer as string,
      audience: app.clientId,
      algorithms: ['RS256'],
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.sub).toBe(user.id);
    const keys = (await getJson(doc.jwks_uri as string)).body.keys as JWK[];
    expect(keys.map((k) => k.kid)).toContain(protectedHeader.kid);
  });

  it('key rotation: the new key is published and old tokens still verify', async () => {
    const { app } = await server.createApp();
    const { user, password } = await server.createUser();
    const signIn = async () => {
      const idx = new IdxConversation(server.url, app.clientId);
      const interaction = await idx.interact();
      await idx.introspect(interaction.interactionHandle);
      await idx.submit('identify', { identifier: user.login, credentials: { passcode: password } });
      const tokens = await idx.exchange(interaction, idx.interactionCode());
      expect(tokens.status).toBe(200);
      return tokens.body.id_token as string;
    };
    const before = await signIn();
    const oldKid = decodeProtectedHeader(before).kid;
    const { kid: newKid } = await server.services.keys.rotate(3600);
    expect(newKid).not.toBe(oldKid);
    const after = await signIn();
    expect(decodeProtectedHeader(after).kid).toBe(newKid);

    const jwks = (await getJson(`${server.issuer}/v1/keys`)).body as { keys: JWK[] };
    const kids = jwks.keys.map((k) => k.kid);
    expect(kids).toContain(oldKid);
    expect(kids).toContain(newKid);
    expect(new Set(kids).size).toBe(kids.length);
    const local = createLocalJWKSet(jwks);
    for (const token of [before, after])
      await jwtVerify(token, local, { issuer: server.issuer, audience: app.clientId, algorithms: ['RS256'] });
  });

  it('unknown authorization servers have no discovery document', async () => {
    const res = await fetch(`${server.url}/oauth2/other/.well-known/openid-configuration`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as Record<string, unknown>;
    expect(typeof body.error).toBe('string');
    expect(typeof body.error_description).toBe('string');
  });
});
