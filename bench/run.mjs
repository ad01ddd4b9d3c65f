#!/usr/bin/env node
// `npm run bench`: starts a real Gatehouse server as a child process on a loopback port, seeds
// apps and users through the CLI, measures the argon2id ceiling of this machine, then drives
// complete password sign-ins with a closed-loop flow driver. Markdown to stdout, JSON to
// bench/results/. Everything is time-bounded and stops by itself.
//
//   node bench/run.mjs [--quick] [--duration 10] [--warmup 2] [--concurrency 1,16]
//                      [--scenarios password-one-step,password-identifier-first] [--users 32]
//                      [--max-flows 100000] [--hashes 50] [--keep-data]

import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runFlows, SCENARIOS } from './lib/flow-driver.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'packages/server/bin/gatehouse.js');
const REDIRECT_URI = 'http://localhost:8080/login/callback';
const READY = /Gatehouse listening on (\S+)/;

// ---------------------------------------------------------------------------------------------
// Options

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    warmup: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '1,16' },
    scenarios: { type: 'string', default: Object.keys(SCENARIOS).join(',') },
    users: { type: 'string', default: '32' },
    'max-flows': { type: 'string', default: '100000' },
    hashes: { type: 'string', default: '50' },
    'keep-data': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(
    `${readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .split('\n')
      .slice(1, 9)
      .join('\n')}\n`,
  );
  process.exit(0);
}
const positive = (name, value) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) fail(`--${name} must be a positive number, not ${value}`);
  return n;
};
const options = {
  quick: args.quick,
  durationS: positive('duration', args.duration ?? (args.quick ? '3' : '10')),
  warmupS: positive('warmup', args.warmup),
  concurrency: args.concurrency.split(',').map((c) => Math.round(positive('concurrency', c))),
  scenarios: args.scenarios.split(',').map((s) => s.trim()),
  users: Math.round(positive('users', args.users)),
  maxFlows: Math.round(positive('max-flows', args['max-flows'])),
  hashes: Math.round(positive('hashes', args.hashes)),
};
for (const s of options.scenarios) if (!SCENARIOS[s]) fail(`unknown scenario ${s}`);

// ---------------------------------------------------------------------------------------------
// Safety: the server child never outlives us, and the whole run has a hard time limit.

/** @type {import('node:child_process').ChildProcess | null} */
let server = null;
let dataDir = null;
const cleanup = () => {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  if (dataDir && !args['keep-data']) rmSync(dataDir, { recursive: true, force: true });
  dataDir = null;
};
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log(`\n${signal}: stopping`);
    cleanup();
    process.exit(130);
  });
}
const runs = options.scenarios.length * options.concurrency.length;
const budgetS = 180 + runs * (options.warmupS + options.durationS + 60);
setTimeout(() => {
  log(`bench: hard time limit of ${budgetS} s reached, stopping`);
  cleanup();
  process.exit(2);
}, budgetS * 1000).unref();

function log(line) {
  process.stderr.write(`${line}\n`);
}
function fail(message) {
  log(`bench: ${message}`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// Machine and process measurements

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system, all threads) a process has used so far, from /proc/<pid>/stat. */
function processCpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may itself contain spaces or parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Peak and current resident set size of a process in bytes, from /proc/<pid>/status. */
function processMemory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { peakRssBytes: kib('VmHWM'), rssBytes: kib('VmRSS') };
}

/**
 * Machine-wide CPU seconds from /proc/stat: busy (everything but idle and iowait, all cores) and
 * steal (time the hypervisor gave to someone else). Busy minus server minus load generator is
 * what other processes used during a run: a noise indicator on a shared box.
 */
function machineCpuSeconds() {
  try {
    const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .map(Number);
    return { busy: (user + nice + system + irq + softirq + steal) / CLK_TCK, steal: steal / CLK_TCK };
  } catch {
    return { busy: 0, steal: 0 };
  }
}

