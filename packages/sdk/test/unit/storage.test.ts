/**
 * Storage adapters: memory, browser (sessionStorage + shared localStorage map pruned after 30
 * minutes) and the server-session adapter.
 */
import { describe, expect, it } from 'vitest';
import {
  type AuthStorage,
  browserStorage,
  memoryStorage,
  type SavedTransaction,
  SHARED_TRANSACTION_TTL_MS,
  serverSessionStorage,
  type Tokens,
} from '../../src/index.js';
import { fixture } from '../support/fixtures.js';
import { FakeWebStorage } from '../support/web-storage.js';

const MINUTE = 60_000;

function transaction(state: string, extra: Partial<SavedTransaction> = {}): SavedTransaction {
  return {
    issuer: 'http://127.0.0.1:4455/oauth2/default',
    clientId: 'client1',
    redirectUri: 'http://localhost:8080/login/callback',
    scopes: ['openid', 'email'],
    state,
    nonce: `nonce-${state}`,
    codeVerifier: 'v'.repeat(43),
    codeChallenge: 'c'.repeat(43),
    codeChallengeMethod: 'S256',
    interactionHandle: `ih-${state}`,
    flow: 'default',
    createdAt: 0,
    ...extra,
  };
}

const TOKENS: Tokens = {
  tokenType: 'Bearer',
  accessToken: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig',
  scopes: ['openid'],
  expiresAt: 1,
};

/** The contract every adapter keeps. */
function contract(name: string, make: (clock: { now: number }) => AuthStorage, prunesCurrent = true) {
  describe(`${name}: the AuthStorage contract`, () => {
    it('saves by state, makes the last saved current, removes', () => {
      const clock = { now: 0 };
      const storage = make(clock);
      expect(storage.getTransaction()).toBeUndefined();
      storage.setTransaction(transaction('a'));
      storage.setTransaction(transaction('b'));
      expect(storage.getTransaction()?.state).toBe('b');
      expect(storage.getTransaction('a')?.nonce).toBe('nonce-a');
      expect(storage.getTransaction('zzz')).toBeUndefined();
      storage.removeTransaction('b');
      expect(storage.getTransaction()).toBeUndefined();
      storage.removeTransaction('a');
      expect(storage.getTransaction('a')).toBeUndefined();
    });

    it('returns copies: changing a loaded transaction changes nothing stored', () => {
      const storage = make({ now: 0 });
      storage.setTransaction(transaction('a'));
      const loaded = storage.getTransaction('a')!;
      loaded.nonce = 'tampered';
      expect(storage.getTransaction('a')?.nonce).toBe('nonce-a');
    });

    it('keeps tokens apart from transactions', () => {
      const storage = make({ now: 0 });
      storage.setTokens(TOKENS);
      expect(storage.getTokens()).toEqual(TOKENS);
      storage.setTransaction(transaction('a'));
      storage.removeTransaction('a');
      expect(storage.getTokens()).toEqual(TOKENS);
      storage.removeTokens();
      expect(storage.getTokens()).toBeUndefined();
    });

    it('prunes transactions saved more than 30 minutes ago', () => {
      const clock = { now: 1_000_000 };
      const storage = make(clock);
      storage.setTransaction(transaction('old'));
      clock.now += 20 * MINUTE;
      storage.setTransaction(transaction('new'));
      clock.now += 10 * MINUTE + 1;
      expect(storage.getTransaction('old')).toBeUndefined();
      expect(storage.getTransaction('new')?.state).toBe('new');
      clock.now += 20 * MINUTE;
      // A browser tab keeps its own transaction (sessionStorage); only the shared copy is pruned.
      if (prunesCurrent) expect(storage.getTransaction('new')).toBeUndefined();
      else expect(storage.getTransaction('new')?.state).toBe('new');
    });
  });
}

contract('memoryStorage', (clock) => memoryStorage({ now: () => clock.now }));
contract(
  'browserStorage',
  (clock) =>
    browserStorage({
      sessionStorage: new FakeWebStorage(),
      localStorage: new FakeWebStorage(),
      now: () => clock.now,
    }),
  false,
);
contract('serverSessionStorage', (clock) => serverSessionStorage({}, { now: () => clock.now }));

