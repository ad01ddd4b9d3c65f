/**
 * Which better-sqlite3 to load: 13 (Node-API 10: Node 22.14+ and 24) when it is installed, else
 * 12 (`better-sqlite3-v12`) on an older Node, where npm skips 13 and 13 would crash. 12 aborts
 * Node 24 when a statement is freed, so it is only the fallback. Gatehouse's server does the same
 * (packages/server/src/storage/sqlite-driver.ts, ADR 0016).
 */
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';

const require = createRequire(import.meta.url);

function loadDriver(): typeof Database {
  if (Number(process.versions.napi) >= 10) {
    try {
      const driver = require('better-sqlite3') as typeof Database;
      new driver(':memory:').close(); // loads the native binary now, not at the first open
      return driver;
    } catch {
      // Skipped at install (`--omit=optional`, no prebuilt binary here): 12 below.
    }
  }
  return require('better-sqlite3-v12') as typeof Database;
}

export const SqliteDriver: typeof Database = loadDriver();
