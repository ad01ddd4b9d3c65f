import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM benchmark code without declarations
import { attribute, budget, classifyFrame, nodeCategories } from '../lib/cpu-profile.mjs';
// @ts-expect-error plain ESM benchmark code without declarations
import { workersComparisons } from '../lib/workers-compare.mjs';

const NM = '/work/main/node_modules';
const SERVER = '/work/main/packages/server/dist';
const frame = (functionName: string, url = '') => ({
  functionName,
  url,
  scriptId: '0',
  lineNumber: 0,
  columnNumber: 0,
});

describe('CPU profile classification', () => {
  it.each([
    [frame('writev'), null],
    [frame('handleRequest', `file://${NM}/fastify/lib/handle-request.js`), 'http'],
    [frame('parserOnHeadersComplete', 'node:_http_common'), 'http'],
    [frame('serialize', `file://${NM}/fastify/lib/reply.js`), 'serialization'],
    [frame('parse'), 'parsing'],
    [frame('stringify'), 'serialization'],
    [frame('safeParse', `file://${NM}/zod/v4/classic/parse.js`), 'parsing'],
    [frame('executeQuery', `file://${NM}/kysely/dist/esm/query-executor.js`), 'storage'],
    [frame('findApp', `file://${SERVER}/storage/apps-store.js`), 'storage'],
    [frame('run', `file://${NM}/better-sqlite3/lib/methods/wrappers.js`), 'storage'],
    [frame('sign', `file://${NM}/jose/dist/webapi/jws/flattened/sign.js`), 'crypto'],
    [frame('randomBytes', 'node:internal/crypto/random'), 'crypto'],
    [frame('idxStep', `file://${SERVER}/protocol/idx/serialize-step.js`), 'serialization'],
    [frame('decide', `file://${SERVER}/flows/email.js`), 'ours'],
    [frame('(garbage collector)'), 'runtime'],
    [frame('(idle)'), 'idle'],
    [frame('processTicksAndRejections', 'node:internal/process/task_queues'), null],
  ])('%o → %s', (callFrame, category) => {
    expect(classifyFrame(callFrame)).toBe(category);
  });

  it("counts socket internals as their caller's: the pg client's writes are storage, a bare socket read HTTP", () => {
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 5] },
        { id: 2, callFrame: frame('query', `file://${NM}/pg/lib/client.js`), children: [3] },
        { id: 3, callFrame: frame('Socket._writeGeneric', 'node:net'), children: [4] },
        { id: 4, callFrame: frame('writeGeneric', 'node:internal/stream_base_commons'), children: [] },
        { id: 5, callFrame: frame('onStreamRead', 'node:internal/stream_base_commons'), children: [6] },
        { id: 6, callFrame: frame('(program)'), children: [] },
      ],
    };
    const c = nodeCategories(profile);
    expect(c.get(4)).toBe('storage');
    expect(c.get(5)).toBe('http');
    expect(c.get(6)).toBe('runtime'); // (program) decides for itself
  });

  it('gives a frame that says nothing the category of its nearest classified caller', () => {
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 6] },
        { id: 2, callFrame: frame('handler', `file://${SERVER}/http/routes/idx.js`), children: [3] },
        { id: 3, callFrame: frame('execute', `file://${NM}/kysely/dist/esm/x.js`), children: [4] },
        { id: 4, callFrame: frame('all'), children: [5] }, // native better-sqlite3 call
        { id: 5, callFrame: frame('map'), children: [] },
        { id: 6, callFrame: frame('listOnTimeout', 'node:internal/timers'), children: [] },
      ],
    };
    const c = nodeCategories(profile);
    expect(c.get(1)).toBe('runtime');
    expect(c.get(2)).toBe('ours');
    expect(c.get(4)).toBe('storage');
    expect(c.get(5)).toBe('storage');
    expect(c.get(6)).toBe('runtime');
  });
});

