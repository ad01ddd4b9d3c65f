// SVG plots of a bench result for docs/benchmarks.md: throughput per scenario, peer ratios, scaling.
//
// Why Vega-Lite (devDependencies `vega` + `vega-lite`) rather than hand-written SVG: it is pure
// JavaScript (no canvas, no browser: `View#toSVG()` with renderer 'none' estimates text widths),
// it renders the same bytes for the same input, and it gives log axes with sensible ticks, legends,
// label-overlap handling and layered marks (bars + value labels, points + median + target rule) that
// a hand-written chart module would have to reimplement and test. It costs ~18 MiB of dev-only
// node_modules and is never loaded by the server or the SDK.

import * as vega from 'vega';
import { compile } from 'vega-lite';

const STORE_LABEL = { sqlite: 'SQLite', postgres: 'PostgreSQL' };
const STORE_SHADES = {
  sqlite: ['#6baed6', '#2171b5', '#08306b', '#9ecae1'],
  postgres: ['#fd8d3c', '#d94801', '#7f2704', '#fdae6b'],
};
const OTHER_SHADES = ['#74c476', '#238b45', '#00441b', '#a1d99b'];

const CONFIG = {
  background: 'white',
  // No ARIA roles and labels on every mark (Biome's a11y lint rejects Vega's group roles in committed
  // SVG, and renderSvg strips what this leaves); the chart gets a <title> from the spec's description.
  aria: false,
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif',
  padding: 12,
  title: { fontSize: 14, anchor: 'start', offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12, labelLimit: 400 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 400, titleLimit: 400 },
  view: { stroke: null },
};

export const storeLabel = (store) => STORE_LABEL[store] ?? store;
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Legend label of a run's series: store, VUs and, when more than one, server workers. */
export function seriesLabel({ store = 'sqlite', concurrency, workers = 1 }) {
  const parts = [storeLabel(store), plural(concurrency, 'VU')];
  if (workers !== 1) parts.push(plural(workers, 'worker'));
  return parts.join(' · ');
}

/** Vega's and Vega-Lite's warnings, on stderr with a prefix (a spec should produce none). */
const logger = {
  level: (l) => (l === undefined ? vega.Warn : logger),
  error: (...args) => {
    throw new Error(`bench plot: ${args.join(' ')}`);
  },
  warn: (...args) => {
    console.warn('bench plot:', ...args);
    return logger;
  },
  info: () => logger,
  debug: () => logger,
};

const escapeXml = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Renders a Vega-Lite spec to an SVG string (no DOM, no canvas, deterministic), titled with the
 * spec's `description`.
 */
export async function renderSvg(spec) {
  const { spec: vgSpec } = compile({ config: CONFIG, ...spec }, { logger });
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none', logger });
  try {
    const svg = (await view.toSVG())
      .replace(/ (role|aria-[a-z]+)="[^"]*"/g, '')
      .replace(/^<svg[^>]*>/, (open) => `${open}<title>${escapeXml(spec.description ?? 'chart')}</title>`);
    return `${svg}\n`;
  } finally {
    view.finalize();
  }
}

/** A colour per series: one hue per store, darker for more VUs (in order of first appearance). */
function seriesColours(rows) {
  const domain = [];
  const range = [];
  const used = {};
  for (const r of rows) {
    if (domain.includes(r.series)) continue;
    const shades = STORE_SHADES[r.store] ?? OTHER_SHADES;
    used[r.store] = (used[r.store] ?? 0) + 1;
    domain.push(r.series);
    range.push(shades[(used[r.store] - 1) % shades.length]);
  }
  return { domain, range };
}

const finite = (n) => typeof n === 'number' && Number.isFinite(n);
const unique = (values) => [...new Set(values)];

/** Operations per second of every run, one horizontal bar each, in panels of similar magnitude. */
export function throughputSpec(runs) {
  const rows = runs
    .filter((r) => finite(r.flowsPerSecond))
    .map((r) => {
      const store = r.store ?? 'sqlite';
      const panel =
        r.kind === 'flow'
          ? 'Complete flows'
          : r.scenario.startsWith('token')
            ? 'Token endpoint alone'
            : 'Discovery and JWKS';
      return {
        panel,
        scenario: r.scenario,
        store,
        series: seriesLabel({ ...r, store }),
        flowsPerSecond: r.flowsPerSecond,
      };
    });
  const colour = seriesColours(rows);
  const panels = unique(rows.map((r) => r.panel)).map((panel) => {
    const values = rows.filter((r) => r.panel === panel);
    return {
      title: `${panel} — ${panel === 'Complete flows' ? 'flows' : 'requests'} per second`,
      width: 560,
      height: { step: 16 },
      data: { values },
      encoding: {
        y: { field: 'scenario', type: 'nominal', sort: unique(values.map((r) => r.scenario)), title: null },
        yOffset: { field: 'series', sort: colour.domain },
        x: {
          field: 'flowsPerSecond',
          type: 'quantitative',
          title: panel === 'Complete flows' ? 'flows/s' : 'requests/s',
          scale: { nice: true },
        },
        color: { field: 'series', scale: colour, legend: { title: 'store · load' } },
      },
      layer: [
        { mark: { type: 'bar', height: { band: 0.9 } } },
        {
          mark: { type: 'text', align: 'left', dx: 3, fontSize: 10, color: '#333' },
          encoding: {
            text: { field: 'flowsPerSecond', type: 'quantitative', format: ',.1f' },
            color: { value: '#333' },
          },
        },
      ],
    };
  });
  return {
    description: 'Operations per second of every bench run, by scenario, VUs and store',
    vconcat: panels,
    spacing: 24,
    resolve: { scale: { x: 'independent' } },
  };
}

