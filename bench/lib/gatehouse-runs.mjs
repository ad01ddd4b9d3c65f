// Gatehouse's own runs: seeding a store, the idle RSS of a fresh server, and one measured run of a
// scenario (complete flows, or the token endpoint / discovery / JWKS alone) on a fresh server.

import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkTokenResponse, formRequest, runFlows, runRequests, StepError } from './flow-driver.mjs';
import { cli, ROOT, runJson, startServer, stopChild } from './processes.mjs';
import { freePort, measured, processMemory } from './system.mjs';

export const REDIRECT_URI = 'http://localhost:8080/login/callback';
export const AS = '/oauth2/default';

/** The apps each scenario signs in to: [name, policy, identifier-first]. */
const APPS = [
  ['password-one-step', 'password', false],
  ['password-identifier-first', 'password', true],
  ['email-otp', 'email', true],
];

/**
 * Creates the bench apps through the CLI (`apps create --public --policy …`); returns client ids by
 * scenario. `parallel` runs the CLI processes at once: only on a store that is already migrated.
 */
export async function createApps(store, names = APPS.map((a) => a[0]), { parallel = false } = {}) {
  const apps = {};
  const create = async ([name, policy, identifierFirst]) => {
    const argv = ['apps', 'create', '--name', `bench ${name}`, '--public', '--redirect-uri', REDIRECT_URI];
    argv.push('--policy', policy);
    if (identifierFirst) argv.push('--identifier-first');
    apps[name] = (await cli(store, argv)).clientId;
  };
  const wanted = APPS.filter((a) => names.includes(a[0]));
  if (parallel) await Promise.all(wanted.map(create));
  else for (const app of wanted) await create(app);
  // Recovery starts on the one-step app's identify page (self-service recovery is on by default).
  if (apps['password-one-step']) apps['password-recovery'] = apps['password-one-step'];
  return apps;
}

/** `count` users named `<prefix>-<n>@bench.example` with long random passwords the default policy accepts. */
export function benchUsers(prefix, count) {
  return Array.from({ length: count }, (_, i) => {
    const login = `${prefix}-${i + 1}@bench.example`;
    return {
      login,
      email: login,
      password: `Cb-${Math.random().toString(36).slice(2, 12)}-horse-battery-${i + 1}`,
    };
  });
}

/**
 * Seeds a store for the scenario runs and measures the idle RSS of its first server: the server
 * starts (and migrates), and while it sits idle for `idleSeconds` the apps are created through the
 * CLI and `2 × userCount` users through Gatehouse's UserService (`seed-users.mjs`), in other
 * processes; then the server's VmRSS is read and it is stopped.
 * @param {import('./processes.mjs').Store} store
 */
export async function seedStore(store, userCount, { idleSeconds = 2 } = {}) {
  const server = await startServer(store, await freePort());
  try {
    const idle = sleep(idleSeconds * 1000).then(() => processMemory(server.child.pid).rssBytes);
    const users = benchUsers('bench', userCount);
    // Recovery changes passwords (the driver keeps the new ones), so it has users of its own.
    const recoveryUsers = benchUsers('bench-recovery', userCount);
    const file = join(store.dataDir, 'bench-users.json');
    writeFileSync(file, JSON.stringify([...users, ...recoveryUsers]));
    const t0 = performance.now();
    // The server has migrated the store: the CLI processes and the seeding can run at once.
    const [apps] = await Promise.all([
      createApps(store, undefined, { parallel: true }),
      runJson(
        [
          join(ROOT, 'bench/lib/seed-users.mjs'),
          '--data-dir',
          store.dataDir,
          '--config',
          store.configFile,
          '--users',
          file,
        ],
        'seed users',
        { store },
      ),
    ]);
    const seedSeconds = (performance.now() - t0) / 1000;
    const idleRssBytes = await idle;
    return { apps, users, recoveryUsers, usersInStore: 2 * userCount, seedSeconds, idleRssBytes };
  } finally {
    await stopChild(server.child);
  }
}

/** The PostgreSQL database of a store (its backends' CPU is measured), or null for SQLite. */
const databaseName = (store) => (store.databaseUrl ? new URL(store.databaseUrl).pathname.slice(1) : null);

/** Drops the bulky arrays a driver returns for the next stage (codes, tokens) before the report. */
export function lean(result) {
  const { codes, tokens, ...rest } = result;
  return rest;
}

const warmupSummary = (w, seconds) => ({
  flows: w.flows,
  errors: w.errors,
  durationS: seconds,
  firstError: w.errorSamples[0],
});

/**
 * Runs email-OTP flows that stop at the interaction code: codes to time /v1/token alone.
 * @param {{ users: any[], apps: Record<string, string> }} ctx
 */
