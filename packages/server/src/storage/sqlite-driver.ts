import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const require = createRequire(import.meta.url);

/**
 * The better-sqlite3 this Node can run (ADR 0016). 13 is built on Node-API 10, which Node 22.14+
 * and 24 have; on an older Node (20, 22.12–22.13) it crashes in `new Database()`, and npm skips it
 * there (an optional dependency whose `engines` do not match). 12, installed as
 * `better-sqlite3-v12`, wraps V8 objects itself, and on Node 24 that aborts the process when a
 * statement is freed (`RemoveEnvironmentCleanupHook`: `(env) != nullptr`), at exit at the latest.
 * So: 13 where Node-API 10 is there and 13 loads, else 12.
 */
function pick(): { name: string; driver: typeof BetterSqlite3 } {
  if (Number(process.versions.napi) >= 10) {
    try {
      const driver = require('better-sqlite3') as typeof BetterSqlite3;
      new driver(':memory:').close(); // loads the native binary now, not at the first open
      return { name: 'better-sqlite3', driver };
    } catch {
      // Not installed (`--omit=optional`) or no prebuilt binary for this platform: 12 it is.
    }
  }
  return { name: 'better-sqlite3-v12', driver: require('better-sqlite3-v12') as typeof BetterSqlite3 };
}

const picked = pick();

/** The package name the driver was loaded from: `better-sqlite3` (13) or `better-sqlite3-v12`. */
export const SQLITE_DRIVER_PACKAGE = picked.name;
/** The driver's module file, for a worker thread that must load the same one. */
export const SQLITE_DRIVER_PATH = require.resolve(picked.name);
export const SqliteDatabase: typeof BetterSqlite3 = picked.driver;
export type SqliteDatabase = BetterSqlite3.Database;
export type SqliteStatement = BetterSqlite3.Statement;
