// Gatehouse against its peers (bench/peers: oidc-provider, Better Auth) in ABBA-interleaved pairs of
// bounded runs, both servers up. Ratios per pair are the stable number on a noisy machine.

import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { checkTokenResponse, formRequest, runFlows, runRequests } from './flow-driver.mjs';
import { codeQueue, exchangeRequest, lean, mintCodes } from './gatehouse-runs.mjs';
import { peerVersion, runBetterAuthFlows, startPeer } from './peers.mjs';
import { childEnv, children, stopChild } from './processes.mjs';
import { freePort, measured, spread, treeMemory } from './system.mjs';

/**
 * @typedef {{ pairs: number, peerConcurrency: number, durationS: number, warmupS: number, codes: number,
 *   mintSeconds: number, maxFlows: number, users: number }} PeerOptions
 */

function pairSummary(peer, what, notes, pairs, gatehousePid, peerPid) {
  return {
    peer,
    peerVersion: peerVersion(peer),
    what,
    notes,
    pairs,
    ratio: spread(pairs.map((p) => p.ratio)),
    cpuRatio: spread(pairs.map((p) => p.cpuRatio)),
    gatehousePeakRssBytes: treeMemory(gatehousePid).peakRssBytes,
    peerPeakRssBytes: treeMemory(peerPid).peakRssBytes,
  };
}

/** Runs `pairs` ABBA pairs: pair k runs Gatehouse then the peer when k is even, the peer first when odd. */
async function abba(options, log, label, sides) {
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

async function peerOidcProvider(options, log, ctx, gatehouse) {
  const notes = [
    'Gatehouse: `POST /oauth2/default/v1/token` grant_type=interaction_code (public client, PKCE S256); codes minted ' +
      'before each run by complete email-OTP flows that stop before /v1/token. Issues an RS256 JWT access token and ' +
      'an RS256 ID token, stores the grant, token records and an audit event.',
    'oidc-provider: `POST /token` grant_type=authorization_code (public client, PKCE S256 required); codes minted ' +
      "before each run through the provider's own Grant and AuthorizationCode models (docs/design/perf.md §2d). RS256 JWT access " +
      'token (resource indicator, `accessTokenFormat: jwt`) and RS256 ID token; SQLite adapter over better-sqlite3 ' +
      '(WAL, synchronous=NORMAL), NODE_ENV=production. No password hashing on either side.',
    `${options.peerConcurrency} VUs; each run exchanges the codes minted for it (up to ${options.codes}, at most ` +
      `${options.mintSeconds} s of minting; the peer gets as many as Gatehouse got) or stops at ${options.durationS} s.`,
  ];
  const peerDir = join(ctx.store.dataDir, 'oidc-provider');
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
          const m = await mintCodes(ctx, gatehouse.url, options.codes, options.mintSeconds, { log });
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
    const pairs = await abba(options, log, 'oidc-provider', sides);
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

async function peerBetterAuth(options, log, ctx, gatehouse) {
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
  const peerDir = join(ctx.store.dataDir, 'better-auth');
  mkdirSync(peerDir, { recursive: true });
  const peer = await startPeer('better-auth', { port: await freePort(), dataDir: peerDir, env: childEnv() });
  children.add(peer.child);
  try {
    const peerUsers = Array.from({ length: options.users }, (_, i) => `bench-ba-${i + 1}@bench.example`);
    await peer.call('seed', { users: peerUsers });
    // The same sign-ins on each side, for a warm-up (time-bounded) or a measured run (and count-bounded).
    const gatehouseFlows = (durationMs, maxFlows) =>
      runFlows({
        baseUrl: gatehouse.url,
        clientId: ctx.apps['email-otp'],
        scenario: 'email-otp',
        users: ctx.users,
        concurrency: options.peerConcurrency,
        durationMs,
        maxFlows,
      });
    const peerFlows = (durationMs, maxFlows) =>
      runBetterAuthFlows({
        baseUrl: peer.url,
        users: peerUsers,
        concurrency: options.peerConcurrency,
        durationMs,
        maxFlows,
      });
    const sides = {
      gatehouse: {
        pid: gatehouse.child.pid,
        run: () => gatehouseFlows(options.durationS * 1000, options.maxFlows),
      },
      peer: { pid: peer.child.pid, run: () => peerFlows(options.durationS * 1000, options.maxFlows) },
    };
    await gatehouseFlows(options.warmupS * 1000);
    await peerFlows(options.warmupS * 1000);
    const pairs = await abba(options, log, 'better-auth', sides);
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

/**
 * One peer comparison on a running Gatehouse server.
 * @param {'vs-oidc-provider' | 'vs-better-auth'} scenario
 * @param {PeerOptions} options
 */
export function runPeerComparison(scenario, options, log, ctx, gatehouse) {
  return scenario === 'vs-oidc-provider'
    ? peerOidcProvider(options, log, ctx, gatehouse)
    : peerBetterAuth(options, log, ctx, gatehouse);
}
