#!/usr/bin/env node
// `npm run bench`: real Gatehouse servers as child processes on loopback ports, seeded through the
// CLI and Gatehouse's own services; complete flows (password, email OTP, password recovery), the
// token endpoint, discovery and JWKS alone, and ABBA pairs against peers (oidc-provider, Better Auth)
// from bench/peers. Markdown to stdout, JSON to bench/results/. Every run is bounded in time and count.
//
//   node bench/run.mjs [--quick] [--set all|password|email|recovery|token|peers[,…]] [--scenarios a,b]
//                      [--duration 10] [--warmup 2] [--concurrency 1,16] [--users 64] [--max-flows 100000]
//                      [--pairs 4] [--peer-concurrency 16] [--codes 4000] [--mint-seconds 15]
//                      [--hashes 50] [--keep-data]

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  checkTokenResponse,
  formRequest,
  runFlows,
  runRequests,
  SCENARIOS,
  StepError,
} from './lib/flow-driver.mjs';
import { peersInstalled, peerVersion, runBetterAuthFlows, startPeer } from './lib/peers.mjs';
import { markdown } from './lib/report.mjs';
import { CLK_TCK, freePort, machine, measured, processMemory, spread } from './lib/system.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'packages/server/bin/gatehouse.js');
const REDIRECT_URI = 'http://localhost:8080/login/callback';
const READY = /Gatehouse listening on (\S+)/;
const AS = '/oauth2/default';

const FLOW_SCENARIOS = Object.keys(SCENARIOS);
const REQUEST_SCENARIOS = ['token-exchange', 'token-refresh', 'discovery', 'jwks'];
const PEER_SCENARIOS = ['vs-oidc-provider', 'vs-better-auth'];
const SETS = {
  password: ['password-one-step', 'password-identifier-first'],
  email: ['email-otp'],
  recovery: ['password-recovery'],
  token: REQUEST_SCENARIOS,
  peers: PEER_SCENARIOS,
  all: [...FLOW_SCENARIOS, ...REQUEST_SCENARIOS, ...PEER_SCENARIOS],
};

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
    duration: { type: 'string' },
    warmup: { type: 'string' },
    concurrency: { type: 'string', default: '1,16' },
    users: { type: 'string' },
    'max-flows': { type: 'string', default: '100000' },
    pairs: { type: 'string' },
    'peer-concurrency': { type: 'string', default: '16' },
    codes: { type: 'string' },
    'mint-seconds': { type: 'string' },
    hashes: { type: 'string' },
    'keep-data': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(
    `${readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .split('\n')
      .slice(1, 11)
      .join('\n')}\n`,
  );
  process.exit(0);
}
const positive = (name, value) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) fail(`--${name} must be a positive number, not ${value}`);
  return n;
};
const quick = args.quick;
const scenarios = args.scenarios
  ? args.scenarios.split(',').map((s) => s.trim())
  : [
      ...new Set(
        args.set.split(',').flatMap((s) => SETS[s.trim()] ?? fail(`unknown set ${s} (${Object.keys(SETS)})`)),
      ),
    ];
const options = {
  quick,
  set: args.scenarios ? null : args.set,
  durationS: positive('duration', args.duration ?? (quick ? '2' : '10')),
  warmupS: positive('warmup', args.warmup ?? (quick ? '1' : '2')),
  concurrency: args.concurrency.split(',').map((c) => Math.round(positive('concurrency', c))),
  scenarios,
  users: Math.round(positive('users', args.users ?? (quick ? '32' : '64'))),
  maxFlows: Math.round(positive('max-flows', args['max-flows'])),
  pairs: Math.round(positive('pairs', args.pairs ?? (quick ? '2' : '4'))),
  peerConcurrency: Math.round(positive('peer-concurrency', args['peer-concurrency'])),
  codes: Math.round(positive('codes', args.codes ?? (quick ? '600' : '4000'))),
  mintSeconds: positive('mint-seconds', args['mint-seconds'] ?? (quick ? '4' : '15')),
  hashes: Math.round(positive('hashes', args.hashes ?? (quick ? '20' : '50'))),
};
for (const s of options.scenarios)
  if (!SETS.all.includes(s)) fail(`unknown scenario ${s} (known: ${SETS.all.join(', ')})`);
