import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { z } from 'zod';
import { type ConfigInput, configSchema, type GatehouseConfig } from './schema.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Plain = Record<string, unknown>;

export interface LoadConfigOptions {
  /** A JSON configuration file (also `GATEHOUSE_CONFIG`). */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags or code; they win over the file and the environment. */
  overrides?: DeepPartial<ConfigInput>;
}

export type DeepPartial<T> = T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** Environment variables and the key each one sets. */
export const ENV_KEYS: ReadonlyArray<{ env: string; path: string[]; parse?: (v: string) => unknown }> = [
  { env: 'NODE_ENV', path: ['mode'], parse: (v) => (v === 'production' ? 'production' : 'development') },
  { env: 'GATEHOUSE_HOST', path: ['server', 'host'] },
  { env: 'GATEHOUSE_PORT', path: ['server', 'port'], parse: parseNumber },
  { env: 'GATEHOUSE_PUBLIC_URL', path: ['server', 'publicUrl'] },
  { env: 'GATEHOUSE_WORKERS', path: ['server', 'workers'], parse: parseNumber },
  { env: 'GATEHOUSE_SHUTDOWN_GRACE_SECONDS', path: ['server', 'shutdownGraceSeconds'], parse: parseNumber },
  { env: 'GATEHOUSE_DATA_DIR', path: ['storage', 'dataDir'] },
  { env: 'DATABASE_URL', path: ['storage', 'databaseUrl'] },
  { env: 'GATEHOUSE_LOG_LEVEL', path: ['log', 'level'] },
  { env: 'SMTP_URL', path: ['email', 'smtpUrl'] },
  { env: 'GATEHOUSE_EMAIL_FROM', path: ['email', 'from'] },
  { env: 'REDIS_URL', path: ['rateLimits', 'redisUrl'] },
  { env: 'GATEHOUSE_SECRET_KEY', path: ['secretKey'] },
  // The caps that are not windows of a rate limit: the account lockout and the email challenge's.
  { env: 'GATEHOUSE_LOCKOUT_ENABLED', path: ['lockout', 'enabled'], parse: parseBoolean },
  {
    env: 'GATEHOUSE_LOCKOUT_MAX_FAILED_ATTEMPTS',
    path: ['lockout', 'maxFailedAttempts'],
    parse: parseNumber,
  },
  { env: 'GATEHOUSE_LOCKOUT_DURATION_SECONDS', path: ['lockout', 'durationSeconds'], parse: parseNumber },
  { env: 'GATEHOUSE_EMAIL_MAX_ATTEMPTS', path: ['email', 'maxAttempts'], parse: parseNumber },
  {
    env: 'GATEHOUSE_EMAIL_RESEND_INTERVAL_SECONDS',
    path: ['email', 'resendIntervalSeconds'],
    parse: parseNumber,
  },
  {
    env: 'GATEHOUSE_EMAIL_MAX_SENDS_PER_TRANSACTION',
    path: ['email', 'maxSendsPerTransaction'],
    parse: parseNumber,
  },
  ...(
    [
      ['GATEHOUSE_RATE_LIMIT_EMAIL_PER_RECIPIENT', 'emailPerRecipient'],
      ['GATEHOUSE_RATE_LIMIT_CHALLENGE_PER_IP', 'challengePerIp'],
      ['GATEHOUSE_RATE_LIMIT_ANSWER_PER_IP', 'answerPerIp'],
      ['GATEHOUSE_RATE_LIMIT_FAILED_SIGN_IN_PER_IP', 'failedSignInPerIp'],
      ['GATEHOUSE_RATE_LIMIT_FAILED_SIGN_IN_PER_ACCOUNT', 'failedSignInPerAccount'],
      ['GATEHOUSE_RATE_LIMIT_FAILED_OTP_PER_USER', 'failedOtpPerUser'],
      ['GATEHOUSE_RATE_LIMIT_REGISTRATION_PER_IP', 'registrationPerIp'],
      ['GATEHOUSE_RATE_LIMIT_REGISTRATION_PER_EMAIL', 'registrationPerEmail'],
      ['GATEHOUSE_RATE_LIMIT_HOSTED_SIGN_INS_PER_IP', 'hostedSignInsPerIp'],
      ['GATEHOUSE_RATE_LIMIT_CLIENT_AUTH_FAILURES_PER_CLIENT', 'clientAuthFailuresPerClient'],
    ] as const
  ).map(([env, key]) => ({ env, path: ['rateLimits', key], parse: parseLimit })),
];

/** A rate limit from the environment: `N` (requests per window) or `N/SECONDS`. */
function parseLimit(v: string): unknown {
  const match = /^\s*(\d+)\s*(?:\/\s*(\d+)\s*)?$/.exec(v);
  if (!match) return v;
  return match[2] === undefined
    ? { limit: Number(match[1]) }
    : { limit: Number(match[1]), windowSeconds: Number(match[2]) };
}

/** `true` or `false`; anything else is left for the schema to refuse, naming the variable. */
function parseBoolean(v: string): unknown {
  const word = v.trim().toLowerCase();
  return word === 'true' ? true : word === 'false' ? false : v;
}

function parseNumber(v: string): unknown {
  return /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
}