export async function mintCodes(
  ctx,
  url,
  count,
  seconds,
  { log = () => {}, scope = 'openid profile email' } = {},
) {
  const r = await runFlows({
    baseUrl: url,
    clientId: ctx.apps['email-otp'],
    scenario: 'email-otp',
    users: ctx.users,
    concurrency: Math.min(16, ctx.users.length),
    durationMs: seconds * 1000,
    maxFlows: count,
    finish: 'code',
    scope,
  });
  if (r.errors) log(`bench:   minting: ${r.errors} errors (${r.errorSamples[0]})`);
  return { codes: r.codes, seconds: r.elapsedMs / 1000, errors: r.errors };
}

export const exchangeRequest = (clientId) => (code) =>
  formRequest(`${AS}/v1/token`, {
    grant_type: 'interaction_code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_verifier: code.verifier,
    interaction_code: code.code,
  });

/** Hands out each pre-minted code once; null when none is left (the VU stops). */
export function codeQueue(codes, toRequest) {
  let next = 0;
  return () => (next < codes.length ? toRequest(codes[next++]) : null);
}

/**
 * Complete flows of one scenario on a fresh server: a discarded warm-up, then the measured window.
 * @param {{ store: import('./processes.mjs').Store, apps: Record<string, string>, users: any[],
 *   recoveryUsers?: any[], usersInStore: number }} ctx
 * With `run.arrivalRate` both windows are open-loop (that many flows started per second, at most one
 * per user in flight; `concurrency` is then ignored). `run.nodeArgs` go to the server's Node (e.g.
 * `--cpu-prof`), `run.timeline` collects the measured window's requests (flow-driver `timeline`).
 * @param {{ warmupS: number, durationS: number, maxFlows: number, workers?: number, users?: any[],
 *   arrivalRate?: number, nodeArgs?: string[], timeline?: Array<[string, number, number]> }} run
 */
export async function measureFlow(ctx, scenario, concurrency, run) {
  const workers = run.workers ?? 1;
  const { child, url } = await startServer(ctx.store, await freePort(), { workers, nodeArgs: run.nodeArgs });
  const loadAverage1mBefore = loadavg()[0];
  try {
    const common = {
      baseUrl: url,
      clientId: ctx.apps[scenario],
      scenario,
      users: run.users ?? (scenario === 'password-recovery' ? ctx.recoveryUsers : ctx.users),
      concurrency,
      maxFlows: run.maxFlows,
      ...(run.arrivalRate ? { arrivalRate: run.arrivalRate } : {}),
    };
    const warmup = await runFlows({ ...common, durationMs: run.warmupS * 1000 });
    const r = await measured(
      child.pid,
      () => runFlows({ ...common, durationMs: run.durationS * 1000, timeline: run.timeline ?? null }),
      { database: databaseName(ctx.store) },
    );
    return {
      kind: 'flow',
      store: ctx.store.store,
      workers,
      usersInStore: ctx.usersInStore,
      ...r,
      warmup: warmupSummary(warmup, run.warmupS),
      loadAverage1mBefore,
    };
  } finally {
    await stopChild(child);
  }
}

/**
 * One request per operation on a fresh server (token exchange, refresh rotation, discovery, JWKS).
 * @param {Parameters<typeof measureFlow>[0]} ctx
 * @param {{ warmupS: number, durationS: number, maxFlows: number, codes: number, mintSeconds: number,
 *   workers?: number, log?: (line: string) => void }} run
 */
export async function measureRequests(ctx, scenario, concurrency, run) {
  const workers = run.workers ?? 1;
  const { child, url } = await startServer(ctx.store, await freePort(), { workers });
  const loadAverage1mBefore = loadavg()[0];
  const go = (durationS, spec, maxRequests) =>
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
      // A warm-up share of the codes, bounded: minting costs as much as an email sign-in.
      const w = await mintCodes(
        ctx,
        url,
        Math.min(concurrency * 20, Math.max(100, run.codes >> 2)),
        run.mintSeconds,
        run,
      );
      warmupSpec = { request: codeQueue(w.codes, toRequest), check };
      warmupMax = w.codes.length;
      const m = await mintCodes(ctx, url, run.codes, run.mintSeconds, run);
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
        durationMs: Math.max(run.mintSeconds, 30) * 1000,
        maxFlows: concurrency,
        scope: 'openid profile email offline_access',
        keepTokens: true,
      });
      const chains = m.tokens.map((t) => t.refresh_token);
      if (chains.length < concurrency || chains.some((t) => typeof t !== 'string'))
        throw new Error(
          `token-refresh: got ${chains.length} refresh tokens for ${concurrency} VUs (${m.errorSamples[0] ?? ''})`,
        );
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
    const warmup = await go(run.warmupS, warmupSpec, warmupMax);
    const r = await measured(child.pid, () => go(run.durationS, spec, run.maxFlows), {
      database: databaseName(ctx.store),
    });
    return {
      kind: 'request',
      store: ctx.store.store,
      workers,
      usersInStore: ctx.usersInStore,
      ...r,
      prepared,
      warmup: warmupSummary(warmup, run.warmupS),
      loadAverage1mBefore,
    };
  } finally {
    await stopChild(child);
  }
}