/**
 * Per-pair Gatehouse ÷ peer ratios (throughput, and server CPU per operation) with each pair as a
 * point, the median as a tick, parity (1) dashed and, where given, the target as a red rule.
 * @param {Array<{ peer: string, pairs: Array<{ pair: number, order: string, ratio: number, cpuRatio: number }>,
 *   ratio?: { median: number }, cpuRatio?: { median: number } }>} peers  only those that ran
 * @param {Record<string, number>} targets  throughput-ratio target per peer name
 */
export function peersSpec(peers, targets = {}) {
  const panel = (title, field, medianField, axisTitle, withTarget) => {
    const median = (p) =>
      finite(p[medianField]?.median) ? `, median ${p[medianField].median.toFixed(2)}` : '';
    const label = (p) => `vs ${p.peer}${p.peerVersion ? ` ${p.peerVersion}` : ''}${median(p)}`;
    const order = peers.map(label);
    const points = peers.flatMap((p) =>
      p.pairs
        .filter((x) => finite(x[field]))
        .map((x) => ({ comparison: label(p), pair: x.pair + 1, order: x.order, value: x[field] })),
    );
    const medians = peers
      .filter((p) => finite(p[medianField]?.median))
      .map((p) => ({ comparison: label(p), value: p[medianField].median }));
    const rules = withTarget
      ? peers
          .filter((p) => finite(targets[p.peer]))
          .map((p) => ({ comparison: label(p), value: targets[p.peer], text: `target ${targets[p.peer]}` }))
      : [];
    const max = Math.max(1.2, ...points.map((x) => x.value), ...rules.map((x) => x.value)) * 1.1;
    const x = {
      field: 'value',
      type: 'quantitative',
      title: axisTitle,
      scale: { domain: [0, max], nice: false },
    };
    const y = { field: 'comparison', type: 'nominal', sort: order, title: null };
    const layer = [
      {
        data: { values: [{ value: 1 }] },
        mark: { type: 'rule', strokeDash: [4, 3], color: '#888' },
        encoding: { x },
      },
      {
        data: { values: medians },
        mark: { type: 'tick', thickness: 3, color: '#222', size: 30 },
        encoding: { x, y },
      },

      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 90, opacity: 0.85 },
        encoding: {
          x,
          y,
          yOffset: { field: 'order', sort: ['G→P', 'P→G'] },
          shape: { field: 'order', sort: ['G→P', 'P→G'], legend: { title: 'pair order' } },
          color: {
            field: 'order',
            sort: ['G→P', 'P→G'],
            scale: { range: ['#2171b5', '#d94801'] },
            legend: { title: 'pair order' },
          },
        },
      },
    ];
    if (rules.length) {
      layer.push(
        {
          data: { values: rules },
          mark: { type: 'tick', color: '#c00', thickness: 2, size: 34 },
          encoding: { x, y },
        },
        {
          data: { values: rules },
          mark: { type: 'text', color: '#c00', align: 'left', dx: 4, dy: -14, fontSize: 10 },
          encoding: { x, y, text: { field: 'text' } },
        },
      );
    }
    return { title, width: 520, height: 56 * peers.length, layer };
  };
  return {
    description: 'Gatehouse ÷ peer throughput and server CPU per operation, per ABBA pair, with medians',
    vconcat: [
      panel(
        'Throughput, Gatehouse ÷ peer (> 1: Gatehouse completes more per second)',
        'ratio',
        'ratio',
        'Gatehouse ÷ peer operations per second (tick: median; dashed: parity; red: target)',
        true,
      ),
      panel(
        'Server CPU per operation, Gatehouse ÷ peer (< 1: Gatehouse spends less)',
        'cpuRatio',
        'cpuRatio',
        'Gatehouse ÷ peer CPU ms per operation (tick: median; dashed: parity)',
        false,
      ),
    ],
    spacing: 24,
  };
}

/** Scaling with the number of users in the store: flows/s and server CPU per flow, log-scaled users. */
export function scalingSpec(series) {
  const rows = series.flatMap((s) => {
    const store = s.store ?? 'sqlite';
    const name = `${s.scenario} × ${plural(s.concurrency, 'VU')} · ${storeLabel(store)}`;
    return s.points
      .filter((p) => finite(p.users) && p.users > 0)
      .map((p) => ({
        series: name,
        store,
        users: p.users,
        flowsPerSecond: finite(p.flowsPerSecond) ? p.flowsPerSecond : null,
        cpuMs: finite(p.serverCpuMsPerFlow) ? p.serverCpuMsPerFlow : null,
      }));
  });
  const colour = seriesColours(rows);
  const users = unique(rows.map((r) => r.users)).sort((a, b) => a - b);
  const x = {
    field: 'users',
    type: 'quantitative',
    title: 'users in the store (log scale)',
    scale: { type: 'log', domain: [users[0] ?? 1, users.at(-1) ?? 10] },
    axis: { values: users, format: '~s' },
  };
  const color = {
    field: 'series',
    scale: colour,
    legend: { title: 'scenario × load · store', orient: 'bottom', columns: 1 },
  };
  const panel = (title, field, axisTitle) => ({
    title,
    width: 560,
    height: 220,
    data: { values: rows.filter((r) => r[field] !== null) },
    mark: { type: 'line', point: { filled: true, size: 60 } },
    encoding: { x, y: { field, type: 'quantitative', title: axisTitle, scale: { zero: true } }, color },
  });
  return {
    description: 'Flows per second and server CPU per flow against the number of users in the store',
    vconcat: [
      panel('Throughput vs users in the store', 'flowsPerSecond', 'flows/s'),
      panel('Server CPU per flow vs users in the store', 'cpuMs', 'server CPU ms per flow'),
    ],
    spacing: 24,
  };
}
