import type { SavedTransaction, Tokens } from '../types.js';
import {
  type AuthStorage,
  pruneTransactions,
  SHARED_TRANSACTION_TTL_MS,
  type StorageOptions,
  type TransactionMap,
} from './auth-storage.js';

/**
 * Everything in memory. Two clients given the same instance share transactions and tokens (one
 * user's "browser"); separate instances are separate browsers. The default storage.
 */
export function memoryStorage(options: StorageOptions = {}): AuthStorage {
  const ttlMs = options.ttlMs ?? SHARED_TRANSACTION_TTL_MS;
  const now = options.now ?? Date.now;
  const transactions: TransactionMap = {};
  let current: string | undefined;
  let tokens: Tokens | undefined;
  const clone = <T>(value: T): T => structuredClone(value);
  return {
    getTransaction(state?: string): SavedTransaction | undefined {
      pruneTransactions(transactions, now(), ttlMs);
      const key = state ?? current;
      const entry = key === undefined ? undefined : transactions[key];
      return entry ? clone(entry.transaction) : undefined;
    },
    setTransaction(transaction) {
      transactions[transaction.state] = { savedAt: now(), transaction: clone(transaction) };
      current = transaction.state;
    },
    removeTransaction(state) {
      delete transactions[state];
      if (current === state) current = undefined;
    },
    getTokens: () => (tokens ? clone(tokens) : undefined),
    setTokens(value) {
      tokens = clone(value);
    },
    removeTokens() {
      tokens = undefined;
    },
  };
}
