import { type Kysely, sql } from 'kysely';

// The dev mailbox finds a recipient's emails case-insensitively (`lower(to_address) = ?`, newest
// first). The first index (on `to_address` as written) could not serve that filter, so every read
// walked the outbox; an index on the expression serves it on both databases.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('outbox_recipient')
    .on('outbox')
    .expression(sql`lower(to_address), created_at`)
    .execute();
  await db.schema.dropIndex('outbox_to').ifExists().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('outbox_to').on('outbox').columns(['to_address', 'created_at']).execute();
  await db.schema.dropIndex('outbox_recipient').ifExists().execute();
}