const maxVus = Math.max(...options.concurrency, options.peerConcurrency);
if (options.users < maxVus)
  fail(`--users ${options.users} is fewer than the ${maxVus} VUs: email flows need a user per VU`);

// ---------------------------------------------------------------------------------------------
// Safety: no child outlives us, and the whole invocation has a hard time limit.

/** @type {Set<import('node:child_process').ChildProcess>} */
const children = new Set();
let dataDir = null;
const cleanup = () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
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
const perRun = options.warmupS + options.durationS + 30;
const budgetS = Math.ceil(
  180 +
    options.scenarios.filter((s) => FLOW_SCENARIOS.includes(s)).length * options.concurrency.length * perRun +
    options.scenarios.filter((s) => REQUEST_SCENARIOS.includes(s)).length *
      options.concurrency.length *
      (perRun + 2 * options.mintSeconds) +
    options.scenarios.filter((s) => PEER_SCENARIOS.includes(s)).length *
      (90 + (2 * options.pairs + 2) * (perRun + options.mintSeconds)),
);
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
// argon2id ceiling: what the CPU allows if the server did nothing but hash

async function argon2Ceiling(count, cores) {
  const { configSchema } = await import(
    pathToFileURL(join(ROOT, 'packages/server/dist/config/schema.js')).href
  );
  const params = configSchema.parse({}).passwordHashing;
  const { hash, verify } = await import('@node-rs/argon2');
  const { machineCpuSeconds } = await import('./lib/system.mjs');
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

/** The children's environment: development defaults (NODE_ENV unset), SQLite, quiet logs. */
function childEnv() {
  const env = { ...process.env, GATEHOUSE_LOG_LEVEL: 'warn' };
  for (const key of [
    'NODE_ENV',
    'DATABASE_URL',
    'REDIS_URL',
    'SMTP_URL',
    'GATEHOUSE_CONFIG',
    'GATEHOUSE_PUBLIC_URL',
    'GATEHOUSE_HOST',
    'GATEHOUSE_SECRET_KEY',
  ])
    delete env[key];
  return env;
}

/** Starts `gatehouse start` with the bench configuration and resolves once it prints its ready line. */
function startServer(dir, configFile, port) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'start',
        '--data-dir',
        dir,
        '--config',
        configFile,
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
      ],
      { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
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

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Runs a Node script or the `gatehouse` CLI to completion and parses the JSON it prints. */
function runJson(argv, label) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      err += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('exit', (code) => {
      children.delete(child);
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`${label} failed (${code}): ${err}`));
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`${label} printed no JSON: ${out}${err}`));
      }
    });
  });
}

const cli = (dir, configFile, argv) =>
  runJson(
    [BIN, ...argv, '--data-dir', dir, '--config', configFile, '--json'],
    `gatehouse ${argv.slice(0, 2).join(' ')}`,
  );

/** Apps through the CLI (`apps create --public --policy …`), users through Gatehouse's UserService. */
async function seed(dir, configFile, userCount) {
  const apps = {};
  for (const [name, policy, identifierFirst] of [
    ['password-one-step', 'password', false],
    ['password-identifier-first', 'password', true],
    ['email-otp', 'email', true],
  ]) {
    const argv = ['apps', 'create', '--name', `bench ${name}`, '--public', '--redirect-uri', REDIRECT_URI];
    argv.push('--policy', policy);
    if (identifierFirst) argv.push('--identifier-first');
    apps[name] = (await cli(dir, configFile, argv)).clientId;
  }
  // Recovery starts on the one-step app's identify page (self-service recovery is on by default).
  apps['password-recovery'] = apps['password-one-step'];
  const make = (prefix) =>
    Array.from({ length: userCount }, (_, i) => {
      const login = `${prefix}-${i + 1}@bench.example`;
      // Long, random, unrelated to the login: passes the default password policy.
      return {
        login,
        email: login,
        password: `Cb-${Math.random().toString(36).slice(2, 12)}-horse-battery-${i + 1}`,
      };
    });
  const users = make('bench');
  // Recovery changes passwords (the driver keeps the new ones), so it has users of its own.
  const recoveryUsers = make('bench-recovery');
  const file = join(dir, 'bench-users.json');
  writeFileSync(file, JSON.stringify([...users, ...recoveryUsers]));
  await runJson(
    [join(ROOT, 'bench/lib/seed-users.mjs'), '--data-dir', dir, '--config', configFile, '--users', file],
    'seed users',
  );
  rmSync(file);
  return { apps, users, recoveryUsers };
}

