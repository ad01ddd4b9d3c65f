// Load drivers for the Gatehouse bench. Closed loop: virtual users (VUs) run complete IDX flows, or
// single requests, back to back over one undici keep-alive Pool to a loopback origin, until a
// deadline or a count budget. Open loop (`arrivalRate`): flows start on a fixed schedule whatever
// the server's answers, each timed from its scheduled start (no coordinated omission). Every step's
// latency is kept (all samples, in milliseconds), so the percentiles are exact, not bucketed.

import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';

/** Server steps of each flow scenario, in order (the mailbox read of the email scenarios is kept apart). */
export const SCENARIOS = /** @type {const} */ ({
  'password-one-step': ['interact', 'introspect', 'identify', 'token'],
  'password-identifier-first': ['interact', 'introspect', 'identify', 'challenge', 'answer', 'token'],
  'email-otp': ['interact', 'introspect', 'identify', 'challenge', 'answer', 'token'],
  'password-recovery': [
    'interact',
    'introspect',
    'recover',
    'identify',
    'challenge',
    'answer',
    'reset',
    'token',
  ],
});

/** Scenarios whose code the driver reads from the dev mailbox; each needs a user of its own per VU. */
export const MAILBOX_SCENARIOS = new Set(['email-otp', 'password-recovery']);

const IDX_JSON = 'application/ion+json; okta-version=1.0.0';
const FORM = 'application/x-www-form-urlencoded';
const MAX_ERROR_SAMPLES = 10;
/** Reads of the mailbox before a flow gives up on finding its email (the outbox is written in-request). */
const MAILBOX_TRIES = 5;

/**
 * @typedef {{ login: string, password?: string, email?: string }} BenchUser
 * @typedef {{ count: number, min: number, mean: number, p50: number, p95: number, p99: number, max: number }} LatencySummary
 * @typedef {{ code: string, verifier: string }} MintedCode
 * @typedef {{
 *   baseUrl: string,
 *   clientId: string,
 *   scenario: keyof typeof SCENARIOS,
 *   users: BenchUser[],
 *   concurrency: number,
 *   durationMs: number,
 *   maxFlows?: number,
 *   redirectUri?: string,
 *   scope?: string,
 *   authorizationServer?: string,
 *   requestTimeoutMs?: number,
 *   finish?: 'token' | 'code',
 *   keepTokens?: boolean,
 *   preconnectPath?: string,
 *   arrivalRate?: number,
 *   lateMs?: number,
 *   timeline?: Array<[string, number, number]>,
 * }} DriverOptions
 * @typedef {{
 *   scenario: string,
 *   concurrency: number,
 *   flows: number,
 *   errors: number,
 *   errorsByStep: Record<string, number>,
 *   errorSamples: string[],
 *   elapsedMs: number,
 *   flowsPerSecond: number,
 *   requests: number,
 *   flow: LatencySummary,
 *   steps: Record<string, LatencySummary>,
 *   mailbox?: LatencySummary & { reads: number, retries: number },
 *   codes?: MintedCode[],
 *   tokens?: Array<Record<string, unknown>>,
 * }} DriverResult
 */

/** A step failure: what went wrong and at which step (the flow is abandoned, the VU goes on). */
export class StepError extends Error {
  /** @param {string} step @param {string} message */
  constructor(step, message) {
    super(`${step}: ${message}`);
    this.step = step;
  }
}

/** Refuses anything but a loopback origin: the bench never sends traffic elsewhere. */
export function loopbackOrigin(/** @type {string} */ baseUrl) {
  const origin = new URL(baseUrl);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(origin.hostname))
    throw new Error(`the driver only targets loopback, not ${origin.hostname}`);
  return origin;
}

/**
 * Latency samples per step, the whole-operation samples and the failures of one run.
 * @param {string[]} steps
 */
