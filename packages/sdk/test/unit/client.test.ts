/**
 * The client facade on its own: option checks (ConfigurationError), URL derivation from the
 * issuer, defaults, and what happens when an answer is not IDX at all.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ConfigurationError,
  createAuthClient,
  deriveUrls,
  type FetchLike,
  IdxError,
  memoryStorage,
  OAuthError,
} from '../../src/index.js';

const OPTIONS = {
  issuer: 'http://127.0.0.1:4455/oauth2/default',
  clientId: 'client-1',
  redirectUri: 'http://localhost:8080/login/callback',
};

describe('createAuthClient options', () => {
  afterEach(() => vi.unstubAllGlobals());

  it.each([
    [{ ...OPTIONS, issuer: '' }, /issuer is required/],
    [{ ...OPTIONS, issuer: 'not a url' }, /issuer must be an absolute URL/],
    [{ ...OPTIONS, issuer: 'ftp://id.example/oauth2/default' }, /http\(s\)/],
    [{ ...OPTIONS, issuer: 'https://id.example/oauth2/default?x=1' }, /query or fragment/],
    [{ ...OPTIONS, clientId: '' }, /clientId is required/],
    [{ ...OPTIONS, redirectUri: 'relative/callback' }, /redirectUri must be an absolute URL/],
    [{ ...OPTIONS, scopes: 'openid email' as unknown as string[] }, /scopes must be an array/],
    [{ ...OPTIONS, scopes: ['openid email'] }, /scopes must be an array/],
  ])('refuses %j with a ConfigurationError', (options, message) => {
    expect(() => createAuthClient(options)).toThrow(ConfigurationError);
    expect(() => createAuthClient(options)).toThrow(message);
  });

  it('defaults: scopes openid profile email, memory storage in Node, trailing slash trimmed', () => {
    const auth = createAuthClient({ ...OPTIONS, issuer: `${OPTIONS.issuer}/` });
    expect(auth.scopes).toEqual(['openid', 'profile', 'email']);
    expect(auth.issuer).toBe(OPTIONS.issuer);
    auth.storage.setTokens({ tokenType: 'Bearer', accessToken: 'a', scopes: [], expiresAt: 0 });
    expect(auth.token.get()?.accessToken).toBe('a');
    // Another client has its own memory.
    expect(createAuthClient(OPTIONS).token.get()).toBeUndefined();
  });

  it('without WebCrypto (an insecure browser context) start() fails with a ConfigurationError', async () => {
    const fetchFn: FetchLike = async () =>
      Response.json({ issuer: OPTIONS.issuer, jwks_uri: 'http://127.0.0.1:4455/keys' });
    const auth = createAuthClient({ ...OPTIONS, fetch: fetchFn, storage: memoryStorage() });
    vi.stubGlobal('crypto', undefined);
    await expect(auth.idx.start()).rejects.toThrow(/secure context/);
  });

  it('a server without PKCE S256 is refused before any interaction', async () => {
    const calls: string[] = [];
    const fetchFn: FetchLike = async (url) => {
      calls.push(url);
      return Response.json({
        issuer: OPTIONS.issuer,
        jwks_uri: 'http://127.0.0.1:4455/keys',
        code_challenge_methods_supported: ['plain'],
      });
    };
    const auth = createAuthClient({ ...OPTIONS, fetch: fetchFn });
    await expect(auth.idx.start()).rejects.toThrow(/PKCE S256/);
    expect(calls).toHaveLength(1);
  });
});

describe('URLs derived from the issuer (docs/protocol/idx-protocol.md §2)', () => {
  it('custom authorization server', () => {
    expect(deriveUrls('http://h:4455/oauth2/default')).toEqual({
      issuer: 'http://h:4455/oauth2/default',
      discoveryUrl: 'http://h:4455/oauth2/default/.well-known/openid-configuration',
      interactUrl: 'http://h:4455/oauth2/default/v1/interact',
      authorizeUrl: 'http://h:4455/oauth2/default/v1/authorize',
      introspectUrl: 'http://h:4455/idp/idx/introspect',
      tokenUrl: 'http://h:4455/oauth2/default/v1/token',
      userinfoUrl: 'http://h:4455/oauth2/default/v1/userinfo',
      revokeUrl: 'http://h:4455/oauth2/default/v1/revoke',
      logoutUrl: 'http://h:4455/oauth2/default/v1/logout',
    });
  });

  it('org server and a path prefix', () => {
    const org = deriveUrls('http://host/');
    expect(org.discoveryUrl).toBe('http://host/.well-known/openid-configuration');
    expect(org.interactUrl).toBe('http://host/oauth2/v1/interact');
    expect(org.introspectUrl).toBe('http://host/idp/idx/introspect');
    expect(deriveUrls('http://h/prefix/oauth2/x').introspectUrl).toBe('http://h/prefix/idp/idx/introspect');
  });
});

describe('answers that are not IDX', () => {
  /** Discovery and interact answer properly; introspect answers `introspect`. */
  function client(introspect: () => Response) {
    const fetchFn: FetchLike = async (url) => {
      if (url.endsWith('/openid-configuration'))
        return Response.json({ issuer: OPTIONS.issuer, jwks_uri: 'http://127.0.0.1:4455/keys' });
      if (url.endsWith('/v1/interact')) return Response.json({ interaction_handle: 'ih' });
      return introspect();
    };
    return createAuthClient({ ...OPTIONS, fetch: fetchFn, storage: memoryStorage() });
  }

  it('an HTML error page → IdxError idx_invalid_response with the status', async () => {
    const auth = client(
      () =>
        new Response('<html>Bad gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } }),
    );
    const error = await auth.idx.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdxError);
    expect(error).toMatchObject({ code: 'idx_invalid_response', status: 502 });
  });

  it('an OAuth error body → OAuthError', async () => {
    const auth = client(() =>
      Response.json({ error: 'invalid_request', error_description: 'nope' }, { status: 400 }),
    );
    const error = await auth.idx.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({ error: 'invalid_request', error_description: 'nope', status: 400 });
  });
});
