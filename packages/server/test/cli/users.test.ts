import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/test-server.js';
import {
  BUILD_TIMEOUT_MS,
  buildCli,
  killAllServers,
  type RunningServer,
  runCli,
  runCliJson,
  signIn,
  startServer,
  TempDirs,
} from './cli-harness.js';

interface UserRecord {
  id: string;
  login: string;
  email: string;
  status: string;
  profile: Record<string, string>;
  lockedUntil: string | null;
  createdAt: string;
}

const PASSWORD = 'violet-harbor-lantern-42';

describe('gatehouse users (built binary)', () => {
  const dirs = new TempDirs();
  let dataDir: string;
  const store = () => ['--data-dir', dataDir];

  beforeAll(() => {
    buildCli();
    dataDir = join(dirs.make(), 'data');
  }, BUILD_TIMEOUT_MS);
  afterAll(() => {
    killAllServers();
    dirs.cleanup();
  });

  it('users create --json prints the record without any password or hash', async () => {
    const result = await runCli([
      'users',
      'create',
      ...store(),
      '--login',
      'alice@example.com',
      '--email',
      'alice@example.com',
      '--password',
      PASSWORD,
      '--first-name',
      'Alice',
      '--last-name',
      'Liddell',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const user = JSON.parse(result.stdout) as UserRecord;
    expect(user).toMatchObject({
      login: 'alice@example.com',
      email: 'alice@example.com',
      status: 'ACTIVE',
      profile: { firstName: 'Alice', lastName: 'Liddell' },
      lockedUntil: null,
    });
    expect(user.id).toMatch(/^00u/);
    expect(Date.parse(user.createdAt)).not.toBeNaN();
    expect(result.stdout).not.toContain(PASSWORD);
    expect(result.stdout).not.toMatch(/argon2|hash/i);
  });

  it('a duplicate login (any case) exits 1 with a clear message', async () => {
    const result = await runCli([
      'users',
      'create',
      ...store(),
      '--login',
      'ALICE@example.com',
      '--email',
      'alice2@example.com',
      '--password',
      PASSWORD,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('A user with login ALICE@example.com already exists');
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('a weak password exits 1 naming the password policy, and creates nothing', async () => {
    const result = await runCli([
      'users',
      'create',
      ...store(),
      '--login',
      'bob@example.com',
      '--email',
      'bob@example.com',
      '--password',
      'password',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/password does not meet the policy: .*At least 15 characters/);
    // Nothing was created: the list below holds exactly alice and carol.
  });

  it('predictable passwords (long enough, not on the common list) exit 1 saying why, and create nothing', async () => {
    for (const predictable of ['aaaaaaaaaaaaaaa', '123456789012345', 'qwertyuiopasdfgh']) {
      const result = await runCli([
        'users',
        'create',
        ...store(),
        '--login',
        'dave@example.com',
        '--email',
        'dave@example.com',
        '--password',
        predictable,
      ]);
      expect(result.code, predictable).toBe(1);
      expect(result.stderr, predictable).toMatch(/password does not meet the policy: Is hard to guess: \S/);
    }
    const set = await runCli([
      'users',
      'set-password',
      ...store(),
      '--login',
      'alice@example.com',
      '--password',
      'aaaaaaaaaaaaaaa',
    ]);
    expect(set.code).toBe(1);
    expect(set.stderr).toContain('Repeated characters like "aaa" are easy to guess.');
  });

  it('users list --json lists the users without secrets', async () => {
    await runCliJson(['users', 'create', ...store(), '--login', 'carol', '--email', 'carol@example.com']);
    const result = await runCli(['users', 'list', ...store(), '--json']);
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout) as UserRecord[];
    expect(list.map((u) => u.login).sort()).toEqual(['alice@example.com', 'carol']);
    expect(result.stdout).not.toMatch(/argon2|hash|password/i);
  });

  it('users set-password checks the policy; unknown login exits 1', async () => {
    const weak = await runCli([
      'users',
      'set-password',
      ...store(),
      '--login',
      'carol',
      '--password',
      'short',
    ]);
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('password does not meet the policy');
    const unknown = await runCli([
      'users',
      'set-password',
      ...store(),
      '--login',
      'nobody@example.com',
      '--password',
      PASSWORD,
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No user with login nobody@example.com');
    const ok = await runCli([
      'users',
      'set-password',
      ...store(),
      '--login',
      'carol',
      '--password',
      'copper-meadow-whistle-77',
      '--json',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ login: 'carol' });
  });

  describe('with a server running on the same data dir', () => {
    let server: RunningServer;
    beforeAll(async () => {
      const port = await freePort();
      // The store already has users, so no demo data: register an app for the sign-ins.
      await runCliJson([
        'apps',
        'create',
        ...store(),
        '--name',
        'Users test',
        '--client-id',
        'users-test',
        '--public',
        '--redirect-uri',
        'http://localhost:8080/login/callback',
      ]);
      server = await startServer([...store(), '--port', String(port)], { port });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('the passwords from users create and users set-password sign in', async () => {
      expect(
        (await signIn(server.url, 'users-test', 'carol', 'copper-meadow-whistle-77')).answer.status,
      ).toBe(200);
      const { answer } = await signIn(server.url, 'users-test', 'alice@example.com', PASSWORD);
      expect(answer.status).toBe(200);
    });

    it('users lock: sign-in gets the same answer as a wrong password; users unlock: it works again', async () => {
      const wrong = (await signIn(server.url, 'users-test', 'alice@example.com', `${PASSWORD}-wrong`)).answer;
      expect(wrong.status).toBe(401);

      const locked = await runCliJson<UserRecord>([
        'users',
        'lock',
        ...store(),
        '--login',
        'alice@example.com',
      ]);
      // The record printed is read back from the store after the change.
      expect(locked.status).toBe('LOCKED_OUT');

      const whileLocked = (await signIn(server.url, 'users-test', 'alice@example.com', PASSWORD)).answer;
      expect(whileLocked.status).toBe(wrong.status);
      expect(whileLocked.body.messages).toEqual(wrong.body.messages);
      expect(whileLocked.body.remediation?.value.map((f) => f.name)).toEqual(
        wrong.body.remediation?.value.map((f) => f.name),
      );
      expect(whileLocked.body.successWithInteractionCode).toBeUndefined();

      const unlocked = await runCliJson<UserRecord>([
        'users',
        'unlock',
        ...store(),
        '--login',
        'alice@example.com',
      ]);
      expect(unlocked).toMatchObject({ status: 'ACTIVE', lockedUntil: null });
      const after = (await signIn(server.url, 'users-test', 'alice@example.com', PASSWORD)).answer;
      expect(after.status).toBe(200);
      expect(after.body.successWithInteractionCode).toBeDefined();
    });

    it('users list --json reads LOCKED_OUT for an account locked by wrong passwords, ACTIVE once unlocked', async () => {
      for (let i = 0; i < 10; i++)
        await signIn(server.url, 'users-test', 'carol', `wrong-${i}-copper-meadow`);
      const list = await runCliJson<UserRecord[]>(['users', 'list', ...store()]);
      const carol = list.find((u) => u.login === 'carol')!;
      expect(carol.status).toBe('LOCKED_OUT');
      expect(carol.lockedUntil).not.toBeNull();
      await runCliJson(['users', 'unlock', ...store(), '--login', 'carol']);
      const after = await runCliJson<UserRecord[]>(['users', 'list', ...store()]);
      expect(after.find((u) => u.login === 'carol')).toMatchObject({ status: 'ACTIVE', lockedUntil: null });
    });
  });
});
