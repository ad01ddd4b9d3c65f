// A real Gatehouse for the probes: the built CLI of a checkout (`--root`, default this one) on a free
// loopback port, over a fresh SQLite directory or a fresh PostgreSQL database, with one public app and
// one user made by the CLI. Black-box: the probes only speak HTTP to it, so they run unchanged against
// an older checkout (e.g. `git worktree add /tmp/old <commit>` and `npx tsc -b packages/server` there).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REDIRECT_URI = 'http://localhost:8080/login/callback';
const PG_ADMIN_URL = process.env.GATEHOUSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** `--name value` pairs of the command line (flags without a value are `true`). */
export function parseArgs(argv = process.argv.slice(2)) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) args[key] = true;
    else args[key] = argv[++i];
  }
  return args;
}

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

async function pgAdmin(sql) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Starts the server of checkout `root` (default: this repository) on `database` ('sqlite' or
 * 'postgres'), in one process or `workers` processes; resolves with its URL, the app's client id, the
 * user's login and password, and stop(). `env` adds environment variables (e.g. SMTP_URL);
 * `policy` (and `identifierFirst`) shape the public app; `confidentialApp` also makes an app with a
 * secret (returned as `confidential: { clientId, clientSecret }`); `users` makes that many more users
 * (returned as `logins`, all with the same password); `appOptions` adds `apps create` options
 * (e.g. `['--registration', '--unlock']`).
 */
export async function startProbeServer({
  root,
  database = 'sqlite',
  workers,
  env: extraEnv = {},
  policy,
  identifierFirst = false,
  confidentialApp = false,
  users = 0,
  appOptions = [],
} = {}) {
  const repo = resolve(root ?? join(fileURLToPath(import.meta.url), '../../../..'));
  const cli = join(repo, 'packages/server/dist/cli/main.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-probe-'));
  const env = { ...process.env, NODE_ENV: 'development', GATEHOUSE_DATA_DIR: dataDir };
  delete env.GATEHOUSE_CONFIG;
  Object.assign(env, extraEnv);
  let dbName = null;
  if (database === 'postgres') {
    dbName = `gatehouse_probe_${randomBytes(6).toString('hex')}`;
    await pgAdmin(`CREATE DATABASE ${dbName}`);
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${dbName}`;
    env.DATABASE_URL = url.toString();
  } else delete env.DATABASE_URL;

  const run = (...args) => {
    const out = spawnSync(process.execPath, [cli, ...args, '--json'], { env, encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`gatehouse ${args.join(' ')} failed: ${out.stderr}`);
    return JSON.parse(out.stdout);
  };
  const appArgs = ['apps', 'create', '--name', 'Probe', '--public', '--redirect-uri', REDIRECT_URI];
  if (policy) appArgs.push('--policy', policy);
  if (identifierFirst) appArgs.push('--identifier-first');
  appArgs.push(...appOptions);
  const app = run(...appArgs);
  const confidential = confidentialApp
    ? run('apps', 'create', '--name', 'Probe backend', '--redirect-uri', REDIRECT_URI)
    : null;
  const login = `probe-${randomBytes(4).toString('hex')}@example.com`;
  const password = `Probe-${randomBytes(12).toString('base64url')}-pass`;
  const logins = [login];
  for (let i = 0; i <= users; i++) {
    const next = i === 0 ? login : `probe-${i}-${randomBytes(4).toString('hex')}@example.com`;
    if (i > 0) logins.push(next);
    run('users', 'create', '--login', next, '--email', next, '--password', password);
  }

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const start = ['start', '--port', String(port), '--public-url', url];
  if (workers) start.push('--workers', String(workers));
  const child = spawn(process.execPath, [cli, ...start], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const started = Date.now();
  while (!output.includes('listening')) {
    if (child.exitCode !== null || Date.now() - started > 30_000)
      throw new Error(`the server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    issuer: `${url}/oauth2/default`,
    clientId: app.clientId ?? app.client_id,
    login,
    logins,
    password,
    database,
    confidential: confidential
      ? { clientId: confidential.clientId ?? confidential.client_id, clientSecret: confidential.clientSecret }
      : null,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dataDir, { recursive: true, force: true });
      if (dbName) await pgAdmin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    },
  };
}
