#!/usr/bin/env node
// Token exchange cost by signing algorithm (issue 17: ES256 and EdDSA per app beside RS256). One
// SQLite store seeded as the bench seeds it; the email-OTP app is switched between algorithms with
// `gatehouse apps update --token-signing-alg` and the bench's token-exchange run (interaction codes
// minted first, then only `/v1/token` measured, on a fresh server each time) is repeated in ABBA
// order, so both algorithms see the same store and the same machine. Prints each run's
// requests/s, server CPU per exchange (two signatures: access and ID token), p50 / p99 and the
// other load on the machine, then the medians.
//
//   node bench/ab-token-signing.mjs [--root <checkout>] [--algs RS256,ES256] [--pairs 2]
//        [--duration 3] [--concurrency 16] [--codes 1500]
// `--root` is a checkout whose server is built (`npx tsc -b packages/server`); default: this one.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: join(dirname(fileURLToPath(import.meta.url)), '..') },
    algs: { type: 'string', default: 'RS256,ES256' },
    pairs: { type: 'string', default: '2' },
    duration: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '16' },
    codes: { type: 'string', default: '1500' },
  },
});
const root = resolve(values.root);
const lib = (name) => import(pathToFileURL(join(root, 'bench/lib', name)).href);
const { measureRequests, seedStore } = await lib('gatehouse-runs.mjs');
const { cli, killChildren } = await lib('processes.mjs');

const [A, B] = values.algs.split(',');
const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-ab-signing-'));
const cleanup = () => {
  killChildren();
  rmSync(dataDir, { recursive: true, force: true });
};
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

try {
  const dir = join(dataDir, 'sqlite');
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'bench-config.json');
  // As bench/run.mjs: limits raised (one IP, a few dozen addresses), codes valid for the timed window.
  const limit = { limit: 1_000_000_000 };
  writeFileSync(
    configFile,
    JSON.stringify({
      seedDemo: false,
      rateLimits: { emailPerRecipient: limit, challengePerIp: limit, answerPerIp: limit },
      tokens: { interactionCodeTtlSeconds: 600 },
    }),
  );
  const store = { store: 'sqlite', dataDir: dir, configFile, databaseUrl: null };
  const ctx = { store, ...(await seedStore(store, 64)) };
  const run = {
    warmupS: 1,
    durationS: Number(values.duration),
    maxFlows: 100_000,
    codes: Number(values.codes),
    mintSeconds: 20,
  };
  const results = { [A]: [], [B]: [] };
  const fmt = (n, d = 1) => (typeof n === 'number' ? n.toFixed(d) : String(n));
  for (let i = 0; i < Number(values.pairs); i++) {
    for (const alg of i % 2 === 0 ? [A, B] : [B, A]) {
      await cli(store, ['apps', 'update', '--client-id', ctx.apps['email-otp'], '--token-signing-alg', alg]);
      const r = await measureRequests(ctx, 'token-exchange', Number(values.concurrency), run);
      const step = r.steps['token-exchange'];
      const row = {
        rps: r.flowsPerSecond,
        cpuMs: r.serverCpuSecondsPerFlow * 1000,
        p50: step.p50,
        p99: step.p99,
        n: r.flows,
        errors: r.errors,
        other: r.otherCores,
      };
      results[alg].push(row);
      process.stdout.write(
        `${alg} pair ${i + 1}: ${fmt(row.rps, 0)} exchanges/s, server CPU ${fmt(row.cpuMs, 2)} ms/exchange, ` +
          `p50 ${fmt(row.p50)} p99 ${fmt(row.p99)} ms (n=${row.n}, errors ${row.errors}), other load ${fmt(row.other, 2)} cores\n`,
      );
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((x, y) => x - y);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  for (const alg of [A, B]) {
    const rs = results[alg];
    process.stdout.write(
      `${alg} median of ${rs.length}: ${fmt(median(rs.map((r) => r.rps)), 0)} exchanges/s, ` +
        `${fmt(median(rs.map((r) => r.cpuMs)), 2)} ms server CPU per exchange, p99 ${fmt(median(rs.map((r) => r.p99)))} ms\n`,
    );
  }
} finally {
  cleanup();
}
