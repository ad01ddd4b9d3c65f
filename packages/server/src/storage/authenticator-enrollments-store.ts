import type { Kysely, Selectable } from 'kysely';
import { type AuditEvent, insertEvent } from './events-store.js';
import { PreparedQuery } from './prepared.js';
import type { AuthenticatorEnrollmentsTable, Database } from './schema.js';

/**
 * One enrollment of an authenticator that keeps something per user: an authenticator app's secret,
 * a passkey's public key. What `secret` and `data` hold is the authenticator's business (a secret
 * is stored encrypted by it); `counter` is a number that may only grow (the last time step a code
 * was accepted, a passkey's signature counter).
 */
export interface StoredEnrollment {
  id: string;
  userId: string;
  authenticatorKey: string;
  /** What the user calls it ("MacBook Touch ID"). */
  name: string;
  secret: string;
  /** A passkey's credential id (base64url); null for authenticators without one. */
  credentialId: string | null;
  counter: number;
  data: Record<string, unknown>;
  createdAt: number;
  lastUsedAt: number | null;
}

function toEnrollment(row: Selectable<AuthenticatorEnrollmentsTable>): StoredEnrollment {
  return {
    id: row.id,
    userId: row.user_id,
    authenticatorKey: row.authenticator_key,
    name: row.name,
    secret: row.secret,
    credentialId: row.credential_id,
    counter: Number(row.counter),
    data: JSON.parse(row.data) as Record<string, unknown>,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

const enrollmentsByUser = new PreparedQuery('enrollments.byUser', 1, (db, userId: string) =>
  db
    .selectFrom('authenticator_enrollments')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('id'),
);

export class AuthenticatorEnrollmentsStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Adds an enrollment and its audit event in one commit; false when the credential id is taken. */
  async add(enrollment: Omit<StoredEnrollment, 'lastUsedAt'>, event: AuditEvent): Promise<boolean> {
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('authenticator_enrollments')
          .values({
            id: enrollment.id,
            user_id: enrollment.userId,
            authenticator_key: enrollment.authenticatorKey,
            name: enrollment.name,
            secret: enrollment.secret,
            credential_id: enrollment.credentialId,
            counter: enrollment.counter,
            data: JSON.stringify(enrollment.data),
            created_at: enrollment.createdAt,
            last_used_at: null,
          })
          .execute();
        await insertEvent(trx, event, enrollment.createdAt);
      });
      return true;
    } catch (err) {
      if (
        enrollment.credentialId !== null &&
        (await this.findByCredentialId(enrollment.authenticatorKey, enrollment.credentialId))
      )
        return false;
      throw err;
    }
  }

  /** Every enrollment of the user, oldest first. */
  async listByUser(userId: string): Promise<StoredEnrollment[]> {
    const { rows } = await enrollmentsByUser.execute(this.db, userId);
    return rows.map(toEnrollment);
  }

  async findByCredentialId(authenticatorKey: string, credentialId: string): Promise<StoredEnrollment | null> {
    const row = await this.db
      .selectFrom('authenticator_enrollments')
      .selectAll()
      .where('authenticator_key', '=', authenticatorKey)
      .where('credential_id', '=', credentialId)
      .executeTakeFirst();
    return row ? toEnrollment(row) : null;
  }

  /**
   * Records a use: the counter moves to `to` only if it is below it (or, with `allowSame`, equal:
   * a passkey that does not count), in one guarded update. False: a replay, or a clone.
   */
  async advanceCounter(id: string, to: number, now: number, allowSame = false): Promise<boolean> {
    const result = await this.db
      .updateTable('authenticator_enrollments')
      .set({ counter: to, last_used_at: now })
      .where('id', '=', id)
      .where('counter', allowSame ? '<=' : '<', to)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Removes the user's enrollments (of one authenticator, or all) with an audit event each; returns how many. */
  async removeByUser(
    userId: string,
    authenticatorKey: string | null,
    event: AuditEvent,
    now: number,
  ): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      let query = trx.deleteFrom('authenticator_enrollments').where('user_id', '=', userId);
      if (authenticatorKey !== null) query = query.where('authenticator_key', '=', authenticatorKey);
      const removed = await query.returning(['id', 'authenticator_key']).execute();
      for (const row of removed)
        await insertEvent(
          trx,
          {
            ...event,
            userId,
            data: { ...event.data, authenticator: row.authenticator_key, enrollment: row.id },
          },
          now,
        );
      return removed.length;
    });
  }
}
