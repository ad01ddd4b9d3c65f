import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  Migrator,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
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
import type { Database } from './schema.js';
import { passThroughUnits, UnitOfWorkDriver, type UnitsOfWork } from './units-of-work.js';

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
  /** Units of work: one commit per IDX step (SQLite; on PostgreSQL they run the work as it is). */
  units: UnitsOfWork;
  close(): Promise<void>;
}

const INT8_OID = 20;

/** Opens SQLite (embedded default) or PostgreSQL when a URL is given. Only this folder imports a driver. */
export function openDatabase(options: StorageOptions): DatabaseHandle {
  if (options.databaseUrl) {
    // Loaded only for PostgreSQL: the driver costs ~10 MB of resident memory the embedded store never uses.
    const pg = createRequire(import.meta.url)('pg') as typeof import('pg');
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      // Times are stored as bigint; they fit in a JS number.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID
            ? (v: string) => Number(v)
            : pg.types.getTypeParser(oid, format as 'text')) as never,
      },
    });
    // An idle connection the server ends (restart, failover, DROP DATABASE … FORCE) is discarded by
    // the pool, which then emits 'error'; without a listener that event would crash the process.
    pool.on('error', () => {});
    // A client that dies while checked out (between the statements of a transaction) emits
    // 'error' on itself, not on the pool: without this listener the process would crash. The
    // query in flight, or the next one on that client, fails instead, and the pool replaces it.
    pool.on('connect', (client) => {
      client.on('error', () => {});
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: withPreparedStatements(pool) }) });
    const url = new URL(options.databaseUrl);
    url.password = '';
    // No units of work on PostgreSQL: a step's transaction would hold row locks (the per-IP rate
    // limit counters every step hits) and a pooled connection for the whole step.
    return {
      db,
      dialect: 'postgres',
      location: url.toString(),
      units: passThroughUnits,
      close: () => db.destroy(),
    };
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
  return { db, dialect: 'sqlite', location: file, units, close: () => db.destroy() };
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

/**
 * Kysely sends every query as an unnamed statement, which PostgreSQL parses and plans afresh each
 * time. Naming each parameterised statement after a hash of its text makes node-pg prepare it once
 * per connection and then only bind and execute it (the set of texts is small: queries are built
 * with parameters). Statements without parameters (begin, commit, DDL of migrations) stay unnamed.
 * Measured on the bench box: PostgreSQL CPU per indexed lookup 80–105 µs unnamed, 33–40 µs named.
 * A migration run by another process while this one serves could invalidate a prepared `select *`
 * ("cached plan must not change result type"): migrate before starting servers, as `start` does.
 */
function withPreparedStatements(pool: import('pg').Pool): PostgresPool {
  return {
    async connect() {
      const client = await pool.connect();
      return {
        query: ((text: string, values: unknown[]) =>
          values.length > 0
            ? client.query({ name: statementName(text), text, values })
            : client.query(text, values)) as unknown as PostgresPoolClient['query'],
        release: (err?: Error | boolean) => client.release(err),
      };
    },
    end: () => pool.end(),
  };
}

function statementName(text: string): string {
  return `gh_${createHash('sha256').update(text).digest('base64url').slice(0, 40)}`;
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query afresh; better-sqlite3 statements can be reused, so keep the most
 * recent ones by SQL text (queries are built with parameters, so the set of texts is small).
 */
function withStatementCache(sqlite: SqliteDatabase.Database): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const prepare = (source: string): SqliteDatabase.Statement => {
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