// ---------------------------------------------------------------------------------------------
// Runs

/** Drops the bulky arrays a driver returns for the next stage (codes, tokens) before the report. */
function lean(result) {
  const { codes, tokens, ...rest } = result;
  return rest;
}

function warmupSummary(w) {
  return { flows: w.flows, errors: w.errors, durationS: options.warmupS, firstError: w.errorSamples[0] };
}

/** Interaction codes minted with complete email-OTP flows that stop before /v1/token. */
async function mintCodes(ctx, url, count, scope = 'openid profile email') {
  const r = await runFlows({
    baseUrl: url,
    clientId: ctx.apps['email-otp'],
    scenario: 'email-otp',
    users: ctx.users,
    concurrency: Math.min(16, ctx.users.length),
    durationMs: options.mintSeconds * 1000,
    maxFlows: count,
    finish: 'code',
    scope,
  });
  if (r.errors) log(`bench:   minting: ${r.errors} errors (${r.errorSamples[0]})`);
  return { codes: r.codes, seconds: r.elapsedMs / 1000, errors: r.errors };
}

const exchangeRequest = (clientId) => (code) =>
  formRequest(`${AS}/v1/token`, {
    grant_type: 'interaction_code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_verifier: code.verifier,
    interaction_code: code.code,
  });

/** Hands out each pre-minted code once; null when none is left (the VU stops). */
function codeQueue(codes, toRequest) {
  let next = 0;
  return () => (next < codes.length ? toRequest(codes[next++]) : null);
}

async function measureFlow(ctx, scenario, concurrency) {
  const { child, url } = await startServer(ctx.dir, ctx.configFile, await freePort());
  const loadAverage1mBefore = loadavg()[0];
  try {
    const common = {
      baseUrl: url,
      clientId: ctx.apps[scenario],
      scenario,
      users: scenario === 'password-recovery' ? ctx.recoveryUsers : ctx.users,
      concurrency,
      maxFlows: options.maxFlows,
    };
    const warmup = await runFlows({ ...common, durationMs: options.warmupS * 1000 });
    const r = await measured(child.pid, () => runFlows({ ...common, durationMs: options.durationS * 1000 }));
    return { kind: 'flow', ...r, warmup: warmupSummary(warmup), loadAverage1mBefore };
  } finally {
    await stopChild(child);
  }
}

