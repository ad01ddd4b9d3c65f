/**
 * A persistent `express-session` store in one SQLite table (better-sqlite3). Sessions survive
 * restarts; expired rows are ignored on read and swept periodically.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import session, { type SessionData } from 'express-session';
import { SqliteDriver } from './sqlite-driver.js';

export interface SqliteSessionStoreOptions {
  /** Database file, or `:memory:`. */
  file: string;
  /** Lifetime of a session whose cookie has no max age; default one day. */
  defaultTtlSeconds?: number;
  /** How often expired rows are deleted; default 10 minutes (0: never). */
  sweepIntervalMs?: number;
  /** Epoch milliseconds (tests). */
  now?: () => number;
}

type Callback<T = void> = (err?: unknown, value?: T) => void;

export class SqliteSessionStore extends session.Store {
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly defaultTtlMs: number;
  private readonly sweeper: NodeJS.Timeout | undefined;
  private readonly statements: {
    get: Database.Statement<[string, number], { data: string }>;
    set: Database.Statement<[string, string, number]>;
    touch: Database.Statement<[number, string]>;
    destroy: Database.Statement<[string]>;
    sweep: Database.Statement<[number]>;
    count: Database.Statement<[number], { n: number }>;
  };

  constructor(options: SqliteSessionStoreOptions) {
    super();
    if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
    this.db = new SqliteDriver(options.file);
    if (options.file !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS sessions (sid TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at INTEGER NOT NULL)',
    );
    this.db.exec('CREATE INDEX IF NOT EXISTS sessions_expires_at ON sessions (expires_at)');
    this.now = options.now ?? Date.now;
    this.defaultTtlMs = (options.defaultTtlSeconds ?? 86_400) * 1000;
    this.statements = {
      get: this.db.prepare('SELECT data FROM sessions WHERE sid = ? AND expires_at > ?'),
      set: this.db.prepare(
        'INSERT INTO sessions (sid, data, expires_at) VALUES (?, ?, ?) ' +
          'ON CONFLICT (sid) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at',
      ),
      touch: this.db.prepare('UPDATE sessions SET expires_at = ? WHERE sid = ?'),
      destroy: this.db.prepare('DELETE FROM sessions WHERE sid = ?'),
      sweep: this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?'),
      count: this.db.prepare('SELECT COUNT(*) AS n FROM sessions WHERE expires_at > ?'),
    };
    const every = options.sweepIntervalMs ?? 600_000;
    if (every > 0) {
      this.sweeper = setInterval(() => this.sweep(), every);
      this.sweeper.unref();
    }
  }

  /** Measured on the store's clock from each save or touch (rolling sessions: the idle timeout). */
  private expiresAt(data: SessionData): number {
    const maxAge = data.cookie?.originalMaxAge;
    return this.now() + (typeof maxAge === 'number' && maxAge > 0 ? maxAge : this.defaultTtlMs);
  }

  override get(sid: string, callback: Callback<SessionData | null>): void {
    try {
      const row = this.statements.get.get(sid, this.now());
      callback(null, row ? (JSON.parse(row.data) as SessionData) : null);
    } catch (err) {
      callback(err);
    }
  }

  override set(sid: string, data: SessionData, callback?: Callback): void {
    try {
      this.statements.set.run(sid, JSON.stringify(data), this.expiresAt(data));
      callback?.();
    } catch (err) {
      callback?.(err);
    }
  }

  override touch(sid: string, data: SessionData, callback?: Callback): void {
    try {
      this.statements.touch.run(this.expiresAt(data), sid);
      callback?.();
    } catch (err) {
      callback?.(err);
    }
  }

  override destroy(sid: string, callback?: Callback): void {
    try {
      this.statements.destroy.run(sid);
      callback?.();
    } catch (err) {
      callback?.(err);
    }
  }

  override length(callback: Callback<number>): void {
    try {
      callback(null, this.statements.count.get(this.now())?.n ?? 0);
    } catch (err) {
      callback(err);
    }
  }

  /** Deletes expired sessions; returns how many. */
  sweep(): number {
    return this.statements.sweep.run(this.now()).changes;
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.db.close();
  }
}
