import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PG_ADMIN_URL } from '../../packages/server/test/support/postgres.js';
import { freePort } from '../../packages/server/test/support/test-server.js';
// @ts-expect-error plain ESM benchmark code without declarations
import {
  checkAdminUrl,
  createDatabase,
  dropDatabase,
  dropDatabasesSync,
  probePostgres,
} from '../lib/stores.mjs';
// @ts-expect-error plain ESM benchmark code without declarations
import {
  databaseCpuSeconds,
  processCpuSeconds,
  processTree,
  treeCpuSeconds,
  treeMemory,
} from '../lib/system.mjs';

/** The bench's PostgreSQL databases and its process accounting (cluster workers, PG backends). */

const exists = async (name: string) => {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await c.end();
  }
};
const name = () => `gatehouse_bench_test_${randomBytes(5).toString('hex')}`;

describe('bench stores', () => {
  it('reports PostgreSQL as skipped, with where and why, when nothing listens', async () => {
    const port = await freePort();
    const probe = await probePostgres(`postgres://postgres@127.0.0.1:${port}/postgres`);
    expect(probe.skipped).toMatch(new RegExp(`^no PostgreSQL at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
    expect(await probePostgres(PG_ADMIN_URL)).toMatchObject({
      version: expect.stringMatching(/^PostgreSQL \d+/),
    });
  });

  it('refuses a PostgreSQL that is not on loopback', () => {
    expect(() => checkAdminUrl('postgres://postgres@db.example.com:5432/postgres')).toThrow(/loopback/);
    expect(() => checkAdminUrl('mysql://127.0.0.1/x')).toThrow(/postgres:\/\//);
  });

  it('creates a database and drops it, also from an exit handler (synchronously) with a client connected', async () => {
    const a = name();
    const url = await createDatabase(PG_ADMIN_URL, a);
    expect(new URL(url).pathname).toBe(`/${a}`);
    expect(await exists(a)).toBe(true);
    await dropDatabase(PG_ADMIN_URL, a);
    expect(await exists(a)).toBe(false);

    const b = name();
    const client = new pg.Client({ connectionString: await createDatabase(PG_ADMIN_URL, b) });
    client.on('error', () => {});
    await client.connect();
    dropDatabasesSync(PG_ADMIN_URL, [b]); // WITH (FORCE): the open connection does not keep it alive
    expect(await exists(b)).toBe(false);
    await client.end().catch(() => {});
  });
});

describe('bench process accounting', () => {
  let parent: ChildProcess | undefined;
  afterEach(() => {
    parent?.kill('SIGKILL');
  });

  it("sums a server's CPU and memory over its children (cluster workers)", async () => {
    // A parent that forks a child burning CPU: the child's pid comes back on stdout.
    const script = `
      const { spawn } = require('node:child_process');
      const c = spawn(process.execPath, ['-e', 'const t = Date.now(); while (Date.now() - t < 20000) {}'], { stdio: 'ignore' });
      process.stdout.write(String(c.pid) + '\\n');
      setInterval(() => {}, 1000);`;
    parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    const childPid = await new Promise<number>((resolve) =>
      parent!.stdout!.once('data', (d) => resolve(Number(String(d).trim()))),
    );
    try {
      expect(processTree(parent.pid)).toEqual([parent.pid, childPid]);
      const tree0 = treeCpuSeconds(parent.pid);
      const child0 = processCpuSeconds(childPid);
      // Wait until the busy child has burnt 0.2 s more (however loaded the machine is): the tree,
      // whose parent idles, must have grown by at least as much.
      const deadline = Date.now() + 15_000;
      while (processCpuSeconds(childPid) - child0 < 0.2 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      const childGrowth = processCpuSeconds(childPid) - child0;
      expect(childGrowth).toBeGreaterThanOrEqual(0.2);
      // Sums of clock ticks in floating point: 0.24 can read 0.23999999999999996 (a CI failure).
      expect(treeCpuSeconds(parent.pid) - tree0).toBeGreaterThanOrEqual(childGrowth - 1e-9);
      const memory = treeMemory(parent.pid);
      expect(memory.processes).toBe(2);
      expect(memory.peakRssBytes).toBeGreaterThanOrEqual(memory.rssBytes);
    } finally {
      process.kill(childPid, 'SIGKILL');
    }
  });

  it('measures the CPU of the PostgreSQL backends serving one database', async () => {
    const db = name();
    const client = new pg.Client({ connectionString: await createDatabase(PG_ADMIN_URL, db) });
    await client.connect();
    try {
      const before = databaseCpuSeconds(db);
      await client.query('SELECT sum(i::bigint * i) FROM generate_series(1, 3000000) AS i');
      expect(databaseCpuSeconds(db) - before).toBeGreaterThan(0.05);
      expect(databaseCpuSeconds(`${db}_other`)).toBe(0);
    } finally {
      await client.end();
      await dropDatabase(PG_ADMIN_URL, db);
    }
  });
});