export function createRecorder(steps) {
  /** @type {Record<string, number[]>} */
  const samples = Object.fromEntries(steps.map((s) => [s, []]));
  /** @type {number[]} */
  const done = [];
  /** @type {Record<string, number>} */
  const errorsByStep = {};
  /** @type {string[]} */
  const errorSamples = [];
  return {
    samples,
    done,
    errorsByStep,
    errorSamples,
    step(/** @type {string} */ step, /** @type {number} */ ms) {
      if (!samples[step]) samples[step] = [];
      samples[step].push(ms);
    },
    fail(error) {
      const step = error instanceof StepError ? error.step : 'transport';
      errorsByStep[step] = (errorsByStep[step] ?? 0) + 1;
      if (errorSamples.length < MAX_ERROR_SAMPLES) errorSamples.push(String(error?.message ?? error));
    },
    get errors() {
      return Object.values(errorsByStep).reduce((a, b) => a + b, 0);
    },
  };
}

/**
 * An HTTP client over one keep-alive Pool: `send` returns status, headers and parsed JSON and
 * records the latency of 2xx answers under the step's name (non-2xx throw a StepError). With
 * `timeline`, every request (any status) is also pushed as [step, send µs, answer read µs] on the
 * monotonic clock (`process.hrtime`, the clock of V8's CPU profiles), to tag profile samples by step.
 * @param {URL} origin
 * @param {{ connections: number, requestTimeoutMs: number, recorder: ReturnType<typeof createRecorder>,
 *   timeline?: Array<[string, number, number]> | null }} options
 */
export function createClient(origin, { connections, requestTimeoutMs, recorder, timeline = null }) {
  const pool = new Pool(origin.origin, {
    connections,
    pipelining: 1,
    headersTimeout: requestTimeoutMs,
    bodyTimeout: requestTimeoutMs,
  });
  let requests = 0;
  /**
   * @param {string} step
   * @param {{ method?: 'GET' | 'POST', path: string, headers?: Record<string, string>, body?: string, record?: boolean }} req
   */
  const send = async (step, { method = 'POST', path, headers = {}, body, record = true }) => {
    const t0 = performance.now();
    const mono0 = timeline ? monotonicMicros() : 0;
    requests++;
    const res = await pool.request({ method, path, headers, body });
    const text = await res.body.text(); // always read, so the socket is reused
    const ms = performance.now() - t0;
    if (timeline) timeline.push([step, mono0, monotonicMicros()]);
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      throw new StepError(step, `HTTP ${res.statusCode}, body is not JSON: ${text.slice(0, 120)}`);
    }
    if (res.statusCode < 200 || res.statusCode > 299)
      throw new StepError(step, `HTTP ${res.statusCode} ${summarizeError(json)}`);
    if (record) recorder.step(step, ms);
    return { status: res.statusCode, headers: res.headers, json, ms };
  };
  /**
   * Opens the pool's connections before a timed window: `connections` concurrent GETs of `path`
   * (any status), not counted as requests or recorded. A real client's connections are warm.
   */
  const preconnect = async (/** @type {string} */ path) => {
    await Promise.all(
      Array.from({ length: connections }, async () => {
        const res = await pool.request({ method: 'GET', path });
        await res.body.text();
      }),
    );
  };
  return {
    pool,
    send,
    preconnect,
    get requests() {
      return requests;
    },
    close: () => pool.close(),
  };
}

/**
 * Runs `concurrency` VUs until `durationMs` has passed (operations in progress finish) or `maxOps`
 * operations have been started; `op` returning `false` stops its VU (nothing left to do).
 * @param {{ concurrency: number, durationMs: number, maxOps?: number,
 *   op: (vu: number, n: number) => Promise<boolean | undefined | void>,
 *   recorder: ReturnType<typeof createRecorder> }} options
 * @returns {Promise<number>} the elapsed milliseconds
 */
