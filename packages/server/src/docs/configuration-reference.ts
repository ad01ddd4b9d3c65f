import { z } from 'zod';
import { ConfigError, type DeepPartial, ENV_KEYS, loadConfig } from '../config/load.js';
import { type ConfigInput, configSchema } from '../config/schema.js';

/** A JSON Schema node as `z.toJSONSchema` emits it for the config schema (custom meta keys kept). */
interface SchemaNode {
  type?: string;
  description?: string;
  env?: string;
  default?: unknown;
  enum?: unknown[];
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  format?: string;
  pattern?: string;
  const?: unknown;
  anyOf?: SchemaNode[];
}

/** One configuration key as documented. */
export interface ConfigLeaf {
  /** Dotted path, e.g. `server.port`. */
  key: string;
  type: string;
  default: unknown;
  env: string | undefined;
  description: string;
}

export interface ConfigSection {
  /** Top-level key of the section, or null for the top-level scalar keys. */
  name: string | null;
  leaves: ConfigLeaf[];
}

/** The configuration keys grouped by section, in schema order. */
export function configSections(): ConfigSection[] {
  const root = z.toJSONSchema(configSchema, { io: 'input' }) as SchemaNode;
  const general: ConfigSection = { name: null, leaves: [] };
  const sections: ConfigSection[] = [general];
  for (const [name, node] of Object.entries(root.properties ?? {})) {
    if (isObject(node)) {
      const section: ConfigSection = { name, leaves: [] };
      collectLeaves(node, [name], section.leaves);
      sections.push(section);
    } else {
      general.leaves.push(leaf([name], node));
    }
  }
  return sections;
}

function isObject(node: SchemaNode): boolean {
  return node.type === 'object' && node.properties !== undefined;
}

/** Leaves are scalar keys, and objects set as one value (a rate limit: its own environment variable). */
function collectLeaves(node: SchemaNode, path: string[], into: ConfigLeaf[]): void {
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    if (isObject(child) && child.env === undefined) collectLeaves(child, [...path, name], into);
    else into.push(leaf([...path, name], child));
  }
}

function leaf(path: string[], node: SchemaNode): ConfigLeaf {
  return {
    key: path.join('.'),
    type: describeType(node),
    default: isObject(node) ? defaultsOf(node) : node.default,
    env: node.env,
    description: node.description ?? '',
  };
}

/** The defaults of an object's members, as one object. */
function defaultsOf(node: SchemaNode): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(node.properties ?? {}).map(([name, child]) => [name, child.default]),
  );
}

function describeType(node: SchemaNode): string {
  if (isObject(node))
    return `object (${Object.entries(node.properties ?? {})
      .map(([name, child]) => `\`${name}\`: ${describeType(child)}`)
      .join(', ')})`;
  if (node.anyOf) return node.anyOf.map(describeType).join(' or ');
  if (node.const !== undefined) return `\`${String(node.const)}\``;
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (node.type === 'array') return `list of ${node.items ? describeType(node.items) : 'values'}`;
  if (node.type === 'integer' || node.type === 'number')
    return `${node.type}${range(node.minimum, node.maximum)}`;
  if (node.type === 'string') {
    if (node.format === 'uri') return 'URL';
    if (node.pattern) return `string matching \`${node.pattern.replaceAll('|', '\\|')}\``;
    if (node.minLength === 1 && node.maxLength === undefined) return 'non-empty string';
    if (node.minLength !== undefined || node.maxLength !== undefined) {
      const length = range(node.minLength, node.maxLength);
      return `string${length ? `${length} characters` : ''}`;
    }
    return 'string';
  }
  return node.type ?? 'any';
}

function range(min: number | undefined, max: number | undefined): string {
  const hasMax = max !== undefined && max < Number.MAX_SAFE_INTEGER;
  if (min !== undefined && hasMax) return `, ${min}–${max}`;
  if (min !== undefined) return `, ≥ ${min}`;
  if (hasMax) return `, ≤ ${max}`;
  return '';
}

function cell(text: string): string {
  return text.replaceAll('\n', ' ').replace(/(?<!\\)\|/g, '\\|');
}

function defaultCell(value: unknown): string {
  return value === undefined ? '—' : `\`${JSON.stringify(value).replaceAll('|', '\\|')}\``;
}

