// The per-step CPU budget: a V8 CPU profile of the server's main thread (`node --cpu-prof`) during
// a bench run, each sample classified by the code it falls in (HTTP, parsing, storage, crypto,
// serialization, our code, runtime) and tagged with the IDX step whose request was being served
// at that instant (the driver's request windows on the same monotonic clock). With one VU the
// server serves one request at a time, so every sample inside a window belongs to that step.

import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { measureFlow } from './gatehouse-runs.mjs';

/** Budget columns, in table order. */
export const CATEGORIES = /** @type {const} */ ([
  'http',
  'parsing',
  'storage',
  'crypto',
  'serialization',
  'ours',
  'runtime',
]);

export const CATEGORY_LABELS = {
  http: 'HTTP',
  parsing: 'parsing',
  storage: 'storage',
  crypto: 'crypto',
  serialization: 'serialization',
  ours: 'our code',
  runtime: 'runtime (GC, native, Node internals)',
};

/** What each category holds (for the page and the README). */
export const CATEGORY_RULES = {
  http: "fastify, @fastify/*, find-my-way, avvio, light-my-request, Node's http internals; socket and stream internals called from nothing else that decides (on PostgreSQL that includes reading the pg client's socket)",
  parsing: 'JSON.parse, ajv, zod, secure-json-parse, querystring / form bodies',
  storage: "kysely, better-sqlite3, pg, Gatehouse's storage/ modules",
  crypto: 'jose, node:crypto, @node-rs/argon2',
  serialization: "JSON.stringify, fast-json-stringify, Fastify's reply serializer, serialize-*.js",
  ours: "the rest of Gatehouse's own code (packages/*)",
  runtime: 'garbage collector, (program) native time, Node internals not listed above',
};

const PATTERNS = [
  ['serialization', /\/serialize-[^/]*\.[cm]?[jt]s$|node_modules\/fast-json-stringify\//],
  [
    'parsing',
    /node_modules\/(ajv|ajv-[^/]*|zod|secure-json-parse|fast-querystring|fast-uri|content-type)\/|node:querystring|internal\/querystring/,
  ],
  [
    'storage',
    /node_modules\/(kysely|better-sqlite3|pg|pg-[^/]*|postgres-[^/]*)\/|\/packages\/server\/(dist|src)\/storage\//,
  ],
  ['crypto', /node_modules\/(jose|@node-rs\/argon2[^/]*|otpauth)\/|node:crypto|internal\/crypto\//],
  [
    'http',
    /node_modules\/(fastify|@fastify\/[^/]*|find-my-way|avvio|light-my-request|fast-content-type-parse|process-warning|abstract-logging|pino[^/]*)\/|node:_http_|node:http\b|internal\/http|_http_(common|incoming|outgoing|server)/,
  ],
  ['ours', /\/packages\/[^/]+\/(dist|src)\//],
];

/**
 * Node's socket and stream internals serve both the HTTP server and the PostgreSQL client's socket:
 * they decide nothing; a stack that has them and nothing else that decides counts as HTTP.
 */
const SOCKET =
  /node:net\b|internal\/streams\/|node:stream\b|internal\/stream_base_commons|node:internal\/net\b/;

/**
 * The category of one stack frame, or null when the frame says nothing (a builtin, a Node
 * internal not listed): the caller then looks at the frame's parent.
 * @param {{ functionName: string, url: string }} callFrame
 */
export function classifyFrame({ functionName, url }) {
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)' || functionName === '(program)' || functionName === '(root)')
    return 'runtime';
  // Fastify's reply serializer (JSON.stringify or a compiled schema serializer) and its lookup.
  if (
    /node_modules\/fastify\/lib\/(reply|schemas)\.js$/.test(url) &&
    /^(serialize|getSchemaSerializer)$/.test(functionName)
  )
    return 'serialization';
  if (!url) {
    if (functionName === 'parse') return 'parsing'; // JSON.parse
    if (functionName === 'stringify') return 'serialization'; // JSON.stringify
    return null;
  }
  for (const [category, pattern] of PATTERNS) if (pattern.test(url)) return category;
  return null;
}

/**
 * The category of every profile node: its own frame's, else its nearest classified ancestor's,
 * else `runtime`.
 * @param {{ nodes: Array<{ id: number, callFrame: { functionName: string, url: string }, children?: number[] }> }} profile
 * @returns {Map<number, string>}
 */
export function nodeCategories(profile) {
  const parent = new Map();
  const byId = new Map();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const memo = new Map();
  // Nodes are categorised independently (a memo of the decided ancestor would lose the socket
  // hint of the frames below it); profiles have a few thousand nodes.
  const categoryOf = (id) => {
    let socket = false;
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at).callFrame;
      const found = classifyFrame(frame);
      if (found) return found === 'runtime' && socket ? 'http' : found;
      if (SOCKET.test(frame.url ?? '')) socket = true;
    }
    return socket ? 'http' : 'runtime';
  };
  for (const node of profile.nodes) memo.set(node.id, categoryOf(node.id));
  return memo;
}

/**
 * Sample times (µs, the profile's monotonic clock) and durations: sample i lasts until sample i+1
 * (the last one a median interval).
 * @param {{ startTime: number, samples: number[], timeDeltas: number[] }} profile
 */
export function sampleTimes(profile) {
  const n = profile.samples.length;
  const at = new Float64Array(n);
  let t = profile.startTime;
  for (let i = 0; i < n; i++) {
    t += profile.timeDeltas[i] ?? 0;
    at[i] = t;
  }
  const sorted = Array.from(profile.timeDeltas.slice(1)).sort((a, b) => a - b);
  const typical = sorted.length ? sorted[sorted.length >> 1] : 0;
  const duration = new Float64Array(n);
  for (let i = 0; i < n; i++) duration[i] = i + 1 < n ? at[i + 1] - at[i] : typical;
  return { at, duration };
}

