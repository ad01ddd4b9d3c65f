import { type Compilable, type CompiledQuery, createQueryId, type Kysely, type QueryResult } from 'kysely';
import type { Database } from './schema.js';

/** A parameter the builder is given when the query is compiled once; replaced by the value per call. */
class Slot {
  constructor(readonly index: number) {}
}

interface Compiled {
  query: CompiledQuery;
  /** For each bound parameter: the argument it takes, or -1 for a constant of the query itself. */
  slots: number[];
}

/** Compiled queries, per dialect (its query compiler) and per query name. */
const compiledBy = new WeakMap<object, Map<string, Compiled>>();

/**
 * A hot query compiled once per process and dialect, its arguments bound per call: Kysely builds and
 * compiles a query in ~15 µs, several times per sign-in step. `build` receives placeholders for the
 * arguments and must pass each one as a bound value, unchanged (no arithmetic, no JSON on them: do
 * that before calling). The SQL text stays the same, so better-sqlite3's statement cache and
 * PostgreSQL's per-connection prepared statements (`withPreparedStatements`) still apply.
 */
export class PreparedQuery<A extends unknown[], R> {
  constructor(
    private readonly name: string,
    private readonly arity: number,
    private readonly build: (db: Kysely<Database>, ...args: A) => Compilable<R>,
  ) {}

  execute(db: Kysely<Database>, ...args: A): Promise<QueryResult<R>> {
    const { query, slots } = this.compiled(db);
    const parameters = slots.map((slot, i) => (slot < 0 ? query.parameters[i] : args[slot]));
    return db.executeQuery<R>({ ...query, parameters, queryId: createQueryId() } as CompiledQuery<R>);
  }

  async first(db: Kysely<Database>, ...args: A): Promise<R | undefined> {
    return (await this.execute(db, ...args)).rows[0];
  }

  private compiled(db: Kysely<Database>): Compiled {
    // The adapter is shared by a Kysely instance and its transactions, one per dialect instance.
    const key = db.getExecutor().adapter;
    let byName = compiledBy.get(key);
    if (!byName) {
      byName = new Map();
      compiledBy.set(key, byName);
    }
    let compiled = byName.get(this.name);
    if (!compiled) {
      const placeholders = Array.from({ length: this.arity }, (_, i) => new Slot(i)) as unknown as A;
      const query = this.build(db, ...placeholders).compile();
      const slots = query.parameters.map((p) => (p instanceof Slot ? p.index : -1));
      const used = new Set(slots.filter((s) => s >= 0));
      if (used.size !== this.arity)
        throw new Error(`prepared query ${this.name}: every argument must be bound exactly as given`);
      compiled = {
        query: { ...query, parameters: query.parameters.map((p) => (p instanceof Slot ? null : p)) },
        slots,
      };
      byName.set(this.name, compiled);
    }
    return compiled;
  }
}
