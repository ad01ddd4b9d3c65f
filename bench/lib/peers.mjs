// The peer servers of issue #8 (bench/peers/, a separate npm project) as child processes with an
// IPC channel, and the closed-loop driver of Better Auth's email-OTP sign-in.

import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  closedLoop,
  createClient,
  createRecorder,
  loopbackOrigin,
  operationResult,
  StepError,
  summarize,
  userPicker,
} from './flow-driver.mjs';

const PEERS = join(dirname(fileURLToPath(import.meta.url)), '../peers');

export const PEER_SCRIPTS = {
  'oidc-provider': join(PEERS, 'oidc-provider-server.mjs'),
  'better-auth': join(PEERS, 'better-auth-server.mjs'),
};

/** Whether `npm install --prefix bench/peers` has been run. */
export function peersInstalled() {
  return ['oidc-provider', 'better-auth'].every((p) => existsSync(join(PEERS, 'node_modules', p)));
}

/** The installed version of a peer package (from bench/peers/node_modules). */
export function peerVersion(name) {
  try {
    return JSON.parse(readFileSync(join(PEERS, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/**
 * Starts a peer on 127.0.0.1 and resolves once it says it is ready. `call(type, payload)` sends an
 * IPC command (mint codes, seed users) and resolves with its result.
 * @param {'oidc-provider' | 'better-auth'} name
 * @param {{ port: number, dataDir: string, env?: NodeJS.ProcessEnv, readyTimeoutMs?: number }} options
 */
export function startPeer(name, { port, dataDir, env = process.env, readyTimeoutMs = 60_000 }) {
  const child = fork(PEER_SCRIPTS[name], ['--port', String(port), '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Better Auth's telemetry is off by default; say so again: the bench sends nothing off the box.
    env: { ...env, BETTER_AUTH_TELEMETRY: '0', NODE_ENV: 'production' },
  });
  const tail = [];
  const keep = (chunk) => {
    tail.push(...chunk.toString().split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 40));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let nextId = 1;
  const pending = new Map();
  child.on('message', (m) => {
    const p = m?.id !== undefined ? pending.get(m.id) : undefined;
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(`${name}: ${m.error}`));
  });
  child.once('exit', (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`${name} exited (${code ?? signal})`));
    pending.clear();
  });
  const call = (type, payload = {}, timeoutMs = 120_000) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${name}: ${type} took more than ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.send({ id, type, ...payload });
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} not ready after ${readyTimeoutMs} ms:\n${tail.join('\n')}`));
    }, readyTimeoutMs);
    const onMessage = (m) => {
      if (m?.type !== 'ready') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      loopbackOrigin(m.url);
      resolve({ child, info: m, url: m.url, call, tail });
    };
    child.on('message', onMessage);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${tail.join('\n')}`));
    });
  });
}

/**
 * Better Auth's email-OTP sign-in, back to back per VU: POST /api/auth/email-otp/send-verification-otp
 * → newest email from the peer's mailbox (not a server step; its latency is reported apart) →
 * POST /api/auth/sign-in/email-otp → session token and cookie. Each VU has users of its own.
 * @param {{ baseUrl: string, users: string[], concurrency: number, durationMs: number,
 *   maxFlows?: number, requestTimeoutMs?: number }} options
 */
export async function runBetterAuthFlows(options) {
  const { baseUrl, users, concurrency, durationMs, maxFlows, requestTimeoutMs = 30_000 } = options;
  const origin = loopbackOrigin(baseUrl);
  const steps = ['send', 'verify'];
  const recorder = createRecorder(steps);
  const client = createClient(origin, { connections: concurrency, requestTimeoutMs, recorder });
  const pick = userPicker(users, concurrency, true);
  const stats = { reads: 0, retries: 0 };
  // Better Auth checks the Origin of state-changing requests, as a browser would send it.
  const headers = { 'content-type': 'application/json', origin: origin.origin };

  const oneFlow = async (/** @type {string} */ email) => {
    const sentAfter = Date.now();
    const sent = await client.send('send', {
      path: '/api/auth/email-otp/send-verification-otp',
      headers,
      body: JSON.stringify({ email, type: 'sign-in' }),
    });
    if (sent.json?.success !== true) throw new StepError('send', 'no success: true');
    const { json, ms } = await client.send('mailbox', {
      method: 'GET',
      path: `/dev/mailbox/api/messages?to=${encodeURIComponent(email)}&limit=1`,
      record: false,
    });
    stats.reads++;
    recorder.step('mailbox', ms);
    const newest = Array.isArray(json) ? json[0] : null;
    // The VU owns this address, so the newest email is this flow's if it is not older than the send.
    if (!newest || Date.parse(newest.sentAt) < sentAfter)
      throw new StepError('mailbox', `no email to ${email} since the send`);
    const otp = /\b(\d{6})\b/.exec(newest.subject)?.[1];
    if (!otp) throw new StepError('mailbox', 'no code in the subject');
    const verified = await client.send('verify', {
      path: '/api/auth/sign-in/email-otp',
      headers,
      body: JSON.stringify({ email, otp }),
    });
    if (typeof verified.json?.token !== 'string' || !verified.json.token)
      throw new StepError('verify', 'no session token');
    if (!String(verified.headers['set-cookie'] ?? '').includes('session_token='))
      throw new StepError('verify', 'no session cookie');
  };

  let elapsedMs;
  try {
    // Warm connections before the window, as for Gatehouse (any status will do).
    await client.preconnect('/healthz');
    elapsedMs = await closedLoop({
      concurrency,
      durationMs,
      maxOps: maxFlows,
      recorder,
      op: (vu, n) => oneFlow(pick(vu, n)),
    });
  } finally {
    await client.close();
  }
  return {
    ...operationResult('better-auth-email-otp', concurrency, recorder, elapsedMs, client.requests, steps),
    mailbox: { ...summarize(recorder.samples.mailbox ?? []), ...stats },
  };
}
