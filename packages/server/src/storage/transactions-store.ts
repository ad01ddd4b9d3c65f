import type { Kysely, Selectable, Updateable } from 'kysely';
import { type AuditEvent, insertEvent } from './events-store.js';
import { type InteractionCode, toCodeRow } from './interaction-codes-store.js';
import { PreparedQuery } from './prepared.js';
import type { Database, TransactionsTable } from './schema.js';
import { passThroughUnits, type UnitsOfWork } from './units-of-work.js';

export type FlowName = 'sign-in' | 'recovery' | 'registration' | 'unlock';
export type TransactionStatus = 'active' | 'completed' | 'canceled' | 'failed';

/**
 * What a browser's `/authorize` asked for beyond the transaction's own columns (ADR 0012); a
 * transaction without one is embedded (`/v1/interact`).
 */
export interface AuthorizeRequest {
  /** The app's `state`, returned with the code (the transaction's `state` is the flow id). */
  clientState: string | null;
  responseMode: 'query' | 'form_post';
  loginHint: string | null;
  /** `ui_locales`, space-separated, as sent. */
  uiLocales: string | null;
}

/** A sign-in or recovery transaction: what the user is doing, which step it is at. */
export interface Transaction {
  id: string;
  interactionHandleHash: string;
  stateHandleHash: string;
  stateGeneration: number;
  serverId: string;
  appId: string;
  redirectUri: string;
  scopes: string[];
  state: string;
  nonce: string | null;
  codeChallenge: string;
  flow: FlowName;
  step: string;
  userId: string | null;
  identifier: string | null;
  /** The authenticator being challenged (registry key). */
  authenticatorKey: string | null;
  /** Authenticator types proven in this transaction, in order (becomes `amr`). */
  verified: string[];
  status: TransactionStatus;
  version: number;
  createdAt: number;
  expiresAt: number;
  completedAt: number | null;
  /** Set for a hosted sign-in (`/authorize`); null for an embedded one. */
  authorizeRequest: AuthorizeRequest | null;
  /** "Keep me signed in" was ticked on the identify form. */
  rememberMe: boolean;
}

export type TransactionPatch = Partial<
  Pick<
    Transaction,
    | 'stateHandleHash'
    | 'stateGeneration'
    | 'flow'
    | 'step'
    | 'userId'
    | 'identifier'
    | 'authenticatorKey'
    | 'verified'
    | 'status'
    | 'completedAt'
    | 'rememberMe'
  >
>;

/**
 * What a transaction is opened with and never changes: the authorization request it serves and
 * the hashed keys it is found by (flows carry these along without reading them).
 */
export type TransactionOpening = Pick<
  Transaction,
  | 'interactionHandleHash'
  | 'stateHandleHash'
  | 'stateGeneration'
  | 'serverId'
  | 'appId'
  | 'redirectUri'
  | 'scopes'
  | 'state'
  | 'nonce'
  | 'codeChallenge'
  | 'authorizeRequest'
>;

/** The keys a transaction is found by step to step; a restart replaces them. */
export type TransactionKeys = Pick<Transaction, 'stateHandleHash' | 'stateGeneration'>;

function toTransaction(row: Selectable<TransactionsTable>): Transaction {
  return {
    id: row.id,
    interactionHandleHash: row.interaction_handle_hash,
    stateHandleHash: row.state_handle_hash,
    stateGeneration: row.state_generation,
    serverId: row.server_id,
    appId: row.app_id,
    redirectUri: row.redirect_uri,
    scopes: row.scopes.split(' ').filter(Boolean),
    state: row.state,
    nonce: row.nonce,
    codeChallenge: row.code_challenge,
    flow: row.flow as FlowName,
    step: row.step,
    userId: row.user_id,
    identifier: row.identifier,
    authenticatorKey: row.authenticator_key,
    verified: JSON.parse(row.verified) as string[],
    status: row.status as TransactionStatus,
    version: row.version,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    completedAt: row.completed_at,
    authorizeRequest: row.authorize_request ? (JSON.parse(row.authorize_request) as AuthorizeRequest) : null,
    rememberMe: row.remember_me === 1,
  };
}

function toRowPatch(patch: TransactionPatch): Updateable<TransactionsTable> {
  const row: Updateable<TransactionsTable> = {};
  if (patch.stateHandleHash !== undefined) row.state_handle_hash = patch.stateHandleHash;
  if (patch.stateGeneration !== undefined) row.state_generation = patch.stateGeneration;
  if (patch.flow !== undefined) row.flow = patch.flow;
  if (patch.step !== undefined) row.step = patch.step;
  if (patch.userId !== undefined) row.user_id = patch.userId;
  if (patch.identifier !== undefined) row.identifier = patch.identifier;
  if (patch.authenticatorKey !== undefined) row.authenticator_key = patch.authenticatorKey;
  if (patch.verified !== undefined) row.verified = JSON.stringify(patch.verified);
  if (patch.status !== undefined) row.status = patch.status;
  if (patch.completedAt !== undefined) row.completed_at = patch.completedAt;
  if (patch.rememberMe !== undefined) row.remember_me = patch.rememberMe ? 1 : 0;
  return row;
}