async function measureRequests(ctx, scenario, concurrency) {
  const { child, url } = await startServer(ctx.dir, ctx.configFile, await freePort());
  const loadAverage1mBefore = loadavg()[0];
  const run = (durationS, spec, maxRequests) =>
    runRequests({
      baseUrl: url,
      step: scenario,
      concurrency,
      durationMs: durationS * 1000,
      maxRequests,
      ...spec,
    });
  try {
    let spec;
    let prepared = null;
    let warmupSpec;
    let warmupMax;
    if (scenario === 'token-exchange') {
      const toRequest = exchangeRequest(ctx.apps['email-otp']);
      const check = (json) => checkTokenResponse('token-exchange', json);
      const w = await mintCodes(ctx, url, concurrency * 20);
      warmupSpec = { request: codeQueue(w.codes, toRequest), check };
      warmupMax = w.codes.length;
      const m = await mintCodes(ctx, url, options.codes);
      prepared = { what: 'codes', count: m.codes.length, seconds: m.seconds, errors: m.errors };
      spec = { request: codeQueue(m.codes, toRequest), check };
    } else if (scenario === 'token-refresh') {
      // One token family per VU, rotated back to back: every answer's refresh token is the next request's.
      const t0 = performance.now();
      const m = await runFlows({
        baseUrl: url,
        clientId: ctx.apps['email-otp'],
        scenario: 'email-otp',
        users: ctx.users,
        concurrency,
        durationMs: options.mintSeconds * 1000,
        maxFlows: concurrency,
        scope: 'openid profile email offline_access',
        keepTokens: true,
      });
      const chains = m.tokens.map((t) => t.refresh_token);
      if (chains.length < concurrency || chains.some((t) => typeof t !== 'string'))
        throw new Error(`token-refresh: got ${chains.length} refresh tokens for ${concurrency} VUs`);
      prepared = { what: 'token families', count: chains.length, seconds: (performance.now() - t0) / 1000 };
      spec = {
        request: (vu) =>
          formRequest(`${AS}/v1/token`, {
            grant_type: 'refresh_token',
            client_id: ctx.apps['email-otp'],
            refresh_token: chains[vu],
          }),
        check: (json, vu) => {
          if (typeof json?.access_token !== 'string' || typeof json?.refresh_token !== 'string')
            throw new StepError('token-refresh', 'missing access_token or refresh_token');
          chains[vu] = json.refresh_token;
        },
      };
      warmupSpec = spec;
    } else {
      const path = scenario === 'discovery' ? `${AS}/.well-known/openid-configuration` : `${AS}/v1/keys`;
      spec = {
        request: () => ({ method: 'GET', path }),
        check:
          scenario === 'discovery'
            ? (json) => {
                if (typeof json?.issuer !== 'string' || typeof json?.jwks_uri !== 'string')
                  throw new StepError('discovery', 'no issuer / jwks_uri');
              }
            : (json) => {
                if (!json?.keys?.some((k) => k.alg === 'RS256' && k.kty === 'RSA'))
                  throw new StepError('jwks', 'no RS256 key');
              },
      };
      warmupSpec = spec;
    }
    const warmup = await run(options.warmupS, warmupSpec, warmupMax);
    const r = await measured(child.pid, () => run(options.durationS, spec, options.maxFlows));
    return { kind: 'request', ...r, prepared, warmup: warmupSummary(warmup), loadAverage1mBefore };
  } finally {
    await stopChild(child);
  }
}

// ---------------------------------------------------------------------------------------------
// Peers: ABBA-interleaved pairs of bounded runs, both servers up

function pairSummary(peer, what, notes, pairs, gatehousePid, peerPid) {
  return {
    peer,
    peerVersion: peerVersion(peer),
    what,
    notes,
    pairs,
    ratio: spread(pairs.map((p) => p.ratio)),
    cpuRatio: spread(pairs.map((p) => p.cpuRatio)),
    gatehousePeakRssBytes: processMemory(gatehousePid).peakRssBytes,
    peerPeakRssBytes: processMemory(peerPid).peakRssBytes,
  };
}

/** Runs `pairs` ABBA pairs: pair k runs Gatehouse then the peer when k is even, the peer first when odd. */
async function abba(label, sides) {
  const pairs = [];
  for (let k = 0; k < options.pairs; k++) {
    const order = k % 2 === 0 ? ['gatehouse', 'peer'] : ['peer', 'gatehouse'];
    const pair = { pair: k, order: k % 2 === 0 ? 'G→P' : 'P→G' };
    // Both sides prepare before either runs (Gatehouse first: the peer mints as many codes as it got).
    const prepared = {};
    for (const side of ['gatehouse', 'peer']) prepared[side] = await sides[side].prepare?.();
    for (const side of order) {
      const loadAverage1mBefore = loadavg()[0];
      const r = await measured(sides[side].pid, () => sides[side].run(prepared[side]));
      pair[side] = { ...lean(r), prepared: prepared[side]?.summary ?? null, loadAverage1mBefore };
      log(
        `bench:   ${label} pair ${k + 1} ${side}: ${r.flows} ops, ${r.flowsPerSecond.toFixed(1)}/s, ${r.errors} errors`,
      );
    }
    pair.ratio = pair.gatehouse.flowsPerSecond / pair.peer.flowsPerSecond;
    pair.cpuRatio = pair.gatehouse.serverCpuSecondsPerFlow / pair.peer.serverCpuSecondsPerFlow;
    pairs.push(pair);
  }
  return pairs;
}