function git(...argv) {
  try {
    return execFileSync('git', argv, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

function machine() {
  const list = cpus();
  const sha = git('rev-parse', 'HEAD');
  const status = git('status', '--porcelain');
  return {
    cpuModel: list[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    totalMemoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    gitSha: sha,
    gitDirty: status === null ? null : status.length > 0,
    packages: Object.fromEntries(
      ['fastify', 'better-sqlite3', '@node-rs/argon2', 'jose', 'kysely', 'undici'].map((p) => [
        p,
        packageVersion(p),
      ]),
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// argon2id ceiling: what the CPU allows if the server did nothing but hash

async function argon2Ceiling(count, cores) {
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

// ---------------------------------------------------------------------------------------------
// The server child and the CLI

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The server's environment: development defaults (NODE_ENV unset), SQLite, quiet logs. */
function childEnv() {
  const env = { ...process.env, GATEHOUSE_LOG_LEVEL: 'warn' };
  for (const key of [
    'NODE_ENV',
    'DATABASE_URL',
    'GATEHOUSE_CONFIG',
    'GATEHOUSE_PUBLIC_URL',
    'GATEHOUSE_HOST',
  ])
    delete env[key];
  return env;
}

/** Starts `gatehouse start` and resolves once it prints its ready line. */
function startServer(dir, port) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [BIN, 'start', '--data-dir', dir, '--port', String(port), '--host', '127.0.0.1'],
      { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server = child;
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
        resolve({ child, url: `http://127.0.0.1:${port}`, tail });
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

async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Runs one `gatehouse` CLI command against the data directory and parses its `--json` output. */
function cli(dir, argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv, '--data-dir', dir, '--json'], {
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      err += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0)
        return reject(new Error(`gatehouse ${argv.slice(0, 2).join(' ')} failed (${code}): ${err}`));
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`gatehouse ${argv.slice(0, 2).join(' ')} printed no JSON: ${out}${err}`));
      }
    });
  });
}

async function seed(dir, userCount) {
  const apps = {};
  for (const [scenario, identifierFirst] of [
    ['password-one-step', false],
    ['password-identifier-first', true],
  ]) {
    const argv = ['apps', 'create', '--name', `bench ${scenario}`, '--public'];
    argv.push('--redirect-uri', REDIRECT_URI, '--policy', 'password');
    if (identifierFirst) argv.push('--identifier-first');
    apps[scenario] = (await cli(dir, argv)).clientId;
  }
  const users = Array.from({ length: userCount }, (_, i) => ({
    login: `bench-${i + 1}@bench.example`,
    // Long, random, unrelated to the login: passes the default password policy.
    password: `Cb-${Math.random().toString(36).slice(2, 12)}-horse-battery-${i + 1}`,
  }));
  // Two CLI processes at a time: more only fight over the two cores and the SQLite write lock.
  let next = 0;
  const worker = async () => {
    while (next < users.length) {
      const u = users[next++];
      await cli(dir, ['users', 'create', '--login', u.login, '--email', u.login, '--password', u.password]);
    }
  };
  await Promise.all([worker(), worker()]);
  return { apps, users };
}

// ---------------------------------------------------------------------------------------------
// One measured run: fresh server process, warm-up, measured window

async function measure({ dir, scenario, clientId, users, concurrency }) {
  const port = await freePort();
  const { child, url } = await startServer(dir, port);
  const loadBefore = loadavg()[0];
  try {
    const common = { baseUrl: url, clientId, scenario, users, concurrency, maxFlows: options.maxFlows };
    const warmup = await runFlows({ ...common, durationMs: options.warmupS * 1000 });
    const cpu0 = processCpuSeconds(child.pid);
    const client0 = process.cpuUsage();
    const machine0 = machineCpuSeconds();
    const result = await runFlows({ ...common, durationMs: options.durationS * 1000 });
    const cpu1 = processCpuSeconds(child.pid);
    const client = process.cpuUsage(client0);
    const machine1 = machineCpuSeconds();
    const memory = processMemory(child.pid);
    const serverCpuSeconds = cpu1 - cpu0;
    const clientCpuSeconds = (client.user + client.system) / 1e6;
    const elapsedS = result.elapsedMs / 1000;
    const otherCpuSeconds = Math.max(0, machine1.busy - machine0.busy - serverCpuSeconds - clientCpuSeconds);
    return {
      ...result,
      warmup: { flows: warmup.flows, errors: warmup.errors, durationS: options.warmupS },
      serverCpuSeconds,
      serverCpuSecondsPerFlow: result.flows ? serverCpuSeconds / result.flows : null,
      serverCores: serverCpuSeconds / elapsedS,
      clientCpuSecondsPerFlow: result.flows ? clientCpuSeconds / result.flows : null,
      clientCores: clientCpuSeconds / elapsedS,
      otherCores: otherCpuSeconds / elapsedS,
      stealSeconds: machine1.steal - machine0.steal,
      loadAverage1mBefore: loadBefore,
      serverPeakRssBytes: memory.peakRssBytes,
      serverRssBytes: memory.rssBytes,
    };
  } finally {
    await stopServer(child);
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const f1 = (n) => (n === null || n === undefined ? '–' : n.toFixed(1));
const f2 = (n) => (n === null || n === undefined ? '–' : n.toFixed(2));
const mib = (bytes) => (bytes / 1024 / 1024).toFixed(0);

function markdown(report) {
  const { machine: m, argon2: a, runs: rs } = report;
  const lines = [];
  lines.push(`## Gatehouse bench — ${report.startedAt}${report.options.quick ? ' (quick)' : ''}`);
  lines.push('');
  lines.push(
    `${m.cpuModel}, ${m.cores} cores, ${(m.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${m.node}, ` +
      `git ${m.gitSha?.slice(0, 10) ?? '?'}${m.gitDirty ? ' (dirty)' : ''}; embedded SQLite; ` +
      `${report.options.durationS} s measured after ${report.options.warmupS} s warm-up; ` +
      `${report.options.users} users; load generator on the same machine; ` +
      `1-min load average at start ${f2(report.loadAverage1mAtStart)}.`,
  );
  lines.push('');
  lines.push(
    `argon2id m=${a.parameters.m} t=${a.parameters.t} p=${a.parameters.p}: ${f2(a.meanHashMs)} ms per hash ` +
      `(median ${f2(a.medianHashMs)}, ${a.hashes} sequential, other load ${f2(a.otherCoresWhileHashing)} cores; ` +
      `verify median ${f2(a.medianVerifyMs)}) → ` +
      `ceiling ${a.cores} cores ÷ ${f2(a.meanHashMs)} ms = **${f1(a.ceilingFlowsPerSecond)} password flows/s**`,
  );
  lines.push('');
  lines.push(
    '| scenario | VUs | flows | flows/s | % of argon2 ceiling | flow p50 / p95 / p99 ms | errors | server CPU ms/flow | server cores | generator cores | other load cores | server peak RSS MiB |',
  );
  lines.push('|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rs) {
    lines.push(
      `| ${r.scenario} | ${r.concurrency} | ${r.flows} | ${f1(r.flowsPerSecond)} | ${f1(r.percentOfArgon2Ceiling)} % | ` +
        `${f1(r.flow.p50)} / ${f1(r.flow.p95)} / ${f1(r.flow.p99)} | ${r.errors} | ` +
        `${r.serverCpuSecondsPerFlow === null ? '–' : f2(r.serverCpuSecondsPerFlow * 1000)} | ${f2(r.serverCores)} | ${f2(r.clientCores)} | ${f2(r.otherCores)} | ${mib(r.serverPeakRssBytes)} |`,
    );
  }
  lines.push('');
  lines.push('Per step (ms, successful requests only):');
  lines.push('');
  lines.push('| scenario | VUs | step | p50 | p95 | p99 | max |');
  lines.push('|---|---:|---|---:|---:|---:|---:|');
  for (const r of rs) {
    for (const [step, s] of Object.entries(r.steps)) {
      lines.push(
        `| ${r.scenario} | ${r.concurrency} | ${step} | ${f2(s.p50)} | ${f2(s.p95)} | ${f2(s.p99)} | ${f2(s.max)} |`,
      );
    }
  }
  const errors = rs.filter((r) => r.errors > 0 || r.warmup.errors > 0);
  if (errors.length) {
    lines.push('');
    lines.push('Errors:');
    for (const r of errors)
      lines.push(
        `- ${r.scenario} × ${r.concurrency}: ${r.errors} (warm-up ${r.warmup.errors}) ${JSON.stringify(r.errorsByStep)}; ` +
          `first: ${r.errorSamples[0] ?? '?'}`,
      );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const startedAt = new Date().toISOString();
  const loadAverage1mAtStart = loadavg()[0];
  const info = machine();
  log(`bench: ${info.cpuModel}, ${info.cores} cores, Node ${info.node}`);

  log(`bench: timing ${options.hashes} sequential argon2id hashes…`);
  const argon2 = await argon2Ceiling(options.hashes, info.cores);
  log(
    `bench: ${argon2.meanHashMs.toFixed(2)} ms per hash → ceiling ${argon2.ceilingFlowsPerSecond.toFixed(1)} flows/s`,
  );

  dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const first = await startServer(dataDir, await freePort());
  log(
    `bench: server ready (pid ${first.child.pid}); seeding 2 apps and ${options.users} users through the CLI…`,
  );
  const t0 = performance.now();
  const seeded = await seed(dataDir, options.users);
  log(`bench: seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await stopServer(first.child);

  const results = [];
  for (const scenario of options.scenarios) {
    for (const concurrency of options.concurrency) {
      log(`bench: ${scenario} × ${concurrency} VUs (${options.warmupS} s warm-up + ${options.durationS} s)…`);
      const r = await measure({
        dir: dataDir,
        scenario,
        clientId: seeded.apps[scenario],
        users: seeded.users,
        concurrency,
      });
      r.percentOfArgon2Ceiling = (100 * r.flowsPerSecond) / argon2.ceilingFlowsPerSecond;
      log(`bench:   ${r.flows} flows, ${r.flowsPerSecond.toFixed(1)}/s, ${r.errors} errors`);
      results.push(r);
    }
  }

  const setName =
    options.scenarios.join(',') === Object.keys(SCENARIOS).join(',')
      ? 'password'
      : options.scenarios.join('+');
  const report = {
    startedAt,
    loadAverage1mAtStart,
    finishedAt: new Date().toISOString(),
    scenarioSet: setName,
    options: { ...options, store: 'sqlite', clkTck: CLK_TCK },
    machine: info,
    argon2,
    runs: results,
  };
  const resultsDir = join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const file = join(resultsDir, `${stamp}-${setName}${options.quick ? '-quick' : ''}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  // Lay the file out the way `npm run lint` expects (biome collapses short arrays); best effort.
  try {
    execFileSync(join(ROOT, 'node_modules/.bin/biome'), ['format', '--write', file], { stdio: 'ignore' });
  } catch {}

  process.stdout.write(`${markdown(report)}\n\nJSON: ${relative(process.cwd(), file)}\n`);
  const failed = results.some((r) => r.errors > 0 || r.flows === 0);
  cleanup();
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  log(`bench: ${error?.stack ?? error}`);
  cleanup();
  process.exit(1);
});
