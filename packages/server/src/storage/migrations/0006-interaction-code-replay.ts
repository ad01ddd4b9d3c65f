import type { Kysely } from 'kysely';

// An interaction code presented again after its redemption is marked replayed (`replayed_at`). The
// redemption's grant is created only while the mark is absent, in a transaction that locks the code
// row, so a replay racing the first redemption either finds the grant (and revokes it) or is seen
// by the grant creation (which then creates nothing). See `InteractionCodesStore.markReplayed`.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('interaction_codes').addColumn('replayed_at', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('interaction_codes').dropColumn('replayed_at').execute();
}
