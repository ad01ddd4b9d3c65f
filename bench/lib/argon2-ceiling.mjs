// The argon2id ceiling: what the CPU allows for password sign-ins if the server did nothing but hash.

import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { ROOT } from './processes.mjs';
import { machineCpuSeconds } from './system.mjs';

/** `count` sequential hashes (after 3 warm-up ones) at the server's default parameters. */
export async function argon2Ceiling(count, cores) {
  const { configSchema } = await import(
    pathToFileURL(join(ROOT, 'packages/server/dist/config/schema.js')).href
  );
  const params = configSchema.parse({}).passwordHashing;
  const { hash, verify } = await import('@node-rs/argon2');
  const opts = {
    algorithm: 2, // Algorithm.Argon2id (a const enum in the typings)
    memoryCost: params.memoryCostKiB,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
  };
  const password = 'bench-correct-horse-battery-staple';
  let stored = '';
  for (let i = 0; i < 3; i++) stored = await hash(password, opts); // warm-up
  const hashMs = [];
  const machine0 = machineCpuSeconds();
  const self0 = process.cpuUsage();
  const loopStart = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await hash(password, opts);
    hashMs.push(performance.now() - t0);
  }
  const self = process.cpuUsage(self0);
  const otherCores =
    Math.max(0, machineCpuSeconds().busy - machine0.busy - (self.user + self.system) / 1e6) /
    ((performance.now() - loopStart) / 1000);
  const verifyMs = [];
  for (let i = 0; i < Math.min(count, 20); i++) {
    const t0 = performance.now();
    await verify(stored, password);
    verifyMs.push(performance.now() - t0);
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const meanHashMs = mean(hashMs);
  return {
    parameters: { algorithm: 'argon2id', m: params.memoryCostKiB, t: params.timeCost, p: params.parallelism },
    hashes: count,
    meanHashMs,
    medianHashMs: median(hashMs),
    minHashMs: Math.min(...hashMs),
    maxHashMs: Math.max(...hashMs),
    medianVerifyMs: median(verifyMs),
    otherCoresWhileHashing: otherCores,
    cores,
    // One password verification per sign-in; each core can do 1000 / meanHashMs of them a second.
    ceilingFlowsPerSecond: cores * (1000 / meanHashMs),
  };
}
