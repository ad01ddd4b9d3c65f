import { describe, expect, it } from 'vitest';
import {
  createAuthClient,
  isEmailVerifyCallback,
  memoryStorage,
  parseEmailVerifyCallback,
  parseParams,
  type SavedTransaction,
  serverSessionStorage,
} from '../../src/index.js';

describe('email verify callback parsing (docs/protocol/idx-protocol.md §9.2)', () => {
  it('recognises otp + state in a search string, a whole URL or a hash', () => {
    expect(isEmailVerifyCallback('?otp=123456&state=abc')).toBe(true);
    expect(isEmailVerifyCallback('http://localhost:8080/login/callback?state=abc&otp=123456')).toBe(true);
    expect(isEmailVerifyCallback('#otp=123456&state=abc')).toBe(true);
    expect(isEmailVerifyCallback('#/otp=123456&state=abc')).toBe(true);
    expect(isEmailVerifyCallback('otp=123456&state=abc')).toBe(true);
  });

  it('needs both parameters, with values', () => {
    expect(isEmailVerifyCallback('?otp=123456')).toBe(false);
    expect(isEmailVerifyCallback('?state=abc')).toBe(false);
    expect(isEmailVerifyCallback('?otp=&state=abc')).toBe(false);
    expect(isEmailVerifyCallback('?interaction_code=x&state=abc')).toBe(false);
    expect(isEmailVerifyCallback('')).toBe(false);
  });

  it('decodes percent-escapes and + as space; the first of repeated names wins', () => {
    expect(parseEmailVerifyCallback('?otp=12%2034&state=a%2Bb+c')).toEqual({ otp: '12 34', state: 'a+b c' });
    expect(parseParams('?a=1&a=2&b=%E2%9C%93')).toEqual({ a: '1', b: '✓' });
    expect(parseParams('https://app.example/cb?x=1#y=2')).toEqual({ x: '1' });
    expect(parseParams('https://app.example/cb#y=2')).toEqual({ y: '2' });
  });

  it('parseEmailVerifyCallback rejects what is not a callback', () => {
    expect(() => parseEmailVerifyCallback('?otp=1')).toThrow(TypeError);
  });
});

describe('email verify callback in every form a caller has at hand (docs/protocol/idx-protocol.md §9.2)', () => {
  const STATE = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd';

  it.each([
    ['a full URL', `http://localhost:8080/login/callback?otp=123456&state=${STATE}`],
    ["a path with a query (Express's req.originalUrl)", `/login/callback?otp=123456&state=${STATE}`],
    ['a path with the parameters the other way round', `/magic-link/callback?state=${STATE}&otp=123456`],
    ['a search string', `?otp=123456&state=${STATE}`],
    ['a bare query string', `otp=123456&state=${STATE}`],
    ['a hash', `#otp=123456&state=${STATE}`],
  ])('%s', (_name, input) => {
    expect(isEmailVerifyCallback(input)).toBe(true);
    expect(parseEmailVerifyCallback(input)).toEqual({ otp: '123456', state: STATE });
  });

  it('a path without both values is not a callback; a path is never read as a query string', () => {
    expect(isEmailVerifyCallback('/login/callback?otp=123456')).toBe(false);
    expect(isEmailVerifyCallback(`/login/callback?interaction_code=x&state=${STATE}`)).toBe(false);
    expect(isEmailVerifyCallback('/login/callback')).toBe(false);
    expect(parseParams('/login/callback?a=1')).toEqual({ a: '1' });
    // A bare query string whose first value holds a slash still parses as a query.
    expect(parseParams('a=/x&b=2')).toEqual({ a: '/x', b: '2' });
  });
});

describe('canProceed({ state }) is a question about saved meta only (docs/protocol/idx-protocol.md §9.2)', () => {
  const OPTIONS = {
    issuer: 'http://127.0.0.1:4455/oauth2/default',
    clientId: 'client-1',
    redirectUri: 'http://localhost:8080/login/callback',
  };
  const meta = (state: string): SavedTransaction => ({
    issuer: OPTIONS.issuer,
    clientId: OPTIONS.clientId,
    redirectUri: OPTIONS.redirectUri,
    scopes: ['openid'],
    state,
    nonce: 'nonce-1',
    codeVerifier: 'verifier-1',
    codeChallenge: 'challenge-1',
    codeChallengeMethod: 'S256',
    interactionHandle: 'handle-1',
    flow: 'default',
    createdAt: 0,
  });
  const noFetch = async () => {
    throw new Error('canProceed must not use the network');
  };

  it('true for a saved meta with an interaction handle, and for one without', () => {
    const storage = memoryStorage();
    const auth = createAuthClient({ ...OPTIONS, storage, fetch: noFetch });
    storage.setTransaction(meta('with-handle'));
    const { interactionHandle: _h, ...withoutHandle } = meta('without-handle');
    storage.setTransaction(withoutHandle as SavedTransaction);
    expect(auth.idx.canProceed({ state: 'with-handle' })).toBe(true);
    expect(auth.idx.canProceed({ state: 'without-handle' })).toBe(true);
    expect(auth.idx.canProceed({ state: 'unknown' })).toBe(false);
    // …but only a transaction with a handle can be continued.
    expect(auth.idx.getSavedTransaction('without-handle')).toBeUndefined();
    expect(auth.idx.getSavedTransaction('with-handle')?.interactionHandle).toBe('handle-1');
  });

  it('false for meta saved by another client (issuer, client id or redirect URI differ)', () => {
    const storage = memoryStorage();
    const auth = createAuthClient({ ...OPTIONS, storage, fetch: noFetch });
    storage.setTransaction({ ...meta('other-client'), clientId: 'client-2' });
    storage.setTransaction({ ...meta('other-issuer'), issuer: 'http://127.0.0.1:4455/oauth2/other' });
    storage.setTransaction({ ...meta('other-redirect'), redirectUri: 'http://localhost:8080/x' });
    for (const state of ['other-client', 'other-issuer', 'other-redirect'])
      expect(auth.idx.canProceed({ state })).toBe(false);
  });

  it('"same browser" on a server is "same session": another session does not see the meta', () => {
    const sessionA: Record<string, unknown> = {};
    const sessionB: Record<string, unknown> = {};
    const base = createAuthClient({ ...OPTIONS, fetch: noFetch });
    serverSessionStorage(sessionA).setTransaction(meta('state-a'));
    expect(base.withStorage(serverSessionStorage(sessionA)).idx.canProceed({ state: 'state-a' })).toBe(true);
    expect(base.withStorage(serverSessionStorage(sessionB)).idx.canProceed({ state: 'state-a' })).toBe(false);
  });
});
