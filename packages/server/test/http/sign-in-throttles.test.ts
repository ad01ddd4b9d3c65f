import type { IdxResponse } from '@gatehouse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitInWords } from '../../src/protocol/wait-in-words.js';
import { postFormFrom, postJsonFrom } from '../support/from-address.js';
import { type HttpResult, IdxConversation } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const PER_IP = { limit: 12, windowSeconds: 900 };
const PER_ACCOUNT = { limit: 6, windowSeconds: 3600 };
const PER_CLIENT = { limit: 5, windowSeconds: 300 };

/**
 * The throttles a deployment needs beside the account lock (docs/security.md G6, I2): failed
 * sign-ins per client IP across accounts (password spraying), per identifier across IPs, and
 * failed client authentications per client. Each answers 429 with `Retry-After`. Limits are
 * lowered here so the suite stays short; the defaults are in docs/reference/configuration.md.
 */
describe('sign-in and client-authentication throttles', () => {
  let server: TestServer;
  let clientId: string;

  beforeAll(async () => {
    server = await startTestServer({
      config: {
        // The account lock must not answer first: this suite is about the throttles.
        lockout: { maxFailedAttempts: 100 },
        rateLimits: {
          failedSignInPerIp: PER_IP,
          failedSignInPerAccount: PER_ACCOUNT,
          clientAuthFailuresPerClient: PER_CLIENT,
        },
      },
    });
    ({
      app: { clientId },
    } = await server.createApp({ policy: { factors: 'password', identifierFirst: false } }));
  });
  afterAll(() => server?.close());

  /** A one-step sign-in attempt from `ip` (a loopback source address). */
  async function attempt(ip: string, identifier: string, passcode: string): Promise<HttpResult<IdxResponse>> {
    const idx = new IdxConversation(server.url, clientId);
    await idx.introspect((await idx.interact()).interactionHandle);
    const form = idx.form('identify');
    return postJsonFrom<IdxResponse>(ip, form.href, {
      identifier,
      credentials: { passcode },
      stateHandle: idx.last!.body.stateHandle,
    });
  }

  const key = (r: HttpResult<IdxResponse>) => r.body.messages?.value[0]?.i18n.key;

  it('spraying one password over many accounts from one IP is cut off with 429 and Retry-After', async () => {
    const accounts: string[] = [];
    for (let i = 0; i < 8; i++) accounts.push((await server.createUser()).user.login);
    for (let i = 0; i < 8; i++) accounts.push(`nobody-${i}@example.com`);
    const statuses: number[] = [];
    let throttled: HttpResult<IdxResponse> | undefined;
    for (const login of accounts) {
      const res = await attempt('127.0.0.21', login, 'Summer2026!Summer2026!');
      statuses.push(res.status);
      if (res.status === 429) throttled ??= res;
    }
    // Known and unknown accounts count alike: the first PER_IP failures are ordinary refusals.
    expect(statuses).toEqual([...Array(PER_IP.limit).fill(401), ...Array(16 - PER_IP.limit).fill(429)]);
    expect(key(throttled!)).toBe('tooManyRequests');
    const retryAfter = Number(throttled!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(PER_IP.windowSeconds);
    // The form is kept, so the client stays on the step.
    expect(throttled!.body.remediation?.value[0]?.name).toBe('identify');
    // Another address is not affected, and the window running out lifts it.
    expect((await attempt('127.0.0.22', accounts[0]!, 'wrong')).status).toBe(401);
    server.clock.advance(PER_IP.windowSeconds * 1000);
    expect((await attempt('127.0.0.21', accounts[0]!, 'wrong')).status).toBe(401);
  });

  it('guessing one account from many IPs is cut off per identifier, known or not', async () => {
    const { user, password } = await server.createUser();
    for (const identifier of [user.login, 'ghost-account@example.com']) {
      const statuses: number[] = [];
      for (let i = 0; i < PER_ACCOUNT.limit + 2; i++)
        statuses.push((await attempt(`127.0.1.${i + 1}`, identifier, `guess-${i}`)).status);
      expect(statuses, identifier).toEqual([...Array(PER_ACCOUNT.limit).fill(401), ...Array(2).fill(429)]);
    }
    // While throttled even the right password is refused, with the same 429.
    const right = await attempt('127.0.2.1', user.login, password);
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    server.clock.advance(PER_ACCOUNT.windowSeconds * 1000);
    expect((await attempt('127.0.2.1', user.login, password)).status).toBe(200);
  });

  it('wrong client secrets are cut off per client with 429, even the right secret, until the window ends', async () => {
    const { app, clientSecret } = await server.createApp({ public: false });
    const introspect = (secret: string) =>
      postFormFrom<{ error?: string; active?: boolean }>('127.0.3.1', `${server.issuer}/v1/introspect`, {
        client_id: app.clientId,
        client_secret: secret,
        token: 'not-a-token',
      });
    const statuses: number[] = [];
    for (let i = 0; i < PER_CLIENT.limit + 3; i++)
      statuses.push((await introspect(`wrong-secret-${i}`)).status);
    expect(statuses).toEqual([...Array(PER_CLIENT.limit).fill(401), ...Array(3).fill(429)]);
    const refused = await introspect(clientSecret!);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe('too_many_requests');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // The description says how long, as Retry-After does (rounded up to words).
    expect((refused.body as { error_description?: string }).error_description).toBe(
      `Too many attempts. Try again in ${waitInWords(Number(refused.headers.get('retry-after')))}.`,
    );
    // Another client is not affected.
    const other = await server.createApp({ public: false });
    const otherRes = await postFormFrom<{ active?: boolean }>('127.0.3.1', `${server.issuer}/v1/introspect`, {
      client_id: other.app.clientId,
      client_secret: other.clientSecret!,
      token: 'not-a-token',
    });
    expect(otherRes.body).toEqual({ active: false });
    server.clock.advance(PER_CLIENT.windowSeconds * 1000);
    expect((await introspect(clientSecret!)).body).toEqual({ active: false });
  });
});
