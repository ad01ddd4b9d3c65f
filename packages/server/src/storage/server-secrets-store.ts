import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Secrets the server generates for itself when none is configured (shared by all instances). */
export class ServerSecretsStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** The secret called `name`, created with `generate()` if absent; concurrent first calls agree. */
  async getOrCreate(name: string, generate: () => string, now: number): Promise<string> {
    const existing = await this.db
      .selectFrom('server_secrets')
      .select('value')
      .where('name', '=', name)
      .executeTakeFirst();
    if (existing) return existing.value;
    await this.db
      .insertInto('server_secrets')
      .values({ name, value: generate(), created_at: now })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await this.db
      .selectFrom('server_secrets')
      .select('value')
      .where('name', '=', name)
      .executeTakeFirstOrThrow();
    return row.value;
  }
}
