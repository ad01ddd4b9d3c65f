#!/usr/bin/env node
// Bulk users for the scaling run: users from..to−1 with unique logins and emails, all with ONE
// argon2id hash (Gatehouse's own PasswordHasher, hashed once per invocation: 1 M hashes would take
// hours), inserted with the raw driver in big transactions of multi-row inserts. The rows are what
// `UserService.createUser` writes (same id format, NFKC lower-case login_key, profile JSON, verified
// email, ACTIVE, a password credential); the schema comes from Gatehouse's migrations.
//
//   node bench/lib/seed-scale.mjs --data-dir <dir> --config <file> --from 0 --to 1000000 --password <p>
//
// DATABASE_URL in the environment selects PostgreSQL, as for the server. Prints one JSON line:
// {"inserted", "seconds", "hashMs", "usersInStore"}.

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(fileURLToPath(import.meta.url), '../../..');
const dist = (path) => import(pathToFileURL(join(ROOT, 'packages/server/dist', path)).href);

/** Login (and email) of scaling user `i`: zero-padded, so the login_key index order is the numeric order. */
export const scaleLogin = (/** @type {number} */ i) => `scale-${String(i).padStart(7, '0')}@bench.example`;

/**
 * `count` user indices spread evenly over 0..total−1 (every (total/count)-th user, from the middle of
 * each slice), so the driver touches the whole table and its indexes, not the first rows.
 */
export function spreadIndices(total, count) {
  if (count > total) throw new Error(`cannot pick ${count} users out of ${total}`);
  return Array.from({ length: count }, (_, j) => Math.floor(((j + 0.5) * total) / count));
}

/** The driver's users for a store holding `total` scaling users (all share `password`). */
export const scaleUsers = (total, count, password) =>
  spreadIndices(total, count).map((i) => ({ login: scaleLogin(i), email: scaleLogin(i), password }));

const SQLITE_ROWS_PER_STATEMENT = 1000; // 12 000 parameters, under SQLite's 32 766
const ROWS_PER_TRANSACTION = 100_000;
const PG_ROWS_PER_STATEMENT = 25_000;

/**
 * Row values of users from..to−1. Ids are random in UserService's format, handed out in ascending
 * order so that every index is appended to (the rows are the same, the bulk load far faster).
 */
function* rows(from, to, loginKey, now) {
  const ids = Array.from(
    { length: to - from },
    () => `00u${randomUUID().replaceAll('-', '').slice(0, 17)}`,
  ).sort();
  for (let i = from; i < to; i++) {
    const login = scaleLogin(i);
    yield {
      id: ids[i - from],
      login,
      loginKey: loginKey(login),
      email: login,
      // UserService stores { login, email, firstName, lastName }; undefined names vanish in JSON.
      profile: JSON.stringify({ login, email: login }),
      now,
    };
  }
}

const USER_COLUMNS =
  'id, login, login_key, email, email_verified, status, profile, failed_attempts, locked_until, created_at, updated_at, password_changed_at';

function seedSqlite(file, from, to, hash, loginKey, now) {
  return dist('storage/sqlite-driver.js').then(({ SqliteDatabase }) => {
    const db = new SqliteDatabase(file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      db.pragma('cache_size = -262144'); // 256 MiB for this connection
      const userRow = `(?, ?, ?, ?, 1, 'ACTIVE', ?, 0, NULL, ?, ?, ?)`;
      const credRow = `(?, 'password', ?, ?)`;
      const statements = new Map();
      const prepared = (n) => {
        let s = statements.get(n);
        if (!s) {
          s = {
            users: db.prepare(
              `INSERT INTO users (${USER_COLUMNS}) VALUES ${Array(n).fill(userRow).join(',')}`,
            ),
            credentials: db.prepare(
              `INSERT INTO credentials (user_id, type, secret_hash, created_at) VALUES ${Array(n).fill(credRow).join(',')}`,
            ),
          };
          statements.set(n, s);
        }
        return s;
      };
      const insertChunk = db.transaction((chunk) => {
        for (let k = 0; k < chunk.length; k += SQLITE_ROWS_PER_STATEMENT) {
          const part = chunk.slice(k, k + SQLITE_ROWS_PER_STATEMENT);
          const s = prepared(part.length);
          s.users.run(
            part.flatMap((r) => [r.id, r.login, r.loginKey, r.email, r.profile, r.now, r.now, r.now]),
          );
          s.credentials.run(part.flatMap((r) => [r.id, hash, r.now]));
        }
      });
      let chunk = [];
      for (const r of rows(from, to, loginKey, now)) {
        chunk.push(r);
        if (chunk.length === ROWS_PER_TRANSACTION) {
          insertChunk(chunk);
          chunk = [];
        }
      }
      if (chunk.length) insertChunk(chunk);
      db.pragma('wal_checkpoint(TRUNCATE)');
      return db.prepare('SELECT count(*) AS n FROM users').get().n;
    } finally {
      db.close();
    }
  });
}

