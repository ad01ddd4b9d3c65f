/**
 * The sample's settings, read once from the environment and checked: a production start with a
 * development default (session secret, memory store, plain-http cookies) is refused.
 */
import { createRequire } from 'node:module';

export type SessionStoreKind = 'sqlite' | 'memory';

export interface SampleConfig {
  /** `development` | `production` | `test` (NODE_ENV). */
  mode: string;
  /** Where the app is reached, e.g. `http://localhost:8080` (APP_URL; default from PORT). */
  appUrl: string;
  port: number;
  /** The Gatehouse authorization server, e.g. `http://localhost:4455/oauth2/default`. */
  issuer: string;
  clientId: string;
  scopes: string[];
  sessionSecret: string;
  sessionStore: SessionStoreKind;
  /** SQLite file of the session store (`:memory:` for a throwaway one). */
  sessionDb: string;
  /** Idle and absolute session lifetimes (docs/security.md J3: 30 min, 12 h). */
  sessionIdleSeconds: number;
  sessionAbsoluteSeconds: number;
  /** Express `trust proxy` (behind a TLS-terminating proxy in production). */
  trustProxy: boolean;
  /** Version of the widget Gatehouse serves at `/widget/<version>/`. */
  widgetVersion: string;
  /** Subresource Integrity of `gatehouse-sign-in.js` (and `.css`), when known. */
  widgetIntegrity?: { script: string; stylesheet: string } | undefined;
  /** Link shown on the pages in development (Gatehouse's dev mailbox); none in production. */
  devMailboxUrl?: string | undefined;
}

export const DEVELOPMENT_SESSION_SECRET = 'development-only-session-secret-change-me';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function bundledWidgetVersion(): string {
  try {
    return createRequire(import.meta.url)('@gatehouse/widget/package.json').version;
  } catch {
    return '0.1.0';
  }
}

function httpUrl(value: string, name: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be an absolute URL (got "${value}").`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(`${name} must be http(s).`);
  return url;
}

/** Reads the configuration from `env` (default `process.env`), with `overrides` on top (tests). */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<SampleConfig> = {},
): SampleConfig {
  const mode = overrides.mode ?? env.NODE_ENV ?? 'development';
  const port = overrides.port ?? Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('PORT must be a TCP port.');
  const appUrl = httpUrl(overrides.appUrl ?? env.APP_URL ?? `http://localhost:${port}`, 'APP_URL');
  const issuer = httpUrl(
    overrides.issuer ?? env.GATEHOUSE_ISSUER ?? 'http://localhost:4455/oauth2/default',
    'GATEHOUSE_ISSUER',
  );
  const clientId = overrides.clientId ?? env.CLIENT_ID ?? '';
  if (!clientId)
    throw new ConfigError('CLIENT_ID is required (the client id of the app registered in Gatehouse).');
  const integrity =
    env.WIDGET_SCRIPT_INTEGRITY && env.WIDGET_STYLESHEET_INTEGRITY
      ? { script: env.WIDGET_SCRIPT_INTEGRITY, stylesheet: env.WIDGET_STYLESHEET_INTEGRITY }
      : undefined;
  const config: SampleConfig = {
    mode,
    appUrl: appUrl.origin,
    port,
    issuer: issuer.href.replace(/\/+$/, ''),
    clientId,
    scopes: (env.SCOPES ?? 'openid profile email').split(/\s+/).filter(Boolean),
    sessionSecret: env.SESSION_SECRET ?? DEVELOPMENT_SESSION_SECRET,
    sessionStore: (env.SESSION_STORE as SessionStoreKind | undefined) ?? 'sqlite',
    sessionDb: env.SESSION_DB ?? '.data/sessions.sqlite',
    sessionIdleSeconds: Number(env.SESSION_IDLE_SECONDS ?? 30 * 60),
    sessionAbsoluteSeconds: Number(env.SESSION_ABSOLUTE_SECONDS ?? 12 * 60 * 60),
    trustProxy: env.TRUST_PROXY === 'true',
    widgetVersion: env.WIDGET_VERSION ?? bundledWidgetVersion(),
    widgetIntegrity: integrity,
    devMailboxUrl:
      mode === 'production' ? undefined : (env.DEV_MAILBOX_URL ?? `${issuer.origin}/dev/mailbox`),
    ...overrides,
  };
  assertConfig(config);
  return Object.freeze(config);
}

/** Throws a ConfigError for anything unsafe or unusable. */
export function assertConfig(config: SampleConfig): void {
  if (config.sessionStore !== 'sqlite' && config.sessionStore !== 'memory')
    throw new ConfigError('SESSION_STORE must be "sqlite" or "memory".');
  if (!(config.sessionIdleSeconds > 0) || !(config.sessionAbsoluteSeconds >= config.sessionIdleSeconds))
    throw new ConfigError('Session lifetimes must be positive, the absolute one at least the idle one.');
  if (config.mode !== 'production') return;
  if (config.sessionSecret === DEVELOPMENT_SESSION_SECRET || config.sessionSecret.length < 32)
    throw new ConfigError(
      'In production SESSION_SECRET must be set to a random value of at least 32 characters.',
    );
  if (config.sessionStore === 'memory')
    throw new ConfigError('In production sessions need a persistent store: SESSION_STORE=memory is refused.');
  if (new URL(config.appUrl).protocol !== 'https:')
    throw new ConfigError(
      'In production APP_URL must be https (session cookies are Secure and __Host- prefixed).',
    );
  if (config.devMailboxUrl) throw new ConfigError('The dev mailbox link is for development only.');
}
