import type { Kysely, Selectable } from 'kysely';
import type { Database, SigningKeysTable } from './schema.js';

export interface SigningKeyRecord {
  kid: string;
  alg: string;
  privateJwk: string;
  publicJwk: string;
  status: 'active' | 'retired';
  createdAt: number;
  retiredAt: number | null;
  publishUntil: number | null;
}

function toKey(row: Selectable<SigningKeysTable>): SigningKeyRecord {
  return {
    kid: row.kid,
    alg: row.alg,
    privateJwk: row.private_jwk,
    publicJwk: row.public_jwk,
    status: row.status as SigningKeyRecord['status'],
    createdAt: row.created_at,
    retiredAt: row.retired_at,
    publishUntil: row.publish_until,
  };
}

export class KeysStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** The active key of one algorithm (one active key per algorithm: ES256 and EdDSA beside RS256). */
  async findActive(alg = 'RS256'): Promise<SigningKeyRecord | null> {
    const row = await this.db
      .selectFrom('signing_keys')
      .selectAll()
      .where('status', '=', 'active')
      .where('alg', '=', alg)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    return row ? toKey(row) : null;
  }

  /** Keys whose signatures may still be checked: the active one and retired ones still published. */
  async listPublished(now: number): Promise<SigningKeyRecord[]> {
    const rows = await this.db
      .selectFrom('signing_keys')
      .selectAll()
      .where((eb) => eb.or([eb('status', '=', 'active'), eb('publish_until', '>', now)]))
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(toKey);
  }

  async listAll(): Promise<SigningKeyRecord[]> {
    const rows = await this.db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
    return rows.map(toKey);
  }

  /**
   * Inserts the key as the new active one of its algorithm only if that algorithm has none active
   * (first start races are harmless).
   */
  async insertIfNoneActive(key: SigningKeyRecord): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const active = await trx
        .selectFrom('signing_keys')
        .select('kid')
        .where('status', '=', 'active')
        .where('alg', '=', key.alg)
        .executeTakeFirst();
      if (active) return false;
      // A concurrent first start may have inserted one since: the unique index on the active key wins.
      const result = await trx
        .insertInto('signing_keys')
        .values(this.toRow(key))
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows) === 1;
    });
  }

  /** Retires the active key of `next`'s algorithm (still published until `publishUntil`) and activates `next`. */
  async rotate(next: SigningKeyRecord, now: number, publishUntil: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('signing_keys')
        .set({ status: 'retired', retired_at: now, publish_until: publishUntil })
        .where('status', '=', 'active')
        .where('alg', '=', next.alg)
        .execute();
      await trx.insertInto('signing_keys').values(this.toRow(next)).execute();
    });
  }

  async findByKid(kid: string): Promise<SigningKeyRecord | null> {
    const row = await this.db
      .selectFrom('signing_keys')
      .selectAll()
      .where('kid', '=', kid)
      .executeTakeFirst();
    return row ? toKey(row) : null;
  }

  /** Deletes a key: it signs nothing more and leaves the JWKS (false: no such key). */
  async delete(kid: string): Promise<boolean> {
    const result = await this.db.deleteFrom('signing_keys').where('kid', '=', kid).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  private toRow(key: SigningKeyRecord) {
    return {
      kid: key.kid,
      alg: key.alg,
      private_jwk: key.privateJwk,
      public_jwk: key.publicJwk,
      status: key.status,
      created_at: key.createdAt,
      retired_at: key.retiredAt,
      publish_until: key.publishUntil,
    };
  }
}
