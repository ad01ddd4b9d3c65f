import { join } from 'node:path';
import type { IdxResponse } from '@gatehouse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmailSignIn } from '../email/email-helpers.js';
import type { HttpResult } from '../support/idx-client.js';
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

/**
 * Every rate limit, lockout and attempt cap can be set from the environment (issue 18): a real
 * `gatehouse start` with the variables set enforces them.
 */

const REDIRECT = 'http://localhost:8080/login/callback';
const PASSWORD = 'plum-orchard-velvet-compass-42';

/** An email sign-in for `login` on app `mail`, up to the answer to choosing Email (the send). */
async function emailSent(baseUrl: string, login: string): Promise<HttpResult<IdxResponse>> {
  return (await startEmailSignIn({ url: baseUrl }, 'mail', login)).challenge;
}

describe('limits from environment variables (built binary)', () => {
  const dirs = new TempDirs();
  let dataDir: string;
  let server: RunningServer;

  beforeAll(async () => {
    buildCli();
    dataDir = join(dirs.make(), 'data');
    const env = { GATEHOUSE_DATA_DIR: dataDir };
    for (const args of [
      [
        'apps',
        'create',
        '--name',
        'Mail',
        '--client-id',
        'mail',
        '--public',
        '--redirect-uri',
        REDIRECT,
        '--policy',
        'email',
      ],
      ['apps', 'create', '--name', 'Pw', '--client-id', 'pw-app', '--public', '--redirect-uri', REDIRECT],
      ['users', 'create', '--login', 'ann@example.com', '--email', 'ann@example.com', '--password', PASSWORD],
      ['users', 'create', '--login', 'bob@example.com', '--email', 'bob@example.com', '--password', PASSWORD],
    ]) {
      const result = await runCli(args, { env });
      if (result.code !== 0) throw new Error(`gatehouse ${args.join(' ')}: ${result.stderr}`);
    }
    const port = await freePort();
    server = await startServer(['--data-dir', dataDir, '--port', String(port)], {
      port,
      // A busy 2-core machine may take longer than the harness's default 20 s.
      timeoutMs: 60_000,
      env: {
        GATEHOUSE_RATE_LIMIT_EMAIL_PER_RECIPIENT: '2/120',
        GATEHOUSE_LOCKOUT_MAX_FAILED_ATTEMPTS: '2',
      },
    });
  }, BUILD_TIMEOUT_MS + 120_000);

  afterAll(() => {
    killAllServers();
    dirs.cleanup();
  });

  it('GATEHOUSE_RATE_LIMIT_EMAIL_PER_RECIPIENT=2/120: two emails to one address, the third is refused with 429, Retry-After within the 120 s window and the wait in the message', async () => {
    for (let i = 0; i < 2; i++) {
      const sent = await emailSent(server.url, 'ann@example.com');
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      expect(sent.body.remediation?.value.map((f) => f.name)).toContain('challenge-authenticator');
    }
    const refused = await emailSent(server.url, 'ann@example.com');
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(120);
    const message = refused.body.messages?.value[0];
    expect(message?.i18n?.key).toBe('tooManyRequests');
    expect(message?.message).toMatch(/^Too many attempts\. Try again in \d+ (minutes?|seconds?)\.$/);
    // Another address has its own count.
    expect((await emailSent(server.url, 'bob@example.com')).status).toBe(200);
  });

  it('GATEHOUSE_LOCKOUT_MAX_FAILED_ATTEMPTS=2: two wrong passwords lock the account; the right one no longer signs in', async () => {
    for (let i = 0; i < 2; i++) {
      const wrong = await signIn(server.url, 'pw-app', 'bob@example.com', `${PASSWORD}x`, {
        redirectUri: REDIRECT,
      });
      expect(wrong.answer.status).toBe(401);
    }
    const right = await signIn(server.url, 'pw-app', 'bob@example.com', PASSWORD, { redirectUri: REDIRECT });
    expect(right.answer.status).toBe(401);
    const users = await runCliJson<Array<{ login: string; status: string }>>(['users', 'list'], {
      env: { GATEHOUSE_DATA_DIR: dataDir },
    });
    expect(users.find((u) => u.login === 'bob@example.com')?.status).toBe('LOCKED_OUT');
  });

  it('a bad value is refused at start-up, naming the variable', async () => {
    const result = await runCli(['start', '--data-dir', dataDir, '--port', String(await freePort())], {
      env: { GATEHOUSE_EMAIL_MAX_ATTEMPTS: 'many' },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('email.maxAttempts');
    expect(result.stderr).toContain('environment variable GATEHOUSE_EMAIL_MAX_ATTEMPTS');
  });
});
