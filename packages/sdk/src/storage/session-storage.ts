import type { SavedTransaction, Tokens } from '../types.js';
import {
  type AuthStorage,
  pruneTransactions,
  SHARED_TRANSACTION_TTL_MS,
  type StorageOptions,
  type TransactionMap,
} from './auth-storage.js';

export interface SessionStorageOptions extends StorageOptions {
  /** The session property used; default `gatehouse`. */
  key?: string;
}

interface SessionRecord {
  current?: string;
  transactions: TransactionMap;
  tokens?: Tokens;
}

/**
 * A per-request adapter over a server-side session object (`req.session` of `express-session`,
 * or any object persisted per cookie): "same browser" means "same session cookie". Everything
 * is kept as plain JSON-compatible data under `session[key]`, so any session store can save it.
 *
 * @example
 * app.get('/login/callback', async (req, res) => {
 *   const auth = client.withStorage(serverSessionStorage(req.session));
 *   if (auth.idx.isEmailVerifyCallback(req.url)) …
 * });
 */
export function serverSessionStorage(
  session: Record<string, unknown>,
  options: SessionStorageOptions = {},
): AuthStorage {
  const key = options.key ?? 'gatehouse';
  const ttlMs = options.ttlMs ?? SHARED_TRANSACTION_TTL_MS;
  const now = options.now ?? Date.now;
  const record = (): SessionRecord => {
    let value = session[key] as SessionRecord | undefined;
    if (!value || typeof value !== 'object' || typeof value.transactions !== 'object') {
      value = { transactions: {} };
      session[key] = value;
    }
    pruneTransactions(value.transactions, now(), ttlMs);
    if (value.current !== undefined && !value.transactions[value.current]) delete value.current;
    return value;
  };
  // Copies in and out: the caller never holds a live reference into the session.
  const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
  return {
    getTransaction(state?: string): SavedTransaction | undefined {
      const r = record();
      const entry = r.transactions[state ?? r.current ?? ''];
      return entry ? clone(entry.transaction) : undefined;
    },
    setTransaction(transaction) {
      const r = record();
      r.transactions[transaction.state] = { savedAt: now(), transaction: clone(transaction) };
      r.current = transaction.state;
    },
    removeTransaction(state) {
      const r = record();
      delete r.transactions[state];
      if (r.current === state) delete r.current;
    },
    getTokens() {
      const tokens = record().tokens;
      return tokens ? clone(tokens) : undefined;
    },
    setTokens(tokens) {
      record().tokens = clone(tokens);
    },
    removeTokens() {
      delete record().tokens;
    },
  };
}