function table(leaves: ConfigLeaf[]): string[] {
  return [
    '| Key | Type | Default | Environment variable | Description |',
    '| --- | --- | --- | --- | --- |',
    ...leaves.map(
      (l) =>
        `| \`${l.key}\` | ${l.type} | ${defaultCell(l.default)} | ${l.env ? `\`${l.env}\`` : '—'} | ${cell(l.description)} |`,
    ),
  ];
}

/** A production public URL that passes the loader's checks, for the probes below. */
const PRODUCTION_URL = 'https://id.example.com';

type Overrides = DeepPartial<ConfigInput>;

/** Loads with only these overrides (no file, no environment); the loader's problems when it refuses. */
function probe(overrides: Overrides): { config: Record<string, unknown> | null; problems: string[] } {
  try {
    return { config: loadConfig({ env: {}, overrides }) as unknown as Record<string, unknown>, problems: [] };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const problems = err.message
      .split('\n')
      .filter((line) => line.startsWith('  - '))
      .map((line) => line.slice(4));
    return { config: null, problems };
  }
}

function withPath(base: Overrides, key: string, value: unknown): Overrides {
  const copy = structuredClone(base) as Record<string, unknown>;
  const path = key.split('.');
  let node = copy;
  for (const part of path.slice(0, -1)) {
    node[part] = (node[part] as Record<string, unknown> | undefined) ?? {};
    node = node[part] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
  return copy as Overrides;
}

function valueAt(config: Record<string, unknown> | null, key: string): unknown {
  let node: unknown = config;
  for (const part of key.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  return node;
}

const allLeaves = () => configSections().flatMap((s) => s.leaves);

/**
 * What the loader refuses in production, found by asking it: no public URL, a plain-http public URL,
 * and every boolean switched on.
 */
export function productionRefusals(): string[] {
  const production: Overrides = { mode: 'production', server: { publicUrl: PRODUCTION_URL } };
  const probes: Overrides[] = [
    { mode: 'production' },
    { mode: 'production', server: { publicUrl: 'http://id.example.com' } },
    production,
    ...allLeaves()
      .filter((l) => l.type === 'boolean')
      .map((l) => withPath(production, l.key, true)),
  ];
  // Only the loader's production checks; a probe the schema itself rejects says nothing about the mode.
  const problems = probes.flatMap((overrides) => probe(overrides).problems);
  return [...new Set(problems.filter((p) => p.includes('production')))];
}

/** Keys whose effective default differs between development and production (beyond `mode` itself). */
export function modeDependentDefaults(): Array<{ key: string; development: unknown; production: unknown }> {
  const development = probe({}).config;
  const production = probe({ mode: 'production', server: { publicUrl: PRODUCTION_URL } }).config;
  return allLeaves()
    .map(({ key }) => ({ key, development: valueAt(development, key), production: valueAt(production, key) }))
    .filter(
      (row) =>
        row.key !== 'mode' &&
        row.key !== 'server.publicUrl' &&
        JSON.stringify(row.development) !== JSON.stringify(row.production),
    );
}

/** How a raw environment value is read, for the variables that are not taken verbatim. */
const ENV_NOTES: Record<string, string> = {
  NODE_ENV: '`production` selects production mode; any other value (or none) selects development.',
  GATEHOUSE_PORT: 'Read as a number; anything else is reported as an invalid `server.port`.',
  GATEHOUSE_WORKERS:
    'A number is read as one, `auto` as is; anything else is reported as an invalid `server.workers`.',
  DATABASE_URL: 'A `postgres://` or `postgresql://` URL; when set, PostgreSQL replaces SQLite.',
  ...Object.fromEntries(
    ENV_KEYS.filter(({ path }) => path[0] === 'rateLimits' && path.length === 2).map(({ env }) => [
      env,
      '`N` sets the count per window; `N/SECONDS` the count and the window (e.g. `20/600`).',
    ]),
  ),
};

/** `docs/reference/configuration.md`, generated from the zod schema and the loader. */
export function renderConfigurationReference(): string {
  const sections = configSections();
  const lines: string[] = [
    '<!-- Generated by `gatehouse docs` from packages/server/src/config/schema.ts and config/load.ts. Do not edit by hand. -->',
    '',
    '# Configuration reference',
    '',
    'Every setting Gatehouse reads, with its type, default and the environment variable that sets it.',
    'Nothing needs to be configured for a local trial: `gatehouse start` runs in development mode with',
    'embedded SQLite, generated signing keys and a demo app.',
    '',
    '## Where values come from',
    '',
    'Values are merged in this order, each source overriding the ones before it:',
    '',
    '1. the defaults listed below;',
    '2. a JSON file named by `--config <file>` or, when that flag is absent, the `GATEHOUSE_CONFIG`',
    '   environment variable (an object with the same nesting as the keys below, e.g.',
    '   `{ "server": { "port": 8443 } }`);',
    '3. environment variables (an empty variable counts as unset);',
    '4. command-line flags: `--data-dir` on every command that opens the store, and `--port`, `--host`,',
    '   `--public-url` and `--workers` on `gatehouse start`.',
    '',
    'The merged result is validated once and then frozen. Unknown keys are refused, and an invalid value',
    'stops the command (exit code 78) with a message naming the key, what is wrong with it and the source',
    'it came from (file, environment variable or command line).',
    '',
    '## Production mode',
    '',
    'With `mode` set to `production` (`NODE_ENV=production`) Gatehouse refuses the development defaults.',
    'The loader stops with these errors:',
    '',
    ...productionRefusals().map((problem) => `- \`${problem}\``),
    '',
    '`server.publicUrl` may use `http` in production only when its host is a loopback address (`localhost`,',
    '`127.0.0.0/8` or `::1`). In development a missing `server.publicUrl` becomes `http://localhost:<port>`,',
    'and `gatehouse start` prints a warning listing every development default in force.',
    '',
    'Defaults that depend on the mode:',
    '',
    '| Key | Development | Production |',
    '| --- | --- | --- |',
    ...modeDependentDefaults().map(
      ({ key, development, production }) =>
        `| \`${key}\` | ${defaultCell(development)} | ${defaultCell(production)} |`,
    ),
    '',
    '## Environment variables',
    '',
    '| Variable | Sets | Notes |',
    '| --- | --- | --- |',
    '| `GATEHOUSE_CONFIG` | — | Path of the JSON configuration file, used when `--config` is not given. |',
    ...ENV_KEYS.map(
      ({ env, path }) => `| \`${env}\` | \`${path.join('.')}\` | ${cell(ENV_NOTES[env] ?? 'Taken as is.')} |`,
    ),
    '',
  ];
  for (const section of sections) {
    if (!section.leaves.length) continue;
    lines.push(
      section.name ? `## \`${section.name}\`` : '## Top-level keys',
      '',
      ...table(section.leaves),
      '',
    );
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
