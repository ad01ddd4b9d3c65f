import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Users' password hashes and the history of earlier ones (a reset may refuse the last N). */
export class CredentialsStore {
  constructor(private readonly db: Kysely<Database>) {}

  async findPasswordHash(userId: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('credentials')
      .select('secret_hash')
      .where('user_id', '=', userId)
      .where('type', '=', 'password')
      .executeTakeFirst();
    return row?.secret_hash ?? null;
  }

  /** Replaces (or sets) the password hash; `rehash` keeps `password_changed_at` (parameter upgrade). */
  async setPasswordHash(userId: string, hash: string, now: number, rehash = false): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (!rehash) {
        // The password being replaced joins the history (a reset may refuse the last N).
        const previous = await trx
          .selectFrom('credentials')
          .select(['secret_hash', 'created_at'])
          .where('user_id', '=', userId)
          .where('type', '=', 'password')
          .executeTakeFirst();
        if (previous) {
          await trx
            .insertInto('password_history')
            .values({ user_id: userId, secret_hash: previous.secret_hash, created_at: previous.created_at })
            .execute();
        }
      }
      const updated = await trx
        .updateTable('credentials')
        .set({ secret_hash: hash, ...(rehash ? {} : { created_at: now }) })
        .where('user_id', '=', userId)
        .where('type', '=', 'password')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) {
        await trx
          .insertInto('credentials')
          .values({ user_id: userId, type: 'password', secret_hash: hash, created_at: now })
          .execute();
      }
      if (!rehash) {
        await trx
          .updateTable('users')
          .set({ password_changed_at: now, updated_at: now })
          .where('id', '=', userId)
          .execute();
      }
    });
  }

  /** Hashes of the user's earlier passwords, newest first. */
  async passwordHistory(userId: string, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    const rows = await this.db
      .selectFrom('password_history')
      .select('secret_hash')
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => r.secret_hash);
  }
}
