// The stores the bench runs Gatehouse on: the embedded SQLite file in a temporary data directory,
// and PostgreSQL databases created for one invocation on a loopback server and dropped at its end.

import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { ROOT } from './processes.mjs';

export const DEFAULT_PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]', '::1'];

/** The admin URL without any password, for reports. */
export function describeUrl(url) {
  const u = new URL(url);
  u.password = '';
  return `${u.hostname}:${u.port || 5432}`;
}

/** Refuses anything but a loopback PostgreSQL: the bench never talks to another machine. */
export function checkAdminUrl(url) {
  const u = new URL(url);
  if (!/^postgres(ql)?:$/.test(u.protocol)) throw new Error(`not a postgres:// URL: ${url}`);
  if (!LOOPBACK.includes(u.hostname))
    throw new Error(`the bench only uses a loopback PostgreSQL, not ${u.hostname}`);
  return u;
}

async function withAdmin(adminUrl, work) {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Whether PostgreSQL answers at the admin URL: `{ version }` or `{ skipped }` with the reason.
 * @returns {Promise<{ version: string } | { skipped: string }>}
 */
export async function probePostgres(adminUrl) {
  try {
    const version = await withAdmin(
      adminUrl,
      async (c) => (await c.query('SHOW server_version')).rows[0].server_version,
    );
    return { version: `PostgreSQL ${version}` };
  } catch (error) {
    return {
      skipped: `no PostgreSQL at ${describeUrl(adminUrl)} (${error?.code ?? error?.message ?? error})`,
    };
  }
}

/** Creates an empty database and returns its URL (same server and user as the admin URL). */
export async function createDatabase(adminUrl, name) {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bad database name ${name}`);
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(adminUrl, name) {
  await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/**
 * Drops databases from a synchronous child process: usable in a process 'exit' handler, where
 * nothing asynchronous runs any more. Best effort, bounded to 20 s.
 */
export function dropDatabasesSync(adminUrl, names) {
  if (!names.length) return;
  const script = `
    const pg = require(${JSON.stringify(createRequire(import.meta.url).resolve('pg'))});
    const c = new pg.Client({ connectionString: process.env.ADMIN_URL, connectionTimeoutMillis: 3000 });
    (async () => {
      await c.connect();
      for (const n of JSON.parse(process.env.NAMES)) await c.query('DROP DATABASE IF EXISTS ' + n + ' WITH (FORCE)');
      await c.end();
    })().catch((e) => { console.error(String(e)); process.exit(1); });`;
  spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, ADMIN_URL: adminUrl, NAMES: JSON.stringify(names) },
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 20_000,
  });
}

/** The SQLite library better-sqlite3 embeds (the embedded store's engine). */
export async function sqliteVersion() {
  // The driver the server loads (better-sqlite3 13, or 12 on an older Node: ADR 0016).
  const driver = pathToFileURL(join(ROOT, 'packages/server/dist/storage/sqlite-driver.js')).href;
  const { SqliteDatabase } = await import(driver);
  const db = new SqliteDatabase(':memory:');
  try {
    return `SQLite ${db.prepare('SELECT sqlite_version() AS v').get().v}`;
  } finally {
    db.close();
  }
}

/** Bytes the store's data take: the SQLite file with its WAL and shared memory, or pg_database_size. */
export async function storeBytes(store) {
  if (store.databaseUrl) {
    const c = new pg.Client({ connectionString: store.databaseUrl });
    await c.connect();
    try {
      return Number((await c.query('SELECT pg_database_size(current_database()) AS n')).rows[0].n);
    } finally {
      await c.end();
    }
  }
  let bytes = 0;
  for (const f of readdirSync(store.dataDir))
    if (/^gatehouse\.db(-wal|-shm)?$/.test(f)) bytes += statSync(join(store.dataDir, f)).size;
  return bytes;
}
