import type { Kysely } from 'kysely';

// An app's own sign-in page (OIDC `initiate_login_uri`): emails that send a user back to sign in
// (an "you already have an account" notice) link to it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('apps').addColumn('login_uri', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('apps').dropColumn('login_uri').execute();
}
