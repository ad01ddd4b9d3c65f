import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { type Driver, Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import type { Pool } from 'pg';
import type { Database } from './schema.js';
import { DatabaseConflictError, UnitOfWorkDriver } from './units-of-work.js';

const INT8_OID = 20;

/**
 * Connections of the rate-limit counters' own pool. A counter is one short upsert in autocommit;
 * the hot rows (the per-IP keys every step of every flow from one address hits) serialise them
 * anyway, so two connections are as fast as more.
 */
export const COUNTER_POOL_SIZE = 2;

/** SQLSTATEs of a transaction PostgreSQL aborted because it conflicted with another: run it again. */
const CONFLICT_CODES = new Set(['40001', '40P01']);

export interface PostgresDatabase {
  db: Kysely<Database>;
  /** The rate-limit counters' own small pool: autocommit, never inside a unit of work. */
  counters: Kysely<Database>;
  units: UnitOfWorkDriver;
  close(): Promise<void>;
}

/**
 * Opens PostgreSQL: the main pool, whose connections units of work take for an IDX step, and a
 * small pool of its own for the rate-limit counters. A counter hit inside a step's transaction would
 * hold its row lock until the step ends, and every step of every flow from one address hits the
 * same per-IP rows; on their own pool the hits commit at once, and a step that holds a main-pool
 * connection never waits for a second one (with 10 steps holding the 10 connections, an 11th
 * statement from one of them would wait forever).
 */
export function openPostgres(databaseUrl: string, poolSize: number): PostgresDatabase {
  // Loaded only for PostgreSQL: the driver costs ~10 MB of resident memory the embedded store never uses.
  const pg = createRequire(import.meta.url)('pg') as typeof import('pg');
  const newPool = (max: number): Pool => {
    const pool = new pg.Pool({
      connectionString: databaseUrl,
      max,
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
    return pool;
  };
  const units = new UnitOfWorkDriver();
  const db = new Kysely<Database>({
    dialect: new UnitsPostgresDialect(withPreparedStatements(newPool(poolSize)), units),
  });
  const counters = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: withPreparedStatements(newPool(COUNTER_POOL_SIZE)) }),
  });
  return {
    db,
    counters,
    units,
    close: async () => {
      await Promise.all([db.destroy(), counters.destroy()]);
    },
  };
}

class UnitsPostgresDialect extends PostgresDialect {
  constructor(
    pool: PostgresPool,
    private readonly units: UnitOfWorkDriver,
  ) {
    super({ pool });
  }

  override createDriver(): Driver {
    return this.units.wrap(super.createDriver());
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
 * A deadlock or serialization failure becomes a `DatabaseConflictError` (units of work run the
 * step again; the HTTP edge answers 503 when they cannot).
 */
function withPreparedStatements(pool: Pool): PostgresPool {
  const conflict = (err: unknown): never => {
    const code = (err as { code?: unknown } | null)?.code;
    throw typeof code === 'string' && CONFLICT_CODES.has(code) ? new DatabaseConflictError(err) : err;
  };
  return {
    async connect() {
      const client = await pool.connect();
      return {
        query: ((text: string, values: unknown[]) =>
          (values.length > 0
            ? client.query({ name: statementName(text), text, values })
            : client.query(text, values)
          ).catch(conflict)) as unknown as PostgresPoolClient['query'],
        release: (err?: Error | boolean) => client.release(err),
      };
    },
    end: () => pool.end(),
  };
}

function statementName(text: string): string {
  return `gh_${createHash('sha256').update(text).digest('base64url').slice(0, 40)}`;
}
