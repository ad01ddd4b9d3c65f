import type { SavedTransaction, Tokens } from '../types.js';

/**
 * Where a client keeps its transactions (by `state`) and tokens. Synchronous on purpose:
 * `idx.canProceed()` answers without I/O, like the Web Storage and `express-session` objects
 * the adapters wrap.
 */
export interface AuthStorage {
  /** With `state`: the transaction saved under it (any tab sharing this storage); without: this tab's/session's current one. */
  getTransaction(state?: string): SavedTransaction | undefined;
  /** Saves under `transaction.state` and makes it the current one. */
  setTransaction(transaction: SavedTransaction): void;
  removeTransaction(state: string): void;
  getTokens(): Tokens | undefined;
  setTokens(tokens: Tokens): void;
  removeTokens(): void;
}

/** Shared transactions older than this (since last saved) are pruned (auth-js does the same). */
export const SHARED_TRANSACTION_TTL_MS = 30 * 60 * 1000;

export interface StorageOptions {
  /** Prune saved transactions not touched for this long; default 30 minutes. */
  ttlMs?: number;
  /** Clock in epoch milliseconds (tests). */
  now?: () => number;
}

export type TransactionMap = Record<string, { savedAt: number; transaction: SavedTransaction }>;

/** Drops entries older than `ttlMs`; returns whether anything was removed. */
export function pruneTransactions(map: TransactionMap, now: number, ttlMs: number): boolean {
  let changed = false;
  for (const [state, entry] of Object.entries(map)) {
    if (!entry || typeof entry.savedAt !== 'number' || now - entry.savedAt > ttlMs) {
      delete map[state];
      changed = true;
    }
  }
  return changed;
}

/** The minimal Web Storage surface the browser adapter uses (`sessionStorage`, `localStorage`). */
export interface WebStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function readJson<T>(storage: WebStorageLike, key: string): T | undefined {
  const text = storage.getItem(key);
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    storage.removeItem(key);
    return undefined;
  }
}
