// Closed-loop sign-in flow driver: N virtual users, each runs complete IDX password sign-ins back to
// back over one undici keep-alive Pool, until a deadline or a flow budget. Every step's latency is
// kept (all samples, in milliseconds) so the percentiles are exact, not bucketed.

import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

export const SCENARIOS = /** @type {const} */ ({
  'password-one-step': ['interact', 'introspect', 'identify', 'token'],
  'password-identifier-first': ['interact', 'introspect', 'identify', 'challenge', 'answer', 'token'],
});

const IDX_JSON = 'application/ion+json; okta-version=1.0.0';
const MAX_ERROR_SAMPLES = 10;

/**
 * @typedef {{ login: string, password: string }} BenchUser
 * @typedef {{ count: number, min: number, mean: number, p50: number, p95: number, p99: number, max: number }} LatencySummary
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
 * }} DriverResult
 */

/** A step failure: what went wrong and at which step (the flow is abandoned, the VU goes on). */
class StepError extends Error {
  /** @param {string} step @param {string} message */
  constructor(step, message) {
    super(`${step}: ${message}`);
    this.step = step;
  }
}

/**
 * Runs `concurrency` virtual users until `durationMs` has passed (flows in progress finish) or
 * `maxFlows` flows have been started. Only successful flows count as completed.
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
  } = options;
  const steps = SCENARIOS[scenario];
  if (!steps) throw new Error(`unknown scenario ${scenario} (known: ${Object.keys(SCENARIOS).join(', ')})`);
  if (!users.length) throw new Error('at least one user is needed');
  const origin = new URL(baseUrl);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(origin.hostname))
    throw new Error(`the driver only targets loopback, not ${origin.hostname}`);

  const pool = new Pool(origin.origin, {
    connections: concurrency,
    pipelining: 1,
    headersTimeout: requestTimeoutMs,
    bodyTimeout: requestTimeoutMs,
  });
  /** @type {Record<string, number[]>} */
  const samples = Object.fromEntries(steps.map((s) => [s, []]));
  /** @type {number[]} */
  const flowSamples = [];
  /** @type {Record<string, number>} */
  const errorsByStep = {};
  /** @type {string[]} */
  const errorSamples = [];
  let started = 0;
  let requests = 0;

  /** POSTs and returns the parsed 2xx body (else a StepError); the body is always read so the socket is reused. */
  const post = async (/** @type {string} */ step, /** @type {string} */ path, body, contentType) => {
    const t0 = performance.now();
    requests++;
    const res = await pool.request({
      method: 'POST',
      path,
      headers: {
        'content-type': contentType,
        accept: contentType === 'application/x-www-form-urlencoded' ? 'application/json' : IDX_JSON,
      },
      body,
    });
    const text = await res.body.text();
    const ms = performance.now() - t0;
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      throw new StepError(step, `HTTP ${res.statusCode}, body is not JSON: ${text.slice(0, 120)}`);
    }
    if (res.statusCode < 200 || res.statusCode > 299)
      throw new StepError(step, `HTTP ${res.statusCode} ${summarizeError(json)}`);
    samples[step].push(ms);
    return json;
  };
  const postIdx = (step, href, body) =>
    post(
      step,
      pathOf(href, origin),
      JSON.stringify(body),
      step === 'introspect' ? IDX_JSON : 'application/json',
    );
  const postForm = (step, path, params) =>
    post(step, path, new URLSearchParams(params).toString(), 'application/x-www-form-urlencoded');

  /** One complete sign-in; throws a StepError on the first failed or malformed step. */
  const oneFlow = async (/** @type {BenchUser} */ user) => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const interact = await postForm('interact', `${authorizationServer}/v1/interact`, {
      client_id: clientId,
      scope,
      redirect_uri: redirectUri,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: randomBytes(12).toString('base64url'),
      nonce: randomBytes(12).toString('base64url'),
    });
    const interactionHandle = need('interact', interact?.interaction_handle, 'interaction_handle');

    let idx = await postIdx('introspect', '/idp/idx/introspect', { interactionHandle });
    const identify = form('introspect', idx, 'identify');

    if (scenario === 'password-one-step') {
      if (!identify.value?.some((f) => f.name === 'credentials'))
        throw new StepError('introspect', 'identify form has no credentials field (app not one-step?)');
      idx = await postIdx('identify', identify.href, {
        identifier: user.login,
        credentials: { passcode: user.password },
        stateHandle: need('introspect', idx.stateHandle, 'stateHandle'),
      });
    } else {
      const stateHandle = need('introspect', idx.stateHandle, 'stateHandle');
      if (identify.value?.some((f) => f.name === 'credentials'))
        throw new StepError('introspect', 'identify form asks for the password (app not identifier-first?)');
      idx = await postIdx('identify', identify.href, { identifier: user.login, stateHandle });
      const select = form('identify', idx, 'select-authenticator-authenticate');
      const options = select.value?.find((f) => f.name === 'authenticator')?.options ?? [];
      const password = options
        .map((o) => o.value?.form?.value ?? [])
        .find((fields) => fields.some((f) => f.name === 'methodType' && f.value === 'password'));
      const id = need('identify', password?.find((f) => f.name === 'id')?.value, 'password authenticator id');
      idx = await postIdx('challenge', select.href, {
        authenticator: { id, methodType: 'password' },
        stateHandle: need('identify', idx.stateHandle, 'stateHandle'),
      });
      const answer = form('challenge', idx, 'challenge-authenticator');
      idx = await postIdx('answer', answer.href, {
        credentials: { passcode: user.password },
        stateHandle: need('challenge', idx.stateHandle, 'stateHandle'),
      });
    }

    const codeStep = scenario === 'password-one-step' ? 'identify' : 'answer';
    const code = need(
      codeStep,
      idx?.successWithInteractionCode?.value?.find((f) => f.name === 'interaction_code')?.value,
      'successWithInteractionCode.interaction_code',
    );
    const tokens = await postForm('token', `${authorizationServer}/v1/token`, {
      grant_type: 'interaction_code',
      client_id: clientId,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      interaction_code: code,
    });
    need('token', tokens?.access_token, 'access_token');
    need('token', tokens?.id_token, 'id_token');
    if (tokens.token_type !== 'Bearer') throw new StepError('token', `token_type ${tokens.token_type}`);
  };

  const t0 = performance.now();
  const deadline = t0 + durationMs;
  const vu = async (/** @type {number} */ index) => {
    for (let n = 0; performance.now() < deadline && started < maxFlows; n++) {
      started++;
      // Spread the VUs over the users: VU i takes users i, i+N, i+2N, …
      const user = users[(index + n * concurrency) % users.length];
      const flowStart = performance.now();
      try {
        await oneFlow(user);
        flowSamples.push(performance.now() - flowStart);
      } catch (error) {
        const step = error instanceof StepError ? error.step : 'transport';
        errorsByStep[step] = (errorsByStep[step] ?? 0) + 1;
        if (errorSamples.length < MAX_ERROR_SAMPLES) errorSamples.push(String(error?.message ?? error));
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, (_, i) => vu(i)));
  } finally {
    await pool.close();
  }
  const elapsedMs = performance.now() - t0;
  const errors = Object.values(errorsByStep).reduce((a, b) => a + b, 0);
  return {
    scenario,
    concurrency,
    flows: flowSamples.length,
    errors,
    errorsByStep,
    errorSamples,
    elapsedMs,
    flowsPerSecond: flowSamples.length / (elapsedMs / 1000),
    requests,
    flow: summarize(flowSamples),
    steps: Object.fromEntries(steps.map((s) => [s, summarize(samples[s])])),
  };
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

function need(step, value, what) {
  if (typeof value !== 'string' || !value) throw new StepError(step, `missing ${what}`);
  return value;
}

function summarizeError(json) {
  if (!json || typeof json !== 'object') return '';
  if (json.error) return `${json.error}: ${json.error_description ?? ''}`;
  const messages = json.messages?.value?.map((m) => m.i18n?.key ?? m.message);
  return messages?.length ? messages.join(', ') : JSON.stringify(json).slice(0, 120);
}