async function seedPostgres(url, from, to, hash, loginKey, now) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let batch = [];
    const flush = async () => {
      if (!batch.length) return;
      await client.query('BEGIN');
      // unnest: one statement per batch whatever its size, parameters are arrays.
      await client.query(
        `INSERT INTO users (${USER_COLUMNS})
         SELECT id, login, login_key, email, 1, 'ACTIVE', profile, 0, NULL, $6::bigint, $6::bigint, $6::bigint
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t(id, login, login_key, email, profile)`,
        [
          batch.map((r) => r.id),
          batch.map((r) => r.login),
          batch.map((r) => r.loginKey),
          batch.map((r) => r.email),
          batch.map((r) => r.profile),
          now,
        ],
      );
      await client.query(
        `INSERT INTO credentials (user_id, type, secret_hash, created_at)
         SELECT id, 'password', $2, $3::bigint FROM unnest($1::text[]) AS t(id)`,
        [batch.map((r) => r.id), hash, now],
      );
      await client.query('COMMIT');
      batch = [];
    };
    for (const r of rows(from, to, loginKey, now)) {
      batch.push(r);
      if (batch.length === PG_ROWS_PER_STATEMENT) await flush();
    }
    await flush();
    // Planner statistics as a production database would have them (autovacuum lags a bulk load).
    await client.query('ANALYZE users');
    await client.query('ANALYZE credentials');
    return Number((await client.query('SELECT count(*) AS n FROM users')).rows[0].n);
  } finally {
    await client.end();
  }
}

/**
 * Inserts scaling users from..to−1 into the store the configuration names (schema migrated first).
 * @param {{ dataDir: string, configFile?: string, databaseUrl?: string, from: number, to: number, password: string }} options
 */
export async function seedScale({ dataDir, configFile, databaseUrl, from, to, password }) {
  const { loadConfig } = await dist('config/load.js');
  const { openDatabase, migrateToLatest } = await dist('storage/database.js');
  const { PasswordHasher } = await dist('identity/password-hasher.js');
  const { loginKey } = await dist('identity/users.js');
  const config = loadConfig({
    file: configFile,
    env: databaseUrl ? { DATABASE_URL: databaseUrl } : {},
    overrides: { storage: { dataDir } },
  });
  const handle = openDatabase(config.storage);
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.close();
  }
  const h0 = performance.now();
  const hash = await new PasswordHasher(config.passwordHashing).hash(password);
  const hashMs = performance.now() - h0;
  const t0 = performance.now();
  const now = Date.now();
  const usersInStore = config.storage.databaseUrl
    ? await seedPostgres(config.storage.databaseUrl, from, to, hash, loginKey, now)
    : await seedSqlite(
        join(config.storage.dataDir, config.storage.sqliteFile),
        from,
        to,
        hash,
        loginKey,
        now,
      );
  return { inserted: to - from, seconds: (performance.now() - t0) / 1000, hashMs, usersInStore };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values: args } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      config: { type: 'string' },
      from: { type: 'string', default: '0' },
      to: { type: 'string' },
      password: { type: 'string' },
    },
  });
  const from = Number(args.from);
  const to = Number(args.to);
  if (!args['data-dir'] || !args.password || !Number.isInteger(from) || !Number.isInteger(to) || to < from) {
    process.stderr.write(
      'usage: seed-scale.mjs --data-dir <dir> [--config <file>] --from <i> --to <j> --password <p>\n',
    );
    process.exit(2);
  }
  const result = await seedScale({
    dataDir: args['data-dir'],
    configFile: args.config,
    databaseUrl: process.env.DATABASE_URL || undefined,
    from,
    to,
    password: args.password,
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
