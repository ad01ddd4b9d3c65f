import type { Kysely } from 'kysely';

// Hosted sign-in (ADR 0012): SSO sessions; what a transaction opened by `/authorize` must remember
// (the app's own `state`, the response mode, "Keep me signed in"); which grant may redeem a code
// and the session it made; the session a grant belongs to; an app's PKCE rule and page theme.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('auth_time', 'bigint', (c) => c.notNull())
    .addColumn('factors', 'text', (c) => c.notNull())
    .addColumn('amr', 'text', (c) => c.notNull())
    .addColumn('remember_me', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint', (c) => c.notNull())
    .addColumn('idle_expires_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').columns(['user_id', 'ended_at']).execute();

  await db.schema.alterTable('transactions').addColumn('authorize_request', 'text').execute();
  await db.schema
    .alterTable('transactions')
    .addColumn('remember_me', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('interaction_codes')
    .addColumn('grant_type', 'text', (c) => c.notNull().defaultTo('interaction_code'))
    .execute();
  await db.schema.alterTable('interaction_codes').addColumn('session_id', 'text').execute();
  await db.schema.alterTable('grants').addColumn('session_id', 'text').execute();
  await db.schema.createIndex('grants_session').on('grants').column('session_id').execute();
  await db.schema
    .alterTable('apps')
    .addColumn('require_pkce', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('apps')
    .addColumn('hosted_page', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('apps').dropColumn('hosted_page').execute();
  await db.schema.alterTable('apps').dropColumn('require_pkce').execute();
  await db.schema.dropIndex('grants_session').ifExists().execute();
  await db.schema.alterTable('grants').dropColumn('session_id').execute();
  await db.schema.alterTable('interaction_codes').dropColumn('session_id').execute();
  await db.schema.alterTable('interaction_codes').dropColumn('grant_type').execute();
  await db.schema.alterTable('transactions').dropColumn('remember_me').execute();
  await db.schema.alterTable('transactions').dropColumn('authorize_request').execute();
  await db.schema.dropTable('sessions').ifExists().execute();
}
