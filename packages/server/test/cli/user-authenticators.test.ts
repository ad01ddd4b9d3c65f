import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/storage.js';
import { freePort } from '../support/test-server.js';
import { appCode, sharedSecretOf } from '../support/totp.js';
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

interface Listed {
  id: string;
  login: string;
  authenticators: Array<{
    key: string;
    displayName: string;
    enrolled: boolean;
    enrollments: Array<{ id: string; name: string; createdAt: string; lastUsedAt: string | null }>;
  }>;
}

const PASSWORD = 'amber-meadow-trellis-73';

/**
 * `gatehouse users authenticators list|reset` against a running server on the same data directory:
 * an authenticator app set up in a real sign-in is listed, reset removes it with an audit event,
 * and the next sign-in sets it up again.
 */
describe('gatehouse users authenticators (built binary)', () => {
  const dirs = new TempDirs();
  let dataDir: string;
  let server: RunningServer;
  let clientId: string;
  const store = () => ['--data-dir', dataDir];

  beforeAll(async () => {
    buildCli();
    dataDir = join(dirs.make(), 'data');
    const port = await freePort();
    server = await startServer([...store(), '--port', String(port)], { port });
    await runCliJson([
      'users',
      'create',
      ...store(),
      '--login',
      'tia@example.com',
      '--email',
      'tia@example.com',
      '--password',
      PASSWORD,
    ]);
    const app = await runCliJson<{ clientId: string }>([
      'apps',
      'create',
      ...store(),
      '--name',
      'MFA app',
      '--public',
      '--redirect-uri',
      'http://localhost:8080/login/callback',
      '--policy',
      'password,google_otp',
    ]);
    clientId = app.clientId;
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await server?.stop();
    killAllServers();
    dirs.cleanup();
  });

  /** Signs in with the password; sets the app up when asked. Returns the step the password led to. */
  async function signInSettingUp(): Promise<string> {
    const { answer, idx } = await signIn(server.url, clientId, 'tia@example.com', PASSWORD);
    const step = answer.body.remediation!.value[0]!.name;
    if (step === 'select-authenticator-enroll') {
      const setUp = await idx.submit('select-authenticator-enroll', {
        authenticator: { id: 'autGoogleOtp' },
      });
      const secret = sharedSecretOf(setUp.body);
      const done = await idx.submit('enroll-authenticator', {
        credentials: { passcode: appCode(secret, Date.now()) },
      });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
    }
    return step;
  }

  it('list shows password and email for a new user, and no enrollments', async () => {
    const listed = await runCliJson<Listed>([
      'users',
      'authenticators',
      'list',
      ...store(),
      '--login',
      'tia@example.com',
    ]);
    expect(listed.login).toBe('tia@example.com');
    const byKey = Object.fromEntries(listed.authenticators.map((a) => [a.key, a]));
    expect(byKey.password).toMatchObject({ enrolled: true, enrollments: [] });
    expect(byKey.email).toMatchObject({ enrolled: true, enrollments: [] });
    expect(byKey.google_otp).toMatchObject({
      displayName: 'Google Authenticator',
      enrolled: false,
      enrollments: [],
    });
  });

  it('after a sign-in that set up the app, list shows its enrollment (without the secret); text output too', async () => {
    expect(await signInSettingUp()).toBe('select-authenticator-enroll');
    const result = await runCli([
      'users',
      'authenticators',
      'list',
      ...store(),
      '--login',
      'tia@example.com',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const listed = JSON.parse(result.stdout) as Listed;
    const otp = listed.authenticators.find((a) => a.key === 'google_otp')!;
    expect(otp.enrolled).toBe(true);
    expect(otp.enrollments).toHaveLength(1);
    expect(otp.enrollments[0]).toMatchObject({ name: 'Google Authenticator' });
    expect(otp.enrollments[0]!.id).toMatch(/^uft/);
    expect(result.stdout).not.toMatch(/secret|v1\./i);
    const text = await runCli(['users', 'authenticators', 'list', ...store(), '--login', 'tia@example.com']);
    expect(text.stdout).toMatch(/google_otp\s+enrolled\n\s+uft\w+\s+Google Authenticator/);
    // Signed in again, the app is asked for, not set up.
    expect(await signInSettingUp()).toBe('select-authenticator-authenticate');
  });

  it('reset --key google_otp removes it with an audit event; the next sign-in sets it up again', async () => {
    const reset = await runCliJson<{ removed: number; key: string }>([
      'users',
      'authenticators',
      'reset',
      ...store(),
      '--login',
      'tia@example.com',
      '--key',
      'google_otp',
    ]);
    expect(reset).toMatchObject({ removed: 1, key: 'google_otp' });
    const listed = await runCliJson<Listed>([
      'users',
      'authenticators',
      'list',
      ...store(),
      '--login',
      'tia@example.com',
    ]);
    expect(listed.authenticators.find((a) => a.key === 'google_otp')).toMatchObject({
      enrolled: false,
      enrollments: [],
    });
    expect(await signInSettingUp()).toBe('select-authenticator-enroll');
  });

  it('reset without --key removes every enrollment; text output says how many', async () => {
    const result = await runCli([
      'users',
      'authenticators',
      'reset',
      ...store(),
      '--login',
      'tia@example.com',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('Removed 1 enrollments of tia@example.com\n');
    const again = await runCli([
      'users',
      'authenticators',
      'reset',
      ...store(),
      '--login',
      'tia@example.com',
    ]);
    expect(again.stdout).toBe('Removed 0 enrollments of tia@example.com\n');
  });

  it('the resets are in the audit log (reset_all and deactivate events)', async () => {
    const storage = await openStorage({ dataDir, sqliteFile: 'gatehouse.db' }, false);
    try {
      const user = await storage.users.findByLoginKey('tia@example.com');
      const types = (await storage.events.listForUser(user!.id, 200)).map((e) => e.type);
      expect(types.filter((t) => t === 'user.mfa.factor.activate')).toHaveLength(2);
      expect(types).toContain('user.mfa.factor.deactivate');
      expect(types).toContain('user.mfa.factor.reset_all');
    } finally {
      await storage.close();
    }
  });

  it('an unknown key or login exits 1 with a clear message', async () => {
    const badKey = await runCli([
      'users',
      'authenticators',
      'reset',
      ...store(),
      '--login',
      'tia@example.com',
      '--key',
      'sms',
    ]);
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toContain("'sms' is not an installed authenticator");
    expect(badKey.stderr).not.toMatch(/\n\s+at /);
    const badLogin = await runCli([
      'users',
      'authenticators',
      'list',
      ...store(),
      '--login',
      'nobody@example.com',
    ]);
    expect(badLogin.code).toBe(1);
    expect(badLogin.stderr).toContain('No user with login nobody@example.com');
  });
});