/**
 * Builds the configuration from defaults, then a file, then the environment, then overrides;
 * validates it once and returns it deeply frozen. A bad value throws a `ConfigError` that names
 * the key, what is wrong and where the value came from.
 */
export function loadConfig(options: LoadConfigOptions = {}): GatehouseConfig {
  const env = options.env ?? process.env;
  const sources = new Map<string, string>();
  const merged: Plain = {};

  const file = options.file ?? env.GATEHOUSE_CONFIG;
  if (file) {
    const fromFile = readConfigFile(file);
    mergeInto(merged, fromFile, sources, `file ${file}`, []);
  }
  for (const { env: name, path, parse } of ENV_KEYS) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    setPath(merged, path, parse ? parse(raw) : raw);
    sources.set(path.join('.'), `environment variable ${name}`);
  }
  if (options.overrides) mergeInto(merged, options.overrides as Plain, sources, 'command line', []);

  const result = configSchema.safeParse(merged);
  if (!result.success) throw new ConfigError(describeIssues(result.error, sources));
  const config = result.data;

  const problems: string[] = [];
  const seedDemo = config.seedDemo ?? config.mode === 'development';
  const devMailbox = config.devMailbox.enabled ?? config.mode === 'development';
  let publicUrl = config.server.publicUrl;
  if (config.mode === 'production') {
    if (!publicUrl) problems.push('server.publicUrl: required in production (set GATEHOUSE_PUBLIC_URL)');
    else if (new URL(publicUrl).protocol !== 'https:' && !isLoopbackHost(new URL(publicUrl).hostname))
      problems.push('server.publicUrl: must use https in production');
    if (config.seedDemo === true) problems.push('seedDemo: demo data is refused in production');
    if (config.devMailbox.enabled === true)
      problems.push('devMailbox.enabled: the dev mailbox is refused in production');
  }
  if (problems.length) throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  publicUrl = (publicUrl ?? `http://localhost:${config.server.port}`).replace(/\/+$/, '');

  return deepFreeze({
    ...config,
    seedDemo,
    publicUrl,
    devMailbox: { enabled: devMailbox },
  }) as GatehouseConfig;
}

/** The development defaults in force, each a line for the start-up warning. */
export function developmentDefaults(config: GatehouseConfig): string[] {
  if (config.mode !== 'development') return [];
  const lines = ['running in development mode (set NODE_ENV=production for a real deployment)'];
  if (!config.server.publicUrl) lines.push(`public URL not configured; using ${config.publicUrl}`);
  if (!config.storage.databaseUrl) lines.push('embedded SQLite storage (set DATABASE_URL for PostgreSQL)');
  if (config.seedDemo) lines.push('a demo app and a demo user are created on an empty store');
  if (!config.email.smtpUrl)
    lines.push('emails are kept in the outbox, readable at /dev/mailbox (set SMTP_URL to send them)');
  else if (config.devMailbox.enabled) lines.push('the dev mailbox is enabled at /dev/mailbox');
  return lines;
}

function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

function readConfigFile(file: string): Plain {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read configuration file ${file}: ${(err as Error).message}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (!value || typeof value !== 'object' || Array.isArray(value))
      throw new Error('expected a JSON object');
    return value as Plain;
  } catch (err) {
    throw new ConfigError(`Configuration file ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function mergeInto(
  target: Plain,
  source: Plain,
  sources: Map<string, string>,
  label: string,
  path: string[],
) {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const here = [...path, key];
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const existing = target[key];
      const child: Plain = existing && typeof existing === 'object' ? (existing as Plain) : {};
      target[key] = child;
      mergeInto(child, value as Plain, sources, label, here);
    } else {
      target[key] = value;
      sources.set(here.join('.'), label);
    }
  }
}

/** Sets `path` to `value`; an object value is merged into an object already there (a file's window stays). */
function setPath(target: Plain, path: string[], value: unknown) {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node[key] = next && typeof next === 'object' ? next : {};
    node = node[key] as Plain;
  }
  const last = path[path.length - 1]!;
  const existing = node[last];
  const mergeable = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  node[last] =
    mergeable(existing) && mergeable(value) ? { ...(existing as Plain), ...(value as Plain) } : value;
}

function describeIssues(error: z.ZodError, sources: Map<string, string>): string {
  const lines = error.issues.map((issue) => {
    const key = issue.path.join('.') || '(root)';
    // An unknown key's source is recorded under the key itself (or the values beneath it).
    const at = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]].join('.') : key;
    const from = sourceOf(sources, at);
    const unknown =
      issue.code === 'unrecognized_keys'
        ? ` (unknown key${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')})`
        : '';
    return `${key}: ${issue.message}${unknown}${from ? ` (from ${from})` : ''}`;
  });
  return `Invalid configuration:\n  - ${lines.join('\n  - ')}`;
}

/** Where the value at `key` came from: recorded for it, for the list holding it, or for values under it. */
function sourceOf(sources: Map<string, string>, key: string): string | undefined {
  const exact = sources.get(key);
  if (exact) return exact;
  for (const [path, label] of sources)
    if (key.startsWith(`${path}.`) || path.startsWith(`${key}.`)) return label;
  return undefined;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
