import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { Clock } from '../clock.js';
import type { KeysStore, SigningKeyRecord } from '../storage/keys-store.js';

export const SIGNING_ALG = 'RS256';

/** A key as jose imports it (a CryptoKey on Node). */
export type JoseKey = Awaited<ReturnType<typeof importJWK>>;
/** How long the keys read from the store are reused before asking again (another process may rotate). */
const CACHE_MS = 10_000;
/** An unknown `kid` reloads the keys at most this often, so made-up kids cannot cost a read per request. */
const UNKNOWN_KID_RELOAD_MS = 1_000;

export interface ActiveKey {
  kid: string;
  alg: string;
  key: JoseKey;
}

export interface PublicJwks {
  keys: JWK[];
}

interface Snapshot {
  at: number;
  active: ActiveKey;
  jwks: PublicJwks;
  verifyKeys: Map<string, JoseKey>;
}

/**
 * RS256 signing keys kept in the store: generated on first start, rotated on demand. A retired key
 * stays in the JWKS until every token it signed has expired. Imported keys are cached so that no
 * request pays for parsing a JWK.
 */
export class SigningKeys {
  private snapshot: Snapshot | null = null;
  private loading: Promise<Snapshot> | null = null;

  constructor(
    private readonly store: KeysStore,
    private readonly clock: Clock,
  ) {}

  /** Creates the first key if the store has none active. */
  async ensureActiveKey(): Promise<void> {
    if (await this.store.findActive()) return;
    await this.store.insertIfNoneActive(await generateRecord(this.clock.now()));
    this.snapshot = null;
  }

  /** Makes a new active key; the old one stays published for `publishForSeconds`. */
  async rotate(publishForSeconds: number): Promise<{ kid: string; retired: string | null }> {
    const previous = await this.store.findActive();
    const next = await generateRecord(this.clock.now());
    await this.store.rotate(next, this.clock.now(), this.clock.now() + publishForSeconds * 1000);
    this.snapshot = null;
    return { kid: next.kid, retired: previous?.kid ?? null };
  }

  async activeKey(): Promise<ActiveKey> {
    return (await this.load()).active;
  }

  async jwks(): Promise<PublicJwks> {
    return (await this.load()).jwks;
  }

  /** The published public key with this `kid`, or null. */
  async verificationKey(kid: string): Promise<JoseKey | null> {
    const snapshot = await this.load();
    const key = snapshot.verifyKeys.get(kid);
    if (key) return key;
    // Another process (a worker, another host, the CLI) may have rotated since the last read: a
    // token it signed must not be refused for up to CACHE_MS. Read again, at most once a second.
    const now = this.clock.now();
    if (now >= snapshot.at && now - snapshot.at < UNKNOWN_KID_RELOAD_MS) return null;
    if (this.snapshot === snapshot) this.snapshot = null;
    return (await this.load()).verifyKeys.get(kid) ?? null;
  }

  private async load(): Promise<Snapshot> {
    const now = this.clock.now();
    if (this.snapshot && now - this.snapshot.at < CACHE_MS && now >= this.snapshot.at) return this.snapshot;
    this.loading ??= this.read(now).finally(() => {
      this.loading = null;
    });
    this.snapshot = await this.loading;
    return this.snapshot;
  }

  private async read(now: number): Promise<Snapshot> {
    const records = await this.store.listPublished(now);
    const activeRecord = records.find((r) => r.status === 'active');
    if (!activeRecord)
      throw new Error('No active signing key; run `gatehouse keys rotate` or restart the server');
    const verifyKeys = new Map<string, JoseKey>();
    const keys: JWK[] = [];
    for (const record of records) {
      const jwk = JSON.parse(record.publicJwk) as JWK;
      keys.push(jwk);
      verifyKeys.set(record.kid, await importJWK(jwk, record.alg));
    }
    const active: ActiveKey = {
      kid: activeRecord.kid,
      alg: activeRecord.alg,
      key: await importJWK(JSON.parse(activeRecord.privateJwk) as JWK, activeRecord.alg),
    };
    return { at: now, active, jwks: { keys }, verifyKeys };
  }
}

async function generateRecord(now: number): Promise<SigningKeyRecord> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, {
    modulusLength: 2048,
    extractable: true,
  });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG };
  return {
    kid,
    alg: SIGNING_ALG,
    privateJwk: JSON.stringify(privateJwk),
    publicJwk: JSON.stringify({
      kty: publicJwk.kty,
      alg: SIGNING_ALG,
      kid,
      use: 'sig',
      n: publicJwk.n,
      e: publicJwk.e,
    }),
    status: 'active',
    createdAt: now,
    retiredAt: null,
    publishUntil: null,
  };
}