export async function closedLoop({
  concurrency,
  durationMs,
  maxOps = Number.POSITIVE_INFINITY,
  op,
  recorder,
}) {
  let started = 0;
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  const vu = async (/** @type {number} */ index) => {
    for (let n = 0; performance.now() < deadline && started < maxOps; n++) {
      started++;
      const opStart = performance.now();
      try {
        if ((await op(index, n)) === false) {
          started--;
          return;
        }
        recorder.done.push(performance.now() - opStart);
      } catch (error) {
        recorder.fail(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => vu(i)));
  return performance.now() - t0;
}

/**
 * Open loop: operation n is due at `n ÷ rate` seconds after the start, whether or not earlier ones
 * have finished (a fixed arrival rate; latency includes no queueing inside the generator). Each
 * completed operation is timed from its scheduled start, so a late start counts against it. An
 * arrival that finds no free slot (`acquire` returns null: every user busy, the in-flight cap) is
 * dropped, not delayed; one started more than `lateMs` after its time counts as late. Arrivals stop
 * at `durationMs` (or after `maxOps`); operations in progress then finish.
 * @template S
 * @param {{ rate: number, durationMs: number, maxOps?: number, lateMs?: number,
 *   acquire?: (n: number) => S | null, release?: (slot: S) => void,
 *   op: (slot: S, n: number) => Promise<unknown>,
 *   recorder: ReturnType<typeof createRecorder>,
 *   now?: () => number, wait?: (ms: number) => Promise<unknown> }} options
 */
export async function openLoop({
  rate,
  durationMs,
  maxOps = Number.POSITIVE_INFINITY,
  lateMs = 10,
  acquire = (n) => n,
  release = () => {},
  op,
  recorder,
  now = () => performance.now(),
  wait = (ms) => sleep(ms),
}) {
  if (!(rate > 0)) throw new Error(`the arrival rate must be positive, not ${rate}`);
  const interval = 1000 / rate;
  const t0 = now();
  const deadline = t0 + durationMs;
  let scheduled = 0;
  let started = 0;
  let dropped = 0;
  let late = 0;
  /** @type {number[]} */
  const startDelays = [];
  /** @type {Set<Promise<void>>} */
  const inFlight = new Set();
  const run = async (slot, n, due) => {
    try {
      await op(slot, n);
      recorder.done.push(now() - due);
    } catch (error) {
      recorder.fail(error);
    } finally {
      release(slot);
    }
  };
  for (;;) {
    for (;;) {
      const due = t0 + scheduled * interval;
      if (scheduled >= maxOps || due >= deadline || due > now()) break;
      const n = scheduled++;
      const slot = acquire(n);
      if (slot === null || slot === undefined) {
        dropped++;
        continue;
      }
      const delay = now() - due;
      startDelays.push(delay);
      if (delay > lateMs) late++;
      started++;
      const p = run(slot, n, due);
      inFlight.add(p);
      p.finally(() => inFlight.delete(p));
    }
    const next = t0 + scheduled * interval;
    if (scheduled >= maxOps || next >= deadline) break;
    await wait(Math.max(0, next - now()));
  }
  // The arrival window: the whole duration, or up to the last arrival when maxOps ended it early.
  const windowMs = scheduled >= maxOps ? Math.min(durationMs, scheduled * interval) : durationMs;
  await Promise.all(inFlight);
  return {
    elapsedMs: now() - t0,
    open: {
      arrivalRate: rate,
      windowMs,
      scheduled,
      started,
      dropped,
      late,
      lateMs,
      achievedRate: started / (windowMs / 1000),
      startDelay: summarize(startDelays),
    },
  };
}

/**
 * Free users for open-loop flows: an arrival takes the user free the longest (FIFO) and gives it
 * back when its flow ends, so two flows of one user never overlap; null when every user is busy.
 * @template T
 * @param {T[]} users
 */
export function userPool(users) {
  if (!users.length) throw new Error('at least one user is needed');
  const free = [...users];
  return {
    acquire: () => (free.length ? /** @type {T} */ (free.shift()) : null),
    release: (/** @type {T} */ user) => {
      free.push(user);
    },
    get free() {
      return free.length;
    },
  };
}

/**
 * Gives each VU users of its own when there are enough (VU i takes users i, i+N, i+2N, …), so that
 * two flows of one user never overlap; with fewer users than VUs they are shared round-robin.
 * @template T
 * @param {T[]} users
 * @param {number} concurrency
 * @param {boolean} exclusive refuse to share (flows that read a user's newest email)
 * @returns {(vu: number, n: number) => T}
 */
export function userPicker(users, concurrency, exclusive) {
  if (!users.length) throw new Error('at least one user is needed');
  if (users.length < concurrency) {
    if (exclusive)
      throw new Error(`${concurrency} VUs need at least ${concurrency} users (got ${users.length})`);
    return (vu, n) => users[(vu + n * concurrency) % users.length];
  }
  const own = Array.from({ length: concurrency }, (_, vu) => users.filter((_, j) => j % concurrency === vu));
  return (vu, n) => own[vu][n % own[vu].length];
}

/**
 * Reads the newest email to `address` from the dev mailbox JSON API and returns the code of its
 * link (`…?otp=<6 digits>&state=<state>`), checking the state is the flow's own. Not recorded as a
 * server step: its latency goes to `recorder.samples.mailbox`.
 * @param {ReturnType<typeof createClient>} client
 * @param {ReturnType<typeof createRecorder>} recorder
 * @param {{ address: string, state: string, path?: string, stats: { reads: number, retries: number } }} what
 */
export async function readCodeFromMailbox(client, recorder, { address, state, path, stats }) {
  const url = path ?? `/dev/mailbox/api/messages?to=${encodeURIComponent(address)}&limit=1`;
  let last = 'no message';
  for (let attempt = 0; attempt < MAILBOX_TRIES; attempt++) {
    if (attempt > 0) {
      stats.retries++;
      await sleep(2);
    }
    const { json, ms } = await client.send('mailbox', { method: 'GET', path: url, record: false });
    stats.reads++;
    recorder.step('mailbox', ms);
    const newest = Array.isArray(json) ? json[0] : null;
    if (!newest) continue;
    const match = /[?&]otp=(\d{6})(?:&amp;|&)state=([^\s&"<>]+)/.exec(newest.text ?? '');
    if (!match) {
      last = `newest email has no code link: ${String(newest.text).slice(0, 80)}`;
      continue;
    }
    if (decodeURIComponent(match[2]) !== state) {
      last = 'newest email belongs to another transaction';
      continue;
    }
    return match[1];
  }
  throw new StepError('mailbox', `${last} (to ${address}, ${MAILBOX_TRIES} reads)`);
}

/**
 * Complete IDX flows, back to back per VU. Only successful flows count as completed.
 * `finish: 'code'` stops each flow at its interaction code (kept in `codes`, for timing /v1/token
 * alone later); `keepTokens` keeps each token response (for refresh-token runs).
 * @param {DriverOptions} options
 * @returns {Promise<DriverResult>}
 */
export async function runFlows(options) {
  const {
    baseUrl,
    clientId,
    scenario,
    users,
    concurrency,
    durationMs,
    maxFlows = Number.POSITIVE_INFINITY,
    redirectUri = 'http://localhost:8080/login/callback',
    scope = 'openid profile email',
    authorizationServer = '/oauth2/default',
    requestTimeoutMs = 30_000,
    finish = 'token',
    keepTokens = false,
    preconnectPath = '/healthz',
    arrivalRate,
    lateMs = 10,
    timeline = null,
  } = options;
  const steps = SCENARIOS[scenario];
  if (!steps) throw new Error(`unknown scenario ${scenario} (known: ${Object.keys(SCENARIOS).join(', ')})`);
  const usesMailbox = MAILBOX_SCENARIOS.has(scenario);
  const open = arrivalRate !== undefined && arrivalRate !== null;
  // Open loop: at most one flow per user in flight (users.length), one connection each, so a
  // request never waits inside undici for a connection.
  const connections = open ? users.length : concurrency;
  const pick = open ? null : userPicker(users, concurrency, usesMailbox);
  const origin = loopbackOrigin(baseUrl);
  const recorder = createRecorder(finish === 'code' ? steps.filter((s) => s !== 'token') : steps);
  const client = createClient(origin, { connections, requestTimeoutMs, recorder, timeline });
  const mailboxStats = { reads: 0, retries: 0 };
  /** @type {MintedCode[]} */
  const codes = [];
  /** @type {Array<Record<string, unknown>>} */
  const tokens = [];

  const postIdx = (step, href, body) =>
    client
      .send(step, {
        path: pathOf(href, origin),
        headers: {
          'content-type': step === 'introspect' ? IDX_JSON : 'application/json',
          accept: IDX_JSON,
        },
        body: JSON.stringify(body),
      })
      .then((r) => r.json);
  const postForm = (step, path, params) =>
    client
      .send(step, {
        path,
        headers: { 'content-type': FORM, accept: 'application/json' },
        body: new URLSearchParams(params).toString(),
      })
      .then((r) => r.json);

  /** Picks the authenticator of `methodType` in a select-authenticator-authenticate form and challenges it. */
  const challenge = async (step, idx, methodType) => {
    const select = form(step, idx, 'select-authenticator-authenticate');
    const options = select.value?.find((f) => f.name === 'authenticator')?.options ?? [];
    const fields = options
      .map((o) => o.value?.form?.value ?? [])
      .find((fs) => fs.some((f) => f.name === 'methodType' && f.value === methodType));
    const id = need(step, fields?.find((f) => f.name === 'id')?.value, `${methodType} authenticator id`);
    return postIdx('challenge', select.href, {
      authenticator: { id, methodType },
      stateHandle: need(step, idx.stateHandle, 'stateHandle'),
    });
  };

  /** One complete flow; throws a StepError on the first failed or malformed step. */
  const oneFlow = async (/** @type {BenchUser} */ user) => {
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(12).toString('base64url');
    const interact = await postForm('interact', `${authorizationServer}/v1/interact`, {
      client_id: clientId,
      scope,
      redirect_uri: redirectUri,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state,
      nonce: randomBytes(12).toString('base64url'),
    });
    const interactionHandle = need('interact', interact?.interaction_handle, 'interaction_handle');

    let idx = await postIdx('introspect', '/idp/idx/introspect', { interactionHandle });
    const address = user.email ?? user.login;
    let codeStep = 'answer';

    if (scenario === 'password-one-step') {
      const identify = form('introspect', idx, 'identify');
      if (!identify.value?.some((f) => f.name === 'credentials'))
        throw new StepError('introspect', 'identify form has no credentials field (app not one-step?)');
      idx = await postIdx('identify', identify.href, {
        identifier: user.login,
        credentials: { passcode: user.password },
        stateHandle: need('introspect', idx.stateHandle, 'stateHandle'),
      });
      codeStep = 'identify';
    } else if (scenario === 'password-recovery') {
      const recover =
        idx.currentAuthenticator?.value?.recover ?? idx.currentAuthenticatorEnrollment?.value?.recover;
      idx = await postIdx('recover', recover?.href ?? '/idp/idx/recover', {
        stateHandle: need('introspect', idx.stateHandle, 'stateHandle'),
      });
      const identify = form('recover', idx, 'identify-recovery');
      idx = await postIdx('identify', identify.href, {
        identifier: user.login,
        stateHandle: need('recover', idx.stateHandle, 'stateHandle'),
      });
      idx = await challenge('identify', idx, 'email');
      const answer = form('challenge', idx, 'challenge-authenticator');
      const otp = await readCodeFromMailbox(client, recorder, { address, state, stats: mailboxStats });
      idx = await postIdx('answer', answer.href, {
        credentials: { passcode: otp },
        stateHandle: need('challenge', idx.stateHandle, 'stateHandle'),
      });
      const reset = form('answer', idx, 'reset-authenticator');
      // Fresh and random every time: long enough for the policy, never one of the last passwords.
      const newPassword = `Rb-${randomBytes(15).toString('base64url')}`;
      idx = await postIdx('reset', reset.href, {
        credentials: { passcode: newPassword },
        stateHandle: need('answer', idx.stateHandle, 'stateHandle'),
      });
      if (idx?.successWithInteractionCode) user.password = newPassword;
      codeStep = 'reset';
    } else {
      const identify = form('introspect', idx, 'identify');
      const stateHandle = need('introspect', idx.stateHandle, 'stateHandle');
      if (identify.value?.some((f) => f.name === 'credentials'))
        throw new StepError('introspect', 'identify form asks for the password (app not identifier-first?)');
      idx = await postIdx('identify', identify.href, { identifier: user.login, stateHandle });
      if (scenario === 'email-otp') {
        idx = await challenge('identify', idx, 'email');
        if (idx.currentAuthenticatorEnrollment?.value?.key !== 'okta_email')
          throw new StepError('challenge', 'the challenge is not the email authenticator');
        const answer = form('challenge', idx, 'challenge-authenticator');
        const otp = await readCodeFromMailbox(client, recorder, { address, state, stats: mailboxStats });
        idx = await postIdx('answer', answer.href, {
          credentials: { passcode: otp },
          stateHandle: need('challenge', idx.stateHandle, 'stateHandle'),
        });
      } else {
        idx = await challenge('identify', idx, 'password');
        const answer = form('challenge', idx, 'challenge-authenticator');
        idx = await postIdx('answer', answer.href, {
          credentials: { passcode: user.password },
          stateHandle: need('challenge', idx.stateHandle, 'stateHandle'),
        });
      }
    }

    const code = need(
      codeStep,
      idx?.successWithInteractionCode?.value?.find((f) => f.name === 'interaction_code')?.value,
      'successWithInteractionCode.interaction_code',
    );
    if (finish === 'code') {
      codes.push({ code, verifier });
      return;
    }
    const issued = await postForm('token', `${authorizationServer}/v1/token`, {
      grant_type: 'interaction_code',
      client_id: clientId,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      interaction_code: code,
    });
    checkTokenResponse('token', issued);
    if (keepTokens) tokens.push(issued);
  };

  let elapsedMs;
  let openStats = null;
  try {
    await client.preconnect(preconnectPath);
    if (open) {
      const pool = userPool(users);
      const r = await openLoop({
        rate: arrivalRate,
        durationMs,
        maxOps: maxFlows,
        lateMs,
        acquire: pool.acquire,
        release: pool.release,
        op: (user) => oneFlow(user),
        recorder,
      });
      elapsedMs = r.elapsedMs;
      openStats = r.open;
    } else
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
  const flows = recorder.done.length;
  return {
    scenario,
    ...(open ? { mode: 'open-loop', arrivalRate, open: openStats } : {}),
    concurrency: open ? users.length : concurrency,
    flows,
    errors: recorder.errors,
    errorsByStep: recorder.errorsByStep,
    errorSamples: recorder.errorSamples,
    elapsedMs,
    flowsPerSecond: flows / (elapsedMs / 1000),
    requests: client.requests,
    flow: summarize(recorder.done),
    steps: Object.fromEntries(
      (finish === 'code' ? steps.filter((s) => s !== 'token') : steps).map((s) => [
        s,
        summarize(recorder.samples[s]),
      ]),
    ),
    ...(usesMailbox ? { mailbox: { ...summarize(recorder.samples.mailbox ?? []), ...mailboxStats } } : {}),
    ...(finish === 'code' ? { codes } : {}),
    ...(keepTokens ? { tokens } : {}),
  };
}

/**
 * One request per operation, back to back per VU (token endpoint, discovery, JWKS, peers).
 * `request(vu, n)` returns the request to send, or null when there is nothing left (that VU stops);
 * `check(json, vu, n)` throws a StepError when the answer is not what a client needs.
 * @param {{ baseUrl: string, step: string, concurrency: number, durationMs: number, maxRequests?: number,
 *   requestTimeoutMs?: number, preconnectPath?: string,
 *   request: (vu: number, n: number) => ({ method?: 'GET' | 'POST', path: string, headers?: Record<string, string>, body?: string } | null),
 *   check?: (json: unknown, vu: number, n: number) => void }} options
 */
export async function runRequests(options) {
  const {
    baseUrl,
    step,
    concurrency,
    durationMs,
    maxRequests,
    requestTimeoutMs = 30_000,
    preconnectPath = '/healthz',
  } = options;
  const origin = loopbackOrigin(baseUrl);
  const recorder = createRecorder([step]);
  const client = createClient(origin, { connections: concurrency, requestTimeoutMs, recorder });
  let elapsedMs;
  try {
    await client.preconnect(preconnectPath);
    elapsedMs = await closedLoop({
      concurrency,
      durationMs,
      maxOps: maxRequests,
      recorder,
      op: async (vu, n) => {
        const req = options.request(vu, n);
        if (!req) return false;
        const { json } = await client.send(step, req);
        options.check?.(json, vu, n);
      },
    });
  } finally {
    await client.close();
  }
  return operationResult(step, concurrency, recorder, elapsedMs, client.requests, [step]);
}

/** The result shape shared by every driver: one "flow" = one operation of the scenario. */
export function operationResult(scenario, concurrency, recorder, elapsedMs, requests, steps) {
  const flows = recorder.done.length;
  return {
    scenario,
    concurrency,
    flows,
    errors: recorder.errors,
    errorsByStep: recorder.errorsByStep,
    errorSamples: recorder.errorSamples,
    elapsedMs,
    flowsPerSecond: flows / (elapsedMs / 1000),
    requests,
    flow: summarize(recorder.done),
    steps: Object.fromEntries(steps.map((s) => [s, summarize(recorder.samples[s] ?? [])])),
  };
}

/** A form-encoded POST request (for runRequests). */
export function formRequest(path, params) {
  return {
    method: /** @type {const} */ ('POST'),
    path,
    headers: { 'content-type': FORM, accept: 'application/json' },
    body: new URLSearchParams(params).toString(),
  };
}

/** Throws unless `json` is a token response a client can use (access and ID token, Bearer). */
export function checkTokenResponse(step, json) {
  need(step, json?.access_token, 'access_token');
  need(step, json?.id_token, 'id_token');
  if (json.token_type !== 'Bearer') throw new StepError(step, `token_type ${json.token_type}`);
}

/**
 * Exact percentiles (nearest rank) over all samples.
 * @param {number[]} values milliseconds
 * @returns {LatencySummary}
 */
export function summarize(values) {
  if (!values.length) return { count: 0, min: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  const rank = (/** @type {number} */ p) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    min: sorted[0],
    mean: sum / sorted.length,
    p50: rank(0.5),
    p95: rank(0.95),
    p99: rank(0.99),
    max: sorted[sorted.length - 1],
  };
}

/** Microseconds on the monotonic clock (CLOCK_MONOTONIC, like the timestamps of `--cpu-prof`). */
export function monotonicMicros() {
  return Number(process.hrtime.bigint() / 1000n);
}

/** The path (and query) of an href the server built from its public URL, to send to our loopback origin. */
function pathOf(/** @type {string} */ href, /** @type {URL} */ origin) {
  const url = new URL(href, origin);
  return `${url.pathname}${url.search}`;
}

function form(step, idx, name) {
  const found = idx?.remediation?.value?.find((f) => f.name === name);
  if (!found?.href) {
    const names = idx?.remediation?.value?.map((f) => f.name).join(', ') || 'none';
    throw new StepError(step, `no ${name} remediation (got: ${names})`);
  }
  return found;
}

export function need(step, value, what) {
  if (typeof value !== 'string' || !value) throw new StepError(step, `missing ${what}`);
  return value;
}

function summarizeError(json) {
  if (!json || typeof json !== 'object') return '';
  if (json.error) return `${json.error}: ${json.error_description ?? ''}`;
  if (json.code && json.message) return `${json.code}: ${json.message}`;
  const messages = json.messages?.value?.map((m) => m.i18n?.key ?? m.message);
  return messages?.length ? messages.join(', ') : JSON.stringify(json).slice(0, 120);
}
