import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
// @ts-expect-error plain ESM benchmark code without declarations
import { benchmarksPage, keptSections, resultFileName, writeBenchmarksPage } from '../lib/publish.mjs';

/** docs/benchmarks.md and its SVG plots, from the sample quick result plus the fields of later runs. */

const SAMPLE = new URL('../results/2026-11-23T12-07-33Z-all-quick.json', import.meta.url);

interface Run {
  kind: string;
  scenario: string;
  concurrency: number;
  flowsPerSecond: number;
  store?: string;
  workers?: number;
  usersInStore?: number;
}

const point = (users: number, flowsPerSecond: number) => ({
  users,
  flowsPerSecond,
  flowP99Ms: 250 + users / 1000,
  serverCpuMsPerFlow: 15 + users / 100_000,
  seedSeconds: users / 400,
  dbBytes: users * 4096,
});

const TARGETS = [
  {
    id: 'email-otp-sqlite',
    description: 'Email-OTP sign-ins per second, SQLite, 16 VUs',
    target: 1000,
    measured: 80.1,
    unit: 'flows/s',
    met: false,
    note: 'quick run on a busy machine; see the load caveat',
  },
  {
    id: 'vs-oidc-provider',
    description: 'Token exchange vs oidc-provider',
    target: 1,
    measured: 0.93,
    unit: 'ratio',
    met: false,
    note: 'pairs disagree (0.44 and 1.41)',
  },
  {
    id: 'idle-rss',
    description: 'Idle RSS, SQLite',
    target: 128,
    measured: 81,
    unit: 'MiB',
    met: true,
    note: '',
  },
  {
    id: 'postgres-email-otp',
    description: 'Email-OTP sign-ins per second, PostgreSQL',
    target: 500,
    measured: null,
    unit: 'flows/s',
    met: null,
    note: 'PostgreSQL | not reachable',
  },
];

/** The sample, with two runs of 2 workers, a skipped PostgreSQL, scaling, idle RSS and targets. */
function synthetic() {
  const result = JSON.parse(readFileSync(SAMPLE, 'utf8'));
  const email = result.runs.filter((r: Run) => r.scenario === 'email-otp');
  result.runs.push(
    ...email.map((r: Run) => ({
      ...r,
      workers: 2,
      usersInStore: 64,
      flowsPerSecond: r.flowsPerSecond * 1.6,
    })),
  );
  result.quick = true;
  result.stores = [
    { store: 'sqlite', version: '3.50.4' },
    { store: 'postgres', skipped: 'no server at 127.0.0.1:5432' },
  ];
  result.scaling = [
    {
      scenario: 'email-otp',
      concurrency: 16,
      store: 'sqlite',
      points: [point(1_000, 82), point(10_000, 80), point(100_000, 76), point(1_000_000, 71)],
      spreadPercent: 14.4,
    },
    {
      scenario: 'password-one-step',
      concurrency: 16,
      store: 'sqlite',
      points: [point(1_000, 53), point(10_000, 52.5), point(100_000, 52)],
      spreadPercent: 1.9,
    },
  ];
  result.idleRss = [{ store: 'sqlite', bytes: 81 * 2 ** 20 }];
  result.targets = TARGETS;
  return result;
}

/** The same result as if PostgreSQL had run every scenario too, a full run, and without scaling. */
function withPostgres() {
  const result = synthetic();
  result.quick = false;
  result.options.quick = false;
  result.stores = [
    { store: 'sqlite', version: '3.50.4' },
    { store: 'postgres', version: 'PostgreSQL 16.9' },
  ];
  const sqlite = result.runs.filter((r: Run) => r.workers === undefined);
  result.runs.push(
    ...sqlite.map((r: Run) => ({ ...r, store: 'postgres', flowsPerSecond: r.flowsPerSecond * 0.7 })),
  );
  result.scaling = undefined;
  result.idleRss.push({ store: 'postgres', bytes: 90 * 2 ** 20 });
  return result;
}

/**
 * Well-formedness of the XML an SVG renderer writes (elements, double-quoted attributes, text,
 * entities; no comments, CDATA or processing instructions expected): throws at the first fault.
 */
