import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../packages/server/test/support/postgres.js';
import { startTestServer, type TestServer } from '../../packages/server/test/support/test-server.js';
// @ts-expect-error plain ESM benchmark code without declarations
import { runFlows } from '../lib/flow-driver.mjs';
// @ts-expect-error plain ESM benchmark code without declarations
import { scaleLogin, scaleUsers, spreadIndices } from '../lib/seed-scale.mjs';

/** The scaling run's bulk seeding (bench/lib/seed-scale.mjs, a child process on the built server). */

const SCRIPT = join(import.meta.dirname, '../lib/seed-scale.mjs');
const PASSWORD = 'Sc-bench-scale-horse-battery';
const ROOMY_LIMITS = {
  challengePerIp: { limit: 100_000 },
  answerPerIp: { limit: 100_000 },
  emailPerRecipient: { limit: 100_000 },
};

interface Seeded {
  inserted: number;
  seconds: number;
  hashMs: number;
  usersInStore: number;
}

async function seedScale(
  dataDir: string,
  databaseUrl: string | null,
  from: number,
  to: number,
): Promise<Seeded> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [SCRIPT, '--data-dir', dataDir, '--from', String(from), '--to', String(to), '--password', PASSWORD],
    { env },
  );
  return JSON.parse(stdout) as Seeded;
}

it('spreads the driver users over the whole table', () => {
  expect(spreadIndices(1_000_000, 4)).toEqual([125_000, 375_000, 625_000, 875_000]);
  expect(spreadIndices(10, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(() => spreadIndices(3, 4)).toThrow(/cannot pick 4 users out of 3/);
  expect(scaleLogin(42)).toBe('scale-0000042@bench.example');
});

describe.each(['sqlite', 'postgres'] as const)('seed-scale on %s', (kind) => {
  let server: TestServer;
  let dir: string;
  let pg: TestDatabase | null = null;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-seed-scale-'));
    if (kind === 'postgres') pg = await createTestDatabase();
    server = await startTestServer({
      config: {
        rateLimits: ROOMY_LIMITS,
        storage: pg ? { databaseUrl: pg.url } : { dataDir: dir, sqliteFile: 'gatehouse.db' },
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('inserts N users with one hash, who then sign in through the running server', async () => {
    const before = await server.services.storage.users.count();
    const seeded = await seedScale(dir, pg?.url ?? null, 0, 3000);
    expect(seeded.inserted).toBe(3000);
    expect(seeded.usersInStore).toBe(before + 3000);
    expect(await server.services.storage.users.count()).toBe(before + 3000);

    // The rows are what UserService writes: found by a differently-cased login, verified, active.
    const last = await server.services.users.findByLogin(scaleLogin(2999).toUpperCase());
    expect(last).toMatchObject({
      login: scaleLogin(2999),
      email: scaleLogin(2999),
      emailVerified: true,
      status: 'ACTIVE',
      profile: { login: scaleLogin(2999), email: scaleLogin(2999) },
    });
    expect(last!.id).toMatch(/^00u[0-9a-f]{17}$/);
    expect(last!.passwordChangedAt).toBeGreaterThan(0);

    const users = scaleUsers(3000, 6, PASSWORD);
    expect(users.map((u: { login: string }) => u.login)).toContain(scaleLogin(2750));

    const { app: passwordApp } = await server.createApp();
    const password = await runFlows({
      baseUrl: server.url,
      clientId: passwordApp.clientId,
      scenario: 'password-one-step',
      users,
      concurrency: 2,
      durationMs: 60_000,
      maxFlows: 6,
    });
    expect(password.errorSamples).toEqual([]);
    expect(password.flows).toBe(6);

    const { app: emailApp } = await server.createApp({
      policy: { factors: 'email', identifierFirst: true, selfServiceRecovery: true },
    });
    const email = await runFlows({
      baseUrl: server.url,
      clientId: emailApp.clientId,
      scenario: 'email-otp',
      users,
      concurrency: 2,
      durationMs: 60_000,
      maxFlows: 4,
    });
    expect(email.errorSamples).toEqual([]);
    expect(email.flows).toBe(4);
  });

  it('adds to a store incrementally and refuses to insert a login twice', async () => {
    const grown = await seedScale(dir, pg?.url ?? null, 3000, 3500);
    expect(grown.inserted).toBe(500);
    expect(await server.services.users.findByLogin(scaleLogin(3499))).not.toBeNull();
    await expect(seedScale(dir, pg?.url ?? null, 3490, 3510)).rejects.toThrow(/UNIQUE|unique|duplicate/);
    // All or nothing per transaction: none of the new logins went in.
    expect(await server.services.users.findByLogin(scaleLogin(3505))).toBeNull();
  });
});
