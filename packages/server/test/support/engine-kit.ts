import { randomUUID } from 'node:crypto';
import { type AppPolicyInput, AppService } from '../../src/apps/app-service.js';
import type { Authenticator } from '../../src/authenticators/authenticator.js';
import {
  type AuthenticatorParts,
  installAuthenticators,
} from '../../src/authenticators/installed-authenticators.js';
import { AuthenticatorRegistry } from '../../src/authenticators/registry.js';
import { type DeepPartial, loadConfig } from '../../src/config/load.js';
import type { ConfigInput, GatehouseConfig } from '../../src/config/schema.js';
import { createFlowEngine } from '../../src/flows/create-flow-engine.js';
import type { FlowEngine } from '../../src/flows/shared/flow-engine.js';
import type { FlowState } from '../../src/flows/shared/flow-state.js';
import { PasswordHasher } from '../../src/identity/password-hasher.js';
import { UserService } from '../../src/identity/users.js';
import { Mailer } from '../../src/messaging/mailer.js';
import { EmailTemplates } from '../../src/messaging/templates/email-templates.js';
import { DatabaseRateLimiter } from '../../src/rate-limits/rate-limiter.js';
import type { RequestInfo } from '../../src/request-info.js';
import type { App } from '../../src/storage/apps-store.js';
import { openStorage, type Storage } from '../../src/storage/storage.js';
import { TestClock } from './test-clock.js';

/**
 * The engine without HTTP, for the tests beside flows and authenticators: real stores on an
 * in-memory SQLite database, the real authenticators (plus any a test adds), mail kept in the
 * outbox. Nothing is mocked.
 */
export interface EngineKit {
  config: GatehouseConfig;
  clock: TestClock;
  storage: Storage;
  parts: AuthenticatorParts;
  registry: AuthenticatorRegistry;
  engine: FlowEngine;
  apps: AppService;
  users: UserService;
  request: RequestInfo;
  createApp(policy: AppPolicyInput): Promise<App>;
  createUser(login?: string): Promise<{ login: string; password: string }>;
  /** Opens a transaction for the app and loads its state, as `/v1/interact` then introspect would. */
  start(app: App): Promise<FlowState>;
  /** The six-digit code of the newest email to `to`, or null when none went out. */
  lastCode(to: string): Promise<string | null>;
  close(): Promise<void>;
}

export interface EngineKitOptions {
  config?: DeepPartial<ConfigInput>;
  /** Authenticators installed beside the shipped ones. */
  extra?: (parts: AuthenticatorParts) => Authenticator[];
}

export async function engineKit(options: EngineKitOptions = {}): Promise<EngineKit> {
  const config = loadConfig({
    env: {},
    overrides: {
      ...options.config,
      seedDemo: false,
      server: { publicUrl: 'http://127.0.0.1:4455' },
      storage: { sqliteFile: ':memory:' },
    },
  });
  const clock = new TestClock();
  const storage = await openStorage({ dataDir: '.', sqliteFile: ':memory:' });
  const hasher = new PasswordHasher(config.passwordHashing);
  const passwordPolicy = { ...config.passwordPolicy, serviceName: config.orgName };
  const mailer = new Mailer(new EmailTemplates(storage.emailTemplates, clock), {
    from: config.email.from,
    orgName: config.orgName,
  });
  const parts: AuthenticatorParts = {
    config,
    storage,
    hasher,
    passwordPolicy,
    mailer,
    limiter: new DatabaseRateLimiter(storage.rateLimits, clock),
    clock,
    secret: Buffer.from('engine-kit-secret-of-at-least-32-characters'),
    // No relay: emails are kept in the outbox, delivered, as the dev mailbox keeps them.
    mailQueued: () => undefined,
  };
  const registry = new AuthenticatorRegistry([
    ...installAuthenticators(parts).list(),
    ...(options.extra?.(parts) ?? []),
  ]);
  const engine = createFlowEngine({
    storage,
    authenticators: registry,
    clock,
    limiter: parts.limiter,
    limits: config.rateLimits,
    transactionTtlSeconds: config.transactions.ttlSeconds,
  });
  const apps = new AppService(storage.apps, clock, registry);
  const users = new UserService(
    storage.users,
    storage.credentials,
    hasher,
    passwordPolicy,
    clock,
    storage.transactions,
  );
  let counter = 0;
  return {
    config,
    clock,
    storage,
    parts,
    registry,
    engine,
    apps,
    users,
    request: { ip: '127.0.0.1', userAgent: 'engine-kit', locale: 'en' },
    async createApp(policy) {
      const { app } = await apps.createApp({
        name: `Kit app ${++counter}`,
        public: true,
        redirectUris: ['http://localhost:8080/login/callback'],
        policy,
      });
      return app;
    },
    async createUser(login = `kit-user-${++counter}@example.com`) {
      const password = `correct-horse-${counter}-battery-staple`;
      await users.createUser({ login, email: login, password, firstName: 'Kit', lastName: 'User' });
      return { login, password };
    },
    async start(app) {
      const transaction = await engine.start({
        interactionHandleHash: randomUUID(),
        stateHandleHash: randomUUID(),
        stateGeneration: 0,
        serverId: 'default',
        appId: app.id,
        redirectUri: app.redirectUris[0]!,
        scopes: ['openid'],
        state: randomUUID(),
        nonce: null,
        authorizeRequest: null,
        codeChallenge: 'x'.repeat(43),
      });
      return engine.load(transaction);
    },
    async lastCode(to) {
      const [newest] = await storage.outbox.list({ to, limit: 1 });
      return newest ? (/\b(\d{6})\b/.exec(newest.text)?.[1] ?? null) : null;
    },
    close: () => storage.close(),
  };
}
