import { AsyncLocalStorage } from 'node:async_hooks';
import { CompiledQuery, type DatabaseConnection, type Driver } from 'kysely';

/**
 * A unit of work groups what one request writes into one database transaction: begun at its first
 * statement, committed when the work ends (also when it throws: what a step wrote before it refused,
 * an attempt counted, stays written, as it did when every write committed alone). Explicit
 * transactions inside it become savepoints, so they still roll back alone.
 *
 * The one exception is a conflict the database aborted (`DatabaseConflictError`: a deadlock or a
 * serialization failure on PostgreSQL): the unit's transaction is rolled back whole, and the work runs
 * again from the start in a new one, unless part of it was already committed (`suspend`) or it
 * conflicted three times; then the error goes on (the HTTP edge answers 503, nothing half-written).
 */
export interface UnitsOfWork {
  run<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Commits what the current unit wrote and runs `work` (slow work: password hashing) with no
   * transaction open, so other requests are not held behind it; the unit's next statement begins a
   * new transaction. Outside a unit, or inside an explicit transaction, it only runs `work`.
   */
  suspend<T>(work: () => Promise<T>): Promise<T>;
}

export const passThroughUnits: UnitsOfWork = { run: (work) => work(), suspend: (work) => work() };

/**
 * The database aborted a statement or transaction because it conflicted with another one (a
 * deadlock, a serialization failure); nothing of that transaction was written, and running it again
 * may succeed. `cause` is the driver's error (with its SQLSTATE).
 */
export class DatabaseConflictError extends Error {
  override name = 'DatabaseConflictError';

  constructor(cause: unknown) {
    super(`the database aborted a transaction that conflicted with another: ${(cause as Error)?.message}`, {
      cause,
    });
  }
}

/** How often a unit's work runs when the database keeps aborting it as a conflict. */
const CONFLICT_ATTEMPTS = 3;

interface Unit {
  open: boolean;
  /** The unit's connection, its transaction begun: set at its first statement. */
  pending: Promise<DatabaseConnection> | null;
  connection: DatabaseConnection | null;
  /** Explicit transactions open inside the unit (savepoints). */
  depth: number;
  /** Part of the work was committed (by `suspend`): it cannot run again from the start. */
  committed: boolean;
}

/**
 * Wraps a driver so that statements run inside a unit of work (`run`) share one connection and one
 * transaction. better-sqlite3 is one connection behind a mutex: the unit holds it from its first
 * statement to its end, so a unit must never wait on anything slow while it holds it (`suspend`).
 * On PostgreSQL a unit holds one pooled connection from its first statement to its end (or to a
 * `suspend`) and never asks the pool for a second: a statement of the unit's work, wherever it comes
 * from, runs on that connection, so units cannot deadlock each other on the pool. Work started inside
 * a unit that outlives it (a timer) must not run statements while the unit is open.
 */
export class UnitOfWorkDriver implements UnitsOfWork {
  private readonly current = new AsyncLocalStorage<Unit>();
  private inner: Driver | null = null;

  wrap(inner: Driver): Driver {
    this.inner = inner;
    const unitOf = (connection: DatabaseConnection): Unit | null => {
      const unit = this.current.getStore();
      return unit && unit.connection === connection ? unit : null;
    };
    const savepoint = (unit: Unit) => CompiledQuery.raw(`savepoint gh_unit_${unit.depth}`);
    return {
      init: () => inner.init(),
      acquireConnection: () => {
        const unit = this.current.getStore();
        if (!unit?.open) return inner.acquireConnection();
        unit.pending ??= this.begin(unit);
        return unit.pending;
      },
      beginTransaction: async (connection, settings) => {
        const unit = unitOf(connection);
        if (!unit) return inner.beginTransaction(connection, settings);
        unit.depth++;
        await connection.executeQuery(savepoint(unit));
      },
      commitTransaction: async (connection) => {
        const unit = unitOf(connection);
        if (!unit) return inner.commitTransaction(connection);
        await connection.executeQuery(CompiledQuery.raw(`release savepoint gh_unit_${unit.depth}`));
        unit.depth--;
      },
      rollbackTransaction: async (connection) => {
        const unit = unitOf(connection);
        if (!unit) return inner.rollbackTransaction(connection);
        const name = `gh_unit_${unit.depth}`;
        unit.depth--;
        await connection.executeQuery(CompiledQuery.raw(`rollback to savepoint ${name}`));
        await connection.executeQuery(CompiledQuery.raw(`release savepoint ${name}`));
      },
      ...(inner.savepoint && { savepoint: inner.savepoint.bind(inner) }),
      ...(inner.rollbackToSavepoint && { rollbackToSavepoint: inner.rollbackToSavepoint.bind(inner) }),
      ...(inner.releaseSavepoint && { releaseSavepoint: inner.releaseSavepoint.bind(inner) }),
      releaseConnection: async (connection) => {
        if (unitOf(connection)) return;
        await inner.releaseConnection(connection);
      },
      destroy: () => inner.destroy(),
    };
  }

  run = async <T>(work: () => Promise<T>): Promise<T> => {
    // A unit inside a unit joins it (a second one would wait for the connection the first holds).
    if (this.current.getStore()?.open) return work();
    for (let attempt = 1; ; attempt++) {
      const unit: Unit = { open: true, pending: null, connection: null, depth: 0, committed: false };
      let result: T;
      try {
        result = await this.current.run(unit, work);
      } catch (err) {
        unit.open = false;
        if (!(err instanceof DatabaseConflictError)) {
          await this.end(unit);
          throw err;
        }
        await this.end(unit, 'rollback');
        if (unit.committed || attempt >= CONFLICT_ATTEMPTS) throw err;
        continue;
      }
      unit.open = false;
      try {
        await this.end(unit);
      } catch (err) {
        if (err instanceof DatabaseConflictError && !unit.committed && attempt < CONFLICT_ATTEMPTS) continue;
        throw err;
      }
      return result;
    }
  };

  suspend = async <T>(work: () => Promise<T>): Promise<T> => {
    const unit = this.current.getStore();
    if (unit?.open && unit.depth === 0) {
      if (unit.pending) unit.committed = true;
      await this.end(unit);
    }
    return work();
  };

  private async begin(unit: Unit): Promise<DatabaseConnection> {
    const inner = this.inner!;
    const connection = await inner.acquireConnection();
    try {
      await inner.beginTransaction(connection, {});
    } catch (err) {
      await inner.releaseConnection(connection);
      unit.pending = null;
      throw err;
    }
    unit.connection = connection;
    return connection;
  }

  /**
   * Commits (or rolls back) what the unit wrote, if it wrote or read anything, and gives the
   * connection back.
   */
  private async end(unit: Unit, outcome: 'commit' | 'rollback' = 'commit'): Promise<void> {
    const { pending } = unit;
    if (!pending) return;
    unit.pending = null;
    const connection = await pending.catch(() => null);
    if (!connection) return;
    unit.connection = null;
    const inner = this.inner!;
    try {
      if (outcome === 'rollback') await inner.rollbackTransaction(connection);
      else await inner.commitTransaction(connection);
    } catch (err) {
      await inner.rollbackTransaction(connection).catch(() => {});
      throw err;
    } finally {
      await inner.releaseConnection(connection);
    }
  }
}
