import type { Kysely, Selectable } from 'kysely';
import { PreparedQuery } from './prepared.js';
import type { Database, EmailChallengesTable } from './schema.js';

export type ChallengePurpose = 'sign-in' | 'recovery' | 'registration' | 'unlock';

/** An email one-time-code challenge of a transaction. The code itself is never stored. */
export interface EmailChallenge {
  id: string;
  transactionId: string;
  userId: string | null;
  /** Address the code went to; null when the identifier matched no user (nothing is sent). */
  recipient: string | null;
  purpose: ChallengePurpose;
  /** Random seed the code is derived from with the server secret. */
  seed: string;
  createdAt: number;
  expiresAt: number;
  attempts: number;
  maxAttempts: number;
  sends: number;
  lastSentAt: number | null;
  consumedAt: number | null;
}

function toChallenge(row: Selectable<EmailChallengesTable>): EmailChallenge {
  return {
    id: row.id,
    transactionId: row.transaction_id,
    userId: row.user_id,
    recipient: row.recipient,
    purpose: row.purpose as ChallengePurpose,
    seed: row.seed,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    sends: row.sends,
    lastSentAt: row.last_sent_at,
    consumedAt: row.consumed_at,
  };
}

const challengeByTransaction = new PreparedQuery(
  'emailChallenges.byTransaction',
  1,
  (db, transactionId: string) =>
    db.selectFrom('email_challenges').selectAll().where('transaction_id', '=', transactionId),
);
const recordChallengeAttempt = new PreparedQuery(
  'emailChallenges.recordAttempt',
  2,
  (db, id: string, now: number) =>
    db
      .updateTable('email_challenges')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .where((eb) => eb('attempts', '<', eb.ref('max_attempts')))
      .where('expires_at', '>', now)
      .returning('attempts'),
);
const consumeChallenge = new PreparedQuery('emailChallenges.consume', 2, (db, now: number, id: string) =>
  db
    .updateTable('email_challenges')
    .set({ consumed_at: now })
    .where('id', '=', id)
    .where('consumed_at', 'is', null),
);

export class EmailChallengesStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Replaces the transaction's challenge: one code valid at a time (one atomic upsert, so racing replaces leave one). */
  async replace(challenge: EmailChallenge): Promise<void> {
    const row = {
      id: challenge.id,
      transaction_id: challenge.transactionId,
      user_id: challenge.userId,
      recipient: challenge.recipient,
      purpose: challenge.purpose,
      seed: challenge.seed,
      created_at: challenge.createdAt,
      expires_at: challenge.expiresAt,
      attempts: challenge.attempts,
      max_attempts: challenge.maxAttempts,
      sends: challenge.sends,
      last_sent_at: challenge.lastSentAt,
      consumed_at: challenge.consumedAt,
    };
    await this.db
      .insertInto('email_challenges')
      .values(row)
      .onConflict((oc) => oc.column('transaction_id').doUpdateSet(row))
      .execute();
  }

  async findByTransaction(transactionId: string): Promise<EmailChallenge | null> {
    const row = await challengeByTransaction.first(this.db, transactionId);
    return row ? toChallenge(row) : null;
  }

  /**
   * Counts one answer with a guarded update: succeeds only while the challenge is open and under
   * its attempt cap. Returns the attempt number, or null when no attempt is left.
   */
  async recordAttempt(id: string, now: number): Promise<number | null> {
    const row = await recordChallengeAttempt.first(this.db, id, now);
    return row ? row.attempts : null;
  }

  /** Uses the challenge once, atomically. */
  async consume(id: string, now: number): Promise<boolean> {
    const result = await consumeChallenge.execute(this.db, now, id);
    return Number(result.numAffectedRows) === 1;
  }

  /**
   * Records one more email for the challenge if the per-challenge throttle allows it (guarded).
   * Returns false when it was sent too recently or too often.
   */
  async recordSend(id: string, now: number, minIntervalMs: number, maxSends: number): Promise<boolean> {
    const result = await this.db
      .updateTable('email_challenges')
      .set((eb) => ({ sends: eb('sends', '+', 1), last_sent_at: now }))
      .where('id', '=', id)
      .where('sends', '<', maxSends)
      .where((eb) => eb.or([eb('last_sent_at', 'is', null), eb('last_sent_at', '<=', now - minIntervalMs)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Gives back a send that could not be delivered, so the user can try again at once. */
  async undoSend(id: string, previousLastSentAt: number | null): Promise<void> {
    await this.db
      .updateTable('email_challenges')
      .set((eb) => ({ sends: eb('sends', '-', 1), last_sent_at: previousLastSentAt }))
      .where('id', '=', id)
      .where('sends', '>', 0)
      .execute();
  }

  async deleteExpired(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('email_challenges')
      .where('expires_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
