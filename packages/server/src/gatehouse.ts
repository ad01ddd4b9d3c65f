import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { AppService } from './apps/app-service.js';
import { installAuthenticators } from './authenticators/installed-authenticators.js';
import { type Clock, systemClock } from './clock.js';
import type { GatehouseConfig } from './config/schema.js';
import { createFlowEngine } from './flows/create-flow-engine.js';
import { buildHttpApp } from './http/app.js';
import { PasswordHasher } from './identity/password-hasher.js';
import { SsoSessions } from './identity/sso-sessions.js';
import { UserService } from './identity/users.js';
import { SigningKeys } from './keys/signing-keys.js';
import { Mailer } from './messaging/mailer.js';
import { OutboxSender } from './messaging/outbox-sender.js';
import { EmailTemplates } from './messaging/templates/email-templates.js';
import { authorizationServer, type ServerId } from './protocol/oauth/authorization-servers.js';
import { TokenIssuer } from './protocol/oauth/token-issuer.js';
import { DatabaseRateLimiter, type RateLimiter, RedisRateLimiter } from './rate-limits/rate-limiter.js';
import { randomToken } from './secrets.js';
import type { Services } from './services.js';
import { openStorage, type Storage } from './storage/storage.js';

export interface GatehouseOptions {
  clock?: Clock;
  /** Apply pending migrations on open (default true); a cluster worker leaves that to the primary. */
  migrate?: boolean;
  /** Run the expired-row sweeper once listening (default true); only one worker of a cluster does. */
  sweeper?: boolean;
}

export interface Gatehouse {
  services: Services;
  http: FastifyInstance;
  /** Starts listening; resolves with the bound address, e.g. `http://127.0.0.1:4455`. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 60_000;

/** Opens storage and wires every service (services only; no HTTP). Used by the server and the CLI. */
export async function createServices(
  config: GatehouseConfig,
  options: GatehouseOptions = {},
): Promise<Services> {
  const clock = options.clock ?? systemClock;
  const storage: Storage = await openStorage(
    {
      databaseUrl: config.storage.databaseUrl,
      dataDir: config.storage.dataDir,
      sqliteFile: config.storage.sqliteFile,
      poolSize: config.storage.poolSize,
    },
    options.migrate ?? true,
  );
  const keys = new SigningKeys(storage.keys, clock);
  const passwordPolicy = { ...config.passwordPolicy, serviceName: config.orgName };
  const hasher = new PasswordHasher(config.passwordHashing);
  const limiter = await createRateLimiter(config, storage, clock);
  const emailTemplates = new EmailTemplates(storage.emailTemplates, clock);
  const mailer = new Mailer(emailTemplates, { from: config.email.from, orgName: config.orgName });
  const outboxSender = await createOutboxSender(config, storage, clock);
  const secret = Buffer.from(
    config.secretKey ??
      (await storage.serverSecrets.getOrCreate('email-code-key', () => randomToken(32), clock.now())),
    'utf8',
  );
  const authenticators = installAuthenticators({
    config,
    storage,
    hasher,
    passwordPolicy,
    mailer,
    limiter,
    clock,
    secret,
    mailQueued: () => outboxSender?.queued(),
  });
  const servers = new Map<ServerId, ReturnType<typeof authorizationServer>>(
    (['default', 'org'] as const).map((id) => [id, authorizationServer(config.publicUrl, id)]),
  );
  const sessions = new SsoSessions({
    sessions: storage.sessions,
    users: storage.users,
    grants: storage.grants,
    events: storage.events,
    clock,
    lifetimes: config.sessions,
  });
  return {
    config,
    clock,
    storage,
    keys,
    hasher,
    sessions,
    tokens: new TokenIssuer(keys, config.tokens, clock, config.publicUrl),
    users: new UserService(
      storage.users,
      storage.credentials,
      hasher,
      passwordPolicy,
      clock,
      storage.transactions,
    ),
    mailer,
    outboxSender,
    emailTemplates,
    limiter,
    apps: new AppService(storage.apps, clock, authenticators),
    authenticators,
    flows: createFlowEngine({
      storage,
      authenticators,
      clock,
      limiter,
      limits: config.rateLimits,
      transactionTtlSeconds: config.transactions.ttlSeconds,
    }),
    server: (id) => servers.get(id)!,
  };
}

/** Builds a complete Gatehouse server: storage migrated, a signing key present, routes ready. */
export async function createGatehouse(
  config: GatehouseConfig,
  options: GatehouseOptions = {},
): Promise<Gatehouse> {
  const services = await createServices(config, options);
  try {
    await services.keys.ensureActiveKey();
    const http = await buildHttpApp(services);
    let sweeper: NodeJS.Timeout | null = null;
    return {
      services,
      http,
      async listen() {
        const address = await http.listen({ host: config.server.host, port: config.server.port });
        if (options.sweeper ?? true) sweeper = startSweeper(services, http.log);
        services.outboxSender?.start(http.log);
        return address;
      },
      async close() {
        if (sweeper) clearInterval(sweeper);
        await closeHttp(http, config.server.shutdownGraceSeconds);
        await closeServices(services);
      },
    };
  } catch (err) {
    await closeServices(services);
    throw err;
  }
}

/**
 * Stops accepting connections and lets the requests in progress finish; after `graceSeconds` the
 * connections still open (a client that stalls mid-request or never reads its answer) are
 * destroyed, so no client can hold a shutdown.
 */
async function closeHttp(http: FastifyInstance, graceSeconds: number): Promise<void> {
  const force = setTimeout(() => http.server.closeAllConnections(), graceSeconds * 1000);
  try {
    await http.close();
  } finally {
    clearTimeout(force);
  }
}

/** Closes what the services hold open: the outbox sender and its relay, rate-limit store, database. */
export async function closeServices(services: Services): Promise<void> {
  await services.outboxSender?.close().catch(() => undefined);
  await services.limiter.close().catch(() => undefined);
  await services.storage.close();
}

/**
 * The sender that delivers the outbox to the SMTP relay, when one is configured (started by a
 * listening server, never by the CLI); null otherwise: emails then stay in the outbox for the dev
 * mailbox. nodemailer is loaded only for SMTP (resident memory).
 */
async function createOutboxSender(
  config: GatehouseConfig,
  storage: Storage,
  clock: Clock,
): Promise<OutboxSender | null> {
  if (!config.email.smtpUrl) return null;
  const { SmtpTransport } = await import('./messaging/transports/smtp-transport.js');
  return new OutboxSender({
    outbox: storage.outbox,
    events: storage.events,
    transport: new SmtpTransport(config.email.smtpUrl, {
      rejectUnauthorized: config.email.smtpRejectUnauthorized,
    }),
    clock,
    settings: {
      maxAttempts: config.email.deliveryAttempts,
      retryBaseSeconds: config.email.deliveryRetrySeconds,
      retryMaxSeconds: 3600,
      leaseSeconds: 120,
      pollIntervalMs: 1000,
      batchSize: 20,
    },
  });
}

async function createRateLimiter(
  config: GatehouseConfig,
  storage: Storage,
  clock: Clock,
): Promise<RateLimiter> {
  if (!config.rateLimits.redisUrl) return new DatabaseRateLimiter(storage.rateLimits, clock);
  const { Redis } = await import('ioredis');
  // Commands fail fast when Redis is down (and the limiter fails closed) instead of queueing.
  const redis = new Redis(config.rateLimits.redisUrl, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: false,
  });
  redis.on('error', () => undefined);
  return new RedisRateLimiter(redis);
}

