import type { Insertable, Kysely, Selectable } from 'kysely';
import { PreparedQuery } from './prepared.js';
import type { Database, InteractionCodesTable } from './schema.js';

/**
 * Which grant may redeem a code: `interaction_code` (an embedded sign-in's, for the app),
 * `hosted` (a hosted sign-in's, redeemed only by Gatehouse's own `/v1/authorize/complete`) or
 * `authorization_code` (what `/authorize` hands the app).
 */
export type CodeGrantType = 'interaction_code' | 'hosted' | 'authorization_code';

export interface InteractionCode {
  codeHash: string;
  grantType: CodeGrantType;
  /** The SSO session an authorization code was minted in; null otherwise. */
  sessionId: string | null;
  /** The transaction that produced it; for a code minted from an SSO session, that session's id. */
  transactionId: string;
  serverId: string;
  appId: string;
  redirectUri: string;
  codeChallenge: string;
  userId: string;
  scopes: string[];
  nonce: string | null;
  authTime: number;
  amr: string[];
  expiresAt: number;
  usedAt: number | null;
}

function toCode(row: Selectable<InteractionCodesTable>): InteractionCode {
  return {
    codeHash: row.code_hash,
    grantType: row.grant_type as CodeGrantType,
    sessionId: row.session_id,
    transactionId: row.transaction_id,
    serverId: row.server_id,
    appId: row.app_id,
    redirectUri: row.redirect_uri,
    codeChallenge: row.code_challenge,
    userId: row.user_id,
    scopes: row.scopes.split(' ').filter(Boolean),
    nonce: row.nonce,
    authTime: row.auth_time,
    amr: JSON.parse(row.amr) as string[],
    expiresAt: row.expires_at,
    usedAt: row.used_at,
  };
}

/** The row of a new (unused) code; also written by `TransactionsStore.complete`. */
export function toCodeRow(code: InteractionCode): Insertable<InteractionCodesTable> {
  return {
    code_hash: code.codeHash,
    grant_type: code.grantType,
    session_id: code.sessionId,
    transaction_id: code.transactionId,
    server_id: code.serverId,
    app_id: code.appId,
    redirect_uri: code.redirectUri,
    code_challenge: code.codeChallenge,
    user_id: code.userId,
    scopes: code.scopes.join(' '),
    nonce: code.nonce,
    auth_time: code.authTime,
    amr: JSON.stringify(code.amr),
    expires_at: code.expiresAt,
    used_at: null,
  };
}

const consumeCode = new PreparedQuery('interactionCodes.consume', 2, (db, now: number, codeHash: string) =>
  db
    .updateTable('interaction_codes')
    .set({ used_at: now })
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .returningAll(),
);

export class InteractionCodesStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(code: InteractionCode): Promise<void> {
    await this.db.insertInto('interaction_codes').values(toCodeRow(code)).execute();
  }

  /**
   * Marks the code used in one atomic statement and returns it; null when it is unknown or was
   * already used (a concurrent redemption loses here). Expiry is checked by the caller so that an
   * expired code is still burned.
   */
  async consume(codeHash: string, now: number): Promise<InteractionCode | null> {
    const row = await consumeCode.first(this.db, now, codeHash);
    return row ? toCode(row) : null;
  }

  /**
   * Marks a used code as replayed (presented again after its redemption), in one statement that
   * commits on its own, and returns it; null when the code is unknown. Once this returns, either
   * the grant of the first redemption is committed (the caller finds and revokes it) or that
   * redemption's grant creation will see the mark and create nothing: see `lockUnreplayedCode`.
   */
  async markReplayed(codeHash: string, now: number): Promise<InteractionCode | null> {
    const row = await this.db
      .updateTable('interaction_codes')
      .set((eb) => ({ replayed_at: eb.fn.coalesce('replayed_at', eb.val(now)) }))
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is not', null)
      .returningAll()
      .executeTakeFirst();
    return row ? toCode(row) : null;
  }

  async find(codeHash: string): Promise<InteractionCode | null> {
    const row = await this.db
      .selectFrom('interaction_codes')
      .selectAll()
      .where('code_hash', '=', codeHash)
      .executeTakeFirst();
    return row ? toCode(row) : null;
  }

  async findByTransaction(transactionId: string): Promise<InteractionCode | null> {
    const row = await this.db
      .selectFrom('interaction_codes')
      .selectAll()
      .where('transaction_id', '=', transactionId)
      .executeTakeFirst();
    return row ? toCode(row) : null;
  }

  /** Ends the user's codes not redeemed yet (a password reset): they can no longer be exchanged. */
  async expireUnusedForUser(userId: string, now: number): Promise<number> {
    const result = await this.db
      .updateTable('interaction_codes')
      .set({ expires_at: now })
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async deleteExpired(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('interaction_codes')
      .where('expires_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

/**
 * Inside the transaction that creates a code's grant: locks the code row and tells whether the
 * grant may be created (false when the code was marked replayed, or is gone).
 *
 * Why this is enough, whichever way a redemption R1 (which consumed the code) and a replay R2 (whose
 * consume lost, which then calls `markReplayed` and looks the grant up) interleave:
 * - PostgreSQL (READ COMMITTED). This UPDATE takes the row lock, held until R1 commits. If R2's mark
 *   committed first, the UPDATE matches nothing (the row already carries the mark) and R1 creates
 *   nothing. If R2's mark is in flight, the UPDATE waits for it, re-checks the new row version, and
 *   again matches nothing. If this UPDATE locks first, R2's mark waits until R1 has committed its
 *   grant; R2's lookup is a later statement with a fresh snapshot, so it sees the grant and revokes
 *   it. The window the finding showed (R2 looking between R1's consume and R1's commit) is gone:
 *   R2 cannot get past its mark while R1 holds the row, and R1 cannot commit after R2's mark.
 *   (Under REPEATABLE READ or SERIALIZABLE the waiting UPDATE would fail with a serialization error
 *   instead: no grant either.)
 * - SQLite. Write transactions start with BEGIN IMMEDIATE (`database.ts`) and R2's mark is a write,
 *   so the mark runs wholly before this transaction (which then sees it) or wholly after it (and R2's
 *   lookup then sees the committed grant), in one process or several.
 * The UPDATE changes nothing; it is there for its row lock and its condition.
 */
export async function lockUnreplayedCode(trx: Kysely<Database>, codeHash: string): Promise<boolean> {
  const result = await trx
    .updateTable('interaction_codes')
    .set({ replayed_at: null })
    .where('code_hash', '=', codeHash)
    .where('replayed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
