import type { Kysely } from 'kysely';

// Password attempts are claimed before they are judged: a user row counts the attempts being
// judged right now beside the failures, so that failures plus attempts in flight never exceed the
// lock's threshold, however many arrive at once. `attempt_claimed_at` lets a count left behind by a
// process that stopped mid-verification go stale.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('attempts_in_flight', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('users').addColumn('attempt_claimed_at', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('attempt_claimed_at').execute();
  await db.schema.alterTable('users').dropColumn('attempts_in_flight').execute();
}