/** How long an unfinished sign-up's account is kept: its transaction's lifetime and an hour. */
const STAGED_USER_GRACE_MS = 3_600_000;

/**
 * One sweep: expired transactions, codes, challenges and counters (kept a day past expiry, so late
 * polls still read as "expired", not "unknown"), accounts of sign-ups abandoned before finishing,
 * delivered emails older than a week (the dev mailbox reads them; dead ones wait for an operator).
 */
export async function sweep(services: Pick<Services, 'storage' | 'clock' | 'config'>): Promise<void> {
  const { storage, clock, config } = services;
  const now = clock.now();
  const before = now - 86_400_000;
  await storage.transactions.deleteExpired(before);
  await storage.interactionCodes.deleteExpired(before);
  await storage.emailChallenges.deleteExpired(before);
  await storage.authenticatorChallenges.deleteExpired(before);
  await storage.sessions.deleteExpired(before);
  await storage.rateLimits.deleteOlderThan(before);
  await storage.users.deleteStagedBefore(now - config.transactions.ttlSeconds * 1000 - STAGED_USER_GRACE_MS);
  await storage.outbox.deleteDeliveredBefore(now - 7 * 86_400_000);
}

/** Runs `sweep` every minute, one run at a time. */
function startSweeper(services: Services, log: FastifyBaseLogger): NodeJS.Timeout {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await sweep(services);
    } catch (err) {
      log.warn({ err }, 'sweeping expired transactions failed; retrying on the next tick');
    } finally {
      running = false;
    }
  }, SWEEP_INTERVAL_MS);
  timer.unref();
  return timer;
}
