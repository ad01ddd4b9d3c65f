import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateClient, readClientCredentials } from '../../src/protocol/oauth/client-auth.js';
import { OAuthError } from '../../src/protocol/oauth/oauth-error.js';
import { readParams, requireParam } from '../../src/protocol/oauth/params.js';
import { hashSecret } from '../../src/secrets.js';
import type { App } from '../../src/storage/apps-store.js';
import { openStorage, type Storage } from '../../src/storage/storage.js';

const basic = (userPass: string) => `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`;

/** The OAuthError `call` throws (fails the test if it throws anything else or nothing). */
function oauthErrorOf(call: () => unknown): OAuthError {
  try {
    call();
  } catch (err) {
    expect(err).toBeInstanceOf(OAuthError);
    return err as OAuthError;
  }
  throw new Error('expected an OAuthError');
}

async function rejectionOf(promise: Promise<unknown>): Promise<OAuthError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OAuthError);
  return err as OAuthError;
}

describe('readParams', () => {
  it('merges the query string and the form body', () => {
    expect(readParams({ grant_type: 'refresh_token' }, { client_id: 'abc' })).toEqual({
      client_id: 'abc',
      grant_type: 'refresh_token',
    });
    expect(readParams(undefined, undefined)).toEqual({});
    expect(readParams('', null)).toEqual({});
  });

  it('drops empty values', () => {
    expect(readParams({ scope: '', state: 'xyz' }, undefined)).toEqual({ state: 'xyz' });
  });

  it('refuses a parameter repeated in the body, naming it', () => {
    const err = oauthErrorOf(() =>
      readParams({ redirect_uri: ['https://a.example', 'https://b.example'] }, {}),
    );
    expect(err.error).toBe('invalid_request');
    expect(err.status).toBe(400);
    expect(err.description).toContain('redirect_uri');
  });

  it('refuses a parameter given in both the query and the body', () => {
    const err = oauthErrorOf(() => readParams({ client_id: 'a' }, { client_id: 'a' }));
    expect(err.error).toBe('invalid_request');
    expect(err.description).toContain('client_id');
  });

  it('an empty parameter counts as omitted (RFC 6749 §3.1), but a list of values is still refused', () => {
    expect(readParams({ scope: 'openid' }, { scope: '' })).toEqual({ scope: 'openid' });
    expect(oauthErrorOf(() => readParams({ scope: ['', 'openid'] }, undefined)).error).toBe(
      'invalid_request',
    );
  });

  it('refuses a NUL character (PostgreSQL text cannot hold it)', () => {
    expect(oauthErrorOf(() => readParams({ state: 'a\0b' }, undefined)).description).toContain('state');
  });

  it('refuses non-string values and a body that is not a set of parameters', () => {
    expect(oauthErrorOf(() => readParams({ client_id: 42 }, undefined)).description).toContain('client_id');
    expect(oauthErrorOf(() => readParams({ claims: { a: 1 } }, undefined)).error).toBe('invalid_request');
    expect(oauthErrorOf(() => readParams('grant_type=x', undefined)).error).toBe('invalid_request');
    expect(oauthErrorOf(() => readParams([['grant_type', 'x']], undefined)).error).toBe('invalid_request');
  });

  it('treats names of Object.prototype members as ordinary (unknown, ignored) parameters', () => {
    expect(readParams({ constructor: 'x', toString: 'y', client_id: 'c' }, undefined)).toMatchObject({
      client_id: 'c',
    });
    const parsed = readParams(JSON.parse('{"__proto__": "polluted", "client_id": "c"}'), undefined);
    expect(parsed.client_id).toBe('c');
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('requireParam names a missing parameter', () => {
    expect(requireParam({ code: 'c' }, 'code')).toBe('c');
    const err = oauthErrorOf(() => requireParam({}, 'code_verifier'));
    expect(err.error).toBe('invalid_request');
    expect(err.description).toContain('code_verifier');
  });
});

describe('readClientCredentials', () => {
  it('reads client_secret_basic', () => {
    expect(readClientCredentials({}, basic('client-1:s3cret'))).toEqual({
      clientId: 'client-1',
      clientSecret: 's3cret',
      method: 'client_secret_basic',
    });
  });

  it('accepts the scheme in any case', () => {
    for (const scheme of ['basic', 'BASIC', 'bAsIc'])
      expect(readClientCredentials({}, `${scheme} ${Buffer.from('id:pw').toString('base64')}`).clientId).toBe(
        'id',
      );
  });

  it('without a colon the whole value is the client id and there is no secret', () => {
    expect(readClientCredentials({}, basic('client-1'))).toEqual({
      clientId: 'client-1',
      clientSecret: undefined,
      method: 'client_secret_basic',
    });
    expect(readClientCredentials({}, basic('client-1:')).clientSecret).toBeUndefined();
  });

  it('splits at the first colon: a raw colon belongs to the secret', () => {
    expect(readClientCredentials({}, basic('client-1:se:cr:et')).clientSecret).toBe('se:cr:et');
  });

  it('form-urldecodes both parts (RFC 6749 §2.3.1)', () => {
    expect(readClientCredentials({}, basic('my%20client:p%40ss%3Aword%2B1'))).toMatchObject({
      clientId: 'my client',
      clientSecret: 'p@ss:word+1',
    });
    expect(readClientCredentials({}, basic('a+b:c+d'))).toMatchObject({
      clientId: 'a b',
      clientSecret: 'c d',
    });
    expect(readClientCredentials({}, basic('cli%C3%ABnt:%E2%82%AC')).clientId).toBe('cliënt');
    expect(readClientCredentials({}, basic('cli%C3%ABnt:%E2%82%AC')).clientSecret).toBe('€');
  });

  it('malformed percent-encoding is invalid_client with a Basic challenge', () => {
    for (const userPass of ['%zz:secret', 'client:%E2%82', 'client:100%']) {
      const err = oauthErrorOf(() => readClientCredentials({}, basic(userPass)));
      expect(err.error, userPass).toBe('invalid_client');
      expect(err.status).toBe(401);
      expect(err.options.wwwAuthenticate).toMatch(/^Basic/);
    }
  });

  it('a client_id in the body must match the header; a client_secret in the body is a second method', () => {
    expect(readClientCredentials({ client_id: 'client-1' }, basic('client-1:pw')).clientId).toBe('client-1');
    expect(
      oauthErrorOf(() => readClientCredentials({ client_id: 'other' }, basic('client-1:pw'))).error,
    ).toBe('invalid_request');
    expect(
      oauthErrorOf(() => readClientCredentials({ client_secret: 'pw' }, basic('client-1:pw'))).error,
    ).toBe('invalid_request');
  });

  it('reads client_secret_post and none from the body', () => {
    expect(readClientCredentials({ client_id: 'c', client_secret: 's' }, undefined)).toEqual({
      clientId: 'c',
      clientSecret: 's',
      method: 'client_secret_post',
    });
    expect(readClientCredentials({ client_id: 'c' }, undefined)).toEqual({
      clientId: 'c',
      clientSecret: undefined,
      method: 'none',
    });
    // Another scheme is not client authentication.
    expect(readClientCredentials({ client_id: 'c' }, 'Bearer abc').method).toBe('none');
  });

  it('no client id anywhere is invalid_client', () => {
    const err = oauthErrorOf(() => readClientCredentials({}, undefined));
    expect(err.error).toBe('invalid_client');
    expect(err.status).toBe(401);
  });
});

describe('authenticateClient (over a real in-memory store)', () => {
  let dir: string;
  let storage: Storage;
  const SECRET = 'a confidential client secret';
  const base: Omit<App, 'id' | 'clientId' | 'secretHash'> = {
    name: 'test',
    redirectUris: ['http://localhost:8080/login/callback'],
    postLogoutRedirectUris: [],
    emailVerifyUri: null,
    loginUri: null,
    trustedOrigins: [],
    grantTypes: ['interaction_code'],
    policy: {
      requirements: [{ anyOf: ['password'] }],
      identifierFirst: true,
      selfServiceRecovery: false,
      selfServiceUnlock: false,
      signInAfterUnlock: false,
      registration: null,
    },
    createdAt: 1,
    requirePkce: false,
    hostedPage: {},
    tokenSigningAlg: 'RS256',
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-client-auth-'));
    storage = await openStorage({ dataDir: dir, sqliteFile: ':memory:' });
    await storage.apps.createApp({ ...base, id: 'app-public', clientId: 'public-client', secretHash: null });
    await storage.apps.createApp({
      ...base,
      id: 'app-confidential',
      clientId: 'confidential client',
      secretHash: hashSecret(SECRET),
    });
  });
  afterAll(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a public client authenticates with its id alone (in the body or in Basic without a secret)', async () => {
    expect((await authenticateClient(storage.apps, { client_id: 'public-client' }, undefined)).id).toBe(
      'app-public',
    );
    expect((await authenticateClient(storage.apps, {}, basic('public-client'))).id).toBe('app-public');
  });

  it('a public client presenting a secret is refused', async () => {
    const err = await rejectionOf(
      authenticateClient(storage.apps, { client_id: 'public-client', client_secret: 'x' }, undefined),
    );
    expect(err.error).toBe('invalid_client');
  });

  it('a confidential client needs its secret, by Basic (percent-encoded id) or in the body', async () => {
    const encodedId = encodeURIComponent('confidential client');
    const viaBasic = await authenticateClient(
      storage.apps,
      {},
      basic(`${encodedId}:${encodeURIComponent(SECRET)}`),
    );
    expect(viaBasic.id).toBe('app-confidential');
    const viaPost = await authenticateClient(
      storage.apps,
      { client_id: 'confidential client', client_secret: SECRET },
      undefined,
    );
    expect(viaPost.id).toBe('app-confidential');
  });

  it('a wrong, missing or unknown secret or client gets the same invalid_client; Basic gets a challenge', async () => {
    const wrongBasic = await rejectionOf(
      authenticateClient(storage.apps, {}, basic(`confidential%20client:${encodeURIComponent('wrong')}`)),
    );
    expect(wrongBasic).toMatchObject({ error: 'invalid_client', status: 401 });
    expect(wrongBasic.options.wwwAuthenticate).toMatch(/^Basic/);

    const missing = await rejectionOf(
      authenticateClient(storage.apps, { client_id: 'confidential client' }, undefined),
    );
    const wrongPost = await rejectionOf(
      authenticateClient(
        storage.apps,
        { client_id: 'confidential client', client_secret: 'wrong' },
        undefined,
      ),
    );
    const unknown = await rejectionOf(
      authenticateClient(storage.apps, { client_id: 'nobody', client_secret: SECRET }, undefined),
    );
    for (const err of [missing, wrongPost, unknown]) {
      expect(err.error).toBe('invalid_client');
      expect(err.description).toBe(wrongBasic.description);
      expect(err.options.wwwAuthenticate).toBeUndefined();
    }
  });
});