function assertWellFormedXml(xml: string): string {
  const token =
    /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|([^<&]+)|&(?:[a-zA-Z]+|#\d+|#x[\da-fA-F]+);/y;
  const open: string[] = [];
  let root = '';
  while (token.lastIndex < xml.length) {
    const at = token.lastIndex;
    const m = token.exec(xml);
    if (!m) throw new Error(`not XML at ${at}: ${xml.slice(at, at + 60)}`);
    const [, closing, name, , selfClosing, text] = m;
    if (text !== undefined || name === undefined) {
      if (!open.length && text?.trim()) throw new Error(`text outside the root at ${at}`);
      continue;
    }
    if (closing) {
      if (open.pop() !== name) throw new Error(`</${name}> closes the wrong element at ${at}`);
      continue;
    }
    if (!open.length && root) throw new Error(`second root element <${name}> at ${at}`);
    root ||= name;
    if (!selfClosing) open.push(name);
  }
  if (open.length) throw new Error(`unclosed <${open.join('>, <')}>`);
  return root;
}

const count = (text: string, needle: string) => text.split(needle).length - 1;
/** Items drawn by the marks of one kind: each mark is a <g> of <path>s, one per datum. */
const items = (svg: string, mark: string) =>
  [...svg.matchAll(new RegExp(`<g class="mark-${mark} role-mark[^"]*"[^>]*>(.*?)</g>`, 'g'))].reduce(
    (n, m) => n + count(m[1]!, '<path'),
    0,
  );
const bars = (svg: string) => items(svg, 'rect');
const points = (svg: string) => items(svg, 'symbol');

/** The Markdown between a `### title` heading and the next heading. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`### ${title}\n`);
  if (start < 0) throw new Error(`no section ${title}`);
  const rest = markdown.slice(start + title.length + 5);
  const end = rest.search(/^#{2,3} /m);
  return end < 0 ? rest : rest.slice(0, end);
}
const tableRows = (text: string) =>
  text.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| scenario'));

describe('benchmarks page', () => {
  let warn: ReturnType<typeof vi.spyOn>;
  beforeAll(() => {
    warn = vi.spyOn(console, 'warn');
  });
  afterEach(() => expect(warn).not.toHaveBeenCalled());

  it('puts the targets table first, with met, missed and not measured, and counts them', async () => {
    const { markdown } = await benchmarksPage(synthetic());
    expect(markdown).toContain(
      '| Email-OTP sign-ins per second, SQLite, 16 VUs | 1,000 flows/s | 80.1 flows/s | ❌ missed | quick run on a busy machine; see the load caveat |',
    );
    expect(markdown).toContain(
      '| Token exchange vs oidc-provider | 1.00 ratio | 0.93 ratio | ❌ missed | pairs disagree (0.44 and 1.41) |',
    );
    expect(markdown).toContain('| Idle RSS, SQLite | 128 MiB | 81.0 MiB | ✅ met |  |');
    expect(markdown).toContain(
      '| Email-OTP sign-ins per second, PostgreSQL | 500 flows/s | – | – not measured | PostgreSQL \\| not reachable |',
    );
    expect(markdown).toContain(
      '**1 of 4 targets met**; missed: Email-OTP sign-ins per second, SQLite, 16 VUs;',
    );
    const targets = markdown.indexOf('## Targets');
    expect(targets).toBeGreaterThan(markdown.indexOf('## Machine'));
    expect(targets).toBeLessThan(markdown.indexOf('### Complete flows'));
  });

  it('describes the run and the machine, and says prominently when it was a quick run', async () => {
    const quick = (await benchmarksPage(synthetic())).markdown;
    expect(quick.split('\n')[4]).toMatch(/^> ⚠️ \*\*Quick run\*\* \(`--quick`\): 2 s measured windows/);
    expect(quick).toContain(
      'Generated by `npm run bench -- --quick` on 2026-11-23 12:07 UTC, a **quick run**, at git `ffbec909b1` (clean tree).',
    );
    expect(quick).toContain('](../bench/results/2026-11-23T12-07-33Z-all-quick.json)');
    expect(quick).toContain('| CPU | AMD EPYC, 2 cores |');
    expect(quick).toContain('| memory | 23.5 GiB |');
    expect(quick).toContain('| Node | v20.20.2 |');
    expect(quick).toContain('| store: PostgreSQL | **skipped**: no server at 127.0.0.1:5432 |');
    expect(quick).toMatch(
      /\| packages \| fastify 5\.12\.8, better-sqlite3 12\.11\.1, .*better-auth \(bench\/peers\) 1\.7\.25 \|/,
    );
    expect(quick).toContain('⚠️ **The machine was not quiet.** 1-minute load average 3.50 at the start');
    expect(quick).toContain('npm run bench -- --quick          #');

    const dirty = withPostgres();
    dirty.machine.gitDirty = true;
    dirty.loadAverage1mAtStart = 0.05;
    for (const r of dirty.runs) r.otherCores = 0.02;
    const full = (await benchmarksPage(dirty)).markdown;
    expect(full).not.toContain('Quick run');
    expect(full).toContain(
      'a **full run**, at git `ffbec909b1` — **dirty tree** (uncommitted changes were measured)',
    );
    expect(full).not.toContain('not quiet');
    expect(full).toContain('| store: PostgreSQL | PostgreSQL 16.9, on 127.0.0.1, same machine |');
  });

  it('gives a table of complete flows per store, with workers and users in the store when a run has them', async () => {
    const { markdown } = await benchmarksPage(synthetic());
    const sqlite = section(markdown, 'Complete flows — SQLite');
    expect(sqlite).toContain('| scenario | VUs | workers | users in store | flows/s |');
    const rows = tableRows(sqlite);
    expect(rows).toHaveLength(10);
    expect(rows[0]).toBe(
      '| password-one-step | 1 | 1 | – | 30.9 | 31.4 / 40.4 / 46.7 | 0 | 28.87 | 0.89 | 0.01 | 26.9 % | 141 |',
    );
    expect(rows[9]).toMatch(/^\| email-otp \| 16 \| 2 \| 64 \| 128\.2 \|/);
    expect(section(markdown, 'Complete flows — PostgreSQL').trim()).toBe(
      'Skipped: no server at 127.0.0.1:5432',
    );
    const requests = section(
      markdown,
      'Token endpoint, discovery and JWKS (one request = one operation) — SQLite',
    );
    expect(tableRows(requests)).toHaveLength(8);
    expect(requests).not.toContain('workers');
    expect(tableRows(requests)[0]).toBe(
      '| token-exchange | 1 | 181.9 | 5.0 / 8.8 / 14.8 | 0 | codes 533 in 4.1 s | 4.92 | 0.89 | 0.06 | 138 |',
    );

    const both = (await benchmarksPage(withPostgres())).markdown;
    const pg = tableRows(section(both, 'Complete flows — PostgreSQL'));
    expect(pg).toHaveLength(8);
    expect(pg[0]).toMatch(/^\| password-one-step \| 1 \| 21\.6 \|/);
    expect(
      tableRows(
        section(both, 'Token endpoint, discovery and JWKS (one request = one operation) — PostgreSQL'),
      ),
    ).toHaveLength(8);
  });

  it('summarises the peers with medians and lists every pair', async () => {
    const { markdown } = await benchmarksPage(synthetic());
    expect(markdown).toContain(
      '| vs oidc-provider 9.13.3 | token endpoint, code exchange (interaction_code vs authorization_code + PKCE) | 2 | **0.93** [0.44–1.41] | **1.08** [1.01–1.14] | 144 / 111 |',
    );
    expect(markdown).toContain(
      '| vs better-auth 1.7.25 | complete email-OTP sign-in (send code + verify) | 2 | **1.03** [0.80–1.26] |',
    );
    expect(markdown).toContain(
      '| oidc-provider | 2 | P→G | 83.8 | 192.4 | 0.44 | 3.24 | 2.84 | 1.14 | 0 / 0 |',
    );
  });

  it('tabulates scaling per series and idle RSS per store', async () => {
    const { markdown } = await benchmarksPage(synthetic());
    expect(markdown).toContain('**email-otp**, SQLite · 16 VUs; flows/s spread across user counts 14.4 %');
    expect(markdown).toContain('| 1,000,000 | 71.0 | 1250.0 | 25.00 | 2500.0 | 3906 |');
    expect(markdown).toContain('| SQLite | 81 |');
    const both = (await benchmarksPage(withPostgres())).markdown;
    expect(both).not.toContain('## Scaling');
    expect(both).toContain('| PostgreSQL | 90 |');
  });

  it('draws one bar per run, one point per peer pair and scaling point, and the target line', async () => {
    const result = synthetic();
    const { markdown, svgs } = await benchmarksPage(result);
    expect(Object.keys(svgs)).toEqual(['throughput.svg', 'peers.svg', 'scaling.svg']);
    for (const [name, svg] of Object.entries(svgs) as Array<[string, string]>) {
      expect(assertWellFormedXml(svg)).toBe('svg');
      expect(svg).toMatch(/^<svg [^>]*><title>[^<]+<\/title>/);
      // `npm run lint` (Biome's a11y rules) checks the committed SVG: a title, no ARIA roles on groups.
      expect(svg).not.toMatch(/ role="/);
      expect(markdown).toContain(`](benchmarks/${name})`);
    }
    expect(bars(svgs['throughput.svg'])).toBe(18);
    expect(svgs['throughput.svg']).toContain('SQLite · 16 VUs · 2 workers');
    // Two panels (throughput ratio, CPU ratio), two pairs per peer, two peers.
    expect(points(svgs['peers.svg'])).toBe(8);
    expect(svgs['peers.svg']).toContain('>target 1</text>');
    expect(count(svgs['peers.svg'], '>target ')).toBe(1);
    // Two panels (flows/s, CPU per flow) of 4 + 3 points, users on a log axis.
    expect(points(svgs['scaling.svg'])).toBe(14);
    // Log axis: the decades 1k, 10k, 100k, 1M are evenly spaced.
    const decades = [...svgs['scaling.svg'].matchAll(/translate\(([\d.]+),16\)"[^>]*>(1k|10k|100k|1M)</g)]
      .slice(0, 4)
      .map((m) => Number(m[1]));
    expect(decades).toHaveLength(4);
    const gaps = decades.slice(1).map((x, i) => x - decades[i]!);
    for (const gap of gaps) expect(gap).toBeCloseTo(gaps[0]!, 1);
    expect(gaps[0]).toBeGreaterThan(100);

    const pg = await benchmarksPage(withPostgres());
    expect(bars(pg.svgs['throughput.svg'])).toBe(34);
    expect(pg.svgs['throughput.svg']).toContain('PostgreSQL · 16 VUs');
    expect(pg.svgs['scaling.svg']).toBeUndefined();
  });

  it('catches a broken SVG (the check itself can fail)', () => {
    expect(() => assertWellFormedXml('<svg><g></svg>')).toThrow(/closes the wrong element/);
    expect(() => assertWellFormedXml('<svg a=1></svg>')).toThrow(/not XML/);
    expect(() => assertWellFormedXml('<svg>&nbsp</svg>')).toThrow(/not XML/);
  });

  describe('writeBenchmarksPage', () => {
    let root: string;
    beforeAll(() => {
      root = mkdtempSync(join(tmpdir(), 'gatehouse-bench-publish-'));
    });
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    const snapshot = (names: string[]) =>
      Object.fromEntries(names.map((n) => [n, readFileSync(join(root, 'docs', n), 'utf8')]));

    it('writes the same bytes twice and removes a plot the result has no data for', async () => {
      const names = [
        'benchmarks/throughput.svg',
        'benchmarks/peers.svg',
        'benchmarks/scaling.svg',
        'benchmarks.md',
      ];
      const written = await writeBenchmarksPage(synthetic(), { root });
      expect(written).toEqual(names.map((n) => join(root, 'docs', n)));
      const first = snapshot(names);
      writeFileSync(join(root, 'docs/benchmarks.md'), 'stale');
      await writeBenchmarksPage(synthetic(), { root });
      expect(snapshot(names)).toEqual(first);

      await writeBenchmarksPage(withPostgres(), { root });
      expect(() => readFileSync(join(root, 'docs/benchmarks/scaling.svg'))).toThrow(/ENOENT/);
      expect(readFileSync(join(root, 'docs/benchmarks.md'), 'utf8')).not.toContain('scaling.svg');
    });
  });

  describe('issue 17 additions', () => {
    const latency = (p99: number) => ({
      count: 100,
      min: 1,
      mean: 5,
      p50: 4,
      p95: p99 - 1,
      p99,
      max: p99 + 1,
    });
    const openRun = {
      kind: 'flow',
      mode: 'open-loop',
      arrivalRate: 300,
      scenario: 'email-otp',
      store: 'sqlite',
      workers: 1,
      concurrency: 100,
      flows: 880,
      errors: 0,
      flowsPerSecond: 290,
      flow: latency(80),
      steps: { interact: latency(12), token: latency(41) },
      open: { scheduled: 900, started: 880, dropped: 20, late: 3, lateMs: 10, achievedRate: 293.3 },
      serverCpuSecondsPerFlow: 0.004,
      serverCores: 1.2,
      otherCores: 0.05,
    };
    const pgRun = (workers: number, flowsPerSecond: number) => ({
      kind: 'flow',
      scenario: 'email-otp',
      store: 'postgres',
      workers,
      concurrency: 16,
      flows: 500,
      errors: 0,
      flowsPerSecond,
      flow: latency(200),
      steps: {},
      serverCpuSecondsPerFlow: 0.01,
      databaseCpuSecondsPerFlow: 0.005,
      clientCpuSecondsPerFlow: 0.001,
      serverCores: 0.9,
      databaseCores: 0.45,
      clientCores: 0.1,
      otherCores: 0.02,
    });
    const us = (http: number, storage: number) => ({
      http,
      parsing: 1,
      storage,
      crypto: 2,
      serialization: 3,
      ours: 4,
      runtime: 5,
    });
    const profile = {
      scenario: 'email-otp',
      store: 'sqlite',
      concurrency: 1,
      intervalUs: 100,
      flows: 300,
      flowsPerSecond: 100,
      serverCpuSecondsPerFlow: 0.0091,
      windowSeconds: 3,
      idleShare: 0.25,
      overlapping: false,
      steps: [
        { step: 'identify', requests: 300, perFlow: 1, us: us(300, 400), totalUs: 715 },
        { step: 'mailbox', requests: 300, perFlow: 1, us: us(200, 100), totalUs: 315 },
      ],
      between: { us: us(9, 0), totalUs: 24 },
      flow: { us: us(509, 500), totalUs: 1054 },
    };
    const baseline = (t: { id: string }) => ({
      ...t,
      baseline: t.id === 'idle-rss' ? { value: 107, text: '107 MB' } : null,
    });
    const additions = () => {
      const result = withPostgres();
      result.runs.push(openRun, pgRun(1, 90), pgRun(2, 120));
      result.cpuProfiles = [profile];
      result.targets = result.targets.map(baseline);
      return result;
    };

    it('adds the baseline column of issue 17 to the targets when targets carry one', async () => {
      const { markdown } = await benchmarksPage(additions());
      expect(markdown).toContain('| target | goal | today (issue 17 baseline) | this run | met | note |');
      expect(markdown).toContain('| Idle RSS, SQLite | 128 MiB | 107 MB | 81.0 MiB | ✅ met |  |');
      expect(markdown).toContain('"Today" is the column of issue 17');
    });

    it('keeps open-loop runs out of the closed-loop tables and gives them their own', async () => {
      const { markdown } = await benchmarksPage(additions());
      expect(markdown).not.toMatch(/\| email-otp \| 100 \| 1 \| [^|]+ \| 290\.0 \|/);
      expect(markdown).toContain('## Open loop (fixed arrival rate)');
      expect(markdown).toContain(
        '| SQLite | email-otp | 300 | 293.3 | 20 of 900 | 3 | 290.0 | 0 | 4.0 / 80.0 | 41.0 (token) | 4.00 | 1.20 | 0.05 |',
      );
      expect(markdown).toContain('| 300 | token | 4.0 | 40.0 | 41.0 | 42.0 |');
    });

    it('tabulates the per-step CPU budget by category, with the whole flow', async () => {
      const { markdown } = await benchmarksPage(additions());
      expect(markdown).toContain(
        '| step | requests per flow | HTTP µs | parsing µs | storage µs | crypto µs | serialization µs | our code µs | runtime µs | **total µs** |',
      );
      expect(markdown).toContain('| identify | 1.00 | 300 | 1 | 400 | 2 | 3 | 4 | 5 | **715** |');
      expect(markdown).toContain('| mailbox read (driver) | 1.00 | 200 |');
      expect(markdown).toContain('| **whole flow** | – | **509** | **1** | **500** |');
      expect(markdown).toContain('main thread in the profile **1.05 ms per flow**');
    });

    it('compares one process with two on PostgreSQL and explains the ceiling from CPU per flow', async () => {
      const { markdown } = await benchmarksPage(additions());
      expect(markdown).toContain('## Workers on PostgreSQL (scale-out)');
      expect(markdown).toContain('| email-otp | 16 | 2 | 120.0 |');
      expect(markdown).toContain('**1.33×**');
      // 2 cores ÷ (10 + 5 + 1 ms) per flow.
      expect(markdown).toContain('2 cores ÷ 16.00 ms ≈ **125.0 flows/s**');
    });

    it('takes sections and unmeasured targets from a supplement, saying where they come from', async () => {
      const base = withPostgres();
      base.targets = base.targets.map(baseline);
      const supplement = additions();
      supplement.startedAt = '2026-12-05T18:41:00.000Z';
      supplement.scenarioSet = 'email-otp';
      supplement.command = 'npm run bench -- --scenarios email-otp --duration 3';
      supplement.targets = supplement.targets.map((t: { id: string }) =>
        t.id === 'postgres-email-otp' ? { ...t, measured: 120, met: false, note: 'best run' } : t,
      );
      const { markdown } = await benchmarksPage(base, { supplement });
      const additionsPage = (await benchmarksPage(additions())).markdown;
      expect(markdown).toContain(
        'From a short run of 2026-12-05 18:41 UTC (`bench/results/2026-12-05T18-41-00Z-email-otp.json`): `npm run bench -- --scenarios email-otp --duration 3`',
      );
      expect(markdown).toContain('| identify | 1.00 | 300 |');
      expect(markdown).toContain('short run of 2026-12-05 18:41 UTC');
      expect(markdown).toMatch(
        /\| Email-OTP sign-ins per second, PostgreSQL \| 500 flows\/s \| – \| 120 flows\/s \| ❌ missed \| short run/,
      );
      // The base's own closed-loop tables are not replaced.
      expect(section(markdown, 'Complete flows — PostgreSQL')).not.toContain('| 120.0 |');
      expect(section(additionsPage, 'Complete flows — PostgreSQL')).toContain('| 120.0 |');
    });

    it('shows the before profile next to this run, once each, with the change per category and step', async () => {
      const after = additions();
      after.startedAt = '2026-12-06T10:00:00.000Z';
      const before = {
        ...additions(),
        startedAt: '2026-12-05T18:44:07.000Z',
        scenarioSet: 'email-otp',
        cpuProfiles: [
          {
            ...profile,
            serverCpuSecondsPerFlow: 0.011,
            steps: [{ ...profile.steps[0], totalUs: 1430 }],
            flow: { us: us(1018, 1000), totalUs: 2108 },
          },
        ],
      };
      const { markdown } = await benchmarksPage(after, { before });
      expect(markdown).toContain('### email-otp, SQLite — before (git');
      expect(markdown).toContain('### email-otp, SQLite — this run (git');
      expect(markdown).toContain('From a short run of 2026-12-05 18:44 UTC');
      expect(markdown).toContain(
        '**email-otp, SQLite: before → this run**, main-thread µs per flow (and server CPU per flow from /proc 11.00 → 9.10 ms):',
      );
      expect(markdown).toContain('| HTTP | 1,018 | 509 | -50 % |');
      expect(markdown).toContain('| step: identify | 1,430 | 715 | -50 % |');
      expect(markdown).toContain('| **whole flow** | **2,108** | **1,054** | -50 % |');
      // The same result as before and as this run: one table, no comparison.
      const same = (await benchmarksPage(before, { before })).markdown;
      expect(same.split('### email-otp, SQLite —')).toHaveLength(2);
      expect(same).not.toContain('before → this run');
    });

    it('keeps a hand-written section of the page it replaces', async () => {
      const previous =
        '# Gatehouse benchmarks\n\n## Idle memory\n\nold\n\n## Statements and commits per step\n\n| step | statements |\n|---|---:|\n| identify | 3 |\n\n## How to read this page\n\n- …\n';
      expect(keptSections(previous)).toEqual([
        '## Statements and commits per step\n\n| step | statements |\n|---|---:|\n| identify | 3 |',
      ]);
      const { markdown } = await benchmarksPage(additions(), { previous });
      expect(markdown).toContain('## Statements and commits per step\n\n| step | statements |');
      expect(markdown.indexOf('## Statements and commits per step')).toBeLessThan(
        markdown.indexOf('## How to read this page'),
      );
      expect(keptSections('# no such section\n')).toEqual([]);
    });
  });

  it('names the result file the way bench/run.mjs does', () => {
    expect(resultFileName(synthetic())).toBe('2026-11-23T12-07-33Z-all-quick.json');
    expect(resultFileName(withPostgres())).toBe('2026-11-23T12-07-33Z-all.json');
  });
});
