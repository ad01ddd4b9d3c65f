import { type Kysely, sql } from 'kysely';

// The outbox becomes the transactional outbox of every email: a request writes the message row in
// the same database transaction as its own changes, and a background sender delivers it after
// commit. Each row carries its delivery state. Rows written before this migration were kept for
// the dev mailbox and count as delivered.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('outbox')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('sent'))
    .execute();
  await db.schema
    .alterTable('outbox')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('outbox').addColumn('next_attempt_at', 'bigint').execute();
  await db.schema.alterTable('outbox').addColumn('claimed_until', 'bigint').execute();
  await db.schema.alterTable('outbox').addColumn('last_error', 'text').execute();
  await db.schema.alterTable('outbox').addColumn('sent_at', 'bigint').execute();
  await sql`update outbox set sent_at = created_at`.execute(db);
  // The sender's query: due rows by state and time.
  await db.schema.createIndex('outbox_due').on('outbox').columns(['status', 'next_attempt_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('outbox_due').ifExists().execute();
  for (const column of ['sent_at', 'last_error', 'claimed_until', 'next_attempt_at', 'attempts', 'status'])
    await db.schema.alterTable('outbox').dropColumn(column).execute();
}
