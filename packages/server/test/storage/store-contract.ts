import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/storage/apps-store.js';
import { migrateToLatest } from '../../src/storage/database.js';
import type { EmailChallenge } from '../../src/storage/email-challenges-store.js';
import { type Grant, toGrantRow } from '../../src/storage/grants-store.js';
import { type InteractionCode, lockUnreplayedCode } from '../../src/storage/interaction-codes-store.js';
import type { SigningKeyRecord } from '../../src/storage/keys-store.js';
import { openStorage, type Storage } from '../../src/storage/storage.js';
import type { Transaction } from '../../src/storage/transactions-store.js';
import type { NewUser, User } from '../../src/storage/users-store.js';
import { createTestDatabase, PG_ADMIN_URL, type TestDatabase } from '../support/postgres.js';
import { describeAuthenticatorStores } from './authenticators-contract.js';
import { describeDeletions } from './deletions-contract.js';
import { describeOutboxDelivery } from './outbox-contract.js';
import { describeUnitsOfWork } from './units-contract.js';

export type StoreKind = 'sqlite' | 'postgres';

/** Times past 2^31 so that a bigint column read back as a string (or truncated) shows. */
const T0 = 1_700_000_000_123;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The tables (and their columns) the one migration set must produce on either database. */
const EXPECTED_SCHEMA: Record<string, string[]> = {
  access_tokens: ['expires_at', 'grant_id', 'jti', 'revoked_at'],
  app_origins: ['app_id', 'origin'],
  apps: [
    'client_id',
    'created_at',
    'email_verify_uri',
    'grant_types',
    'hosted_page',
    'id',
    'login_uri',
    'name',
    'policy',
    'post_logout_redirect_uris',
    'redirect_uris',
    'require_pkce',
    'secret_hash',
    'token_signing_alg',
    'trusted_origins',
  ],
  credentials: ['created_at', 'secret_hash', 'type', 'user_id'],
  events: ['app_id', 'created_at', 'data', 'id', 'ip', 'type', 'user_id'],
  gatehouse_migrations: ['name', 'timestamp'],
  gatehouse_migrations_lock: ['id', 'is_locked'],
  grants: [
    'amr',
    'app_id',
    'auth_time',
    'code_hash',
    'created_at',
    'expires_at',
    'id',
    'revoked_at',
    'scopes',
    'server_id',
    'session_id',
    'user_id',
  ],
  interaction_codes: [
    'amr',
    'app_id',
    'auth_time',
    'code_challenge',
    'code_hash',
    'expires_at',
    'grant_type',
    'nonce',
    'redirect_uri',
    'replayed_at',
    'scopes',
    'server_id',
    'session_id',
    'transaction_id',
    'used_at',
    'user_id',
  ],
  sessions: [
    'amr',
    'auth_time',
    'created_at',
    'ended_at',
    'expires_at',
    'factors',
    'id',
    'idle_expires_at',
    'ip',
    'last_used_at',
    'remember_me',
    'token_hash',
    'user_agent',
    'user_id',
  ],
  refresh_tokens: ['created_at', 'expires_at', 'grant_id', 'revoked_at', 'scopes', 'token_hash', 'used_at'],
  signing_keys: [
    'alg',
    'created_at',
    'kid',
    'private_jwk',
    'public_jwk',
    'publish_until',
    'retired_at',
    'status',
  ],
  transactions: [
    'app_id',
    'authenticator_key',
    'authorize_request',
    'code_challenge',
    'completed_at',
    'created_at',
    'expires_at',
    'flow',
    'id',
    'identifier',
    'interaction_handle_hash',
    'nonce',
    'redirect_uri',
    'remember_me',
    'scopes',
    'server_id',
    'state',
    'state_generation',
    'state_handle_hash',
    'status',
    'step',
    'user_id',
    'verified',
    'version',
  ],
  users: [
    'attempt_claimed_at',
    'attempts_in_flight',
    'created_at',
    'email',
    'email_verified',
    'failed_attempts',
    'id',
    'locked_until',
    'login',
    'login_key',
    'password_changed_at',
    'profile',
    'status',
    'updated_at',
  ],
};

/**
 * Table → sorted column names, as the database reports them. Types differ by dialect, and so does
 * nullability of text primary keys (SQLite lets a non-INTEGER primary key hold NULL), names must not.
 */
async function describeSchema(storage: Storage): Promise<Record<string, string[]>> {
  const tables = await storage.handle.db.introspection.getTables();
  return Object.fromEntries(
    tables
      .filter((t) => !t.isView && (t.schema === undefined || t.schema === 'public'))
      .map((t) => [t.name, t.columns.map((c) => c.name).sort()]),
  );
}

const uid = (prefix: string) => `${prefix}_${randomUUID().replace(/-/g, '')}`;

function newUser(partial: Partial<NewUser> = {}): NewUser {
  const id = uid('u');
  const login = `${id}@example.com`;
  return {
    id,
    login,
    loginKey: login.toLowerCase(),
    email: login,
    emailVerified: false,
    profile: { login, email: login, firstName: 'Ada', lastName: 'Lovelace', nickName: 'Countess' },
    createdAt: T0,
    ...partial,
  };
}

function newApp(partial: Partial<App> = {}): App {
  return {
    id: uid('app'),
    clientId: uid('client'),
    name: 'Contract app',
    secretHash: null,
    redirectUris: ['http://localhost:8080/login/callback', 'com.example:/callback'],
    postLogoutRedirectUris: ['http://localhost:8080/'],
    emailVerifyUri: null,
    loginUri: null,
    trustedOrigins: ['http://localhost:8080'],
    grantTypes: ['authorization_code', 'interaction_code', 'refresh_token'],
    policy: {
      requirements: [{ anyOf: ['password'] }],
      identifierFirst: true,
      selfServiceRecovery: false,
      selfServiceUnlock: false,
      signInAfterUnlock: false,
      registration: null,
    },
    createdAt: T0,
    requirePkce: false,
    hostedPage: {},
    tokenSigningAlg: 'RS256',
    ...partial,
  };
}

function newTransaction(partial: Partial<Transaction> = {}): Transaction {
  return {
    id: uid('tx'),
    interactionHandleHash: uid('ih'),
    stateHandleHash: uid('sh'),
    stateGeneration: 0,
    serverId: 'default',
    appId: uid('app'),
    redirectUri: 'http://localhost:8080/login/callback',
    scopes: ['openid', 'profile', 'email'],
    state: 'state-1',
    nonce: null,
    codeChallenge: 'challenge',
    flow: 'sign-in',
    step: 'identify',
    userId: null,
    identifier: null,
    authenticatorKey: null,
    verified: [],
    status: 'active',
    version: 1,
    createdAt: T0,
    expiresAt: T0 + 30 * MINUTE,
    completedAt: null,
    authorizeRequest: null,
    rememberMe: false,
    ...partial,
  };
}

function newCode(partial: Partial<InteractionCode> = {}): InteractionCode {
  return {
    codeHash: uid('code'),
    grantType: 'interaction_code',
    sessionId: null,
    transactionId: uid('tx'),
    serverId: 'default',
    appId: uid('app'),
    redirectUri: 'http://localhost:8080/login/callback',
    codeChallenge: 'challenge',
    userId: uid('u'),
    scopes: ['openid', 'offline_access'],
    nonce: 'nonce-1',
    authTime: T0,
    amr: ['pwd'],
    expiresAt: T0 + MINUTE,
    usedAt: null,
    ...partial,
  };
}

function newGrant(partial: Partial<Grant> = {}): Grant {
  return {
    id: uid('grant'),
    userId: uid('u'),
    appId: uid('app'),
    serverId: 'default',
    scopes: ['openid', 'offline_access'],
    codeHash: uid('code'),
    authTime: T0,
    amr: ['pwd', 'mfa'],
    createdAt: T0,
    expiresAt: T0 + 365 * 24 * 60 * MINUTE,
    revokedAt: null,
    sessionId: null,
    ...partial,
  };
}

function newKey(createdAt: number, partial: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  const kid = uid('kid');
  return {
    kid,
    alg: 'RS256',
    privateJwk: JSON.stringify({ kty: 'RSA', kid, d: 'private' }),
    publicJwk: JSON.stringify({ kty: 'RSA', kid, n: 'modulus', e: 'AQAB' }),
    status: 'active',
    createdAt,
    retiredAt: null,
    publishUntil: null,
    ...partial,
  };
}

