import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/storage.js';
import { HttpBrowser } from '../hosted/http-sign-in.js';
import {
  BUILD_TIMEOUT_MS,
  killAllServers,
  type RunningServer,
  runCli,
  runCliJson,
  signIn,
  signInForTokens,
  TempDirs,
} from './cli-harness.js';
import {
  hasSsoSession,
  hostedSignIn,
  publicOrigin,
  refreshOutcome,
  startOnNewStore,
  userinfoStatus,
} from './cli-sign-ins.js';

interface UserRecord {
  id: string;
  login: string;
  email: string;
  emailVerified: boolean;
  status: string;
  profile: Record<string, string>;
}

const CALLBACK = 'http://localhost:8080/login/callback';

let counter = 0;
const password = () => `saffron glacier compass ${++counter} quietly`;

const claimsOf = (jwt: unknown) =>
  JSON.parse(Buffer.from(String(jwt).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

/**
 * `users show|update|delete` on the built binary, with a server running on the same data directory.
 * Each test runs several CLI processes and sign-ins, hence the longer time allowed per test.
 */
describe('gatehouse users show, update, delete (built binary, server running)', { timeout: 120_000 }, () => {
  const dirs = new TempDirs();
  let dataDir: string;
  let server: RunningServer;
  let clientId: string;
  const store = () => ['--data-dir', dataDir];

  async function createUser(login: string) {
    const secret = password();
    const user = await runCliJson<UserRecord>([
      'users',
      'create',
      ...store(),
      '--login',
      login,
      '--email',
      login,
      '--password',
      secret,
      '--first-name',
      'Noor',
    ]);
    return { user, password: secret };
  }

  beforeAll(async () => {
    ({ dataDir, server } = await startOnNewStore(dirs));
    const app = await runCliJson<{ clientId: string }>([
      'apps',
      'create',
      ...store(),
      '--name',
      'Users app',
      '--public',
      '--redirect-uri',
      CALLBACK,
    ]);
    clientId = app.clientId;
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await server?.stop();
    killAllServers();
    dirs.cleanup();
  });

  it('users show takes the login as its argument or as --login; an unknown login exits 1 with one line', async () => {
    const { user } = await createUser('noor@example.com');
    const shown = await runCliJson<UserRecord>(['users', 'show', 'NOOR@example.com', ...store()]);
    expect(shown).toEqual(await runCliJson<UserRecord>(['users', 'show', ...store(), '--login', user.login]));
    expect(shown).toMatchObject({ id: user.id, status: 'ACTIVE', profile: { firstName: 'Noor' } });
    expect(JSON.stringify(shown)).not.toMatch(/argon2|hash/i);
    const text = await runCli(['users', 'show', user.login, ...store()]);
    expect(text.stdout).toContain(`noor@example.com (${user.id})`);
    expect(text.stdout).toContain('firstName: Noor');

    const unknown = await runCli(['users', 'show', 'nobody@example.com', ...store()]);
    expect(unknown).toEqual({
      code: 1,
      stdout: '',
      stderr: 'gatehouse: No user with login nobody@example.com\n',
    });
  });

  it('users update changes the address and profile (the next ID token carries them) and writes an audit event', async () => {
    const { user, password: secret } = await createUser('omar@example.com');
    const updated = await runCliJson<UserRecord>([
      'users',
      'update',
      user.login,
      ...store(),
      '--email',
      'omar.new@example.com',
      '--first-name',
      'Omar',
      '--last-name',
      'Haddad',
      '--attribute',
      'department=Research',
    ]);
    expect(updated).toMatchObject({
      login: 'omar@example.com',
      email: 'omar.new@example.com',
      emailVerified: true,
      profile: {
        email: 'omar.new@example.com',
        firstName: 'Omar',
        lastName: 'Haddad',
        department: 'Research',
      },
    });
    const tokens = await signInForTokens(server.url, clientId, user.login, secret);
    expect(claimsOf(tokens.id_token)).toMatchObject({
      email: 'omar.new@example.com',
      given_name: 'Omar',
      family_name: 'Haddad',
    });

    // '' removes a name, 'name=' an attribute; --no-email-verified marks the address unverified.
    const cleared = await runCliJson<UserRecord>([
      'users',
      'update',
      user.login,
      ...store(),
      '--last-name',
      '',
      '--attribute',
      'department=',
      '--no-email-verified',
    ]);
    expect(cleared.emailVerified).toBe(false);
    expect(cleared.profile).toEqual({
      login: 'omar@example.com',
      email: 'omar.new@example.com',
      firstName: 'Omar',
    });

    const storage = await openStorage({ dataDir, sqliteFile: 'gatehouse.db' }, false);
    try {
      const events = await storage.events.listForUser(user.id);
      const updates = events.filter((e) => e.type === 'user.account.update_profile');
      expect(updates.map((e) => [e.type, e.data.changed])).toEqual([
        ['user.account.update_profile', ['emailVerified', 'lastName', 'department']],
        ['user.account.update_profile', ['email', 'firstName', 'lastName', 'department']],
      ]);
    } finally {
      await storage.close();
    }
  });

  it('users update --status SUSPENDED refuses sign-in as a wrong password would; ACTIVE lets it in again', async () => {
    const { user, password: secret } = await createUser('pia@example.com');
    expect(
      (await runCliJson<UserRecord>(['users', 'update', user.login, ...store(), '--status', 'suspended']))
        .status,
    ).toBe('SUSPENDED');
    const refused = await signIn(server.url, clientId, user.login, secret);
    const wrong = await signIn(server.url, clientId, user.login, 'not the password at all');
    expect(refused.answer.status).toBe(wrong.answer.status);
    expect(refused.answer.status).toBe(401);
    expect(
      (await runCliJson<UserRecord>(['users', 'update', user.login, ...store(), '--status', 'ACTIVE']))
        .status,
    ).toBe('ACTIVE');
    expect((await signIn(server.url, clientId, user.login, secret)).answer.status).toBe(200);
  });

  it('users update refuses bad values with one line each, changing nothing', async () => {
    const { user } = await createUser('quinn@example.com');
    for (const [args, message] of [
      [['--status', 'STAGED'], '--status must be one of ACTIVE, SUSPENDED, LOCKED_OUT'],
      [['--email', 'not-an-address'], 'email must be an email address'],
      [['--attribute', 'login=someone'], "'login' is not a profile attribute that can be set this way"],
      [['--attribute', 'department'], '--attribute department: expected name=value'],
    ] as const) {
      const result = await runCli(['users', 'update', user.login, ...store(), ...args]);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(`^gatehouse: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*\\n$`),
      );
    }
    expect(await runCliJson<UserRecord>(['users', 'show', user.login, ...store()])).toEqual(user);
  });

  it('users delete removes the user and ends what was theirs: tokens, SSO session, a sign-in in progress; the audit event stays', async () => {
    const { user, password: secret } = await createUser('rhea@example.com');
    const browser = new HttpBrowser(publicOrigin(server));
    const hosted = await hostedSignIn(server, clientId, { login: user.login, password: secret }, browser);
    // A sign-in that got its interaction code but has not exchanged it yet.
    const pending = await signIn(server.url, clientId, user.login, secret);
    expect(pending.answer.status).toBe(200);

    const deleted = await runCliJson<{ id: string; deleted: boolean; removed: Record<string, number> }>([
      'users',
      'delete',
      user.login,
      ...store(),
    ]);
    expect(deleted).toMatchObject({ id: user.id, deleted: true });
    expect(deleted.removed).toMatchObject({ credentials: 1, sessions: 1, grants: 1, refreshTokens: 1 });
    expect(deleted.removed.transactions).toBeGreaterThanOrEqual(2);
    expect(deleted.removed.interactionCodes).toBeGreaterThanOrEqual(2);

    expect(await userinfoStatus(hosted.rp, hosted.tokens)).toBe(401);
    expect(await refreshOutcome(hosted.rp, hosted.tokens)).toEqual({ status: 400, error: 'invalid_grant' });
    expect(await hasSsoSession(server, browser, clientId)).toBe(false);
    const exchange = await pending.idx.exchange(pending.interaction, pending.idx.interactionCode());
    expect(exchange.status).toBe(400);
    expect((exchange.body as { error?: string }).error).toBe('invalid_grant');
    // The password signs nobody in: the answer of an unknown user.
    expect((await signIn(server.url, clientId, user.login, secret)).answer.status).toBe(401);

    const gone = await runCli(['users', 'delete', user.login, ...store()]);
    expect(gone).toEqual({ code: 1, stdout: '', stderr: `gatehouse: No user with login ${user.login}\n` });
    const storage = await openStorage({ dataDir, sqliteFile: 'gatehouse.db' }, false);
    try {
      const [event] = await storage.events.listForUser(user.id, 1);
      expect(event).toMatchObject({
        type: 'user.lifecycle.delete.completed',
        data: { by: 'cli', login: user.login, removed: deleted.removed },
      });
    } finally {
      await storage.close();
    }
  });
});
