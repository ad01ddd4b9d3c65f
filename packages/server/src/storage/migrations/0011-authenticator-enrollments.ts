import type { Kysely } from 'kysely';

// Authenticators that keep something per user (an authenticator app's secret, a passkey's public
// key) store it here, one row per enrollment; and what a challenge or an enrollment in progress
// needs between two steps of a transaction (a secret not yet confirmed, a WebAuthn challenge).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('authenticator_enrollments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('authenticator_key', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('credential_id', 'text')
    .addColumn('counter', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('authenticator_enrollments_user')
    .on('authenticator_enrollments')
    .columns(['user_id', 'authenticator_key'])
    .execute();
  await db.schema
    .createIndex('authenticator_enrollments_credential')
    .on('authenticator_enrollments')
    .columns(['authenticator_key', 'credential_id'])
    .unique()
    .execute();

  await db.schema
    .createTable('authenticator_challenges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('transaction_id', 'text', (c) => c.notNull())
    .addColumn('authenticator_key', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('authenticator_challenges_transaction')
    .on('authenticator_challenges')
    .columns(['transaction_id', 'authenticator_key'])
    .unique()
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('authenticator_challenges').ifExists().execute();
  await db.schema.dropTable('authenticator_enrollments').ifExists().execute();
}
