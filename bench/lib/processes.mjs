// The bench's child processes: `gatehouse start`, the CLI and Node scripts, each with the
// environment of one store. Every child is tracked so that `killChildren` can end them on any exit.

import { execFileSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(ROOT, 'packages/server/bin/gatehouse.js');
const READY = /Gatehouse listening on (\S+)/;

/**
 * A store the bench runs Gatehouse on: its data directory (configuration file, SQLite file) and,
 * for PostgreSQL, the URL of the database created for this invocation.
 * @typedef {{ store: 'sqlite' | 'postgres', dataDir: string, configFile: string, databaseUrl: string | null }} Store
 */

/** @type {Set<import('node:child_process').ChildProcess>} */
export const children = new Set();

/** SIGKILLs every child still running (synchronous: safe in an 'exit' handler). */
export function killChildren() {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/**
 * The children's environment: development defaults (NODE_ENV unset), quiet logs, nothing inherited
 * that would change the configuration, and DATABASE_URL set exactly when the store is PostgreSQL.
 * @param {Store | null} store
 */
export function childEnv(store = null) {
  const env = { ...process.env, GATEHOUSE_LOG_LEVEL: 'warn' };
  for (const key of [
    'NODE_ENV',
    'DATABASE_URL',
    'REDIS_URL',
    'SMTP_URL',
    'GATEHOUSE_CONFIG',
    'GATEHOUSE_DATA_DIR',
    'GATEHOUSE_PUBLIC_URL',
    'GATEHOUSE_HOST',
    'GATEHOUSE_PORT',
    'GATEHOUSE_WORKERS',
    'GATEHOUSE_SECRET_KEY',
  ])
    delete env[key];
  if (store?.databaseUrl) env.DATABASE_URL = store.databaseUrl;
  return env;
}

/** Whether `gatehouse start --help` offers `--workers` (node:cluster workers on one port). */
export function serverSupportsWorkers() {
  try {
    const help = execFileSync(process.execPath, [BIN, 'start', '--help'], {
      encoding: 'utf8',
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 30_000,
    });
    return /--workers\b/.test(help);
  } catch {
    return false;
  }
}

/**
 * Starts `gatehouse start` on a store and resolves once it prints its ready line.
 * @param {Store} store
 * @param {number} port
 * @param {{ workers?: number, nodeArgs?: string[] }} [options] workers > 1 passes `--workers <n>`;
 *   nodeArgs go to Node before the script (e.g. `--cpu-prof`)
 */
export function startServer(store, port, { workers = 1, nodeArgs = [] } = {}) {
  return new Promise((resolve, reject) => {
    const argv = [
      ...(nodeArgs ?? []),
      BIN,
      'start',
      '--data-dir',
      store.dataDir,
      '--config',
      store.configFile,
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
    ];
    if (workers > 1) argv.push('--workers', String(workers));
    const child = spawn(process.execPath, argv, { env: childEnv(store), stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    child.once('exit', () => children.delete(child));
    const tail = [];
    const keep = (chunk) => {
      tail.push(...chunk.toString().split('\n').filter(Boolean));
      tail.splice(0, Math.max(0, tail.length - 40));
    };
    let ready = false;
    let early = ''; // stdout until the ready line, unsplit (a line may span chunks)
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server not ready after 30 s:\n${tail.join('\n')}`));
    }, 30_000);
    child.stdout.on('data', (chunk) => {
      keep(chunk);
      if (!ready) early += chunk;
      if (!ready && READY.test(early)) {
        ready = true;
        clearTimeout(timer);
        resolve({ child, url: `http://127.0.0.1:${port}`, tail, readyAt: performance.now() });
      }
    });
    child.stderr.on('data', keep);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!ready)
        reject(new Error(`server exited (${code ?? signal}) before it was ready:\n${tail.join('\n')}`));
    });
  });
}

/** SIGTERM, then SIGKILL after 10 s; resolves when the child has exited. */
export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Runs a Node script or the `gatehouse` CLI to completion and parses the JSON it prints.
 * @param {string[]} argv
 * @param {string} label
 * @param {{ store?: Store | null, timeoutMs?: number }} [options]
 */
export function runJson(argv, label, { store = null, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { env: childEnv(store), stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      err += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      children.delete(child);
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`${label} failed (${code ?? signal}): ${err}`));
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`${label} printed no JSON: ${out}${err}`));
      }
    });
  });
}

/** `gatehouse <argv> --json` on a store. */
export const cli = (store, argv) =>
  runJson(
    [BIN, ...argv, '--data-dir', store.dataDir, '--config', store.configFile, '--json'],
    `gatehouse ${argv.slice(0, 2).join(' ')}`,
    { store },
  );
