import { AsyncLocalStorage } from 'node:async_hooks';
import { CompiledQuery, type DatabaseConnection, type Driver } from 'kysely';

/**
 * A unit of work groups what one request writes into one database transaction: begun at its first
 * statement, committed when the work ends (also when it throws: what a step wrote before it refused,
 * an attempt counted, a rate-limit hit, stays written, as it did when every write committed alone).
 * Explicit transactions inside it become savepoints, so they still roll back alone.
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

interface Unit {
  open: boolean;
  /** The unit's connection, its transaction begun: set at its first statement. */
  pending: Promise<DatabaseConnection> | null;
  connection: DatabaseConnection | null;
  /** Explicit transactions open inside the unit (savepoints). */
  depth: number;
}

/**
 * Wraps a driver so that statements run inside a unit of work (`run`) share one connection and one
 * transaction. better-sqlite3 is one connection behind a mutex: the unit holds it from its first
 * statement to its end, so a unit must never wait on anything slow while it holds it (`suspend`).
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
    const unit: Unit = { open: true, pending: null, connection: null, depth: 0 };
    try {
      return await this.current.run(unit, work);
    } finally {
      unit.open = false;
      await this.end(unit);
    }
  };

  suspend = async <T>(work: () => Promise<T>): Promise<T> => {
    const unit = this.current.getStore();
    if (unit?.open && unit.depth === 0) await this.end(unit);
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

  /** Commits what the unit wrote (if it wrote or read anything) and gives the connection back. */
  private async end(unit: Unit): Promise<void> {
    const { pending } = unit;
    if (!pending) return;
    unit.pending = null;
    const connection = await pending.catch(() => null);
    if (!connection) return;
    unit.connection = null;
    const inner = this.inner!;
    try {
      await inner.commitTransaction(connection);
    } catch (err) {
      await inner.rollbackTransaction(connection).catch(() => {});
      throw err;
    } finally {
      await inner.releaseConnection(connection);
    }
  }
}
