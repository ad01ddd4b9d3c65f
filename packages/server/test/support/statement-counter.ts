import { createRequire } from 'node:module';
import { SqliteDatabase } from '../../src/storage/sqlite-driver.js';

/** What one span of work sent to the database. */
export interface StatementCounts {
  /** Every statement executed, transaction control included. */
  statements: number;
  reads: number;
  writes: number;
  /** Writes outside an explicit transaction: each is its own commit. */
  autocommitWrites: number;
  /** Explicit transactions committed. */
  transactions: number;
  /** Commits the database made: explicit transactions plus autocommit writes. */
  commits: number;
  /**
   * Of the autocommit writes, those to the rate-limit counters (on PostgreSQL they run on their own
   * pool, outside the step's transaction, and commit alone).
   */
  counterCommits: number;
}

export const emptyCounts = (): StatementCounts => ({
  statements: 0,
  reads: 0,
  writes: 0,
  autocommitWrites: 0,
  transactions: 0,
  commits: 0,
  counterCommits: 0,
});

type Kind = 'begin' | 'commit' | 'rollback' | 'read' | 'write';

function kindOf(sql: string): Kind {
  const head = sql.trimStart().slice(0, 12).toLowerCase();
  if (head.startsWith('begin') || head.startsWith('start transa')) return 'begin';
  if (head.startsWith('commit') || head.startsWith('end')) return 'commit';
  if (head.startsWith('rollback')) return 'rollback';
  if (head.startsWith('select') || head.startsWith('with') || head.startsWith('pragma')) return 'read';
  return 'write';
}

let current = emptyCounts();
let installed = false;
/** `GATEHOUSE_LOG_STATEMENTS=1` also prints each statement as it runs (`*` = inside a transaction). */
const log = Boolean(process.env.GATEHOUSE_LOG_STATEMENTS);

function record(kind: Kind, inTransaction: boolean, sql: string): void {
  if (log) console.log(`${inTransaction ? '*' : ' '} ${sql.replace(/\s+/g, ' ').slice(0, 160)}`);
  current.statements++;
  if (kind === 'read') current.reads++;
  else if (kind === 'write') {
    current.writes++;
    if (!inTransaction) {
      current.autocommitWrites++;
      current.commits++;
      if (/\brate_limits\b/.test(sql)) current.counterCommits++;
    }
  } else if (kind === 'commit') {
    current.transactions++;
    current.commits++;
  }
}

/**
 * Counts every statement better-sqlite3 and node-pg execute in this process, transaction control
 * included, by wrapping their prototypes (so Kysely, the statement cache and the prepared-statement
 * pool are all seen as they run). Install once, before the server opens its database.
 */
export function installStatementCounter(): void {
  if (installed) return;
  installed = true;
  const require = createRequire(import.meta.url);
  const probe = new SqliteDatabase(':memory:');
  const statementProto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, unknown>;
  probe.close();
  for (const method of ['run', 'get', 'all', 'iterate'] as const) {
    const original = statementProto[method] as (...args: unknown[]) => unknown;
    statementProto[method] = function (
      this: { source: string; database: { inTransaction: boolean } },
      ...args: unknown[]
    ) {
      record(kindOf(this.source), this.database.inTransaction, this.source);
      return original.apply(this, args);
    };
  }
  const pg = require('pg') as typeof import('pg');
  const clientProto = pg.Client.prototype as unknown as Record<string, unknown>;
  const query = clientProto.query as (...args: unknown[]) => unknown;
  const inTransaction = new WeakMap<object, boolean>();
  clientProto.query = function (this: object, config: unknown, ...rest: unknown[]) {
    const text = typeof config === 'string' ? config : ((config as { text?: string })?.text ?? '');
    const kind = kindOf(text);
    record(kind, inTransaction.get(this) ?? false, text);
    if (kind === 'begin') inTransaction.set(this, true);
    else if (kind === 'commit' || kind === 'rollback') inTransaction.set(this, false);
    return query.call(this, config, ...rest);
  };
}

/** Counts since the last call, and starts counting afresh. */
export function takeCounts(): StatementCounts {
  const taken = current;
  current = emptyCounts();
  return taken;
}