/**
 * The storage contract, run once per database. SQLite is opened in memory (plus one case on a
 * real WAL file); PostgreSQL gets a fresh database for the file, and three Storage instances
 * (three pools) on it so that races really happen on separate connections.
 */
export function describeStores(kind: StoreKind): void {
  describe(`storage contract (${kind})`, () => {
    let dir: string;
    let database: TestDatabase | null = null;
    let store: Storage;
    /** Storages to race on: separate connection pools on PostgreSQL; the one store on SQLite. */
    let racers: Storage[];

    const open = (migrate = true) =>
      openStorage(
        {
          dataDir: dir,
          sqliteFile: ':memory:',
          databaseUrl: database?.url,
          poolSize: 8,
        },
        migrate,
      );

    /** Spreads `n` calls round-robin over the racing storages and runs them all at once. */
    const race = <T>(n: number, call: (s: Storage, i: number) => Promise<T>) =>
      Promise.all(Array.from({ length: n }, (_, i) => call(racers[i % racers.length]!, i)));

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'gatehouse-store-'));
      if (kind === 'postgres') {
        database = await createTestDatabase();
        store = await open();
        racers = [store, await open(), await open()];
      } else {
        store = await open();
        racers = [store];
      }
      expect(store.handle.dialect).toBe(kind);
    });

    afterAll(async () => {
      for (const s of new Set(racers ?? [])) await s.close();
      await database?.drop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    describe('migrations', () => {
      it('migrateToLatest a second time applies nothing and keeps the data', async () => {
        const user = await store.users.createUser(newUser(), null);
        expect(await migrateToLatest(store.handle.db)).toEqual([]);
        expect(await migrateToLatest(store.handle.db)).toEqual([]);
        expect((await store.users.findById(user.id))?.login).toBe(user.login);
      });

      it('ends with the same tables and columns on either database', async () => {
        const mine = await describeSchema(store);
        // The core tables are exactly what schema.ts describes (later migrations may add tables).
        for (const [table, columns] of Object.entries(EXPECTED_SCHEMA)) {
          expect(mine[table], table).toEqual(columns);
        }
        // The other database, migrated from scratch, ends with the same tables and columns.
        const other = kind === 'postgres' ? null : await createTestDatabase();
        const reference = await openStorage({
          dataDir: dir,
          sqliteFile: ':memory:',
          databaseUrl: other?.url,
        });
        try {
          expect(reference.handle.dialect).not.toBe(kind);
          expect(mine).toEqual(await describeSchema(reference));
        } finally {
          await reference.close();
          await other?.drop();
        }
      });

      if (kind === 'postgres') {
        it('two instances migrating a fresh database at once apply the migration once', async () => {
          const fresh = await createTestDatabase();
          const options = { dataDir: dir, sqliteFile: ':memory:', databaseUrl: fresh.url, poolSize: 2 };
          const [a, b] = await Promise.all([openStorage(options, false), openStorage(options, false)]);
          try {
            const results = await Promise.all([migrateToLatest(a.handle.db), migrateToLatest(b.handle.db)]);
            const applied = await a.handle.db
              .selectFrom('gatehouse_migrations' as never)
              .select('name' as never)
              .execute();
            const names = (applied as Array<{ name: string }>).map((r) => r.name).sort();
            expect(names).toContain('0001-initial');
            expect(results.flat().sort()).toEqual(names);
            expect(await a.users.count()).toBe(0);
          } finally {
            await a.close();
            await b.close();
            await fresh.drop();
          }
        });
      }
    });

    if (kind === 'postgres') {
      it('keeps working when the server terminates its idle connections (restart, failover)', async () => {
        const own = await open(false);
        try {
          await own.users.count();
          const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
          await admin.connect();
          try {
            const { rows } = await admin.query(
              'select pg_terminate_backend(pid) as killed from pg_stat_activity where datname = $1 and pid <> pg_backend_pid() and state = $2',
              [new URL(database!.url).pathname.slice(1), 'idle'],
            );
            expect(rows.length).toBeGreaterThan(0);
          } finally {
            await admin.end();
          }
          // An idle client that died is dropped by the pool (an unhandled 'error' event would crash
          // the process); a query that raced onto it fails once, the next gets a fresh connection.
          let count: number | null = null;
          for (let attempt = 0; attempt < 3 && count === null; attempt++)
            count = await own.users.count().catch(() => null);
          expect(count).toEqual(expect.any(Number));
        } finally {
          await own.close();
        }
      });

      it('a connection killed inside a transaction fails that transaction, not the process', async () => {
        const own = await open(false);
        try {
          const failed = own.handle.db
            .transaction()
            .execute(async (trx) => {
              const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
              const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
              await admin.connect();
              try {
                await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
              } finally {
                await admin.end();
              }
              // The client is checked out and idle here: its death must not be an uncaught error.
              await new Promise((resolve) => setTimeout(resolve, 200));
              await trx.selectFrom('users').select('id').execute();
            })
            .then(
              () => 'committed',
              () => 'failed',
            );
          expect(await failed).toBe('failed');
          let count: number | null = null;
          for (let attempt = 0; attempt < 3 && count === null; attempt++)
            count = await own.users.count().catch(() => null);
          expect(count).toEqual(expect.any(Number));
        } finally {
          await own.close();
        }
      });
    }

    if (kind === 'sqlite') {
      it('a real SQLite file runs in WAL mode and keeps its data across a reopen', async () => {
        const fileDir = join(dir, 'nested', 'data');
        const options = { dataDir: fileDir, sqliteFile: 'gatehouse.db' };
        const first = await openStorage(options);
        const user = await first.users.createUser(newUser({ emailVerified: true }), 'hash-1');
        const code = newCode();
        await first.interactionCodes.create(code);
        try {
          expect(first.handle.location).toBe(join(fileDir, 'gatehouse.db'));
          // A second connection (the CLI while a server runs) sees committed rows and shares the code.
          const second = await openStorage(options);
          try {
            expect((await second.users.findById(user.id))?.emailVerified).toBe(true);
            const results = await Promise.all([
              first.interactionCodes.consume(code.codeHash, T0),
              second.interactionCodes.consume(code.codeHash, T0),
              first.interactionCodes.consume(code.codeHash, T0),
              second.interactionCodes.consume(code.codeHash, T0),
            ]);
            expect(results.filter((r) => r !== null)).toHaveLength(1);
          } finally {
            await second.close();
          }
        } finally {
          await first.close();
        }
        const reopened = await openStorage(options);
        try {
          const { rows } = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(
            reopened.handle.db,
          );
          expect(rows[0]?.journal_mode).toBe('wal');
          expect(await reopened.credentials.findPasswordHash(user.id)).toBe('hash-1');
          expect(await migrateToLatest(reopened.handle.db)).toEqual([]);
        } finally {
          await reopened.close();
        }
      });
    }

    describe('UsersStore', () => {
      it('round-trips a user: profile JSON, boolean flag, bigint times as numbers', async () => {
        const input = newUser({ emailVerified: true });
        const created = await store.users.createUser(input, '$argon2id$v=19$m=19456,t=2,p=1$salt$hash');
        expect(created).toEqual({
          id: input.id,
          login: input.login,
          email: input.email,
          emailVerified: true,
          status: 'ACTIVE',
          profile: input.profile,
          failedAttempts: 0,
          lockedUntil: null,
          createdAt: T0,
          updatedAt: T0,
          passwordChangedAt: T0,
        });
        expect(typeof created.createdAt).toBe('number');
        expect(await store.users.findByLoginKey(input.loginKey)).toEqual(created);
        expect(await store.credentials.findPasswordHash(input.id)).toBe(
          '$argon2id$v=19$m=19456,t=2,p=1$salt$hash',
        );

        const unverified = await store.users.createUser(newUser({ emailVerified: false }), null);
        expect(unverified.emailVerified).toBe(false);
        expect(unverified.passwordChangedAt).toBeNull();
        expect(await store.credentials.findPasswordHash(unverified.id)).toBeNull();
        expect(await store.users.findById('nobody')).toBeNull();
        expect(await store.users.findByLoginKey('nobody@example.com')).toBeNull();
      });

      it('refuses a duplicate login key and leaves no credential of the refused user behind', async () => {
        const first = newUser();
        await store.users.createUser(first, 'hash-first');
        const before = await store.users.count();
        const clash = newUser({ loginKey: first.loginKey });
        await expect(store.users.createUser(clash, 'hash-clash')).rejects.toThrow();
        expect(await store.users.count()).toBe(before);
        expect(await store.users.findById(clash.id)).toBeNull();
        expect(await store.credentials.findPasswordHash(clash.id)).toBeNull();
        expect((await store.users.findByLoginKey(first.loginKey))?.id).toBe(first.id);
      });

      it('counts and lists users in creation order', async () => {
        const base = T0 + 10 * MINUTE;
        const before = await store.users.count();
        const created: User[] = [];
        for (let i = 0; i < 3; i++)
          created.push(await store.users.createUser(newUser({ createdAt: base + i }), null));
        expect(await store.users.count()).toBe(before + 3);
        expect(typeof (await store.users.count())).toBe('number');
        const all = await store.users.list(1000);
        const ids = all.map((u) => u.id).filter((id) => created.some((c) => c.id === id));
        expect(ids).toEqual(created.map((c) => c.id));
        const page = await store.users.list(
          1,
          all.findIndex((u) => u.id === created[1]!.id),
        );
        expect(page.map((u) => u.id)).toEqual([created[1]!.id]);
      });

      it('setPasswordHash inserts a missing credential, replaces it, and keeps the change time on rehash', async () => {
        const user = await store.users.createUser(newUser(), null);
        await store.credentials.setPasswordHash(user.id, 'hash-a', T0 + 1000);
        expect(await store.credentials.findPasswordHash(user.id)).toBe('hash-a');
        expect((await store.users.findById(user.id))?.passwordChangedAt).toBe(T0 + 1000);

        await store.credentials.setPasswordHash(user.id, 'hash-b', T0 + 2000);
        expect(await store.credentials.findPasswordHash(user.id)).toBe('hash-b');
        expect(await store.users.findById(user.id)).toMatchObject({
          passwordChangedAt: T0 + 2000,
          updatedAt: T0 + 2000,
        });

        await store.credentials.setPasswordHash(user.id, 'hash-c', T0 + 3000, true);
        expect(await store.credentials.findPasswordHash(user.id)).toBe('hash-c');
        expect((await store.users.findById(user.id))?.passwordChangedAt).toBe(T0 + 2000);
        const { count } = await store.handle.db
          .selectFrom('credentials')
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .where('user_id', '=', user.id)
          .executeTakeFirstOrThrow();
        expect(Number(count)).toBe(1);
      });

      it('claimPasswordAttempt: of 50 concurrent claims exactly the allowed number are granted; failures settle into a lock', async () => {
        const user = await store.users.createUser(newUser(), 'hash');
        const max = 10;
        const lockUntil = T0 + 15 * MINUTE;
        const claims = await race(50, (s) => s.users.claimPasswordAttempt(user.id, T0, max, MINUTE));
        expect(claims.filter((c) => c === 'claimed')).toHaveLength(max);
        expect(claims.filter((c) => c === 'busy')).toHaveLength(50 - max);
        // Settled wrong, one at a time: the failure that reaches the threshold locks, and says so.
        const locks: boolean[] = [];
        for (let i = 0; i < max; i++)
          locks.push(
            await store.users.settlePasswordAttempt(user.id, {
              ok: false,
              now: T0,
              maxAttempts: max,
              lockUntil,
            }),
          );
        expect(locks).toEqual([...Array(max - 1).fill(false), true]);
        expect(await store.users.findById(user.id)).toMatchObject({
          failedAttempts: max,
          lockedUntil: lockUntil,
        });
        expect(await store.users.claimPasswordAttempt(user.id, lockUntil - 1, max, MINUTE)).toBe('locked');
        // Once the lock runs out the count starts over.
        expect(await store.users.claimPasswordAttempt(user.id, lockUntil, max, MINUTE)).toBe('claimed');
        expect(await store.users.findById(user.id)).toMatchObject({ failedAttempts: 0, lockedUntil: null });
      });

      it('claimPasswordAttempt: a right password frees its slot and clears failures; stale claims stop counting', async () => {
        const user = await store.users.createUser(newUser(), 'hash');
        const max = 3;
        for (let i = 0; i < max; i++)
          expect(await store.users.claimPasswordAttempt(user.id, T0, max, MINUTE)).toBe('claimed');
        expect(await store.users.claimPasswordAttempt(user.id, T0, max, MINUTE)).toBe('busy');
        await store.users.settlePasswordAttempt(user.id, { ok: true });
        expect(await store.users.claimPasswordAttempt(user.id, T0, max, MINUTE)).toBe('claimed');
        // Claims left by a process that stopped mid-verification no longer count after `staleMs`.
        expect(await store.users.claimPasswordAttempt(user.id, T0 + 1, max, MINUTE)).toBe('busy');
        expect(await store.users.claimPasswordAttempt(user.id, T0 + MINUTE + 1, max, MINUTE)).toBe('claimed');
      });

      it('resetFailedAttempts clears the counter and the lock; setStatus ACTIVE does too', async () => {
        const user = await store.users.createUser(newUser(), 'hash');
        for (let i = 0; i < 2; i++)
          await store.users.settlePasswordAttempt(user.id, {
            ok: false,
            now: T0,
            maxAttempts: 2,
            lockUntil: T0 + MINUTE,
          });
        expect((await store.users.findById(user.id))?.lockedUntil).toBe(T0 + MINUTE);
        await store.users.resetFailedAttempts(user.id, T0 + 5000);
        expect(await store.users.findById(user.id)).toMatchObject({
          failedAttempts: 0,
          lockedUntil: null,
          updatedAt: T0 + 5000,
        });
        // Nothing to reset: the row is left alone (no write per successful sign-in).
        await store.users.resetFailedAttempts(user.id, T0 + 9000);
        expect((await store.users.findById(user.id))?.updatedAt).toBe(T0 + 5000);

        await store.users.settlePasswordAttempt(user.id, {
          ok: false,
          now: T0,
          maxAttempts: 5,
          lockUntil: T0 + MINUTE,
        });
        expect(await store.users.setStatus(user.id, 'SUSPENDED', T0 + 6000)).toBe(true);
        expect(await store.users.findById(user.id)).toMatchObject({ status: 'SUSPENDED', failedAttempts: 1 });
        expect(await store.users.setStatus(user.id, 'ACTIVE', T0 + 7000)).toBe(true);
        expect(await store.users.findById(user.id)).toMatchObject({
          status: 'ACTIVE',
          failedAttempts: 0,
          lockedUntil: null,
        });
        expect(await store.users.setStatus('nobody', 'ACTIVE', T0)).toBe(false);
      });

      it('a sign-up: STAGED, found by email in any case, profile rewritten while staged, activated once, swept when abandoned', async () => {
        const staged = await store.users.createUser(
          newUser({ status: 'STAGED', email: 'Mixed.Case@Example.com', createdAt: T0 - 2 * HOUR }),
          null,
        );
        expect(staged).toMatchObject({ status: 'STAGED', emailVerified: false });
        expect((await store.users.findByEmail('mixed.case@example.COM'))?.id).toBe(staged.id);
        const profile = { ...staged.profile, firstName: 'Grace' };
        expect(await store.users.updateStagedProfile(staged.id, profile, T0)).toBe(true);
        expect((await store.users.findById(staged.id))?.profile.firstName).toBe('Grace');

        await store.credentials.setPasswordHash(staged.id, 'hash-staged', T0);
        const abandoned = await store.users.createUser(
          newUser({ status: 'STAGED', createdAt: T0 - 2 * HOUR }),
          null,
        );
        await store.credentials.setPasswordHash(abandoned.id, 'hash-abandoned', T0);
        const fresh = await store.users.createUser(newUser({ status: 'STAGED', createdAt: T0 }), null);
        const active = await store.users.createUser(newUser({ createdAt: T0 - 2 * HOUR }), 'hash-active');

        expect(await store.users.activate(staged.id, T0 + 1)).toBe(true);
        expect(await store.users.activate(staged.id, T0 + 2)).toBe(false);
        await store.users.markEmailVerified(staged.id, T0 + 3);
        expect(await store.users.findById(staged.id)).toMatchObject({
          status: 'ACTIVE',
          emailVerified: true,
        });
        expect(await store.users.updateStagedProfile(staged.id, staged.profile, T0 + 4)).toBe(false);

        expect(await store.users.deleteStagedBefore(T0 - HOUR)).toBeGreaterThanOrEqual(1);
        expect(await store.users.findById(abandoned.id)).toBeNull();
        expect(await store.credentials.findPasswordHash(abandoned.id)).toBeNull();
        for (const kept of [staged, fresh, active])
          expect(await store.users.findById(kept.id)).not.toBeNull();
      });
    });

    describe('AppsStore', () => {
      it('round-trips an app with its JSON lists and policy', async () => {
        const app = newApp({
          secretHash: 'c2VjcmV0LWhhc2g',
          emailVerifyUri: 'http://localhost:8080/verify',
          policy: {
            requirements: [{ anyOf: ['password'] }, { anyOf: ['email', 'google_otp'] }],
            identifierFirst: false,
            selfServiceRecovery: true,
            selfServiceUnlock: true,
            signInAfterUnlock: false,
            registration: {
              profile: [{ name: 'email', label: 'Email', type: 'string', required: true, maxLength: 254 }],
              existingEmail: 'notify-owner',
            },
          },
          trustedOrigins: ['http://localhost:8080', 'https://app.example.com', 'http://localhost:8080'],
        });
        await store.apps.createApp(app);
        const found = await store.apps.findByClientId(app.clientId);
        expect(found).toEqual(app);
        expect(typeof found?.createdAt).toBe('number');
        expect(await store.apps.findById(app.id)).toEqual(app);
        expect(await store.apps.isTrustedOrigin('https://app.example.com')).toBe(true);
        expect(await store.apps.isTrustedOrigin('https://evil.example.com')).toBe(false);
        expect(await store.apps.findByClientId('no-such-client')).toBeNull();
        expect((await store.apps.list()).some((a) => a.id === app.id)).toBe(true);
      });

      it('keeps found apps in memory (frozen) but never a miss: an app created elsewhere is found', async () => {
        const app = newApp({ trustedOrigins: [`https://${uid('o')}.example.com`] });
        const other = racers.at(-1)!; // another pool on PostgreSQL, as another process would be
        expect(await store.apps.findById(app.id)).toBeNull();
        expect(await store.apps.findByClientId(app.clientId)).toBeNull();
        expect(await store.apps.isTrustedOrigin(app.trustedOrigins[0]!)).toBe(false);
        await other.apps.createApp(app);
        const found = await store.apps.findById(app.id);
        expect(found).toEqual(app);
        expect(await store.apps.findByClientId(app.clientId)).toBe(found);
        expect(await store.apps.isTrustedOrigin(app.trustedOrigins[0]!)).toBe(true);
        expect(Object.isFrozen(found) && Object.isFrozen(found!.redirectUris)).toBe(true);
        expect(() => {
          (found!.redirectUris as string[]).push('https://evil.example.com/cb');
        }).toThrow(TypeError);
      });

      it('refuses a duplicate client id without leaving its trusted origins behind', async () => {
        const first = newApp();
        await store.apps.createApp(first);
        const count = await store.apps.count();
        const clash = newApp({
          clientId: first.clientId,
          trustedOrigins: [`https://${uid('o')}.example.com`],
        });
        await expect(store.apps.createApp(clash)).rejects.toThrow();
        expect(await store.apps.count()).toBe(count);
        expect(await store.apps.findById(clash.id)).toBeNull();
        expect(await store.apps.isTrustedOrigin(clash.trustedOrigins[0]!)).toBe(false);
        expect((await store.apps.findByClientId(first.clientId))?.id).toBe(first.id);
      });
    });

    describe('TransactionsStore', () => {
      it('round-trips a transaction by id, interaction handle hash and state handle hash', async () => {
        const tx = newTransaction({
          nonce: 'n-1',
          userId: 'u-1',
          identifier: 'ada@example.com',
          authenticatorKey: 'password',
          verified: ['password'],
          flow: 'recovery',
        });
        await store.transactions.create(tx);
        expect(await store.transactions.findById(tx.id)).toEqual(tx);
        expect(await store.transactions.findByInteractionHandleHash(tx.interactionHandleHash)).toEqual(tx);
        expect(await store.transactions.findByStateHandleHash(tx.stateHandleHash)).toEqual(tx);
        expect(typeof (await store.transactions.findById(tx.id))?.expiresAt).toBe('number');
        expect(await store.transactions.findByStateHandleHash('unknown')).toBeNull();
        await expect(
          store.transactions.create(newTransaction({ stateHandleHash: tx.stateHandleHash })),
        ).rejects.toThrow();
      });

      it('update is a compare-and-set: of two updates from the same version one wins', async () => {
        const tx = newTransaction();
        await store.transactions.create(tx);
        const results = await race(2, (s, i) =>
          s.transactions.update(tx, { step: `step-${i}`, stateGeneration: i + 1, verified: ['password'] }),
        );
        const winners = results.filter((r) => r !== null);
        expect(winners).toHaveLength(1);
        const winner = winners[0]!;
        expect(winner.version).toBe(tx.version + 1);
        const stored = await store.transactions.findById(tx.id);
        expect(stored).toEqual(winner);
        // A stale copy can no longer write.
        expect(await store.transactions.update(tx, { step: 'late' })).toBeNull();
        expect(await store.transactions.update(winner, { status: 'failed' })).toMatchObject({
          status: 'failed',
          version: tx.version + 2,
        });
      });

      it('many concurrent updates from one version: exactly one wins', async () => {
        const tx = newTransaction();
        await store.transactions.create(tx);
        const results = await race(12, (s, i) => s.transactions.update(tx, { step: `step-${i}` }));
        expect(results.filter((r) => r !== null)).toHaveLength(1);
        expect((await store.transactions.findById(tx.id))?.version).toBe(tx.version + 1);
      });

      it('complete writes the transaction and the interaction code together', async () => {
        const tx = newTransaction({ userId: 'u-1' });
        await store.transactions.create(tx);
        const code = newCode({ transactionId: tx.id });
        const done = await store.transactions.complete(
          tx,
          { status: 'completed', completedAt: T0 + 5000, step: 'success' },
          code,
          { type: 'user.authentication.sso', userId: 'u-1', data: { transaction: tx.id } },
        );
        expect(done).toMatchObject({ status: 'completed', completedAt: T0 + 5000, version: tx.version + 1 });
        expect(await store.transactions.findById(tx.id)).toEqual(done);
        expect(await store.interactionCodes.findByTransaction(tx.id)).toEqual(code);
        const events = await store.events.listForUser('u-1');
        expect(events.filter((e) => e.data.transaction === tx.id)).toMatchObject([
          { type: 'user.authentication.sso', createdAt: code.authTime },
        ]);
      });

      it('complete from a stale version writes neither the transaction nor a code', async () => {
        const tx = newTransaction();
        await store.transactions.create(tx);
        const codes = [newCode({ transactionId: tx.id }), newCode({ transactionId: tx.id })];
        const userId = uid('u');
        const results = await race(2, (s, i) =>
          s.transactions.complete(tx, { status: 'completed', completedAt: T0 + i }, codes[i]!, {
            type: 'user.authentication.sso',
            userId,
          }),
        );
        expect(results.filter((r) => r !== null)).toHaveLength(1);
        const found = await Promise.all(codes.map((c) => store.interactionCodes.find(c.codeHash)));
        expect(found.filter((c) => c !== null)).toHaveLength(1);

        const later = newCode({ transactionId: tx.id });
        expect(
          await store.transactions.complete(tx, { status: 'completed' }, later, {
            type: 'user.authentication.sso',
            userId,
          }),
        ).toBeNull();
        expect(await store.interactionCodes.find(later.codeHash)).toBeNull();
        // Only the winner's event was written.
        expect(await store.events.listForUser(userId)).toHaveLength(1);
      });

      it('complete rolls the transaction back when the code cannot be written', async () => {
        const existing = newCode();
        await store.interactionCodes.create(existing);
        const tx = newTransaction();
        await store.transactions.create(tx);
        const userId = uid('u');
        await expect(
          store.transactions.complete(tx, { status: 'completed' }, newCode({ codeHash: existing.codeHash }), {
            type: 'user.authentication.sso',
            userId,
          }),
        ).rejects.toThrow();
        expect(await store.transactions.findById(tx.id)).toEqual(tx);
        expect(await store.events.listForUser(userId)).toEqual([]);
      });

      it('cancelOpenForUser ends the open transactions of a user except one', async () => {
        const userId = uid('u');
        const keep = newTransaction({ userId });
        const open = newTransaction({ userId });
        const done = newTransaction({ userId, status: 'completed' });
        const other = newTransaction({ userId: uid('u') });
        for (const tx of [keep, open, done, other]) await store.transactions.create(tx);
        expect(await store.transactions.cancelOpenForUser(userId, keep.id, T0 + 1)).toBe(1);
        expect(await store.transactions.findById(open.id)).toMatchObject({
          status: 'canceled',
          completedAt: T0 + 1,
          version: open.version + 1,
        });
        expect((await store.transactions.findById(keep.id))?.status).toBe('active');
        expect((await store.transactions.findById(done.id))?.status).toBe('completed');
        expect((await store.transactions.findById(other.id))?.status).toBe('active');
        // The canceled transaction's holders can no longer move it.
        expect(await store.transactions.update(open, { step: 'x' })).toBeNull();
      });

      it('deleteExpired removes only transactions that ended before the cut-off', async () => {
        const far = T0 + 1000 * 24 * 60 * MINUTE;
        const old = newTransaction({ expiresAt: far - 1 });
        const live = newTransaction({ expiresAt: far + 1 });
        await store.transactions.create(old);
        await store.transactions.create(live);
        expect(await store.transactions.deleteExpired(far)).toBeGreaterThanOrEqual(1);
        expect(await store.transactions.findById(old.id)).toBeNull();
        expect(await store.transactions.findById(live.id)).not.toBeNull();
      });
    });

    describe('InteractionCodesStore', () => {
      it('round-trips a code', async () => {
        const code = newCode({ nonce: null });
        await store.interactionCodes.create(code);
        const found = await store.interactionCodes.find(code.codeHash);
        expect(found).toEqual(code);
        expect(typeof found?.authTime).toBe('number');
        expect(await store.interactionCodes.findByTransaction(code.transactionId)).toEqual(code);
        expect(await store.interactionCodes.find('unknown')).toBeNull();
        await expect(store.interactionCodes.create(code)).rejects.toThrow();
      });

      it('20 concurrent consumes of one code: exactly one gets it', async () => {
        const code = newCode();
        await store.interactionCodes.create(code);
        const results = await race(20, (s, i) => s.interactionCodes.consume(code.codeHash, T0 + i));
        const winners = results.filter((r) => r !== null);
        expect(winners).toHaveLength(1);
        expect(winners[0]).toMatchObject({ codeHash: code.codeHash, userId: code.userId, amr: ['pwd'] });
        expect(winners[0]?.usedAt).toEqual(expect.any(Number));
        expect((await store.interactionCodes.find(code.codeHash))?.usedAt).toBe(winners[0]?.usedAt);
        expect(await store.interactionCodes.consume(code.codeHash, T0 + 100)).toBeNull();
      });

      it('an expired code is still consumed (burned); the caller checks expiry', async () => {
        const code = newCode({ expiresAt: T0 });
        await store.interactionCodes.create(code);
        const consumed = await store.interactionCodes.consume(code.codeHash, T0 + 10 * MINUTE);
        expect(consumed).toMatchObject({ codeHash: code.codeHash, expiresAt: T0, usedAt: T0 + 10 * MINUTE });
        expect(await store.interactionCodes.consume(code.codeHash, T0 + 10 * MINUTE)).toBeNull();
        expect(await store.interactionCodes.consume('unknown', T0)).toBeNull();
      });

      it('markReplayed marks a used code and keeps the first time; an unused or unknown code is not marked', async () => {
        const code = newCode();
        await store.interactionCodes.create(code);
        expect(await store.interactionCodes.markReplayed(code.codeHash, T0 + 1)).toBeNull();
        expect(await store.interactionCodes.consume(code.codeHash, T0 + 2)).not.toBeNull();
        expect(await store.interactionCodes.markReplayed(code.codeHash, T0 + 3)).toMatchObject({
          codeHash: code.codeHash,
          userId: code.userId,
          usedAt: T0 + 2,
        });
        expect(await store.interactionCodes.markReplayed(code.codeHash, T0 + 4)).not.toBeNull();
        const row = await store.handle.db
          .selectFrom('interaction_codes')
          .select('replayed_at')
          .where('code_hash', '=', code.codeHash)
          .executeTakeFirst();
        expect(row?.replayed_at).toBe(T0 + 3);
        expect(await store.interactionCodes.markReplayed('unknown', T0)).toBeNull();
      });

      it('deleteExpired removes codes past the cut-off', async () => {
        const far = T0 + 2000 * 24 * 60 * MINUTE;
        const old = newCode({ expiresAt: far - 1 });
        const live = newCode({ expiresAt: far + 1 });
        await store.interactionCodes.create(old);
        await store.interactionCodes.create(live);
        expect(await store.interactionCodes.deleteExpired(far)).toBeGreaterThanOrEqual(1);
        expect(await store.interactionCodes.find(old.codeHash)).toBeNull();
        expect(await store.interactionCodes.find(live.codeHash)).not.toBeNull();
      });
    });

    describe('GrantsStore', () => {
      async function grantWithTokens(
        partial: Partial<Grant> = {},
        refreshExpiresAt = T0 + 14 * 24 * 60 * MINUTE,
      ) {
        const grant = newGrant(partial);
        const jti = uid('jti');
        const refresh = uid('rt');
        // A grant names the interaction code it was made from; that code row must exist, unreplayed.
        if (grant.codeHash) await store.interactionCodes.create(newCode({ codeHash: grant.codeHash }));
        await store.grants.createGrant(
          grant,
          {
            accessToken: { jti, expiresAt: T0 + 60 * MINUTE },
            refreshToken: {
              tokenHash: refresh,
              scopes: ['openid', 'offline_access'],
              expiresAt: refreshExpiresAt,
            },
          },
          {
            type: 'app.oauth2.token.grant',
            userId: grant.userId,
            data: { grant: grant.id },
          },
        );
        return { grant, jti, refresh };
      }

      it('round-trips a grant with its first tokens', async () => {
        const { grant, jti, refresh } = await grantWithTokens();
        expect(await store.grants.findGrant(grant.id)).toEqual(grant);
        expect(await store.grants.findGrantByCode(grant.codeHash!)).toEqual(grant);
        expect(await store.grants.findAccessToken(jti)).toEqual({
          jti,
          grantId: grant.id,
          expiresAt: T0 + 60 * MINUTE,
          revoked: false,
        });
        const rt = await store.grants.findRefreshToken(refresh);
        expect(rt).toEqual({
          tokenHash: refresh,
          grantId: grant.id,
          scopes: ['openid', 'offline_access'],
          createdAt: T0,
          expiresAt: T0 + 14 * 24 * 60 * MINUTE,
          usedAt: null,
          revokedAt: null,
        });
        expect(typeof rt?.expiresAt).toBe('number');
        expect(await store.grants.findGrant('unknown')).toBeNull();
        expect(await store.grants.findAccessToken('unknown')).toBeNull();
      });

      it('createGrant writes the audit event with the grant, and neither when the tokens fail', async () => {
        const { grant, jti } = await grantWithTokens();
        expect(await store.events.listForUser(grant.userId)).toMatchObject([
          { type: 'app.oauth2.token.grant', createdAt: grant.createdAt, data: { grant: grant.id } },
        ]);
        const second = newGrant({ codeHash: null });
        await expect(
          store.grants.createGrant(
            second,
            { accessToken: { jti, expiresAt: T0 + 1 } },
            { type: 'app.oauth2.token.grant', userId: second.userId },
          ),
        ).rejects.toThrow();
        expect(await store.grants.findGrant(second.id)).toBeNull();
        expect(await store.events.listForUser(second.userId)).toEqual([]);
      });

      it('a grant without a refresh token stores only the access token', async () => {
        const grant = newGrant({ codeHash: null });
        await store.grants.createGrant(
          grant,
          { accessToken: { jti: uid('jti'), expiresAt: T0 + 1 } },
          { type: 'app.oauth2.token.grant', userId: grant.userId },
        );
        expect((await store.grants.findGrant(grant.id))?.codeHash).toBeNull();
        const rows = await store.handle.db
          .selectFrom('refresh_tokens')
          .select('token_hash')
          .where('grant_id', '=', grant.id)
          .execute();
        expect(rows).toEqual([]);
      });

      describe('a replayed interaction code', () => {
        const tokensOf = (jti: string, refresh: string) => ({
          accessToken: { jti, expiresAt: T0 + 60 * MINUTE },
          refreshToken: { tokenHash: refresh, scopes: ['openid'], expiresAt: T0 + 120 * MINUTE },
        });
        async function redeemedCode() {
          const code = newCode();
          await store.interactionCodes.create(code);
          expect(await store.interactionCodes.consume(code.codeHash, T0)).not.toBeNull();
          return { code, grant: newGrant({ codeHash: code.codeHash, userId: code.userId }) };
        }
        /** What the token endpoint does with a code presented again: mark, then revoke its grant. */
        async function replay(s: Storage, codeHash: string, now: number) {
          expect(await s.interactionCodes.markReplayed(codeHash, now)).not.toBeNull();
          const grant = await s.grants.findGrantByCode(codeHash);
          if (grant) await s.grants.revokeGrant(grant.id, now);
        }

        it('createGrant creates nothing (no grant, tokens or event) for a code marked replayed or gone', async () => {
          const { code, grant } = await redeemedCode();
          await store.interactionCodes.markReplayed(code.codeHash, T0 + 1);
          const jti = uid('jti');
          const refresh = uid('rt');
          const event = { type: 'app.oauth2.token.grant', userId: grant.userId };
          expect(await store.grants.createGrant(grant, tokensOf(jti, refresh), event)).toBe(false);
          expect(await store.grants.findGrant(grant.id)).toBeNull();
          expect(await store.grants.findAccessToken(jti)).toBeNull();
          expect(await store.grants.findRefreshToken(refresh)).toBeNull();
          expect(await store.events.listForUser(grant.userId)).toEqual([]);

          const orphan = newGrant();
          expect(await store.grants.createGrant(orphan, tokensOf(uid('jti'), uid('rt')), event)).toBe(false);
          expect(await store.grants.findGrant(orphan.id)).toBeNull();
        });

        it("a replay marking the code while the grant's transaction holds it waits, then finds the grant", async () => {
          const { code, grant } = await redeemedCode();
          let release!: () => void;
          const gate = new Promise<void>((r) => (release = r));
          let locked!: (ok: boolean) => void;
          const lockTaken = new Promise<boolean>((r) => (locked = r));
          const creation = store.handle.db.transaction().execute(async (trx) => {
            locked(await lockUnreplayedCode(trx, code.codeHash));
            await gate;
            await trx.insertInto('grants').values(toGrantRow(grant)).execute();
          });
          expect(await lockTaken).toBe(true);
          let marked = false;
          const replayer = racers[racers.length - 1]!;
          const replaying = replay(replayer, code.codeHash, T0 + 5).then(() => (marked = true));
          await new Promise((r) => setTimeout(r, 150));
          expect(marked).toBe(false);
          release();
          await creation;
          await replaying;
          expect((await store.grants.findGrant(grant.id))?.revokedAt).toBe(T0 + 5);
        });

        it('20 rounds of a grant creation raced by replays: never a live grant, token or refresh token', async () => {
          const outcomes = { createdThenRevoked: 0, refused: 0 };
          for (let round = 0; round < 20; round++) {
            const { code, grant } = await redeemedCode();
            const jti = uid('jti');
            const refresh = uid('rt');
            const event = { type: 'app.oauth2.token.grant', userId: grant.userId };
            // The creation goes first, second or third among the racers, replays fill the rest; in
            // one round of three it starts late, as a redemption busy signing its tokens does.
            const creator = round % 3;
            const results = await race(6, async (s, i) => {
              if (i !== creator) return replay(s, code.codeHash, T0 + 10 + i);
              if (round % 3 === 2) await new Promise((r) => setTimeout(r, 5));
              return s.grants.createGrant(grant, tokensOf(jti, refresh), event);
            });
            const stored = await store.grants.findGrant(grant.id);
            if (results[creator]) {
              outcomes.createdThenRevoked++;
              expect(stored?.revokedAt, `round ${round}`).not.toBeNull();
              expect((await store.grants.findAccessToken(jti))?.revoked).toBe(true);
            } else {
              outcomes.refused++;
              expect(stored, `round ${round}`).toBeNull();
              expect(await store.grants.findAccessToken(jti)).toBeNull();
            }
            expect(await store.grants.consumeRefreshToken(refresh, T0 + 100)).toBeNull();
          }
          expect(outcomes.createdThenRevoked + outcomes.refused).toBe(20);
        });
      });

      it('consumeRefreshToken is single use under concurrency', async () => {
        const { refresh } = await grantWithTokens();
        const results = await race(20, (s) => s.grants.consumeRefreshToken(refresh, T0 + 1000));
        const winners = results.filter((r) => r !== null);
        expect(winners).toHaveLength(1);
        expect(winners[0]).toMatchObject({ tokenHash: refresh, usedAt: T0 + 1000 });
        expect((await store.grants.findRefreshToken(refresh))?.usedAt).toBe(T0 + 1000);
        expect(await store.grants.consumeRefreshToken(refresh, T0 + 2000)).toBeNull();
      });

      it('consumeRefreshToken refuses expired, revoked and unknown tokens and leaves them unused', async () => {
        const { refresh: expiring } = await grantWithTokens({}, T0 + 1000);
        expect(await store.grants.consumeRefreshToken(expiring, T0 + 1000)).toBeNull();
        expect(await store.grants.consumeRefreshToken(expiring, T0 + 5000)).toBeNull();
        expect((await store.grants.findRefreshToken(expiring))?.usedAt).toBeNull();
        expect(await store.grants.consumeRefreshToken(expiring, T0 + 999)).not.toBeNull();

        const { grant, refresh: revoked } = await grantWithTokens();
        await store.grants.revokeGrant(grant.id, T0 + 10);
        expect(await store.grants.consumeRefreshToken(revoked, T0 + 20)).toBeNull();
        expect(await store.grants.findRefreshToken(revoked)).toMatchObject({
          usedAt: null,
          revokedAt: T0 + 10,
        });

        expect(await store.grants.consumeRefreshToken('unknown', T0)).toBeNull();
      });

      it('addTokens adds the next pair of a rotation to the same family', async () => {
        const { grant, refresh } = await grantWithTokens();
        expect(await store.grants.consumeRefreshToken(refresh, T0 + 100)).not.toBeNull();
        const jti2 = uid('jti');
        const refresh2 = uid('rt');
        await store.grants.addTokens(
          grant.id,
          T0 + 100,
          {
            accessToken: { jti: jti2, expiresAt: T0 + 200 },
            refreshToken: { tokenHash: refresh2, scopes: ['openid'], expiresAt: T0 + 300 },
          },
          { type: 'app.oauth2.token.grant', userId: grant.userId, data: { grant: grant.id, rotation: true } },
        );
        expect(
          (await store.events.listForUser(grant.userId)).filter((e) => e.data.rotation === true),
        ).toMatchObject([{ type: 'app.oauth2.token.grant', createdAt: T0 + 100 }]);
        expect(await store.grants.findAccessToken(jti2)).toMatchObject({ grantId: grant.id, revoked: false });
        expect(await store.grants.findRefreshToken(refresh2)).toMatchObject({
          grantId: grant.id,
          scopes: ['openid'],
          createdAt: T0 + 100,
        });
        // Reuse of the first token: the caller revokes the family, which takes the new pair too.
        expect(await store.grants.consumeRefreshToken(refresh, T0 + 150)).toBeNull();
        await store.grants.revokeGrant(grant.id, T0 + 150);
        expect(await store.grants.consumeRefreshToken(refresh2, T0 + 160)).toBeNull();
        expect((await store.grants.findAccessToken(jti2))?.revoked).toBe(true);
      });

      it('revokeGrant revokes the grant, its access tokens and refresh tokens, and only those', async () => {
        const a = await grantWithTokens();
        const b = await grantWithTokens();
        await store.grants.revokeGrant(a.grant.id, T0 + 500);
        expect((await store.grants.findGrant(a.grant.id))?.revokedAt).toBe(T0 + 500);
        expect((await store.grants.findAccessToken(a.jti))?.revoked).toBe(true);
        expect((await store.grants.findRefreshToken(a.refresh))?.revokedAt).toBe(T0 + 500);
        expect((await store.grants.findAccessToken(b.jti))?.revoked).toBe(false);
        expect(await store.grants.consumeRefreshToken(b.refresh, T0 + 600)).not.toBeNull();
        // A second revocation keeps the first time.
        await store.grants.revokeGrant(a.grant.id, T0 + 900);
        expect((await store.grants.findGrant(a.grant.id))?.revokedAt).toBe(T0 + 500);
      });

      it('findAccessToken reports a token revoked through its grant', async () => {
        const { grant, jti } = await grantWithTokens();
        // Only the grant row is revoked (as a concurrent refresh may add a token after the family revocation).
        await store.handle.db
          .updateTable('grants')
          .set({ revoked_at: T0 + 1 })
          .where('id', '=', grant.id)
          .execute();
        expect(await store.grants.findAccessToken(jti)).toMatchObject({ revoked: true });
        const other = await grantWithTokens();
        await store.grants.revokeAccessToken(other.jti, T0 + 2);
        expect((await store.grants.findAccessToken(other.jti))?.revoked).toBe(true);
        expect((await store.grants.findGrant(other.grant.id))?.revokedAt).toBeNull();
      });

      it('revokeGrantsOfUser revokes every live grant of the user', async () => {
        const userId = uid('u');
        const one = await grantWithTokens({ userId });
        const two = await grantWithTokens({ userId });
        const stranger = await grantWithTokens();
        expect(await store.grants.revokeGrantsOfUser(userId, T0 + 7)).toBe(2);
        for (const g of [one, two]) expect((await store.grants.findAccessToken(g.jti))?.revoked).toBe(true);
        expect((await store.grants.findAccessToken(stranger.jti))?.revoked).toBe(false);
        expect(await store.grants.revokeGrantsOfUser(userId, T0 + 8)).toBe(0);
      });
    });

    describe('KeysStore', () => {
      beforeEach(async () => {
        await store.handle.db.deleteFrom('signing_keys').execute();
      });

      it('insertIfNoneActive inserts the first key only', async () => {
        const first = newKey(T0);
        expect(await store.keys.insertIfNoneActive(first)).toBe(true);
        expect(await store.keys.insertIfNoneActive(newKey(T0 + 1))).toBe(false);
        expect(await store.keys.findActive()).toEqual(first);
        expect(await store.keys.listAll()).toEqual([first]);
      });

      it('insertIfNoneActive called concurrently leaves exactly one active key', async () => {
        for (let round = 0; round < 5; round++) {
          await store.handle.db.deleteFrom('signing_keys').execute();
          const results = await race(racers.length === 1 ? 2 : racers.length * 2, (s, i) =>
            s.keys.insertIfNoneActive(newKey(T0 + i)),
          );
          expect(results.filter(Boolean)).toHaveLength(1);
          const active = (await store.keys.listAll()).filter((k) => k.status === 'active');
          expect(active).toHaveLength(1);
        }
      });

      it('rotate retires the active key, publishes it until the deadline and activates the next', async () => {
        const first = newKey(T0);
        await store.keys.insertIfNoneActive(first);
        const second = newKey(T0 + 1000);
        await store.keys.rotate(second, T0 + 1000, T0 + 1000 + 60 * MINUTE);
        expect(await store.keys.findActive()).toEqual(second);
        const all = await store.keys.listAll();
        expect(all.map((k) => k.kid)).toEqual([second.kid, first.kid]);
        expect(all[1]).toEqual({
          ...first,
          status: 'retired',
          retiredAt: T0 + 1000,
          publishUntil: T0 + 1000 + 60 * MINUTE,
        });
        expect(typeof all[1]?.publishUntil).toBe('number');

        const published = (now: number) =>
          store.keys.listPublished(now).then((keys) => keys.map((k) => k.kid));
        expect(await published(T0 + 2000)).toEqual([second.kid, first.kid]);
        expect(await published(T0 + 1000 + 60 * MINUTE - 1)).toEqual([second.kid, first.kid]);
        expect(await published(T0 + 1000 + 60 * MINUTE)).toEqual([second.kid]);

        const third = newKey(T0 + 3000);
        await store.keys.rotate(third, T0 + 3000, T0 + 3000 + 10 * MINUTE);
        expect((await store.keys.listAll()).filter((k) => k.status === 'active').map((k) => k.kid)).toEqual([
          third.kid,
        ]);
        expect(await published(T0 + 4000)).toEqual([third.kid, second.kid, first.kid]);
        // Each retired key keeps its own deadline: the first outlives the second here.
        expect(await published(T0 + 3000 + 10 * MINUTE)).toEqual([third.kid, first.kid]);
        expect(await published(T0 + 1000 + 60 * MINUTE)).toEqual([third.kid]);
      });

      it('concurrent rotations never leave two active keys', async () => {
        await store.keys.insertIfNoneActive(newKey(T0));
        const results = await Promise.allSettled(
          racers
            .concat(racers)
            .map((s, i) => s.keys.rotate(newKey(T0 + 1 + i), T0 + 1 + i, T0 + 1 + i + MINUTE)),
        );
        expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
        const active = (await store.keys.listAll()).filter((k) => k.status === 'active');
        expect(active).toHaveLength(1);
        expect(await store.keys.findActive()).toEqual(active[0]);
      });

      it('rotate on an empty store just activates the key', async () => {
        const only = newKey(T0);
        await store.keys.rotate(only, T0, T0 + MINUTE);
        expect(await store.keys.findActive()).toEqual(only);
        expect(await store.keys.listPublished(T0 + 10 * MINUTE)).toEqual([only]);
      });

      it('keeps one active key per algorithm: inserting and rotating one leaves the others alone', async () => {
        const rsa = newKey(T0);
        const ec = newKey(T0 + 1, { alg: 'ES256' });
        const ed = newKey(T0 + 2, { alg: 'EdDSA' });
        for (const key of [rsa, ec, ed]) expect(await store.keys.insertIfNoneActive(key)).toBe(true);
        expect(await store.keys.insertIfNoneActive(newKey(T0 + 3, { alg: 'ES256' }))).toBe(false);
        expect(await store.keys.findActive()).toEqual(rsa);
        expect(await store.keys.findActive('ES256')).toEqual(ec);
        expect(await store.keys.findActive('EdDSA')).toEqual(ed);

        const ec2 = newKey(T0 + 4, { alg: 'ES256' });
        await store.keys.rotate(ec2, T0 + 4, T0 + 4 + MINUTE);
        expect(await store.keys.findActive('ES256')).toEqual(ec2);
        expect(await store.keys.findActive()).toEqual(rsa);
        expect(await store.keys.findActive('EdDSA')).toEqual(ed);
        const active = (await store.keys.listAll()).filter((k) => k.status === 'active').map((k) => k.kid);
        expect(active.sort()).toEqual([rsa.kid, ec2.kid, ed.kid].sort());
        expect((await store.keys.listPublished(T0 + 5)).map((k) => k.kid)).toContain(ec.kid);

        // Racing rotations of one algorithm still end with one active key of it.
        await Promise.allSettled(
          racers.map((r, i) =>
            r.keys.rotate(newKey(T0 + 10 + i, { alg: 'EdDSA' }), T0 + 10 + i, T0 + MINUTE),
          ),
        );
        const activeEd = (await store.keys.listAll()).filter(
          (k) => k.status === 'active' && k.alg === 'EdDSA',
        );
        expect(activeEd).toHaveLength(1);
      });
    });

    describe('EmailChallengesStore', () => {
      function newChallenge(partial: Partial<EmailChallenge> = {}): EmailChallenge {
        return {
          id: uid('ch'),
          transactionId: uid('tx'),
          userId: uid('u'),
          recipient: 'ada@example.com',
          purpose: 'sign-in',
          seed: uid('seed'),
          createdAt: T0,
          expiresAt: T0 + 5 * MINUTE,
          attempts: 0,
          maxAttempts: 5,
          sends: 0,
          lastSentAt: null,
          consumedAt: null,
          ...partial,
        };
      }

      it('round-trips a challenge; replace leaves one challenge per transaction', async () => {
        const first = newChallenge({ recipient: null, userId: null, purpose: 'recovery' });
        await store.emailChallenges.replace(first);
        expect(await store.emailChallenges.findByTransaction(first.transactionId)).toEqual(first);
        const second = newChallenge({ transactionId: first.transactionId });
        await store.emailChallenges.replace(second);
        expect(await store.emailChallenges.findByTransaction(first.transactionId)).toEqual(second);
        const { n } = await store.handle.db
          .selectFrom('email_challenges')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('transaction_id', '=', first.transactionId)
          .executeTakeFirstOrThrow();
        expect(Number(n)).toBe(1);
      });

      it('concurrent replaces of one transaction’s challenge leave exactly one', async () => {
        const transactionId = uid('tx');
        const challenges = Array.from({ length: 6 }, () => newChallenge({ transactionId }));
        await race(6, (s, i) => s.emailChallenges.replace(challenges[i]!));
        const rows = await store.handle.db
          .selectFrom('email_challenges')
          .select('id')
          .where('transaction_id', '=', transactionId)
          .execute();
        expect(rows).toHaveLength(1);
        expect((await store.emailChallenges.findByTransaction(transactionId))?.id).toBe(rows[0]?.id);
      });

      it('recordAttempt is a guarded counter: 12 concurrent answers get attempts 1..5, the rest null', async () => {
        const challenge = newChallenge();
        await store.emailChallenges.replace(challenge);
        const results = await race(12, (s) => s.emailChallenges.recordAttempt(challenge.id, T0 + 1000));
        expect(results.filter((r) => r !== null).sort()).toEqual([1, 2, 3, 4, 5]);
        expect((await store.emailChallenges.findByTransaction(challenge.transactionId))?.attempts).toBe(5);
      });

      it('recordAttempt refuses expired and consumed challenges', async () => {
        const expired = newChallenge();
        await store.emailChallenges.replace(expired);
        expect(await store.emailChallenges.recordAttempt(expired.id, expired.expiresAt)).toBeNull();
        const used = newChallenge();
        await store.emailChallenges.replace(used);
        expect(await store.emailChallenges.recordAttempt(used.id, T0)).toBe(1);
        expect(await store.emailChallenges.consume(used.id, T0 + 1)).toBe(true);
        expect(await store.emailChallenges.recordAttempt(used.id, T0 + 2)).toBeNull();
      });

      it('consume is single use under concurrency', async () => {
        const challenge = newChallenge();
        await store.emailChallenges.replace(challenge);
        const results = await race(20, (s, i) => s.emailChallenges.consume(challenge.id, T0 + i));
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('recordSend throttles concurrent sends; undoSend gives one back', async () => {
        const challenge = newChallenge();
        await store.emailChallenges.replace(challenge);
        const interval = 30_000;
        const first = await race(10, (s) => s.emailChallenges.recordSend(challenge.id, T0, interval, 3));
        expect(first.filter(Boolean)).toHaveLength(1);
        expect(await store.emailChallenges.recordSend(challenge.id, T0 + interval - 1, interval, 3)).toBe(
          false,
        );
        expect(await store.emailChallenges.recordSend(challenge.id, T0 + interval, interval, 3)).toBe(true);
        await store.emailChallenges.undoSend(challenge.id, T0);
        expect(await store.emailChallenges.findByTransaction(challenge.transactionId)).toMatchObject({
          sends: 1,
          lastSentAt: T0,
        });
        expect(await store.emailChallenges.recordSend(challenge.id, T0 + interval, interval, 3)).toBe(true);
        expect(await store.emailChallenges.recordSend(challenge.id, T0 + 2 * interval, interval, 3)).toBe(
          true,
        );
        // The cap: three sends in all.
        expect(await store.emailChallenges.recordSend(challenge.id, T0 + 9 * interval, interval, 3)).toBe(
          false,
        );
      });
    });

    describeOutboxDelivery(() => ({ store, race }));
    describeAuthenticatorStores(() => ({ store, race }));
    describeUnitsOfWork(kind, () => ({
      store,
      race,
      openAnother: (poolSize) =>
        openStorage({ dataDir: dir, sqliteFile: ':memory:', databaseUrl: database?.url, poolSize }, false),
    }));
    describeDeletions(() => ({ store, race }));

    describe('OutboxStore and EmailTemplatesStore', () => {
      it('lists outbox messages newest first, per recipient case-insensitively', async () => {
        const to = `${uid('r')}@Example.com`;
        const message = (id: string, createdAt: number) => ({
          id,
          to,
          from: 'Gatehouse <no-reply@gatehouse.localhost>',
          subject: `Subject ${id}`,
          text: 'text',
          html: '<p>html</p>',
          templateId: 'email-challenge',
          createdAt,
          status: 'sent' as const,
        });
        const stored = (m: ReturnType<typeof message>) => ({
          ...m,
          attempts: 0,
          nextAttemptAt: null,
          lastError: null,
          sentAt: m.createdAt,
        });
        const a = message(uid('m'), T0);
        const b = message(uid('m'), T0 + 1);
        await store.outbox.add(a);
        await store.outbox.add(b);
        expect(await store.outbox.list({ to: to.toUpperCase() })).toEqual([stored(b), stored(a)]);
        expect(await store.outbox.list({ to, limit: 1 })).toEqual([stored(b)]);
        expect(await store.outbox.find(a.id)).toEqual(stored(a));
      });

      it("reads a recipient's emails through the index on lower(to_address)", async () => {
        const db = store.handle.db;
        const query = db
          .selectFrom('outbox')
          .selectAll()
          .where((eb) => eb(eb.fn('lower', ['to_address']), '=', 'someone@example.com'))
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(1)
          .compile();
        const plan = await db.transaction().execute(async (trx) => {
          if (kind === 'postgres') await sql`set local enable_seqscan = off`.execute(trx);
          const explain = kind === 'postgres' ? 'explain' : 'explain query plan';
          const { rows } = await trx.executeQuery(
            CompiledQuery.raw(`${explain} ${query.sql}`, [...query.parameters]),
          );
          return JSON.stringify(rows);
        });
        expect(plan).toContain('outbox_recipient');
      });

      it('upserts, finds and removes a template override', async () => {
        const key = { serverId: 'default', templateId: uid('tpl'), locale: 'en' };
        await store.emailTemplates.upsert({ ...key, subject: 'S1', html: 'H1', text: 'T1', updatedAt: T0 });
        await store.emailTemplates.upsert({
          ...key,
          subject: 'S2',
          html: 'H2',
          text: 'T2',
          updatedAt: T0 + 1,
        });
        expect(await store.emailTemplates.find(key.serverId, key.templateId, key.locale)).toEqual({
          ...key,
          subject: 'S2',
          html: 'H2',
          text: 'T2',
          updatedAt: T0 + 1,
        });
        expect(await store.emailTemplates.find(key.serverId, key.templateId, 'fr')).toBeNull();
        expect(await store.emailTemplates.remove(key.serverId, key.templateId, key.locale)).toBe(true);
        expect(await store.emailTemplates.remove(key.serverId, key.templateId, key.locale)).toBe(false);
      });

      it('concurrent upserts of one template all succeed and leave one row', async () => {
        const key = { serverId: 'default', templateId: uid('tpl'), locale: 'de' };
        await race(6, (s, i) =>
          s.emailTemplates.upsert({ ...key, subject: `S${i}`, html: 'H', text: 'T', updatedAt: T0 + i }),
        );
        expect((await store.emailTemplates.find(key.serverId, key.templateId, key.locale))?.subject).toMatch(
          /^S\d$/,
        );
      });
    });

    describe('RateLimitsStore and ServerSecretsStore', () => {
      it('counts concurrent hits exactly once each and restarts an expired window', async () => {
        const key = uid('rl');
        const window = 10 * MINUTE;
        const results = await race(20, (s) => s.rateLimits.hit(key, T0, window));
        expect(results.map((r) => r.count).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 20 }, (_, i) => i + 1),
        );
        expect(results.every((r) => r.windowStart === T0)).toBe(true);
        expect(await store.rateLimits.hit(key, T0 + window - 1, window)).toEqual({
          count: 21,
          windowStart: T0,
        });
        expect(await store.rateLimits.hit(key, T0 + window, window)).toEqual({
          count: 1,
          windowStart: T0 + window,
        });
      });

      it('getOrCreate: concurrent first calls agree on one secret', async () => {
        const name = uid('secret');
        const values = await race(8, (s, i) => s.serverSecrets.getOrCreate(name, () => `value-${i}`, T0));
        expect(new Set(values).size).toBe(1);
        expect(await store.serverSecrets.getOrCreate(name, () => 'other', T0)).toBe(values[0]);
      });
    });

    describe('EventsStore', () => {
      it('records events and lists a user’s newest first with their data', async () => {
        const userId = uid('u');
        await store.events.record(
          { type: 'user.session.start', userId, appId: 'app-1', ip: '127.0.0.1' },
          T0,
        );
        await store.events.record(
          { type: 'user.authentication.failed', userId, data: { factor: 'password', n: 2 } },
          T0 + 10,
        );
        await store.events.record({ type: 'other', userId: uid('u') }, T0 + 20);
        const events = await store.events.listForUser(userId);
        expect(events.map((e) => e.type)).toEqual(['user.authentication.failed', 'user.session.start']);
        expect(events[0]).toMatchObject({
          userId,
          appId: null,
          ip: null,
          data: { factor: 'password', n: 2 },
          createdAt: T0 + 10,
        });
        expect(events[1]).toMatchObject({ appId: 'app-1', ip: '127.0.0.1', data: {}, createdAt: T0 });
        expect(await store.events.listForUser(userId, 1)).toHaveLength(1);
      });
    });
  });
}