const zero = () => Object.fromEntries(CATEGORIES.map((c) => [c, 0]));

/**
 * Classifies the samples between `from` and `to` (µs) and tags each with the request window
 * ([step, start µs, end µs], sorted by start, not overlapping with one VU) it falls in; samples in
 * no window are "between requests". Idle samples are left out.
 * @param {any} profile a parsed .cpuprofile
 * @param {Array<[string, number, number]>} windows
 * @returns {{ byStep: Record<string, { requests: number, us: Record<string, number> }>,
 *   between: Record<string, number>, totalUs: Record<string, number>, idleUs: number, sampledUs: number,
 *   overlapping: boolean }}
 */
export function attribute(profile, windows, { from = -Infinity, to = Infinity } = {}) {
  const categories = nodeCategories(profile);
  const { at, duration } = sampleTimes(profile);
  const sorted = [...windows].sort((a, b) => a[1] - b[1]);
  let overlapping = false;
  for (let i = 1; i < sorted.length; i++) if (sorted[i][1] < sorted[i - 1][2]) overlapping = true;
  /** @type {Record<string, { requests: number, us: Record<string, number> }>} */
  const byStep = {};
  for (const [step] of sorted) {
    if (!byStep[step]) byStep[step] = { requests: 0, us: zero() };
    byStep[step].requests++;
  }
  const between = zero();
  const totalUs = zero();
  let idleUs = 0;
  let sampledUs = 0;
  let w = 0;
  for (let i = 0; i < at.length; i++) {
    const t = at[i];
    if (t < from || t > to) continue;
    const category = categories.get(profile.samples[i]) ?? 'runtime';
    const d = duration[i];
    sampledUs += d;
    if (category === 'idle') {
      idleUs += d;
      continue;
    }
    totalUs[category] += d;
    while (w < sorted.length && sorted[w][2] < t) w++;
    const hit = w < sorted.length && sorted[w][1] <= t ? sorted[w] : null;
    if (hit) byStep[hit[0]].us[category] += d;
    else between[category] += d;
  }
  return { byStep, between, totalUs, idleUs, sampledUs, overlapping };
}

const sum = (us) => CATEGORIES.reduce((a, c) => a + us[c], 0);
const scale = (us, k) => Object.fromEntries(CATEGORIES.map((c) => [c, us[c] * k]));

/**
 * The budget table from an attribution: µs per request of each step (in flow order, `mailbox`
 * after the steps), "between requests" and the whole flow, per category.
 * @param {ReturnType<typeof attribute>} a
 * @param {string[]} stepOrder
 * @param {number} flows completed flows in the window
 */
export function budget(a, stepOrder, flows) {
  const names = [...stepOrder, ...Object.keys(a.byStep).filter((s) => !stepOrder.includes(s))];
  const rows = [];
  for (const step of names) {
    const s = a.byStep[step];
    if (!s?.requests) continue;
    const us = scale(s.us, 1 / s.requests);
    rows.push({
      step,
      requests: s.requests,
      perFlow: flows ? s.requests / flows : null,
      us,
      totalUs: sum(us),
    });
  }
  const perFlow = flows ? scale(a.totalUs, 1 / flows) : null;
  const between = flows ? scale(a.between, 1 / flows) : null;
  return {
    steps: rows,
    between: between && { us: between, totalUs: sum(between) },
    flow: perFlow && { us: perFlow, totalUs: sum(perFlow) },
    idleShare: a.sampledUs ? a.idleUs / a.sampledUs : null,
    overlapping: a.overlapping,
  };
}

/**
 * One profiled run: a fresh server under `--cpu-prof`, a warm-up, the measured window with every
 * request's window recorded, then the server stops (SIGTERM; Node writes the profile on exit) and
 * the profile is read and attributed.
 * @param {Parameters<typeof measureFlow>[0]} ctx
 * @param {string} scenario
 * @param {{ concurrency?: number, intervalUs?: number, warmupS: number, durationS: number, maxFlows: number,
 *   steps: string[], dir: string, keepProfile?: boolean }} options
 */
export async function profileFlow(ctx, scenario, options) {
  const { concurrency = 1, intervalUs = 100, dir, steps } = options;
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  /** @type {Array<[string, number, number]>} */
  const timeline = [];
  const run = await measureFlow(ctx, scenario, concurrency, {
    warmupS: options.warmupS,
    durationS: options.durationS,
    maxFlows: options.maxFlows,
    nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', String(intervalUs)],
    timeline,
  });
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && !before.has(f));
  if (!file) throw new Error(`the server wrote no .cpuprofile to ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  if (!options.keepProfile) rmSync(join(dir, file), { force: true });
  const from = timeline.length ? Math.min(...timeline.map((w) => w[1])) : -Infinity;
  const to = timeline.length ? Math.max(...timeline.map((w) => w[2])) : Infinity;
  const a = attribute(profile, timeline, { from, to });
  const table = budget(a, steps, run.flows);
  const { steps: latency, flow, ...rest } = run;
  return {
    scenario,
    store: run.store,
    concurrency,
    intervalUs,
    flows: run.flows,
    errors: run.errors,
    flowsPerSecond: run.flowsPerSecond,
    serverCpuSecondsPerFlow: run.serverCpuSecondsPerFlow,
    databaseCpuSecondsPerFlow: rest.databaseCpuSecondsPerFlow ?? null,
    otherCores: run.otherCores,
    windowSeconds: (to - from) / 1e6,
    profile: options.keepProfile ? join(dir, file) : null,
    ...table,
  };
}
