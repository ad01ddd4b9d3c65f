import type { SavedTransaction, Tokens } from '../types.js';
import {
  type AuthStorage,
  pruneTransactions,
  readJson,
  SHARED_TRANSACTION_TTL_MS,
  type StorageOptions,
  type TransactionMap,
  type WebStorageLike,
} from './auth-storage.js';

export interface BrowserStorageOptions extends StorageOptions {
  /** Defaults to `window.sessionStorage`. */
  sessionStorage?: WebStorageLike;
  /** Defaults to `window.localStorage`. */
  localStorage?: WebStorageLike;
  /**
   * Where tokens live: `memory` (default: gone on reload, never readable from storage by an
   * injected script that runs later — docs/security.md N2) or `sessionStorage` (this tab, survives reloads).
   */
  tokens?: 'memory' | 'sessionStorage';
  /** Key prefix; default `gatehouse`. */
  prefix?: string;
}

function globalStorage(name: 'sessionStorage' | 'localStorage'): WebStorageLike {
  const storage = (globalThis as Record<string, unknown>)[name] as WebStorageLike | undefined;
  if (!storage) throw new TypeError(`${name} is not available here; pass one in the options.`);
  return storage;
}

/**
 * Browser storage: this tab's transaction in `sessionStorage`; every transaction also in a map
 * `state → transaction` in `localStorage` (without the last IDX response), pruned after 30
 * minutes, so a magic link opened in another tab of the same browser can continue it.
 */
export function browserStorage(options: BrowserStorageOptions = {}): AuthStorage {
  const session = options.sessionStorage ?? globalStorage('sessionStorage');
  const local = options.localStorage ?? globalStorage('localStorage');
  const prefix = options.prefix ?? 'gatehouse';
  const currentKey = `${prefix}.transaction`;
  const sharedKey = `${prefix}.shared-transactions`;
  const tokensKey = `${prefix}.tokens`;
  const ttlMs = options.ttlMs ?? SHARED_TRANSACTION_TTL_MS;
  const now = options.now ?? Date.now;
  let memoryTokens: Tokens | undefined;

  const readShared = (): TransactionMap => {
    const map = readJson<TransactionMap>(local, sharedKey) ?? {};
    if (pruneTransactions(map, now(), ttlMs)) writeShared(map);
    return map;
  };
  const writeShared = (map: TransactionMap) => {
    if (Object.keys(map).length) local.setItem(sharedKey, JSON.stringify(map));
    else local.removeItem(sharedKey);
  };

  return {
    getTransaction(state?: string): SavedTransaction | undefined {
      const current = readJson<SavedTransaction>(session, currentKey);
      if (state === undefined || current?.state === state) {
        // Keep the shared map pruned even when only this tab is used.
        readShared();
        return current;
      }
      return readShared()[state]?.transaction;
    },
    setTransaction(transaction) {
      session.setItem(currentKey, JSON.stringify(transaction));
      const { idxResponse: _omitted, ...meta } = transaction;
      const map = readShared();
      map[transaction.state] = { savedAt: now(), transaction: meta };
      writeShared(map);
    },
    removeTransaction(state) {
      if (readJson<SavedTransaction>(session, currentKey)?.state === state) session.removeItem(currentKey);
      const map = readShared();
      if (map[state]) {
        delete map[state];
        writeShared(map);
      }
    },
    getTokens() {
      return options.tokens === 'sessionStorage' ? readJson<Tokens>(session, tokensKey) : memoryTokens;
    },
    setTokens(tokens) {
      if (options.tokens === 'sessionStorage') session.setItem(tokensKey, JSON.stringify(tokens));
      else memoryTokens = structuredClone(tokens);
    },
    removeTokens() {
      session.removeItem(tokensKey);
      memoryTokens = undefined;
    },
  };
}