async function peerOidcProvider(ctx, gatehouse) {
  const notes = [
    'Gatehouse: `POST /oauth2/default/v1/token` grant_type=interaction_code (public client, PKCE S256); codes minted ' +
      'before each run by complete email-OTP flows that stop before /v1/token. Issues an RS256 JWT access token and ' +
      'an RS256 ID token, stores the grant, token records and an audit event.',
    'oidc-provider: `POST /token` grant_type=authorization_code (public client, PKCE S256 required); codes minted ' +
      "before each run through the provider's own Grant and AuthorizationCode models (perf.md §2d). RS256 JWT access " +
      'token (resource indicator, `accessTokenFormat: jwt`) and RS256 ID token; SQLite adapter over better-sqlite3 ' +
      '(WAL, synchronous=NORMAL), NODE_ENV=production. No password hashing on either side.',
    `${options.peerConcurrency} VUs; each run exchanges the codes minted for it (up to ${options.codes}, at most ` +
      `${options.mintSeconds} s of minting; the peer gets as many as Gatehouse got) or stops at ${options.durationS} s.`,
  ];
  const peerDir = join(ctx.dir, 'oidc-provider');
  mkdirSync(peerDir, { recursive: true });
  const peer = await startPeer('oidc-provider', {
    port: await freePort(),
    dataDir: peerDir,
    env: childEnv(),
  });
  children.add(peer.child);
  try {
    const check = (json) => checkTokenResponse('token', json);
    const gatehouseRequest = exchangeRequest(ctx.apps['email-otp']);
    const peerRequest = (c) =>
      formRequest(peer.info.tokenPath, {
        grant_type: 'authorization_code',
        client_id: peer.info.clientId,
        redirect_uri: peer.info.redirectUri,
        code_verifier: c.verifier,
        code: c.code,
      });
    let lastCount = options.codes;
    const sides = {
      gatehouse: {
        pid: gatehouse.child.pid,
        prepare: async () => {
          const m = await mintCodes(ctx, gatehouse.url, options.codes);
          lastCount = m.codes.length;
          return { codes: m.codes, summary: { what: 'codes', count: m.codes.length, seconds: m.seconds } };
        },
        run: (p) =>
          runRequests({
            baseUrl: gatehouse.url,
            step: 'token',
            concurrency: options.peerConcurrency,
            durationMs: options.durationS * 1000,
            request: codeQueue(p.codes, gatehouseRequest),
            check,
          }),
      },
      peer: {
        pid: peer.child.pid,
        prepare: async () => {
          const t0 = performance.now();
          const codes = await peer.call('mint', { count: lastCount });
          return {
            codes,
            summary: { what: 'codes', count: codes.length, seconds: (performance.now() - t0) / 1000 },
          };
        },
        run: (p) =>
          runRequests({
            baseUrl: peer.url,
            step: 'token',
            concurrency: options.peerConcurrency,
            durationMs: options.durationS * 1000,
            request: codeQueue(p.codes, peerRequest),
            check,
          }),
      },
    };
    // One discarded warm-up run each.
    for (const side of ['gatehouse', 'peer']) {
      const p = await sides[side].prepare();
      await sides[side].run(p);
    }
    const pairs = await abba('oidc-provider', sides);
    return pairSummary(
      'oidc-provider',
      'token endpoint, code exchange (interaction_code vs authorization_code + PKCE)',
      notes,
      pairs,
      gatehouse.child.pid,
      peer.child.pid,
    );
  } finally {
    await stopChild(peer.child);
  }
}

