import { IdxError } from '../errors.js';
import type { IdxSavedTransaction, SavedTransaction } from '../types.js';
import type { IdxHost } from './idx-types.js';

/**
 * Saved transaction meta that belongs to this client (issuer, client, redirect URI), with or
 * without an interaction handle — what `canProceed` asks about (docs/protocol/idx-protocol.md §9.2).
 * A redirect sign-in's transaction is not an IDX one.
 */
export function findTransactionMeta(host: IdxHost, state?: string): SavedTransaction | undefined {
  const tx = host.storage.getTransaction(state);
  if (!tx || (state !== undefined && tx.state !== state)) return undefined;
  const same =
    tx.issuer === host.issuer &&
    tx.clientId === host.credentials.clientId &&
    tx.redirectUri === host.redirectUri &&
    tx.flow !== 'redirect' &&
    typeof tx.codeVerifier === 'string';
  return same ? tx : undefined;
}

/** A saved transaction that can be continued: its meta and an interaction handle. */
export function findTransaction(host: IdxHost, state?: string): IdxSavedTransaction | undefined {
  const tx = findTransactionMeta(host, state);
  return tx && typeof tx.interactionHandle === 'string' ? (tx as IdxSavedTransaction) : undefined;
}

export function getTransaction(host: IdxHost, state?: string): IdxSavedTransaction {
  const tx = findTransaction(host, state);
  if (!tx) throw new IdxError('idx_no_transaction', 'There is no saved transaction to continue; start one.');
  return tx;
}

/** Whether this storage holds transaction meta for `state` (or a current one); no network. */
export const canProceed = (host: IdxHost, options: { state?: string } = {}): boolean =>
  findTransactionMeta(host, options.state) !== undefined;

export function clearTransaction(host: IdxHost, state?: string): void {
  const tx = findTransactionMeta(host, state);
  if (tx) host.storage.removeTransaction(tx.state);
}
