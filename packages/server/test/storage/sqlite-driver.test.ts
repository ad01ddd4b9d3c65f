import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  SQLITE_DRIVER_PACKAGE,
  SQLITE_DRIVER_PATH,
  SqliteDatabase,
} from '../../src/storage/sqlite-driver.js';

/** The version in the package.json above the driver's entry file. */
function versionOf(entry: string): string {
  let dir = dirname(entry);
  while (!dir.endsWith('node_modules')) {
    try {
      return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      dir = dirname(dir);
    }
  }
  throw new Error(`no package.json above ${entry}`);
}

/**
 * ADR 0016: better-sqlite3 13 wherever Node has Node-API 10 (Node 22.14+, 24), because 12 aborts
 * Node 24 when a statement is freed; 12 on an older Node, where 13 crashes.
 */
describe('the SQLite driver this Node loads', () => {
  const nodeApi = Number(process.versions.napi);

  it(`is better-sqlite3 ${nodeApi >= 10 ? '13' : '12'} on Node ${process.version} (Node-API ${nodeApi})`, () => {
    const major = Number(versionOf(SQLITE_DRIVER_PATH).split('.')[0]);
    if (nodeApi >= 10) {
      expect(SQLITE_DRIVER_PACKAGE).toBe('better-sqlite3');
      expect(major).toBe(13);
    } else {
      expect(SQLITE_DRIVER_PACKAGE).toBe('better-sqlite3-v12');
      expect(major).toBe(12);
    }
  });

  it('opens a database and runs two thousand statements', () => {
    const db = new SqliteDatabase(':memory:');
    db.exec('create table t (n integer)');
    for (let i = 0; i < 2000; i++) db.prepare(`insert into t (n) values (${i})`).run();
    expect(db.prepare('select count(*) as n from t').get()).toEqual({ n: 2000 });
    db.close();
  });
});
