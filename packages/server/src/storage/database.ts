import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  Migrator,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  type TransactionSettings,
} from 'kysely';
import * as initial from './migrations/0001-initial.js';
import * as email from './migrations/0002-email.js';
import * as passwordHistory from './migrations/0003-password-history.js';
import * as outboxRecipientIndex from './migrations/0004-outbox-recipient-index.js';
import * as policyRequirements from './migrations/0005-policy-requirements.js';
import * as interactionCodeReplay from './migrations/0006-interaction-code-replay.js';
import * as deliveryOutbox from './migrations/0007-delivery-outbox.js';
import * as passwordAttemptsInFlight from './migrations/0008-password-attempts-in-flight.js';
import * as usersEmailLookup from './migrations/0009-users-email-lookup.js';
import * as appLoginUri from './migrations/0010-app-login-uri.js';
import * as authenticatorEnrollments from './migrations/0011-authenticator-enrollments.js';
import * as hostedSignIn from './migrations/0012-hosted-sign-in.js';
import * as tokenSigningAlg from './migrations/0013-token-signing-alg.js';
import { openPostgres } from './postgres-database.js';
import type { Database } from './schema.js';
import { SqliteDatabase, type SqliteStatement } from './sqlite-driver.js';
import { UnitOfWorkDriver, type UnitsOfWork } from './units-of-work.js';

export type DialectName = 'sqlite' | 'postgres';

export interface StorageOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  sqliteFile: string;
  poolSize?: number;
}

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Where the data lives, for logs (never includes a password). */
  location: string;
  /**
   * The rate-limit counters' database: on PostgreSQL a small pool of its own, in autocommit and
   * outside units of work (`postgres-database.ts` says why); on SQLite `db` itself.
   */
  counters: Kysely<Database>;
  /** Units of work: one commit per IDX step. */
  units: UnitsOfWork;
  close(): Promise<void>;
}

/** Opens SQLite (embedded default) or PostgreSQL when a URL is given. Only this folder imports a driver. */
export function openDatabase(options: StorageOptions): DatabaseHandle {
  if (options.databaseUrl) {
    const { db, counters, units, close } = openPostgres(options.databaseUrl, options.poolSize ?? 10);
    const url = new URL(options.databaseUrl);
    url.password = '';
    return { db, counters, dialect: 'postgres', location: url.toString(), units, close };
  }
  let file = options.sqliteFile;
  if (file !== ':memory:') {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    file = join(options.dataDir, file);
  }
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Other processes (the CLI while a server runs) wait for the write lock instead of failing.
  sqlite.pragma('busy_timeout = 5000');
  const units = new UnitOfWorkDriver();
  const db = new Kysely<Database>({
    dialect: new WriteLockingSqliteDialect({ database: withStatementCache(sqlite) }, units),
  });
  return { db, counters: db, dialect: 'sqlite', location: file, units, close: () => db.destroy() };
}

/**
 * Kysely's SQLite driver begins every transaction with a plain (DEFERRED) `begin`: the write lock is
 * taken at the first write. When another process (a second worker, the CLI) commits between this
 * transaction's first read and its first write, SQLite answers SQLITE_BUSY at once instead of
 * waiting out `busy_timeout`, since the snapshot the transaction read is stale. `begin immediate`
 * takes the write lock up front, so a transaction waits its turn and then cannot fail that way.
 * A transaction started with `.setAccessMode('read only')` keeps the plain `begin`.
 */
class WriteLockingSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings = {}) {
    const begin = settings.accessMode === 'read only' ? 'begin' : 'begin immediate';
    await connection.executeQuery(CompiledQuery.raw(begin));
  }
}

class WriteLockingSqliteDialect extends SqliteDialect {
  constructor(
    private readonly sqliteConfig: SqliteDialectConfig,
    private readonly units: UnitOfWorkDriver,
  ) {
    super(sqliteConfig);
  }

  override createDriver(): Driver {
    return this.units.wrap(new WriteLockingSqliteDriver(this.sqliteConfig));
  }
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query afresh; better-sqlite3 statements can be reused, so keep the most
 * recent ones by SQL text (queries are built with parameters, so the set of texts is small).
 */
function withStatementCache(sqlite: SqliteDatabase): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  const prepare = (source: string): SqliteStatement => {
    let statement = cache.get(source);
    if (statement) {
      cache.delete(source);
    } else {
      statement = sqlite.prepare(source);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    }
    cache.set(source, statement);
    return statement;
  };
  return new Proxy(sqlite, {
    get(target, property) {
      if (property === 'prepare') return prepare;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Applies every pending migration; the same set runs on both databases. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: {
      getMigrations: async () => ({
        '0001-initial': initial,
        '0002-email': email,
        '0003-password-history': passwordHistory,
        '0004-outbox-recipient-index': outboxRecipientIndex,
        '0005-policy-requirements': policyRequirements,
        '0006-interaction-code-replay': interactionCodeReplay,
        '0007-delivery-outbox': deliveryOutbox,
        '0008-password-attempts-in-flight': passwordAttemptsInFlight,
        '0009-users-email-lookup': usersEmailLookup,
        '0010-app-login-uri': appLoginUri,
        '0011-authenticator-enrollments': authenticatorEnrollments,
        '0012-hosted-sign-in': hostedSignIn,
        '0013-token-signing-alg': tokenSigningAlg,
      }),
    },
    migrationTableName: 'gatehouse_migrations',
    migrationLockTableName: 'gatehouse_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
