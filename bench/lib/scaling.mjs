// The scaling run: the same scenarios at one concurrency on a store that grows from 1 k to 1 M users
// (bulk-seeded by seed-scale.mjs), the driver's users spread over the whole table.

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApps, lean, measureFlow } from './gatehouse-runs.mjs';
import { ROOT, runJson } from './processes.mjs';
import { scaleUsers } from './seed-scale.mjs';
import { storeBytes } from './stores.mjs';
import { spreadPercent } from './targets.mjs';

/**
 * @param {{ store: import('./processes.mjs').Store, scenarios: string[], sizes: number[], concurrency: number,
 *   run: { warmupS: number, durationS: number, maxFlows: number }, log: (line: string) => void }} options
 * @returns {Promise<Array<{ scenario: string, concurrency: number, store: string, workers: number,
 *   driverUsers: number, points: any[], spreadPercent: number | null, runs: any[] }>>}
 */
export async function runScaling({ store, scenarios, sizes, concurrency, run, log }) {
  const apps = await createApps(store, scenarios);
  const password = `Sc-${randomBytes(9).toString('base64url')}-horse-battery`;
  const series = scenarios.map((scenario) => ({
    scenario,
    concurrency,
    store: store.store,
    workers: 1,
    driverUsers: 0,
    points: [],
    spreadPercent: null,
    runs: [],
  }));
  let usersInStore = 0;
  for (const size of [...sizes].sort((a, b) => a - b)) {
    log(
      `bench: scaling on ${store.store}: seeding ${usersInStore.toLocaleString('en')} → ${size.toLocaleString('en')} users…`,
    );
    const t0 = performance.now();
    const seeded = await runJson(
      [
        join(ROOT, 'bench/lib/seed-scale.mjs'),
        '--data-dir',
        store.dataDir,
        '--config',
        store.configFile,
        '--from',
        String(usersInStore),
        '--to',
        String(size),
        '--password',
        password,
      ],
      'seed-scale',
      { store, timeoutMs: Math.max(120_000, size * 0.5) },
    );
    const seedSeconds = (performance.now() - t0) / 1000;
    usersInStore = seeded.usersInStore;
    const dbBytes = await storeBytes(store);
    log(
      `bench:   ${seeded.inserted.toLocaleString('en')} users in ${seeded.seconds.toFixed(1)} s ` +
        `(${seedSeconds.toFixed(1)} s with start-up), store ${(dbBytes / 2 ** 20).toFixed(0)} MiB`,
    );
    // Every (size / k)-th user: the driver touches the whole table, not its first rows.
    const users = scaleUsers(usersInStore, Math.min(usersInStore, Math.max(64, concurrency * 4)), password);
    for (const s of series) {
      const r = await measureFlow({ store, apps, users, usersInStore }, s.scenario, concurrency, {
        ...run,
        users,
      });
      log(
        `bench:   ${s.scenario} × ${concurrency} VUs at ${size.toLocaleString('en')} users: ${r.flowsPerSecond.toFixed(1)}/s, ${r.errors} errors`,
      );
      s.driverUsers = users.length;
      s.runs.push({ ...lean(r), scaling: true });
      s.points.push({
        users: usersInStore,
        flowsPerSecond: r.flowsPerSecond,
        flowP99Ms: r.flow.p99,
        serverCpuMsPerFlow: r.serverCpuSecondsPerFlow === null ? null : r.serverCpuSecondsPerFlow * 1000,
        errors: r.errors,
        seedSeconds,
        seededUsers: seeded.inserted,
        dbBytes,
      });
    }
  }
  for (const s of series) s.spreadPercent = spreadPercent(s.points);
  return series;
}
