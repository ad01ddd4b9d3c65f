import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Clock } from '../clock.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { TOKEN_SIGNING_ALGS, type TokenSigningAlg } from '../storage/apps-store.js';
import type { KeysStore, SigningKeyRecord } from '../storage/keys-store.js';

/** The algorithm of apps that ask for none (Okta's clients accept nothing else). */
export const SIGNING_ALG: TokenSigningAlg = 'RS256';
/** Every algorithm Gatehouse signs tokens with; each has its own active key, all are published. */
export const SIGNING_ALGS = TOKEN_SIGNING_ALGS;
export type SigningAlg = TokenSigningAlg;

/** How long the keys read from the store are reused before asking again (another process may rotate). */
const CACHE_MS = 10_000;
/** An unknown `kid` reloads the keys at most this often, so made-up kids cannot cost a read per request. */
const UNKNOWN_KID_RELOAD_MS = 1_000;

export interface ActiveKey {
  kid: string;
  alg: SigningAlg;
  /** Imported once per snapshot; jose keeps its own WebCrypto form of a KeyObject cached. */
  key: KeyObject;
}

/** A published public key and the one algorithm its signatures are checked with. */
export interface VerificationKey {
  alg: SigningAlg;
  key: KeyObject;
}

export interface PublicJwks {
  keys: JWK[];
}

interface Snapshot {
  at: number;
  active: Map<SigningAlg, ActiveKey>;
  jwks: PublicJwks;
  verifyKeys: Map<string, VerificationKey>;
}

/**
 * Signing keys kept in the store, one active key per algorithm (RS256, ES256, EdDSA): generated on
 * first start (or on first need), rotated on demand. A retired key stays in the JWKS until every
 * token it signed has expired. Keys are imported once as `KeyObject`s, so no request pays for
 * parsing a JWK.
 */
export class SigningKeys {
  private snapshot: Snapshot | null = null;
  private loading: Promise<Snapshot> | null = null;

  constructor(
    private readonly store: KeysStore,
    private readonly clock: Clock,
  ) {}

  /** Creates the active key of every algorithm that has none (all are published from the start). */
  async ensureActiveKey(): Promise<void> {
    let created = false;
    for (const alg of SIGNING_ALGS) {
      if (await this.store.findActive(alg)) continue;
      created = (await this.store.insertIfNoneActive(await generateRecord(alg, this.clock.now()))) || created;
    }
    if (created) this.snapshot = null;
  }

  /** Makes a new active key for `alg`; the old one stays published for `publishForSeconds`. */
  async rotate(
    publishForSeconds: number,
    alg: SigningAlg = SIGNING_ALG,
  ): Promise<{ kid: string; alg: SigningAlg; retired: string | null }> {
    const previous = await this.store.findActive(alg);
    const next = await generateRecord(alg, this.clock.now());
    await this.store.rotate(next, this.clock.now(), this.clock.now() + publishForSeconds * 1000);
    this.snapshot = null;
    return { kid: next.kid, alg, retired: previous?.kid ?? null };
  }

  /**
   * Deletes a key: it leaves the JWKS, and tokens it signed stop verifying. An active key (the one
   * its algorithm signs with: never without one) or a retired key still published (tokens it signed
   * may be live) is refused unless `force`; a forced delete of an active key makes its successor at
   * once, so new tokens are never signed with a key the JWKS no longer lists.
   */
  async deleteKey(
    kid: string,
    force: boolean,
  ): Promise<{ kid: string; alg: string; status: string; replacedBy: string | null }> {
    const record = await this.store.findByKid(kid);
    if (!record) throw new NotFoundError(`No signing key ${kid}`);
    const now = this.clock.now();
    const inUse =
      record.status === 'active'
        ? `the active ${record.alg} signing key (run \`gatehouse keys rotate --alg ${record.alg}\` first)`
        : record.publishUntil !== null && record.publishUntil > now
          ? `still published until ${new Date(record.publishUntil).toISOString()} (tokens it signed may still be live)`
          : null;
    if (inUse && !force)
      throw new ConflictError(
        `Key ${kid} is ${inUse}; --force deletes it anyway, and tokens it signed stop verifying`,
      );
    await this.store.delete(kid);
    this.snapshot = null;
    let replacedBy: string | null = null;
    if (record.status === 'active') {
      const next = await generateRecord(record.alg as SigningAlg, this.clock.now());
      replacedBy = (await this.store.insertIfNoneActive(next))
        ? next.kid
        : ((await this.store.findActive(record.alg))?.kid ?? null);
    }
    return { kid, alg: record.alg, status: record.status, replacedBy };
  }

  /** The key new tokens of `alg` are signed with; made on first need when the store has none. */
  async activeKey(alg: SigningAlg = SIGNING_ALG): Promise<ActiveKey> {
    const active = (await this.load()).active.get(alg);
    if (active) return active;
    await this.store.insertIfNoneActive(await generateRecord(alg, this.clock.now()));
    this.snapshot = null;
    const created = (await this.load()).active.get(alg);
    if (!created) throw new Error(`No active ${alg} signing key; run \`gatehouse keys rotate --alg ${alg}\``);
    return created;
  }

  async jwks(): Promise<PublicJwks> {
    return (await this.load()).jwks;
  }

  /** The published public key with this `kid` and its algorithm, or null. */
  async verificationKey(kid: string): Promise<VerificationKey | null> {
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
    const verifyKeys = new Map<string, VerificationKey>();
    const active = new Map<SigningAlg, ActiveKey>();
    const keys: JWK[] = [];
    for (const record of records) {
      const alg = record.alg as SigningAlg;
      if (!SIGNING_ALGS.includes(alg)) continue;
      const jwk = JSON.parse(record.publicJwk) as JWK;
      keys.push(jwk);
      verifyKeys.set(record.kid, { alg, key: createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }) });
      if (record.status === 'active' && !active.has(alg)) {
        const privateJwk = JSON.parse(record.privateJwk) as JsonWebKey;
        active.set(alg, { kid: record.kid, alg, key: createPrivateKey({ key: privateJwk, format: 'jwk' }) });
      }
    }
    return { at: now, active, jwks: { keys }, verifyKeys };
  }
}

const generate = promisify(generateKeyPair);

async function generateKeys(alg: SigningAlg): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  if (alg === 'ES256') return generate('ec', { namedCurve: 'P-256' });
  if (alg === 'EdDSA') return generate('ed25519');
  return generate('rsa', { modulusLength: 2048 });
}

/** The public members of each key type, in the order RFC 7638 thumbprints them. */
const PUBLIC_MEMBERS: Record<SigningAlg, string[]> = {
  RS256: ['kty', 'n', 'e'],
  ES256: ['kty', 'crv', 'x', 'y'],
  EdDSA: ['kty', 'crv', 'x'],
};

async function generateRecord(alg: SigningAlg, now: number): Promise<SigningKeyRecord> {
  const { privateKey, publicKey } = await generateKeys(alg);
  const exported = publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
  const publicMembers = Object.fromEntries(PUBLIC_MEMBERS[alg].map((name) => [name, exported[name]])) as JWK;
  const kid = await calculateJwkThumbprint(publicMembers);
  const privateJwk = { ...privateKey.export({ format: 'jwk' }), kid, alg };
  const { kty, ...material } = publicMembers;
  return {
    kid,
    alg,
    privateJwk: JSON.stringify(privateJwk),
    publicJwk: JSON.stringify({ kty, alg, kid, use: 'sig', ...material }),
    status: 'active',
    createdAt: now,
    retiredAt: null,
    publishUntil: null,
  };
}
