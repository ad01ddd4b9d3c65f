/**
 * ID token validation (OIDC Core §3.1.3.7, docs/security.md N1) against a small jose-based fake OP:
 * every forged or wrong token is refused with a specific code; the JWKS is fetched once and
 * refetched exactly once for an unknown `kid`.
 */
import { createHash } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  computeAtHash,
  createAuthClient,
  type FetchLike,
  type IdTokenExpectations,
  JwksCache,
  memoryStorage,
  ValidationError,
  validateIdToken,
} from '../../src/index.js';

const ISSUER = 'https://id.example.test/oauth2/default';
const CLIENT_ID = 'client-1';
const NONCE = 'nonce-123';
const NOW = 1_800_000_000; // seconds

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let rsa: { kid: string; privateKey: Key; jwk: JWK };
let rsa2: { kid: string; privateKey: Key; jwk: JWK };
let ec: { kid: string; privateKey: Key; jwk: JWK };

async function key(alg: 'RS256' | 'ES256', kid: string) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

beforeAll(async () => {
  rsa = await key('RS256', 'rsa-1');
  rsa2 = await key('RS256', 'rsa-2');
  ec = await key('ES256', 'ec-1');
});

/** A JWKS endpoint whose key set can change between fetches, counting its hits. */
function jwksServer(...sets: JWK[][]) {
  let hits = 0;
  const fetchFn: FetchLike = async () => Response.json({ keys: sets[Math.min(hits++, sets.length - 1)] });
  const cache = new JwksCache(fetchFn, async () => 'https://id.example.test/keys');
  return { cache, hits: () => hits };
}

const ACCESS_TOKEN = 'eyJraWQiOiJ4In0.eyJzdWIiOiIwMHUxIn0.access-signature';
const atHashOf = (token: string) =>
  createHash('sha256').update(token, 'ascii').digest().subarray(0, 16).toString('base64url');

async function sign(
  claims: Record<string, unknown> = {},
  options: { k?: typeof rsa; header?: Record<string, unknown> } = {},
): Promise<string> {
  const k = options.k ?? rsa;
  const alg = k === ec ? 'ES256' : 'RS256';
  return new SignJWT({
    iss: ISSUER,
    aud: CLIENT_ID,
    sub: '00u1',
    iat: NOW,
    exp: NOW + 3600,
    nonce: NONCE,
    at_hash: atHashOf(ACCESS_TOKEN),
    ...claims,
  })
    .setProtectedHeader({ alg, kid: k.kid, ...options.header })
    .sign(k.privateKey);
}

const expected = {
  issuer: ISSUER,
  clientId: CLIENT_ID,
  nonce: NONCE,
  accessToken: ACCESS_TOKEN,
  now: NOW * 1000,
};

async function rejection(
  token: string,
  overrides: Partial<IdTokenExpectations> = {},
  keys = [rsa.jwk, ec.jwk],
) {
  const { cache } = jwksServer(keys);
  const error = await validateIdToken(token, cache.getKey, { ...expected, ...overrides }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, 'the token was accepted').toBeInstanceOf(ValidationError);
  return (error as ValidationError).code;
}