const byStateHandleHash = new PreparedQuery('transactions.byStateHandleHash', 1, (db, hash: string) =>
  db.selectFrom('transactions').selectAll().where('state_handle_hash', '=', hash),
);

export class TransactionsStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly units: UnitsOfWork = passThroughUnits,
  ) {}

  /**
   * Runs one IDX step as a unit of work: what it writes (the transaction, challenges, counters,
   * outbox rows, audit events) commits once, when it ends (see `UnitsOfWork`).
   */
  step<T>(work: () => Promise<T>): Promise<T> {
    return this.units.run(work);
  }

  async create(tx: Transaction): Promise<void> {
    await this.db
      .insertInto('transactions')
      .values({
        id: tx.id,
        interaction_handle_hash: tx.interactionHandleHash,
        state_handle_hash: tx.stateHandleHash,
        state_generation: tx.stateGeneration,
        server_id: tx.serverId,
        app_id: tx.appId,
        redirect_uri: tx.redirectUri,
        scopes: tx.scopes.join(' '),
        state: tx.state,
        nonce: tx.nonce,
        code_challenge: tx.codeChallenge,
        flow: tx.flow,
        step: tx.step,
        user_id: tx.userId,
        identifier: tx.identifier,
        authenticator_key: tx.authenticatorKey,
        verified: JSON.stringify(tx.verified),
        status: tx.status,
        version: tx.version,
        created_at: tx.createdAt,
        expires_at: tx.expiresAt,
        completed_at: tx.completedAt,
        authorize_request: tx.authorizeRequest ? JSON.stringify(tx.authorizeRequest) : null,
        remember_me: tx.rememberMe ? 1 : 0,
      })
      .execute();
  }

  async findByInteractionHandleHash(hash: string): Promise<Transaction | null> {
    const row = await this.db
      .selectFrom('transactions')
      .selectAll()
      .where('interaction_handle_hash', '=', hash)
      .executeTakeFirst();
    return row ? toTransaction(row) : null;
  }

  async findByStateHandleHash(hash: string): Promise<Transaction | null> {
    const row = await byStateHandleHash.first(this.db, hash);
    return row ? toTransaction(row) : null;
  }

  async findById(id: string): Promise<Transaction | null> {
    const row = await this.db.selectFrom('transactions').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toTransaction(row) : null;
  }

  /**
   * Compare-and-set: applies the patch only if the transaction is still at `expectedVersion`.
   * Returns the updated transaction, or null when another request changed it first.
   */
  async update(tx: Transaction, patch: TransactionPatch): Promise<Transaction | null> {
    const result = await this.db
      .updateTable('transactions')
      .set({ ...toRowPatch(patch), version: tx.version + 1 })
      .where('id', '=', tx.id)
      .where('version', '=', tx.version)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return null;
    return { ...tx, ...patch, version: tx.version + 1 };
  }

  /**
   * Completes the transaction, stores its interaction code and the audit event in one database
   * transaction, so a transaction is never completed without its code (or a code minted for a lost race).
   */
  async complete(
    tx: Transaction,
    patch: TransactionPatch,
    code: InteractionCode,
    event: AuditEvent,
  ): Promise<Transaction | null> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('transactions')
        .set({ ...toRowPatch(patch), version: tx.version + 1 })
        .where('id', '=', tx.id)
        .where('version', '=', tx.version)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return null;
      await trx.insertInto('interaction_codes').values(toCodeRow(code)).execute();
      await insertEvent(trx, event, code.authTime);
      return { ...tx, ...patch, version: tx.version + 1 };
    });
  }

  /** Ends every open transaction of a user (after a password reset, a lock, …). */
  async cancelOpenForUser(
    userId: string,
    exceptId: string | null,
    now: number,
    flow?: FlowName,
  ): Promise<number> {
    let query = this.db
      .updateTable('transactions')
      .set((eb) => ({ status: 'canceled', completed_at: now, version: eb('version', '+', 1) }))
      .where('user_id', '=', userId)
      .where('status', '=', 'active');
    if (exceptId) query = query.where('id', '!=', exceptId);
    if (flow) query = query.where('flow', '=', flow);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async deleteExpired(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('transactions')
      .where('expires_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
