#!/usr/bin/env node
// Does a token signature wait behind password hashes? (issue 17, "signing that never queues".)
// jose signs through WebCrypto on libuv's thread pool, where @node-rs/argon2 hashes too. Gatehouse
// runs at most `passwordHashing.maxConcurrency` hashes at once (0 = one per core): on a machine
// with 4 or more cores that fills libuv's default pool of 4 threads and every signature queues
// behind a hash. This runs, in a child process per variant, `--hashes` argon2id hashes back to
// back at once (the server's parameters: m=19456 KiB, t=2, p=1) while one RS256 JWT at a time is
// signed with jose from a KeyObject, and reports the signing latency. Variants alternate A B B A:
// the pool size given (`--pools 4,8`: libuv's default vs cores + 4 with `--hashes` cores).
//
//   node bench/ab-sign-behind-hashes.mjs [--hashes 4] [--pools 4,8] [--pairs 2] [--seconds 3] [--alg RS256]

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    hashes: { type: 'string', default: '4' },
    pools: { type: 'string', default: '4,8' },
    pairs: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '3' },
    alg: { type: 'string', default: 'RS256' },
    child: { type: 'boolean', default: false },
  },
});

if (values.child) {
  const { generateKeyPairSync } = await import('node:crypto');
  const { performance } = await import('node:perf_hooks');
  const { hash } = await import('@node-rs/argon2');
  const { SignJWT } = await import('jose');
  const alg = values.alg;
  const { privateKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const sign = () => new SignJWT({ sub: 'u', scp: ['openid'] }).setProtectedHeader({ alg }).sign(privateKey);
  for (let i = 0; i < 20; i++) await sign(); // warm-up (jose caches its CryptoKey form)
  const deadline = performance.now() + Number(values.seconds) * 1000;
  let hashing = true;
  let hashesDone = 0;
  const hasher = async () => {
    while (hashing) {
      await hash('correct horse battery staple', {
        algorithm: 2,
        memoryCost: 19456,
        timeCost: 2,
        parallelism: 1,
      });
      hashesDone++;
    }
  };
  const hashers = Array.from({ length: Number(values.hashes) }, hasher);
  await new Promise((r) => setTimeout(r, 100)); // the hashes are running
  const samples = [];
  while (performance.now() < deadline) {
    const t0 = performance.now();
    await sign();
    samples.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 2)); // one token exchange now and then
  }
  hashing = false;
  await Promise.all(hashers);
  samples.sort((a, b) => a - b);
  const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  process.stdout.write(
    JSON.stringify({ n: samples.length, p50: at(0.5), p99: at(0.99), max: samples.at(-1), hashesDone }),
  );
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
const pools = values.pools.split(',');
const results = Object.fromEntries(pools.map((p) => [p, []]));
const fmt = (n) => n.toFixed(2);
for (let i = 0; i < Number(values.pairs); i++) {
  for (const pool of i % 2 === 0 ? pools : [...pools].reverse()) {
    const out = spawnSync(
      process.execPath,
      [self, '--child', '--hashes', values.hashes, '--seconds', values.seconds, '--alg', values.alg],
      { env: { ...process.env, UV_THREADPOOL_SIZE: pool }, encoding: 'utf8', timeout: 120_000 },
    );
    if (out.status !== 0) throw new Error(out.stderr);
    const r = JSON.parse(out.stdout);
    results[pool].push(r);
    process.stdout.write(
      `pool ${pool}, ${values.hashes} hashes at once: ${values.alg} sign p50 ${fmt(r.p50)} p99 ${fmt(r.p99)} max ${fmt(r.max)} ms (n=${r.n}), ${r.hashesDone} hashes\n`,
    );
  }
}
