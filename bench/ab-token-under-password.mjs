#!/usr/bin/env node
// A/B of the token step's latency under password load (issue 17, "signing that never queues"), by
// ADR 0007's method: two commits built side by side (`git worktree add /tmp/ab-before <commit>`,
// then `npx tsc -b packages/server` in each; a `node_modules` symlink to the main checkout's is
// enough), runs alternated A B B A … on one machine. Each run is one `bench/run.mjs` invocation of
// the given worktree (its own server build and bench): password-one-step on SQLite, where the
// identify step hashes (argon2id) while other flows' token steps sign. Prints every run's token-step
// p50 / p95 / p99, the flows/s and the other load on the machine, then the median per side.
//
//   node bench/ab-token-under-password.mjs --a /tmp/ab-before --b /tmp/ab-after
//        [--pairs 3] [--duration 3] [--concurrency 16] [--scenario password-one-step] [--step token]

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    pairs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '16' },
    scenario: { type: 'string', default: 'password-one-step' },
    step: { type: 'string', default: 'token' },
  },
});
if (!values.a || !values.b) {
  process.stderr.write(
    'usage: node bench/ab-token-under-password.mjs --a <worktree A> --b <worktree B> [--pairs 3]\n',
  );
  process.exit(2);
}

function runOnce(root) {
  const args = [
    join(root, 'bench/run.mjs'),
    ...['--scenarios', values.scenario, '--store', 'sqlite', '--concurrency', values.concurrency],
    ...['--duration', values.duration, '--warmup', '1', '--hashes', '3', '--users', '64', '--workers', '1'],
  ];
  const out = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 300_000 });
  const path = /^JSON: (\S+)$/m.exec(out.stdout ?? '')?.[1];
  if (out.status !== 0 || !path) throw new Error(`bench in ${root} failed:\n${out.stdout}\n${out.stderr}`);
  const result = JSON.parse(readFileSync(join(root, path), 'utf8'));
  const run = result.runs.find((r) => r.scenario === values.scenario);
  const step = run.steps[values.step];
  return {
    p50: step.p50,
    p95: step.p95,
    p99: step.p99,
    count: step.count,
    flowsPerSecond: run.flowsPerSecond,
    errors: run.errors,
    otherLoad: run.otherLoadCores ?? run.otherCores ?? null,
    load1: result.loadAverage1mAtStart,
  };
}

const sides = { A: [], B: [] };
const fmt = (n) => (typeof n === 'number' ? n.toFixed(1) : String(n));
const pairs = Number(values.pairs);
for (let i = 0; i < pairs; i++) {
  for (const side of i % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
    const r = runOnce(side === 'A' ? values.a : values.b);
    sides[side].push(r);
    process.stdout.write(
      `${side} pair ${i + 1}: ${values.step} p50 ${fmt(r.p50)} p95 ${fmt(r.p95)} p99 ${fmt(r.p99)} ms (n=${r.count}), ` +
        `${fmt(r.flowsPerSecond)} flows/s, errors ${r.errors}, other load ${fmt(r.otherLoad)} cores, load1 ${fmt(r.load1)}\n`,
    );
  }
}
const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
for (const side of ['A', 'B']) {
  const rs = sides[side];
  process.stdout.write(
    `${side} (${side === 'A' ? values.a : values.b}) median of ${rs.length}: ${values.step} p50 ${fmt(median(rs.map((r) => r.p50)))} ` +
      `p99 ${fmt(median(rs.map((r) => r.p99)))} ms, ${fmt(median(rs.map((r) => r.flowsPerSecond)))} flows/s\n`,
  );
}
