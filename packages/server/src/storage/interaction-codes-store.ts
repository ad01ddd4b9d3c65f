import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, InteractionCodesTable } from './schema.js';

export interface InteractionCode {
  codeHash: string;
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
    const row = await this.db
      .updateTable('interaction_codes')
      .set({ used_at: now })
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
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