describe('per-step CPU budget', () => {
  // Samples every 100 µs: ids 2 (our code), 3 (kysely), 7 (idle).
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3, 7] },
      { id: 2, callFrame: frame('handler', `file://${SERVER}/flows/email.js`), children: [] },
      { id: 3, callFrame: frame('execute', `file://${NM}/kysely/dist/esm/x.js`), children: [] },
      { id: 7, callFrame: frame('(idle)'), children: [] },
    ],
    startTime: 1_000_000,
    endTime: 1_002_000,
    // t = 1 000 100, 1 000 200, … 1 001 000
    samples: [2, 3, 3, 7, 2, 2, 7, 3, 2, 7],
    timeDeltas: [100, 100, 100, 100, 100, 100, 100, 100, 100, 100],
  };
  const windows: Array<[string, number, number]> = [
    ['identify', 1_000_050, 1_000_350], // samples at 100, 200, 300
    ['token', 1_000_450, 1_000_650], // samples at 500, 600
    ['identify', 1_000_750, 1_000_950], // samples at 800, 900
  ];

  it('tags samples with the request being served and sums per category', () => {
    const a = attribute(profile, windows);
    expect(a.overlapping).toBe(false);
    expect(a.byStep.identify.requests).toBe(2);
    expect(a.byStep.identify.us.ours).toBe(200); // t=100, 900
    expect(a.byStep.identify.us.storage).toBe(300); // t=200, 300, 800
    expect(a.byStep.token.us.ours).toBe(200); // t=500, 600
    expect(a.idleUs).toBe(300);
    // The last sample (t=1000) is in no window: between requests (idle at 400, 700 left out).
    expect(a.between.ours).toBe(0);
    expect(a.totalUs.ours + a.totalUs.storage).toBe(700);
  });

  it('divides by requests and flows: µs per request of each step and per flow', () => {
    const b = budget(attribute(profile, windows), ['identify', 'token'], 2);
    expect(b.steps.map((s: { step: string }) => s.step)).toEqual(['identify', 'token']);
    expect(b.steps[0]).toMatchObject({ requests: 2, perFlow: 1, totalUs: 250 });
    expect(b.steps[0].us).toMatchObject({ ours: 100, storage: 150 });
    expect(b.steps[1]).toMatchObject({ requests: 1, totalUs: 200 });
    expect(b.flow.totalUs).toBe(350);
    expect(b.idleShare).toBeCloseTo(0.3, 10);
  });

  it('keeps only the measured window', () => {
    const a = attribute(profile, windows, { from: 1_000_450, to: 1_000_650 });
    expect(a.totalUs.ours).toBe(200);
    expect(a.totalUs.storage).toBe(0);
  });
});

describe('workers comparison', () => {
  const run = (workers: number, over: Record<string, unknown> = {}) => ({
    kind: 'flow',
    scenario: 'email-otp',
    store: 'postgres',
    concurrency: 16,
    workers,
    errors: 0,
    flows: 500,
    flowsPerSecond: 100,
    serverCpuSecondsPerFlow: 0.01,
    databaseCpuSecondsPerFlow: 0.005,
    clientCpuSecondsPerFlow: 0.001,
    ...over,
  });

  it('pairs one process with N on the same store, scenario and VUs; the ceiling is cores ÷ CPU per flow', () => {
    const [c, ...rest] = workersComparisons(
      [run(1), run(2, { flowsPerSecond: 110 }), run(2, { store: 'sqlite' }), run(1, { mode: 'open-loop' })],
      2,
    );
    expect(rest).toEqual([]);
    expect(c).toMatchObject({ store: 'postgres', scenario: 'email-otp', concurrency: 16 });
    expect(c.ratio).toBeCloseTo(1.1, 10);
    expect(c.one.totalMsPerFlow).toBeCloseTo(16, 10);
    expect(c.one.ceilingFlowsPerSecond).toBeCloseTo(125, 10);
  });

  it('leaves out runs with errors', () => {
    expect(workersComparisons([run(1), run(2, { errors: 1 })], 2)).toEqual([]);
  });
});
