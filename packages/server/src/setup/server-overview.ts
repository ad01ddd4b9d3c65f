import { resolve } from 'node:path';
import { describeRequirements } from '../apps/app-policy.js';
import { loginKey } from '../identity/users.js';
import type { Services } from '../services.js';
import type { UserStatus } from '../storage/users-store.js';
import { DEMO_CLIENT_ID, DEMO_LOGIN, PLAYGROUND_CLIENT_ID } from './demo-data.js';

export interface AppOverview {
  clientId: string;
  name: string;
  public: boolean;
  redirectUris: string[];
  /** The policy as written: `password`, `password|email`. */
  policy: string;
}

/** What a development server runs with, for its home page. Never a secret. */
export interface ServerOverview {
  issuer: string;
  discoveryUrl: string;
  jwksUrl: string;
  /** `SQLite file /abs/.gatehouse/gatehouse.db` or `PostgreSQL postgres://user@host:5432/db`. */
  store: string;
  /** Where email goes: the outbox shown in the dev mailbox, or `SMTP relay smtp://host:587`. */
  mail: string;
  devMailbox: boolean;
  demoApp: AppOverview | null;
  playgroundApp: AppOverview | null;
  demoUser: { login: string; status: UserStatus } | null;
  /** How many apps there are besides the two above. */
  otherApps: number;
}

/** A database or relay URL without its user's password (and without any query, which may hold one). */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString();
  } catch {
    return '(an unreadable URL)';
  }
}

/** A relay's scheme and host only: `smtp://mail.example.com:587`. */
function relayHost(url: string): string {
  try {
    const { protocol, host } = new URL(url);
    return `${protocol}//${host}`;
  } catch {
    return '(an unreadable URL)';
  }
}

function appOverview(
  app: Awaited<ReturnType<Services['storage']['apps']['findByClientId']>>,
): AppOverview | null {
  if (!app) return null;
  return {
    clientId: app.clientId,
    name: app.name,
    public: app.secretHash === null,
    redirectUris: app.redirectUris,
    policy: describeRequirements(app.policy.requirements),
  };
}

/** Reads what the home page shows: configuration facts and the demo data as stored now. */
export async function readServerOverview(services: Services): Promise<ServerOverview> {
  const { config, storage } = services;
  const server = services.server('default');
  const smtp = config.email.smtpUrl;
  const [demoApp, playgroundApp, demoUser, apps] = await Promise.all([
    storage.apps.findByClientId(DEMO_CLIENT_ID),
    storage.apps.findByClientId(PLAYGROUND_CLIENT_ID),
    storage.users.findByLoginKey(loginKey(DEMO_LOGIN)),
    storage.apps.count(),
  ]);
  return {
    issuer: server.issuer,
    discoveryUrl: `${server.issuer}/.well-known/openid-configuration`,
    jwksUrl: `${server.endpointBase}/keys`,
    store: config.storage.databaseUrl
      ? `PostgreSQL ${withoutPassword(config.storage.databaseUrl)}`
      : config.storage.sqliteFile === ':memory:'
        ? 'SQLite in memory'
        : `SQLite file ${resolve(config.storage.dataDir, config.storage.sqliteFile)}`,
    mail: smtp
      ? `SMTP relay ${relayHost(smtp)}`
      : config.devMailbox.enabled
        ? 'kept in the outbox, shown in the dev mailbox'
        : 'kept in the outbox, sent nowhere (no SMTP relay, no dev mailbox)',
    devMailbox: config.devMailbox.enabled,
    demoApp: appOverview(demoApp),
    playgroundApp: appOverview(playgroundApp),
    demoUser: demoUser ? { login: demoUser.login, status: demoUser.status } : null,
    otherApps: apps - (demoApp ? 1 : 0) - (playgroundApp ? 1 : 0),
  };
}
