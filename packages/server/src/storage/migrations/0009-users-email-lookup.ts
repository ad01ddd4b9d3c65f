import { type Kysely, sql } from 'kysely';

// Registration looks an address up case-insensitively (`lower(email) = ?`) to tell whether it
// already has an account; the first index (on `email` as written) cannot serve that.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('users_email_lower').on('users').expression(sql`lower(email)`).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('users_email_lower').ifExists().execute();
}
