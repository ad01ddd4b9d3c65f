#!/usr/bin/env node
// `npm run bench`: real Gatehouse servers as child processes on loopback ports, on the embedded SQLite
// store and on PostgreSQL, seeded through the CLI and Gatehouse's own services; complete flows
// (password, email OTP, password recovery), the token endpoint, discovery and JWKS alone, a
// multi-worker variant, a scaling run over 1 k–1 M users, idle RSS, and ABBA pairs against peers
// (oidc-provider, Better Auth). Markdown to stdout, JSON to bench/results/, docs/benchmarks.md.
//
//   node bench/run.mjs [--quick] [--set all|password|email|recovery|token|peers|scaling[,…]] [--scenarios a,b]
//                      [--store sqlite,postgres] [--postgres-url postgres://postgres@127.0.0.1:5432/postgres]
//                      [--duration 10] [--warmup 2] [--concurrency 1,16,100] [--postgres-concurrency …]
//                      [--postgres-scenarios …]
//                      [--request-concurrency …] [--users 100] [--max-flows 100000] [--workers 2]
//                      [--pairs 4] [--peer-concurrency 16] [--codes 4000] [--mint-seconds 15] [--hashes 50]
//                      [--scale-sizes 1000,100000,1000000] [--scale-stores sqlite,postgres]
//                      [--scale-scenarios email-otp,password-one-step] [--scale-concurrency 16] [--keep-data]
//                      [--arrival-rate 300] [--open-loop-scenarios email-otp] [--profile email-otp|none]
//                      [--profile-concurrency 1] [--profile-interval 100] [--page this|off|<base result.json>]
//                      [--profile-before bench/results/<result with the 'before' CPU profiles>.json|none]

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { argon2Ceiling } from './lib/argon2-ceiling.mjs';
import { profileFlow } from './lib/cpu-profile.mjs';
import { SCENARIOS } from './lib/flow-driver.mjs';
import { lean, measureFlow, measureRequests, seedStore } from './lib/gatehouse-runs.mjs';
import { runPeerComparison } from './lib/peer-runs.mjs';
import { peersInstalled, peerVersion } from './lib/peers.mjs';
import { killChildren, ROOT, serverSupportsWorkers, startServer, stopChild } from './lib/processes.mjs';
import { markdown } from './lib/report.mjs';
import { runScaling } from './lib/scaling.mjs';
import {
  checkAdminUrl,
  createDatabase,
  DEFAULT_PG_ADMIN_URL,
  dropDatabase,
  dropDatabasesSync,
  probePostgres,
  sqliteVersion,
} from './lib/stores.mjs';
import { CLK_TCK, freePort, machine } from './lib/system.mjs';
import { computeTargets } from './lib/targets.mjs';
import { workersComparisons } from './lib/workers-compare.mjs';

const FLOW_SCENARIOS = Object.keys(SCENARIOS);
/**
 * The CPU profiles of the "before" column of issue 17's per-step budget (a short run on the commit
 * before its server changes); the page shows them next to every later run's.
 */
const DEFAULT_PROFILE_BEFORE = 'bench/results/2026-12-05T18-44-07Z-email-otp.json';
const REQUEST_SCENARIOS = ['token-exchange', 'token-refresh', 'discovery', 'jwks'];
const PEER_SCENARIOS = ['vs-oidc-provider', 'vs-better-auth'];
const SETS = {
  password: ['password-one-step', 'password-identifier-first'],
  email: ['email-otp'],
  recovery: ['password-recovery'],
  token: REQUEST_SCENARIOS,
  peers: PEER_SCENARIOS,
  scaling: ['scaling'],
  all: [...FLOW_SCENARIOS, ...REQUEST_SCENARIOS, ...PEER_SCENARIOS, 'scaling'],
};
const STORES = ['sqlite', 'postgres'];
/** Scenarios of the multi-worker variant, at the largest concurrency. */
const WORKER_SCENARIOS = ['email-otp', 'token-exchange'];

/**
 * The bench's server configuration. The per-recipient and per-IP limits are a security feature;
 * every request here comes from 127.0.0.1 for a few dozen addresses, so they are raised to measure
 * throughput, and the report says so.
 */
