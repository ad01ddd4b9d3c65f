/**
 * The SDK against a running Gatehouse with low rate limits: a throttled request answers 429 with
 * `Retry-After`, and the SDK reports it as `retryAfterSeconds` — on the IDX transaction (failed
 * sign-ins per IP: the form is kept) and on the `OAuthError` (client authentication failures).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../server/test/support/test-server.js';
import { OAuthError } from '../../src/index.js';
import { createTestApp, keysOf, sdkClient } from '../support/gatehouse.js';

const PER_IP = { limit: 2, windowSeconds: 60 };
const PER_CLIENT = { limit: 2, windowSeconds: 300 };

describe('SDK against Gatehouse throttles (429 + Retry-After)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      config: {
        // The account lock must not answer first: the throttles are under test.
        lockout: { maxFailedAttempts: 100 },
        rateLimits: { failedSignInPerIp: PER_IP, clientAuthFailuresPerClient: PER_CLIENT },
      },
    });
  });
  afterAll(() => server?.close());

  it('failed sign-ins over the per-IP limit → PENDING on identify, httpStatus 429, retryAfterSeconds', async () => {
    const { app } = await createTestApp(server, { factors: 'password', identifierFirst: false });
    const { user, password } = await server.createUser();
    const auth = sdkClient(server, app);
    expect((await auth.idx.start()).nextStep?.name).toBe('identify');
    for (let i = 0; i < PER_IP.limit; i++) {
      const refused = await auth.idx.proceed({ username: user.login, password: `wrong-${i}` });
      expect(refused.httpStatus).toBe(401);
      expect(refused.retryAfterSeconds).toBeUndefined();
    }
    const throttled = await auth.idx.proceed({ username: user.login, password: 'wrong-again' });
    expect(throttled.status).toBe('PENDING');
    expect(throttled.httpStatus).toBe(429);
    expect(keysOf(throttled)).toContain('tooManyRequests');
    // The server's form is kept: the user can try again on the same step once the wait is over.
    expect(throttled.nextStep?.name).toBe('identify');
    expect(throttled.retryAfterSeconds).toBeGreaterThan(0);
    expect(throttled.retryAfterSeconds).toBeLessThanOrEqual(PER_IP.windowSeconds);

    // The window running out lifts the throttle: the same transaction signs in.
    server.clock.advance(PER_IP.windowSeconds * 1000);
    const signedIn = await auth.idx.proceed({ username: user.login, password });
    expect(signedIn.status, JSON.stringify(signedIn.messages)).toBe('SUCCESS');
    expect(signedIn.retryAfterSeconds).toBeUndefined();
  });

  it('wrong client secrets over the per-client limit → OAuthError too_many_requests with retryAfterSeconds', async () => {
    const { app } = await createTestApp(
      server,
      { factors: 'password', identifierFirst: false },
      { public: false },
    );
    const auth = sdkClient(server, app, undefined, { clientSecret: 'not-the-secret' });
    for (let i = 0; i < PER_CLIENT.limit; i++) {
      const error = await auth.idx.start().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OAuthError);
      expect(error).toMatchObject({ error: 'invalid_client', status: 401 });
      expect((error as OAuthError).retryAfterSeconds).toBeUndefined();
    }
    const error = (await auth.idx.start().catch((e: unknown) => e)) as OAuthError;
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({ error: 'too_many_requests', status: 429 });
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(PER_CLIENT.windowSeconds);
  });
});
