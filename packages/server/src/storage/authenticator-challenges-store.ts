import type { Kysely, Selectable } from 'kysely';
import type { AuthenticatorChallengesTable, Database } from './schema.js';

/**
 * What an authenticator keeps between two steps of one transaction: an authenticator app's secret
 * until its first code proves it, a WebAuthn challenge until it is answered. One per transaction
 * and authenticator; single use, with an attempt cap. `data` is the authenticator's (encrypted by
 * it where it holds a secret).
 */
export interface AuthenticatorChallenge {
  id: string;
  transactionId: string;
  authenticatorKey: string;
  purpose: string;
  data: Record<string, unknown>;
  createdAt: number;
  expiresAt: number;
  attempts: number;
  maxAttempts: number;
  consumedAt: number | null;
}

function toChallenge(row: Selectable<AuthenticatorChallengesTable>): AuthenticatorChallenge {
  return {
    id: row.id,
    transactionId: row.transaction_id,
    authenticatorKey: row.authenticator_key,
    purpose: row.purpose,
    data: JSON.parse(row.data) as Record<string, unknown>,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    consumedAt: row.consumed_at === null ? null : Number(row.consumed_at),
  };
}

export class AuthenticatorChallengesStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** The transaction's challenge of this authenticator, replacing an earlier one (one atomic upsert). */
  async replace(challenge: Omit<AuthenticatorChallenge, 'attempts' | 'consumedAt'>): Promise<void> {
    const row = {
      id: challenge.id,
      transaction_id: challenge.transactionId,
      authenticator_key: challenge.authenticatorKey,
      purpose: challenge.purpose,
      data: JSON.stringify(challenge.data),
      created_at: challenge.createdAt,
      expires_at: challenge.expiresAt,
      attempts: 0,
      max_attempts: challenge.maxAttempts,
      consumed_at: null,
    };
    await this.db
      .insertInto('authenticator_challenges')
      .values(row)
      .onConflict((oc) => oc.columns(['transaction_id', 'authenticator_key']).doUpdateSet(row))
      .execute();
  }

  async find(transactionId: string, authenticatorKey: string): Promise<AuthenticatorChallenge | null> {
    const row = await this.db
      .selectFrom('authenticator_challenges')
      .selectAll()
      .where('transaction_id', '=', transactionId)
      .where('authenticator_key', '=', authenticatorKey)
      .executeTakeFirst();
    return row ? toChallenge(row) : null;
  }

  /** Counts one answer while the challenge is open, unexpired and under its cap; the attempt number, or null. */
  async recordAttempt(id: string, now: number): Promise<number | null> {
    const row = await this.db
      .updateTable('authenticator_challenges')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .where((eb) => eb('attempts', '<', eb.ref('max_attempts')))
      .where('expires_at', '>', now)
      .returning('attempts')
      .executeTakeFirst();
    return row ? row.attempts : null;
  }

  /** Uses the challenge once, atomically. */
  async consume(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('authenticator_challenges')
      .set({ consumed_at: now })
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async deleteExpired(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('authenticator_challenges')
      .where('expires_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