describe('validateIdToken', () => {
  it('accepts a correct RS256 token and returns its claims; ES256 too', async () => {
    const { cache, hits } = jwksServer([rsa.jwk, ec.jwk]);
    const claims = await validateIdToken(await sign(), cache.getKey, expected);
    expect(claims).toMatchObject({ sub: '00u1', iss: ISSUER, aud: CLIENT_ID, nonce: NONCE });
    await validateIdToken(await sign({}, { k: ec }), cache.getKey, expected);
    expect(hits()).toBe(1);
  });

  it("at_hash is the server's left-half SHA-256 (same as the server computes it)", async () => {
    expect(await computeAtHash(ACCESS_TOKEN)).toBe(atHashOf(ACCESS_TOKEN));
  });

  it('tampered signature → id_token_signature', async () => {
    const token = await sign();
    const [h, p, s] = token.split('.');
    const flipped = `${s!.slice(0, 10)}${s![10] === 'A' ? 'B' : 'A'}${s!.slice(11)}`;
    expect(await rejection(`${h}.${p}.${flipped}`)).toBe('id_token_signature');
    // A payload swapped under the original signature.
    const other = (await sign({ sub: 'admin' })).split('.')[1];
    expect(await rejection(`${h}.${other}.${s}`)).toBe('id_token_signature');
    // Signed by a key the server does not publish, under the server's kid.
    expect(await rejection(await sign({}, { k: { ...rsa2, kid: rsa.kid } }))).toBe('id_token_signature');
  });

  it('wrong aud → id_token_audience; wrong iss → id_token_issuer', async () => {
    expect(await rejection(await sign({ aud: 'another-client' }))).toBe('id_token_audience');
    expect(await rejection(await sign({ aud: ['x', 'y'], azp: CLIENT_ID }))).toBe('id_token_audience');
    expect(await rejection(await sign({ iss: 'https://evil.example.test' }))).toBe('id_token_issuer');
    expect(await rejection(await sign({ iss: `${ISSUER}/` }))).toBe('id_token_issuer');
  });

  it('expired beyond the skew → id_token_expired; within the skew → accepted', async () => {
    expect(await rejection(await sign({ iat: NOW - 7200, exp: NOW - 121 }))).toBe('id_token_expired');
    const { cache } = jwksServer([rsa.jwk]);
    await expect(
      validateIdToken(await sign({ iat: NOW - 7200, exp: NOW - 60 }), cache.getKey, expected),
    ).resolves.toBeDefined();
    expect(await rejection(await sign({ exp: NOW - 10 }), { clockSkewSeconds: 0 })).toBe('id_token_expired');
  });

  it('iat in the future beyond the skew → id_token_iat; a missing iat too', async () => {
    expect(await rejection(await sign({ iat: NOW + 121 }))).toBe('id_token_iat');
    expect(await rejection(await sign({ iat: undefined }))).toBe('id_token_iat');
    const { cache } = jwksServer([rsa.jwk]);
    await expect(
      validateIdToken(await sign({ iat: NOW + 60 }), cache.getKey, expected),
    ).resolves.toBeDefined();
  });

  it('wrong or missing nonce → id_token_nonce', async () => {
    expect(await rejection(await sign({ nonce: 'nonce-other' }))).toBe('id_token_nonce');
    expect(await rejection(await sign({ nonce: undefined }))).toBe('id_token_nonce');
  });

  it('wrong at_hash → id_token_at_hash', async () => {
    expect(await rejection(await sign({ at_hash: atHashOf(`${ACCESS_TOKEN}x`) }))).toBe('id_token_at_hash');
    expect(await rejection(await sign(), { accessToken: 'another-access-token' })).toBe('id_token_at_hash');
  });

  it('alg none and HS256 (key confusion) → id_token_alg, before any key is fetched', async () => {
    const payload = (await sign()).split('.')[1];
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: rsa.kid })).toString('base64url')}.${payload}.`;
    const { cache, hits } = jwksServer([rsa.jwk]);
    await expect(validateIdToken(none, cache.getKey, expected)).rejects.toMatchObject({
      code: 'id_token_alg',
    });
    const secret = new TextEncoder().encode(JSON.stringify(rsa.jwk));
    const hs = await new SignJWT({
      iss: ISSUER,
      aud: CLIENT_ID,
      sub: 'x',
      iat: NOW,
      exp: NOW + 60,
      nonce: NONCE,
    })
      .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
      .sign(secret);
    await expect(validateIdToken(hs, cache.getKey, expected)).rejects.toMatchObject({ code: 'id_token_alg' });
    expect(hits()).toBe(0);
  });

  it('unknown kid → exactly one refetch, then id_token_kid', async () => {
    const { cache, hits } = jwksServer([rsa.jwk]);
    await validateIdToken(await sign(), cache.getKey, expected);
    expect(hits()).toBe(1);
    const unknown = await sign({}, { k: rsa2 });
    await expect(validateIdToken(unknown, cache.getKey, expected)).rejects.toMatchObject({
      code: 'id_token_kid',
    });
    expect(hits()).toBe(2);
    expect(cache.fetchCount).toBe(2);
  });

  it('key rotation: a new kid is found by the one refetch', async () => {
    const { cache, hits } = jwksServer([rsa.jwk], [rsa.jwk, rsa2.jwk]);
    await validateIdToken(await sign(), cache.getKey, expected);
    const claims = await validateIdToken(await sign({}, { k: rsa2 }), cache.getKey, expected);
    expect(claims.sub).toBe('00u1');
    expect(hits()).toBe(2);
    // Known now: no further fetch.
    await validateIdToken(await sign({}, { k: rsa2 }), cache.getKey, expected);
    expect(hits()).toBe(2);
  });

  it('no kid with several candidate keys → id_token_kid', async () => {
    const token = await new SignJWT({
      iss: ISSUER,
      aud: CLIENT_ID,
      sub: 'x',
      iat: NOW,
      exp: NOW + 60,
      nonce: NONCE,
    })
      .setProtectedHeader({ alg: 'RS256' })
      .sign(rsa.privateKey);
    expect(await rejection(token, {}, [rsa.jwk, rsa2.jwk])).toBe('id_token_kid');
  });

  it('azp, sub and malformed tokens', async () => {
    expect(await rejection(await sign({ azp: 'another-client' }))).toBe('id_token_azp');
    expect(await rejection(await sign({ aud: [CLIENT_ID, 'other'] }))).toBe('id_token_azp');
    expect(await rejection(await sign({ sub: undefined }))).toBe('id_token_claims');
    expect(await rejection(await sign(), { subject: 'someone-else' })).toBe('id_token_sub');
    expect(await rejection('not.a.jwt')).toBe('id_token_malformed');
    expect(await rejection('abc')).toBe('id_token_malformed');
  });
});

describe('the client never returns tokens that fail validation', () => {
  it('getIdentityFromTokenResponse with a forged ID token → ValidationError id_token_signature', async () => {
    const fetchFn: FetchLike = async (url) =>
      url.endsWith('/.well-known/openid-configuration')
        ? Response.json({
            issuer: ISSUER,
            jwks_uri: 'https://id.example.test/keys',
            code_challenge_methods_supported: ['S256'],
          })
        : Response.json({ keys: [rsa.jwk] });
    const auth = createAuthClient({
      issuer: ISSUER,
      clientId: CLIENT_ID,
      redirectUri: 'https://app.example.test/callback',
      storage: memoryStorage(),
      fetch: fetchFn,
      now: () => NOW * 1000,
    });
    const good = await sign();
    await expect(
      auth.getIdentityFromTokenResponse(
        { token_type: 'Bearer', access_token: ACCESS_TOKEN, expires_in: 60, scope: 'openid', id_token: good },
        { nonce: NONCE },
      ),
    ).resolves.toMatchObject({ sub: '00u1' });
    const forged = await sign({}, { k: { ...rsa2, kid: rsa.kid } });
    await expect(
      auth.getIdentityFromTokenResponse({
        token_type: 'Bearer',
        access_token: ACCESS_TOKEN,
        expires_in: 60,
        scope: 'openid',
        id_token: forged,
      }),
    ).rejects.toMatchObject({ name: 'ValidationError', code: 'id_token_signature' });
  });
});