describe('browserStorage across tabs', () => {
  const tabs = (now: () => number) => {
    const local = new FakeWebStorage();
    const first = { session: new FakeWebStorage() };
    const second = { session: new FakeWebStorage() };
    return {
      local,
      first: {
        ...first,
        storage: browserStorage({ sessionStorage: first.session, localStorage: local, now }),
      },
      second: {
        ...second,
        storage: browserStorage({ sessionStorage: second.session, localStorage: local, now }),
      },
    };
  };

  it('another tab finds a transaction by state (not as its own current one); the IDX response stays in the tab', () => {
    const { first, second, local } = tabs(() => 0);
    first.storage.setTransaction(transaction('s1', { idxResponse: fixture('challenge-email').body }));
    expect(second.storage.getTransaction()).toBeUndefined();
    const shared = second.storage.getTransaction('s1');
    expect(shared?.interactionHandle).toBe('ih-s1');
    expect(shared?.idxResponse).toBeUndefined();
    expect(first.storage.getTransaction()?.idxResponse?.stateHandle).toBe('02stateHandle');
    expect(local.dump()).not.toContain('02stateHandle');
  });

  it('the shared map is pruned after 30 minutes, in localStorage itself', () => {
    let now = 5_000_000;
    const { first, second, local } = tabs(() => now);
    first.storage.setTransaction(transaction('s1'));
    now += SHARED_TRANSACTION_TTL_MS - 1;
    expect(second.storage.getTransaction('s1')).toBeDefined();
    now += 2;
    expect(second.storage.getTransaction('s1')).toBeUndefined();
    expect(local.getItem('gatehouse.shared-transactions')).toBeNull();
    // The tab that started it still has it (its own sessionStorage is not pruned).
    expect(first.storage.getTransaction('s1')?.state).toBe('s1');
  });

  it("removing in one tab removes the shared entry but not the other tab's own copy", () => {
    const { first, second } = tabs(() => 0);
    first.storage.setTransaction(transaction('s1'));
    second.storage.setTransaction(second.storage.getTransaction('s1')!);
    second.storage.removeTransaction('s1');
    expect(second.storage.getTransaction('s1')).toBeUndefined();
    expect(first.storage.getTransaction()?.state).toBe('s1');
  });

  it('tokens live in memory by default: nothing in either Web Storage (docs/security.md N2)', () => {
    const { first, local } = tabs(() => 0);
    first.storage.setTokens(TOKENS);
    expect(first.storage.getTokens()?.accessToken).toBe(TOKENS.accessToken);
    expect(first.session.dump()).not.toContain(TOKENS.accessToken);
    expect(local.dump()).not.toContain(TOKENS.accessToken);
  });

  it('tokens in sessionStorage only when asked, never in localStorage', () => {
    const session = new FakeWebStorage();
    const local = new FakeWebStorage();
    const storage = browserStorage({
      sessionStorage: session,
      localStorage: local,
      tokens: 'sessionStorage',
    });
    storage.setTokens(TOKENS);
    expect(session.dump()).toContain(TOKENS.accessToken);
    expect(local.dump()).toBe('');
    storage.removeTokens();
    expect(session.dump()).toBe('');
  });

  it('survives a corrupted entry', () => {
    const session = new FakeWebStorage();
    const local = new FakeWebStorage();
    local.setItem('gatehouse.shared-transactions', '{not json');
    session.setItem('gatehouse.transaction', 'nope');
    const storage = browserStorage({ sessionStorage: session, localStorage: local });
    expect(storage.getTransaction()).toBeUndefined();
    expect(storage.getTransaction('x')).toBeUndefined();
    storage.setTransaction(transaction('a'));
    expect(storage.getTransaction('a')?.state).toBe('a');
  });
});

describe('serverSessionStorage', () => {
  it('keeps plain JSON under session.gatehouse, so any session store can persist it', () => {
    const session: Record<string, unknown> = { cookie: { maxAge: 1 } };
    const storage = serverSessionStorage(session, { now: () => 42 });
    storage.setTransaction(transaction('a', { idxResponse: fixture('challenge-email').body }));
    storage.setTokens(TOKENS);
    const roundTripped = JSON.parse(JSON.stringify(session)) as Record<string, unknown>;
    const again = serverSessionStorage(roundTripped, { now: () => 42 });
    expect(again.getTransaction()?.idxResponse?.stateHandle).toBe('02stateHandle');
    expect(again.getTokens()).toEqual(TOKENS);
    expect(roundTripped.cookie).toEqual({ maxAge: 1 });
    expect(Object.keys(roundTripped.gatehouse as object).sort()).toEqual([
      'current',
      'tokens',
      'transactions',
    ]);
  });

  it('two sessions are two browsers; a custom key keeps apps apart', () => {
    const one = serverSessionStorage({});
    const two = serverSessionStorage({});
    one.setTransaction(transaction('a'));
    expect(two.getTransaction('a')).toBeUndefined();
    const shared: Record<string, unknown> = {};
    serverSessionStorage(shared, { key: 'app1' }).setTransaction(transaction('a'));
    expect(serverSessionStorage(shared, { key: 'app2' }).getTransaction('a')).toBeUndefined();
    expect(serverSessionStorage(shared, { key: 'app1' }).getTransaction('a')?.state).toBe('a');
  });
});
