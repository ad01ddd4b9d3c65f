import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdxConversation } from '../support/idx-client.js';
import { freePort } from '../support/test-server.js';
import {
  BUILD_TIMEOUT_MS,
  buildCli,
  killAllServers,
  type RunningServer,
  runCliJson,
  signIn,
  signInForTokens,
  startServer,
  TempDirs,
} from './cli-harness.js';

/**
 * The CLI writes to the store while a server runs on the same data directory (SQLite in WAL mode
 * with a busy timeout): what it writes is served at once.
 */
describe('CLI writes while the server runs (built binary)', () => {
  const dirs = new TempDirs();
  let dataDir: string;
  let server: RunningServer;
  const store = () => ['--data-dir', dataDir];

  beforeAll(async () => {
    buildCli();
    dataDir = join(dirs.make(), 'data');
    const port = await freePort();
    server = await startServer([...store(), '--port', String(port)], { port });
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await server?.stop();
    killAllServers();
    dirs.cleanup();
  });

  it('users create and apps create from the CLI, then sign-in through the running server', async () => {
    const user = await runCliJson<{ login: string; status: string }>([
      'users',
      'create',
      ...store(),
      '--login',
      'erin@example.com',
      '--email',
      'erin@example.com',
      '--password',
      'saffron-glacier-compass-19',
      '--first-name',
      'Erin',
    ]);
    expect(user).toMatchObject({ login: 'erin@example.com', status: 'ACTIVE' });
    const app = await runCliJson<{ clientId: string; clientSecret: string | null }>([
      'apps',
      'create',
      ...store(),
      '--name',
      'Live public app',
      '--public',
      '--redirect-uri',
      'http://localhost:8080/login/callback',
      '--trusted-origin',
      'http://localhost:5173',
    ]);
    expect(app.clientSecret).toBeNull();

    // The server never saw this app or user before the CLI wrote them.
    const tokens = await signInForTokens(
      server.url,
      app.clientId,
      'erin@example.com',
      'saffron-glacier-compass-19',
    );
    expect(tokens).toMatchObject({ token_type: 'Bearer', scope: 'openid profile email' });
    const claims = JSON.parse(
      Buffer.from(String(tokens.id_token).split('.')[1]!, 'base64url').toString(),
    ) as {
      aud: string;
      preferred_username?: string;
    };
    expect(claims.aud).toBe(app.clientId);

    // The trusted origin is honoured by CORS right away.
    const preflight = await fetch(`${server.url}/idp/idx/introspect`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });

  it('a confidential identifier-first app created from the CLI signs in with its printed secret', async () => {
    const app = await runCliJson<{ clientId: string; clientSecret: string }>([
      'apps',
      'create',
      ...store(),
      '--name',
      'Live confidential app',
      '--redirect-uri',
      'http://localhost:8080/login/callback',
      '--policy',
      'password',
      '--identifier-first',
    ]);
    await runCliJson([
      'users',
      'create',
      ...store(),
      '--login',
      'frank',
      '--email',
      'frank@example.com',
      '--password',
      'tangerine-quarry-beacon-58',
    ]);

    // Identifier-first: the identify form asks for the username only.
    const probe = new IdxConversation(server.url, app.clientId);
    await probe.introspect((await probe.interact({ client_secret: app.clientSecret })).interactionHandle);
    expect(probe.form('identify').value.map((f) => f.name)).toEqual(['identifier', 'stateHandle']);

    const tokens = await signInForTokens(server.url, app.clientId, 'frank', 'tangerine-quarry-beacon-58', {
      clientSecret: app.clientSecret,
    });
    expect(tokens).toMatchObject({ token_type: 'Bearer' });

    // Without the secret the same client is refused at interact.
    await expect(signIn(server.url, app.clientId, 'frank', 'tangerine-quarry-beacon-58')).rejects.toThrow(
      /invalid_client/,
    );
  });

  it('several CLI writers at once while the server signs users in: none fails on a busy database', async () => {
    const logins = ['gina', 'hank', 'ivy'];
    const passwordOf = (login: string) => `marble-orchard-lantern-${logins.indexOf(login)}`;
    const creating = logins.map((login) =>
      runCliJson<{ login: string }>([
        'users',
        'create',
        ...store(),
        '--login',
        login,
        '--email',
        `${login}@example.com`,
        '--password',
        passwordOf(login),
      ]),
    );
    const signingIn = signInForTokens(
      server.url,
      'gatehouse-demo',
      'erin@example.com',
      'saffron-glacier-compass-19',
    );
    const created = await Promise.all(creating);
    expect(created.map((u) => u.login)).toEqual(logins);
    expect(await signingIn).toMatchObject({ token_type: 'Bearer' });

    const list = await runCliJson<Array<{ login: string }>>(['users', 'list', ...store()]);
    expect(list.map((u) => u.login)).toEqual(
      expect.arrayContaining([...logins, 'erin@example.com', 'frank']),
    );
    for (const login of logins) {
      const { answer } = await signIn(server.url, 'gatehouse-demo', login, passwordOf(login));
      expect(answer.status, login).toBe(200);
    }
  });
});
