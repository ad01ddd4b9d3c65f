import { createServer } from 'node:net';
import type { NewAppInput } from '../../src/apps/app-service.js';
import { type DeepPartial, loadConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { createGatehouse, type Gatehouse } from '../../src/gatehouse.js';
import type { NewUserInput } from '../../src/identity/users.js';
import type { Services } from '../../src/services.js';
import type { App } from '../../src/storage/apps-store.js';
import type { User } from '../../src/storage/users-store.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { TestClock } from './test-clock.js';

export type TestDatabaseKind = 'sqlite' | 'postgres';

export interface TestServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Issuer of the `default` authorization server. */
  issuer: string;
  clock: TestClock;
  services: Services;
  gatehouse: Gatehouse;
  database: TestDatabaseKind;
  createApp(input?: Partial<NewAppInput>): Promise<{ app: App; clientSecret: string | null }>;
  createUser(input?: Partial<NewUserInput>): Promise<{ user: User; password: string }>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  database?: TestDatabaseKind;
  config?: DeepPartial<ConfigInput>;
}

/** The database the suite runs on: `GATEHOUSE_TEST_DB=postgres` switches the default. */
export const defaultTestDatabase = (): TestDatabaseKind =>
  process.env.GATEHOUSE_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

let counter = 0;

/** A real Gatehouse on a loopback port with an in-memory SQLite store (or a fresh PostgreSQL database). */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.database ?? defaultTestDatabase();
  const port = await freePort();
  let pgDatabase: TestDatabase | null = null;
  if (database === 'postgres') pgDatabase = await createTestDatabase();
  const overrides = options.config ?? {};
  const config = loadConfig({
    env: {},
    overrides: {
      ...overrides,
      seedDemo: false,
      server: { host: '127.0.0.1', port, publicUrl: `http://127.0.0.1:${port}`, ...overrides.server },
      storage: pgDatabase
        ? { databaseUrl: pgDatabase.url, ...overrides.storage }
        : { sqliteFile: ':memory:', ...overrides.storage },
      log: { level: 'silent', ...overrides.log },
    },
  });
  const clock = new TestClock();
  const gatehouse = await createGatehouse(config, { clock });
  const url = (await gatehouse.listen()).replace('localhost', '127.0.0.1');
  const { services } = gatehouse;
  return {
    url,
    issuer: services.server('default').issuer,
    clock,
    services,
    gatehouse,
    database,
    async createApp(input = {}) {
      counter++;
      return services.apps.createApp({
        name: `Test app ${counter}`,
        public: true,
        redirectUris: ['http://localhost:8080/login/callback'],
        trustedOrigins: ['http://localhost:8080'],
        emailVerifyUri: 'http://localhost:8080/login/callback',
        postLogoutRedirectUris: ['http://localhost:8080/'],
        ...input,
      });
    },
    async createUser(input = {}) {
      counter++;
      const password = input.password ?? `correct-horse-${counter}-battery-staple`;
      const login = input.login ?? `user${counter}@example.com`;
      const user = await services.users.createUser({
        login,
        email: input.email ?? login,
        password,
        firstName: 'Test',
        lastName: `User${counter}`,
        ...input,
      });
      return { user, password };
    },
    async close() {
      await gatehouse.close();
      await pgDatabase?.drop();
    },
  };
}