async function peerBetterAuth(ctx, gatehouse) {
  const notes = [
    'Gatehouse: the complete email-OTP sign-in above (interact → introspect → identify → challenge → mailbox → ' +
      'answer → token: 6 server requests, PKCE, IDX envelopes, an RS256 JWT access token and an RS256 ID token).',
    'Better Auth: `POST /api/auth/email-otp/send-verification-otp` → mailbox → `POST /api/auth/sign-in/email-otp` ' +
      '(2 server requests; ends with a session row and a signed session cookie, no JWT). email-otp plugin: 6 digits, ' +
      '300 s, 5 attempts, sign-up off; its sendVerificationOTP writes each email to an outbox table in the same ' +
      'SQLite database (better-sqlite3, WAL, synchronous=NORMAL), read through the same kind of mailbox JSON API; ' +
      'its rate limiter is off (Gatehouse: limits raised); NODE_ENV=production. No password hashing on either side.',
    'Both read the code with one `GET /dev/mailbox/api/messages?to=<address>&limit=1`, counted in the flow time and ' +
      'server CPU. The ratio compares complete sign-ins, not equal work: read it with the request counts above.',
    `${options.peerConcurrency} VUs, ${options.durationS} s per run, each VU with addresses of its own.`,
  ];
  const peerDir = join(ctx.dir, 'better-auth');
  mkdirSync(peerDir, { recursive: true });
  const peer = await startPeer('better-auth', { port: await freePort(), dataDir: peerDir, env: childEnv() });
  children.add(peer.child);
  try {
    const peerUsers = Array.from({ length: options.users }, (_, i) => `bench-ba-${i + 1}@bench.example`);
    await peer.call('seed', { users: peerUsers });
    const sides = {
      gatehouse: {
        pid: gatehouse.child.pid,
        run: () =>
          runFlows({
            baseUrl: gatehouse.url,
            clientId: ctx.apps['email-otp'],
            scenario: 'email-otp',
            users: ctx.users,
            concurrency: options.peerConcurrency,
            durationMs: options.durationS * 1000,
            maxFlows: options.maxFlows,
          }),
      },
      peer: {
        pid: peer.child.pid,
        run: () =>
          runBetterAuthFlows({
            baseUrl: peer.url,
            users: peerUsers,
            concurrency: options.peerConcurrency,
            durationMs: options.durationS * 1000,
            maxFlows: options.maxFlows,
          }),
      },
    };
    for (const side of ['gatehouse', 'peer']) {
      await (side === 'gatehouse'
        ? runFlows({
            baseUrl: gatehouse.url,
            clientId: ctx.apps['email-otp'],
            scenario: 'email-otp',
            users: ctx.users,
            concurrency: options.peerConcurrency,
            durationMs: options.warmupS * 1000,
          })
        : runBetterAuthFlows({
            baseUrl: peer.url,
            users: peerUsers,
            concurrency: options.peerConcurrency,
            durationMs: options.warmupS * 1000,
          }));
    }
    const pairs = await abba('better-auth', sides);
    const last = pairs.at(-1);
    return {
      ...pairSummary(
        'better-auth',
        'complete email-OTP sign-in (send code + verify)',
        notes,
        pairs,
        gatehouse.child.pid,
        peer.child.pid,
      ),
      mailbox: last ? { gatehouse: last.gatehouse.mailbox, peer: last.peer.mailbox } : null,
    };
  } finally {
    await stopChild(peer.child);
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const startedAt = new Date().toISOString();
  const loadAverage1mAtStart = loadavg()[0];
  const info = machine(ROOT, {
    'oidc-provider (bench/peers)': peerVersion('oidc-provider'),
    'better-auth (bench/peers)': peerVersion('better-auth'),
  });
  log(
    `bench: ${info.cpuModel}, ${info.cores} cores, Node ${info.node}; scenarios ${options.scenarios.join(', ')}`,
  );

  const wantsPassword = options.scenarios.some((s) => s.startsWith('password-'));
  let argon2 = null;
  if (wantsPassword) {
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
  const configFile = join(dataDir, 'bench-config.json');
  writeFileSync(configFile, `${JSON.stringify(BENCH_CONFIG, null, 2)}\n`);
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
  ];

  const first = await startServer(dataDir, configFile, await freePort());
  log(`bench: server ready (pid ${first.child.pid}); seeding 3 apps (CLI) and ${2 * options.users} users…`);
  const t0 = performance.now();
  const seeded = await seed(dataDir, configFile, options.users);
  log(`bench: seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await stopChild(first.child);
  const ctx = { dir: dataDir, configFile, ...seeded };

  const runs = [];
  for (const scenario of options.scenarios.filter((s) => FLOW_SCENARIOS.includes(s))) {
    for (const concurrency of options.concurrency) {
      log(`bench: ${scenario} × ${concurrency} VUs (${options.warmupS} s warm-up + ${options.durationS} s)…`);
      const r = await measureFlow(ctx, scenario, concurrency);
      if (argon2 && scenario.startsWith('password-') && scenario !== 'password-recovery')
        r.percentOfArgon2Ceiling = (100 * r.flowsPerSecond) / argon2.ceilingFlowsPerSecond;
      log(`bench:   ${r.flows} flows, ${r.flowsPerSecond.toFixed(1)}/s, ${r.errors} errors`);
      runs.push(lean(r));
    }
  }
  for (const scenario of options.scenarios.filter((s) => REQUEST_SCENARIOS.includes(s))) {
    for (const concurrency of options.concurrency) {
      log(`bench: ${scenario} × ${concurrency} VUs…`);
      const r = await measureRequests(ctx, scenario, concurrency);
      log(`bench:   ${r.flows} requests, ${r.flowsPerSecond.toFixed(1)}/s, ${r.errors} errors`);
      runs.push(lean(r));
    }
  }

  const peers = [];
  const peerScenarios = options.scenarios.filter((s) => PEER_SCENARIOS.includes(s));
  if (peerScenarios.length) {
    if (!peersInstalled()) {
      for (const s of peerScenarios)
        peers.push({
          peer: s.slice(3),
          what: s,
          skipped: 'bench/peers is not installed (run `npm install --prefix bench/peers`)',
        });
    } else {
      const gatehouse = await startServer(dataDir, configFile, await freePort());
      try {
        for (const s of peerScenarios) {
          log(
            `bench: ${s}: ${options.pairs} ABBA pairs × ${options.durationS} s at ${options.peerConcurrency} VUs…`,
          );
          peers.push(
            s === 'vs-oidc-provider'
              ? await peerOidcProvider(ctx, gatehouse)
              : await peerBetterAuth(ctx, gatehouse),
          );
        }
      } finally {
        await stopChild(gatehouse.child);
      }
    }
  }

  const setName = options.set ? options.set.replace(/,/g, '+') : options.scenarios.join('+');
  const report = {
    startedAt,
    loadAverage1mAtStart,
    finishedAt: new Date().toISOString(),
    loadAverage1mAtEnd: loadavg()[0],
    scenarioSet: setName,
    options: { ...options, store: 'sqlite', clkTck: CLK_TCK },
    benchConfig: BENCH_CONFIG,
    benchConfigFile: 'bench-config.json',
    configNotes,
    machine: info,
    argon2,
    runs,
    peers,
  };
  const resultsDir = join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const file = join(resultsDir, `${stamp}-${setName}${options.quick ? '-quick' : ''}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  const md = markdown(report);
  writeFileSync(file.replace(/\.json$/, '.md'), `${md}\n`);
  // Lay the JSON out the way `npm run lint` expects (biome collapses short arrays); best effort.
  try {
    const { execFileSync } = await import('node:child_process');
    execFileSync(join(ROOT, 'node_modules/.bin/biome'), ['format', '--write', file], { stdio: 'ignore' });
  } catch {}

  process.stdout.write(`${md}\n\nJSON: ${relative(process.cwd(), file)}\n`);
  const all = [...runs, ...peers.flatMap((p) => (p.pairs ?? []).flatMap((x) => [x.gatehouse, x.peer]))];
  const failed = all.some((r) => r.errors > 0 || r.flows === 0);
  cleanup();
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  log(`bench: ${error?.stack ?? error}`);
  cleanup();
  process.exit(1);
});
