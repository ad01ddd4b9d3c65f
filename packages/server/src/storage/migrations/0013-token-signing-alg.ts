import { type Kysely, sql } from 'kysely';

// Tokens signed with ES256 or EdDSA for the apps that ask for it (issue 17; RS256 stays the default
// because Okta's clients require it): an app's algorithm (OIDC `id_token_signed_response_alg`), and
// one active signing key per algorithm instead of one in all.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('apps')
    .addColumn('token_signing_alg', 'text', (c) => c.notNull().defaultTo('RS256'))
    .execute();
  await db.schema.dropIndex('signing_keys_one_active').execute();
  // At most one active key per algorithm, even when two instances start or rotate at once.
  await db.schema
    .createIndex('signing_keys_one_active_per_alg')
    .on('signing_keys')
    .column('alg')
    .unique()
    .where(sql.ref('status'), '=', 'active')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('signing_keys_one_active_per_alg').execute();
  // Only the RS256 keys existed before: the others are of no use to the older version.
  await db
    .deleteFrom('signing_keys' as never)
    .where(sql.ref('alg'), '<>', 'RS256')
    .execute();
  await db.schema
    .createIndex('signing_keys_one_active')
    .on('signing_keys')
    .column('status')
    .unique()
    .where(sql.ref('status'), '=', 'active')
    .execute();
  await db.schema.alterTable('apps').dropColumn('token_signing_alg').execute();
}
