import type { Kysely } from 'kysely';

// App policies become data over authenticator keys: `{ factors: 'password+email' }` is stored as
// `{ requirements: [{ anyOf: ['password'] }, { anyOf: ['email'] }] }`. Transactions name the
// authenticator they challenge by its registry key (`email`), not by the id clients see (`autEmail`).

interface Rows {
  apps: { id: string; policy: string };
  transactions: { authenticator_id: string | null; authenticator_key: string | null };
}

const KEYS_BY_OLD_ID: Record<string, string> = { autPassword: 'password', autEmail: 'email' };
const FACTORS_BY_OLD_POLICY: Record<string, string[]> = {
  password: ['password'],
  'password+email': ['password', 'email'],
  email: ['email'],
};

export async function up(db: Kysely<Rows>): Promise<void> {
  const apps = await db.selectFrom('apps').select(['id', 'policy']).execute();
  for (const app of apps) {
    const old = JSON.parse(app.policy) as Record<string, unknown>;
    if (Array.isArray(old.requirements)) continue;
    const factors = FACTORS_BY_OLD_POLICY[String(old.factors)] ?? ['password'];
    const policy = {
      requirements: factors.map((key) => ({ anyOf: [key] })),
      identifierFirst: old.identifierFirst === true,
      selfServiceRecovery: old.selfServiceRecovery !== false,
    };
    await db
      .updateTable('apps')
      .set({ policy: JSON.stringify(policy) })
      .where('id', '=', app.id)
      .execute();
  }
  await db.schema.alterTable('transactions').renameColumn('authenticator_id', 'authenticator_key').execute();
  for (const [id, key] of Object.entries(KEYS_BY_OLD_ID)) {
    await db
      .updateTable('transactions')
      .set({ authenticator_key: key })
      .where('authenticator_key', '=', id)
      .execute();
  }
}

export async function down(db: Kysely<Rows>): Promise<void> {
  for (const [id, key] of Object.entries(KEYS_BY_OLD_ID)) {
    await db
      .updateTable('transactions')
      .set({ authenticator_key: id })
      .where('authenticator_key', '=', key)
      .execute();
  }
  await db.schema.alterTable('transactions').renameColumn('authenticator_key', 'authenticator_id').execute();
  const apps = await db.selectFrom('apps').select(['id', 'policy']).execute();
  for (const app of apps) {
    const policy = JSON.parse(app.policy) as { requirements: { anyOf: string[] }[] };
    const written = policy.requirements.map((r) => r.anyOf[0]).join('+');
    await db
      .updateTable('apps')
      .set({ policy: JSON.stringify({ ...policy, requirements: undefined, factors: written }) })
      .where('id', '=', app.id)
      .execute();
  }
}