const BENCH_LIMIT = 1_000_000_000;
const BENCH_CONFIG = {
  seedDemo: false,
  rateLimits: {
    emailPerRecipient: { limit: BENCH_LIMIT },
    challengePerIp: { limit: BENCH_LIMIT },
    answerPerIp: { limit: BENCH_LIMIT },
  },
  // Pre-minted interaction codes wait for their timed window; 600 s is the schema's maximum.
  tokens: { interactionCodeTtlSeconds: 600 },
};

// ---------------------------------------------------------------------------------------------
// Options

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    set: { type: 'string', default: 'all' },
    scenarios: { type: 'string' },
    store: { type: 'string', default: 'sqlite,postgres' },
    'postgres-url': { type: 'string', default: DEFAULT_PG_ADMIN_URL },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    concurrency: { type: 'string' },
    'postgres-concurrency': { type: 'string' },
    'postgres-scenarios': { type: 'string' },
    'request-concurrency': { type: 'string' },
    users: { type: 'string' },
    'max-flows': { type: 'string', default: '100000' },
    workers: { type: 'string', default: '2' },
    pairs: { type: 'string' },
    'peer-concurrency': { type: 'string', default: '16' },
    codes: { type: 'string' },
    'mint-seconds': { type: 'string' },
    hashes: { type: 'string' },
    'scale-sizes': { type: 'string' },
    'scale-stores': { type: 'string' },
    'scale-scenarios': { type: 'string' },
    'scale-concurrency': { type: 'string', default: '16' },
    'keep-data': { type: 'boolean', default: false },
    'arrival-rate': { type: 'string' },
    'open-loop-scenarios': { type: 'string' },
    profile: { type: 'string' },
    'profile-concurrency': { type: 'string', default: '1' },
    'profile-interval': { type: 'string', default: '100' },
    page: { type: 'string', default: 'this' },
    'profile-before': { type: 'string', default: DEFAULT_PROFILE_BEFORE },
    help: { type: 'boolean', default: false },
  },
});
// Before anything can fail: `fail` logs with the seconds since this start.
const started = performance.now();
if (args.help) {
  process.stdout.write(
    `${readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .split('\n')
      .slice(1, 19)
      .join('\n')}\n`,
  );
  process.exit(0);
}
const positive = (name, value) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) fail(`--${name} must be a positive number, not ${value}`);
  return n;
};
const list = (value) =>
  String(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const counts = (name, value) => list(value).map((c) => Math.round(positive(name, c)));
const quick = args.quick;
const scenarios = args.scenarios
  ? list(args.scenarios)
  : [...new Set(list(args.set).flatMap((s) => SETS[s] ?? fail(`unknown set ${s} (${Object.keys(SETS)})`)))];
const concurrency = counts('concurrency', args.concurrency ?? '1,16,100');
const options = {
  quick,
  set: args.scenarios ? null : args.set,
  stores: list(args.store),
  durationS: positive('duration', args.duration ?? (quick ? '1' : '10')),
  warmupS: positive('warmup', args.warmup ?? (quick ? '0.5' : '2')),
  concurrency,
  postgresConcurrency: counts(
    'postgres-concurrency',
    args['postgres-concurrency'] ?? (quick ? '16' : concurrency),
  ),
  // Discovery and JWKS do not read the store per request: quick runs them on SQLite only.
  postgresScenarios: list(
    args['postgres-scenarios'] ??
      scenarios.filter((s) => !quick || !['discovery', 'jwks'].includes(s)).join(','),
  ),
  requestConcurrency: counts(
    'request-concurrency',
    args['request-concurrency'] ?? (quick ? String(Math.max(...concurrency)) : concurrency),
  ),
  scenarios,
  users: Math.round(positive('users', args.users ?? String(Math.max(64, ...concurrency)))),
  maxFlows: Math.round(positive('max-flows', args['max-flows'])),
  workers: Math.round(positive('workers', args.workers)),
  pairs: Math.round(positive('pairs', args.pairs ?? (quick ? '2' : '4'))),
  peerConcurrency: Math.round(positive('peer-concurrency', args['peer-concurrency'])),
  codes: Math.round(positive('codes', args.codes ?? (quick ? '300' : '4000'))),
  mintSeconds: positive('mint-seconds', args['mint-seconds'] ?? (quick ? '3' : '15')),
  hashes: Math.round(positive('hashes', args.hashes ?? (quick ? '10' : '50'))),
  scaleSizes: counts('scale-sizes', args['scale-sizes'] ?? (quick ? '1000,100000' : '1000,100000,1000000')),
  scaleStores: list(args['scale-stores'] ?? (quick ? 'sqlite' : 'sqlite,postgres')),
  scaleScenarios: list(args['scale-scenarios'] ?? (quick ? 'email-otp' : 'email-otp,password-one-step')),
  scaleConcurrency: Math.round(positive('scale-concurrency', args['scale-concurrency'])),
  // Open loop: flows started per second (comma-separated rates), on SQLite, one server process.
  arrivalRates: counts('arrival-rate', args['arrival-rate'] ?? '300'),
  openLoopScenarios: list(
    args['open-loop-scenarios'] ?? (scenarios.includes('email-otp') ? 'email-otp' : ''),
  ).filter((s) => s !== 'none'),
  // CPU profile of the server (the per-step budget): scenarios, on every active store.
  profile: list(args.profile ?? (scenarios.includes('email-otp') ? 'email-otp' : 'none')).filter(
    (s) => s !== 'none',
  ),
  profileConcurrency: Math.round(positive('profile-concurrency', args['profile-concurrency'])),
  profileIntervalUs: Math.round(positive('profile-interval', args['profile-interval'])),
  page: args.page,
};
for (const s of [...options.openLoopScenarios, ...options.profile])
  if (!FLOW_SCENARIOS.includes(s)) fail(`--open-loop-scenarios and --profile take flow scenarios, not ${s}`);
for (const s of options.scenarios)
  if (!SETS.all.includes(s)) fail(`unknown scenario ${s} (known: ${SETS.all.join(', ')})`);
for (const s of [...options.stores, ...options.scaleStores])
  if (!STORES.includes(s)) fail(`unknown store ${s} (known: ${STORES.join(', ')})`);
for (const s of options.scaleScenarios)
  if (!['email-otp', 'password-one-step'].includes(s))
    fail(`--scale-scenarios takes email-otp and/or password-one-step, not ${s}`);
const maxVus = Math.max(
  ...options.concurrency,
  ...options.postgresConcurrency,
  ...options.requestConcurrency,
  options.peerConcurrency,
);
if (options.users < maxVus)
  fail(`--users ${options.users} is fewer than the ${maxVus} VUs: email flows need a user per VU`);
const adminUrl = args['postgres-url'];
try {
  checkAdminUrl(adminUrl);
} catch (error) {
  fail(String(error.message));
}
const wants = (kinds) => options.scenarios.filter((s) => kinds.includes(s));
/**
 * Quick runs trim the matrix to fit in under 3 minutes: the argon2-bound flows (each flow at 100 VUs
 * queues for seconds behind the hashes) run at fewer concurrencies; email-otp keeps all three.
 */
const QUICK_FLOW_CONCURRENCY = {
  'password-one-step': [1, 16],
  'password-identifier-first': [16],
  'password-recovery': [16],
};
/** The concurrencies a scenario runs at on a store ([] = not at all). */
function concurrencyFor(store, scenario) {
  if (store === 'postgres')
    return options.postgresScenarios.includes(scenario) ? options.postgresConcurrency : [];
  if (REQUEST_SCENARIOS.includes(scenario)) return options.requestConcurrency;
  if (quick && !args.concurrency && QUICK_FLOW_CONCURRENCY[scenario]) return QUICK_FLOW_CONCURRENCY[scenario];
  return options.concurrency;
}

// ---------------------------------------------------------------------------------------------
// Safety: no child outlives us, no database or data directory is left behind, and the whole
// invocation has a hard time limit.

let dataDir = null;
/** PostgreSQL databases created by this invocation and not dropped yet. */
const databases = [];
const cleanup = () => {
  killChildren();
  if (databases.length) dropDatabasesSync(adminUrl, databases.splice(0));
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

/** A generous bound on the whole invocation, from what it will run. */
function timeBudgetSeconds() {
  const perRun = options.warmupS + options.durationS + 20;
  let seconds = 120;
  for (const store of options.stores) {
    seconds += 60; // seeding
    for (const s of wants([...FLOW_SCENARIOS, ...REQUEST_SCENARIOS]))
      seconds +=
        concurrencyFor(store, s).length *
        (perRun +
          (s === 'token-exchange' ? 2 * options.mintSeconds : 0) +
          (s === 'password-recovery' ? 30 : 0));
    seconds += 2 * WORKER_SCENARIOS.length * (perRun + 2 * options.mintSeconds);
    seconds += options.profile.length * (perRun + 30); // writing and reading the profile
    if (store === 'sqlite')
      seconds += options.openLoopScenarios.length * options.arrivalRates.length * perRun;
  }
  seconds += wants(PEER_SCENARIOS).length * (90 + (2 * options.pairs + 2) * (perRun + options.mintSeconds));
  if (wants(['scaling']).length)
    for (let i = 0; i < options.scaleStores.length; i++) {
      seconds += 30;
      for (const size of options.scaleSizes)
        seconds += 30 + size / 5000 + options.scaleScenarios.length * perRun; // ≥ 5 000 users/s seeded
    }
  return Math.ceil(seconds);
}
const budgetS = timeBudgetSeconds();
setTimeout(() => {
  log(`bench: hard time limit of ${budgetS} s reached, stopping`);
  cleanup();
  process.exit(2);
}, budgetS * 1000).unref();

/** Progress on stderr, each line with the seconds since the start. */
function log(line) {
  const t = `[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] `;
  process.stderr.write(`${line.startsWith('\n') ? '\n' : ''}${t}${line.replace(/^\n/, '')}\n`);
}
function fail(message) {
  log(`bench: ${message}`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// Stores

const stamp = new Date()
  .toISOString()
  .replace(/[-:T]/g, '')
  .replace(/\.\d+Z$/, '')
  .toLowerCase();

/**
 * A store for this invocation: a directory under the data directory and, for PostgreSQL, a fresh
 * database `gatehouse_bench_<timestamp>[_<suffix>]` (dropped at the end on every exit path).
 * @returns {Promise<import('./lib/processes.mjs').Store>}
 */
async function makeStore(store, suffix) {
  const dir = join(dataDir, `${store}-${suffix}`);
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'bench-config.json');
  writeFileSync(configFile, `${JSON.stringify(BENCH_CONFIG, null, 2)}\n`);
  let databaseUrl = null;
  if (store === 'postgres') {
    const name = `gatehouse_bench_${stamp}_${process.pid}_${suffix}`;
    databases.push(name);
    databaseUrl = await createDatabase(adminUrl, name);
  }
  return { store, dataDir: dir, configFile, databaseUrl };
}

async function dropAll() {
  killChildren();
  while (databases.length) {
    const name = databases.pop();
    try {
      await dropDatabase(adminUrl, name);
    } catch (error) {
      log(`bench: could not drop database ${name}: ${error.message}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------

const runOptions = () => ({
  warmupS: options.warmupS,
  durationS: options.durationS,
  maxFlows: options.maxFlows,
  codes: options.codes,
  mintSeconds: options.mintSeconds,
  log,
});

async function runOne(ctx, scenario, concurrency, workers, argon2, arrivalRate) {
  const load = arrivalRate ? `open loop at ${arrivalRate} flows/s` : `${concurrency} VUs`;
  const what = `${ctx.store.store}: ${scenario} × ${load}${workers > 1 ? ` × ${workers} workers` : ''}`;
  log(`bench: ${what} (${options.warmupS} s warm-up + ${options.durationS} s)…`);
  const run = { ...runOptions(), workers, ...(arrivalRate ? { arrivalRate } : {}) };
  const r = FLOW_SCENARIOS.includes(scenario)
    ? await measureFlow(ctx, scenario, concurrency, run)
    : await measureRequests(ctx, scenario, concurrency, run);
  if (argon2 && (scenario === 'password-one-step' || scenario === 'password-identifier-first'))
    r.percentOfArgon2Ceiling = (100 * r.flowsPerSecond) / argon2.ceilingFlowsPerSecond;
  log(
    `bench:   ${r.flows} ops, ${r.flowsPerSecond.toFixed(1)}/s, ${r.errors} errors` +
      (r.open
        ? `, ${r.open.dropped} dropped, ${r.open.late} late, arrivals ${r.open.achievedRate.toFixed(1)}/s`
        : ''),
  );
  return lean(r);
}

async function main() {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const loadAverage1mAtStart = loadavg()[0];
  const info = machine(ROOT, {
    'oidc-provider (bench/peers)': peerVersion('oidc-provider'),
    'better-auth (bench/peers)': peerVersion('better-auth'),
  });
  log(
    `bench: ${info.cpuModel}, ${info.cores} cores, Node ${info.node}; stores ${options.stores.join(', ')}; ` +
      `scenarios ${options.scenarios.join(', ')}; hard limit ${budgetS} s`,
  );

  // Which stores are there: PostgreSQL is skipped with a note when it does not answer.
  const stores = [];
  let postgres = null;
  if (
    options.stores.includes('postgres') ||
    (wants(['scaling']).length && options.scaleStores.includes('postgres'))
  )
    postgres = await probePostgres(adminUrl);
  for (const store of options.stores) {
    if (store === 'sqlite') stores.push({ store, version: await sqliteVersion() });
    else stores.push({ store, ...postgres });
  }
  for (const s of stores) if (s.skipped) log(`bench: ${s.store} skipped: ${s.skipped}`);
  const active = stores.filter((s) => !s.skipped).map((s) => s.store);

  const workersSupported = options.workers > 1 && serverSupportsWorkers();
  const workersNote =
    options.workers <= 1
      ? 'not requested (--workers 1)'
      : workersSupported
        ? null
        : '`gatehouse start --help` lists no --workers flag: the multi-worker variant was not run';
  if (workersNote) log(`bench: workers variant: ${workersNote}`);

  let argon2 = null;
  if (options.scenarios.some((s) => s.startsWith('password-'))) {
    log(`bench: timing ${options.hashes} sequential argon2id hashes…`);
    argon2 = await argon2Ceiling(options.hashes, info.cores);
    log(
      `bench: ${argon2.meanHashMs.toFixed(2)} ms per hash → ceiling ${argon2.ceilingFlowsPerSecond.toFixed(1)} flows/s`,
    );
  }

  const { configSchema } = await import(
    pathToFileURL(join(ROOT, 'packages/server/dist/config/schema.js')).href
  );
  const defaults = configSchema.parse({});
  dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const limit = (l) => `${l.limit} per ${l.windowSeconds} s`;
  const configNotes = [
    `**Rate limits raised for the benchmark** (a security feature; the bench measures throughput, from one IP ` +
      `over ${options.users} addresses): rateLimits.emailPerRecipient, challengePerIp and answerPerIp ` +
      `${BENCH_LIMIT.toLocaleString('en')} per window (defaults: ${limit(defaults.rateLimits.emailPerRecipient)}, ` +
      `${limit(defaults.rateLimits.challengePerIp)}, ${limit(defaults.rateLimits.answerPerIp)}). The limiter still ` +
      'runs and counts (database counters) on every challenge and answer.',
    `tokens.interactionCodeTtlSeconds 600 (default ${defaults.tokens.interactionCodeTtlSeconds}) so that codes minted ` +
      `before a timed window stay valid; email.maxSendsPerTransaction stays ${defaults.email.maxSendsPerTransaction} ` +
      '(one email per transaction here); seedDemo false; mail goes to the embedded outbox (no SMTP_URL).',
    'PostgreSQL: a fresh database per invocation on the same machine (DATABASE_URL, pool size ' +
      `${defaults.storage.poolSize}), dropped at the end.`,
  ];

  const runs = [];
  const cpuProfiles = [];
  const idleRss = [];
  const peers = [];
  const contexts = {};
  const mainScenarios = wants([...FLOW_SCENARIOS, ...REQUEST_SCENARIOS]);
  const peerScenarios = wants(PEER_SCENARIOS);
  const needsMainStore = mainScenarios.length || peerScenarios.length;
  for (const storeName of needsMainStore ? active : []) {
    const store = await makeStore(storeName, 'main');
    log(
      `bench: ${storeName}: seeding 3 apps (CLI) and ${2 * options.users} users, idle RSS of a fresh server…`,
    );
    const seeded = await seedStore(store, options.users);
    log(
      `bench: ${storeName}: seeded in ${seeded.seedSeconds.toFixed(1)} s; idle RSS ${(seeded.idleRssBytes / 2 ** 20).toFixed(1)} MiB`,
    );
    idleRss.push({ store: storeName, bytes: seeded.idleRssBytes });
    const ctx = { store, ...seeded };
    contexts[storeName] = ctx;
    for (const scenario of mainScenarios)
      for (const c of concurrencyFor(storeName, scenario))
        runs.push(await runOne(ctx, scenario, c, 1, argon2));
    // The workers variant at the store's largest concurrency; quick runs do PostgreSQL's email-otp
    // only (the scale-out comparison of issue 17).
    if (workersSupported)
      for (const scenario of wants(WORKER_SCENARIOS)) {
        if (quick && storeName !== 'sqlite' && scenario !== 'email-otp') continue;
        const levels = concurrencyFor(storeName, scenario);
        if (!levels.length) continue;
        const c = Math.max(...levels);
        // The one-process run to compare with, when the matrix did not have it.
        if (
          !runs.some(
            (r) =>
              r.store === storeName &&
              r.scenario === scenario &&
              r.concurrency === c &&
              r.workers === 1 &&
              r.mode !== 'open-loop',
          )
        )
          runs.push(await runOne(ctx, scenario, c, 1, argon2));
        runs.push(await runOne(ctx, scenario, c, options.workers, argon2));
      }
    // Open loop: a fixed arrival rate on the embedded store, one server process.
    if (storeName === 'sqlite')
      for (const scenario of options.openLoopScenarios)
        for (const rate of options.arrivalRates)
          runs.push(await runOne(ctx, scenario, null, 1, argon2, rate));
    for (const scenario of options.profile) {
      log(
        `bench: ${storeName}: ${scenario} under --cpu-prof at ${options.profileConcurrency} VU(s) ` +
          `(${options.warmupS} s warm-up + ${options.durationS} s)…`,
      );
      const p = await profileFlow(ctx, scenario, {
        concurrency: options.profileConcurrency,
        intervalUs: options.profileIntervalUs,
        warmupS: options.warmupS,
        durationS: options.durationS,
        maxFlows: options.maxFlows,
        steps: [...SCENARIOS[scenario], 'mailbox'],
        dir: join(dataDir, 'profiles'),
        keepProfile: args['keep-data'],
      });
      log(
        `bench:   ${p.flows} flows, ${p.flow ? (p.flow.totalUs / 1000).toFixed(2) : '–'} ms main-thread CPU per flow`,
      );
      cpuProfiles.push(p);
    }
  }

  if (peerScenarios.length) {
    const ctx = contexts.sqlite ?? Object.values(contexts)[0];
    if (!peersInstalled() || !ctx) {
      const why = !ctx
        ? 'no store to run Gatehouse on'
        : 'bench/peers is not installed (run `npm install --prefix bench/peers`)';
      for (const s of peerScenarios) peers.push({ peer: s.slice(3), what: s, skipped: why });
    } else {
      const gatehouse = await startServer(ctx.store, await freePort());
      try {
        for (const s of peerScenarios) {
          log(
            `bench: ${s}: ${options.pairs} ABBA pairs × ${options.durationS} s at ${options.peerConcurrency} VUs…`,
          );
          peers.push({
            store: ctx.store.store,
            ...(await runPeerComparison(s, options, log, ctx, gatehouse)),
          });
        }
      } finally {
        await stopChild(gatehouse.child);
      }
    }
  }

  const scaling = [];
  const scalingSkipped = [];
  if (wants(['scaling']).length) {
    for (const storeName of options.scaleStores) {
      if (storeName === 'postgres' && postgres?.skipped) {
        scalingSkipped.push({ store: storeName, skipped: postgres.skipped });
        continue;
      }
      const store = await makeStore(storeName, 'scale');
      scaling.push(
        ...(await runScaling({
          store,
          scenarios: options.scaleScenarios,
          sizes: options.scaleSizes,
          concurrency: options.scaleConcurrency,
          run: runOptions(),
          log,
        })),
      );
    }
  }

  await dropAll();
  const setName = options.set ? options.set.replace(/,/g, '+') : options.scenarios.join('+');
  const result = {
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, ''),
    startedAt,
    loadAverage1mAtStart,
    finishedAt: new Date().toISOString(),
    wallSeconds: (performance.now() - t0) / 1000,
    loadAverage1mAtEnd: loadavg()[0],
    quick,
    scenarioSet: setName,
    options: { ...options, store: options.stores.join(','), clkTck: CLK_TCK, timeLimitSeconds: budgetS },
    benchConfig: BENCH_CONFIG,
    benchConfigFile: 'bench-config.json',
    configNotes,
    machine: info,
    stores,
    workers: { requested: options.workers, supported: workersSupported, note: workersNote },
    argon2,
    idleRss,
    runs,
    peers,
    scaling: scaling.length === 1 ? scaling[0] : scaling.length ? scaling : null,
    scalingSkipped,
    cpuProfiles,
    workersComparisons: workersComparisons(runs, info.cores),
  };
  result.targets = computeTargets(result);

  const resultsDir = join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const fileStamp = startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const file = join(resultsDir, `${fileStamp}-${setName}${options.quick ? '-quick' : ''}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  const md = markdown(result);
  writeFileSync(file.replace(/\.json$/, '.md'), `${md}\n`);
  // Lay the JSON out the way `npm run lint` expects (biome collapses short arrays); best effort.
  try {
    const { execFileSync } = await import('node:child_process');
    execFileSync(join(ROOT, 'node_modules/.bin/biome'), ['format', '--write', file], { stdio: 'ignore' });
  } catch {}
  let page = null;
  try {
    if (options.page !== 'off') {
      const publish = await import('./lib/publish.mjs');
      const beforeFile = args['profile-before'];
      let before = null;
      if (beforeFile !== 'none') {
        try {
          before = JSON.parse(readFileSync(join(ROOT, beforeFile), 'utf8'));
        } catch (error) {
          log(`bench: no 'before' CPU profiles (${beforeFile}: ${error.message})`);
        }
      }
      // `--page <base.json>`: the page stays that (full) run's, with this run's open-loop runs, CPU
      // profiles and workers comparisons added as a supplement (short runs on a busy box do not
      // replace a full run's tables).
      if (options.page === 'this') await publish.writeBenchmarksPage(result, { root: ROOT, before });
      else {
        const base = JSON.parse(readFileSync(options.page, 'utf8'));
        base.targets = computeTargets(base); // today's definitions (and baseline) over the base run
        await publish.writeBenchmarksPage(base, { root: ROOT, supplement: result, before });
      }
      page = 'docs/benchmarks.md';
    }
  } catch (error) {
    if (error?.code === 'ERR_MODULE_NOT_FOUND' && /publish\.mjs/.test(String(error.message)))
      log('bench: bench/lib/publish.mjs is missing: docs/benchmarks.md not written');
    else log(`bench: writing docs/benchmarks.md failed: ${error?.stack ?? error}`);
  }

  process.stdout.write(
    `${md}\n\nJSON: ${relative(process.cwd(), file)}${page ? `\nPage: ${page}` : ''}\n` +
      `Wall time: ${result.wallSeconds.toFixed(0)} s\n`,
  );
  const all = [
    ...runs,
    ...scaling.flatMap((s) => s.runs),
    ...peers.flatMap((p) => (p.pairs ?? []).flatMap((x) => [x.gatehouse, x.peer])),
  ];
  const failed = all.some((r) => r.errors > 0 || r.flows === 0);
  cleanup();
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  log(`bench: ${error?.stack ?? error}`);
  cleanup();
  process.exit(1);
});
