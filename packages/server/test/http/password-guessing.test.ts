import type { IdxResponse } from '@gatehouse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpResult, IdxConversation } from '../support/idx-client.js';
import { startTestServer, type TestDatabaseKind, type TestServer } from '../support/test-server.js';

const MAX_FAILED = 10;
const LOCK_SECONDS = 900;

/**
 * Parallel guesses against the account lock (docs/security.md G6): the attempt is counted in the
 * same atomic update that decides "locked", before the password is judged, so however many guesses
 * arrive at once, no more than the configured number are ever judged per lock window.
 */
describe.each<TestDatabaseKind>(['sqlite', 'postgres'])('parallel password guesses (%s)', (database) => {
  let server: TestServer;
  let clientId: string;

  beforeAll(async () => {
    server = await startTestServer({
      database,
      config: {
        lockout: { enabled: true, maxFailedAttempts: MAX_FAILED, durationSeconds: LOCK_SECONDS },
        // This suite is about the lock; the failed-sign-in throttles answer 429 and would hide it.
        rateLimits: { failedSignInPerIp: { limit: 10_000 }, failedSignInPerAccount: { limit: 10_000 } },
      },
    });
    ({
      app: { clientId },
    } = await server.createApp({ policy: { factors: 'password', identifierFirst: false } }));
  }, 60_000);
  afterAll(() => server?.close());

  /** `n` transactions at their identify step. */
  function openConversations(n: number): Promise<IdxConversation[]> {
    return Promise.all(
      Array.from({ length: n }, async () => {
        const idx = new IdxConversation(server.url, clientId);
        await idx.introspect((await idx.interact()).interactionHandle);
        return idx;
      }),
    );
  }

  const identify = (idx: IdxConversation, login: string, passcode: string) =>
    idx.submit('identify', { identifier: login, credentials: { passcode } });

  async function judged(userId: string): Promise<{ wrong: number; refusedLocked: number }> {
    const events = await server.services.storage.events.listForUser(userId, 500);
    const failures = events.filter((e) => e.type === 'user.authentication.failed');
    return {
      wrong: failures.filter((e) => e.data.reason === 'wrong_password').length,
      refusedLocked: failures.filter((e) => e.data.reason === 'locked').length,
    };
  }

  it('50 wrong guesses at once: exactly 10 are judged, the rest get the same answer; then the right password is locked out', async () => {
    const { user, password } = await server.createUser();
    const conversations = await openConversations(51);
    const guesses = conversations.slice(0, 50);
    const results: HttpResult<IdxResponse>[] = await Promise.all(
      guesses.map((idx, i) => identify(idx, user.login, `wrong-guess-number-${i}`)),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(401));
    expect(new Set(results.map((r) => r.body.messages?.value[0]?.i18n.key))).toEqual(
      new Set(['errors.E0000004']),
    );
    expect(await judged(user.id)).toEqual({ wrong: MAX_FAILED, refusedLocked: 50 - MAX_FAILED });
    const stored = await server.services.storage.users.findById(user.id);
    expect(stored?.lockedUntil).toBeGreaterThan(server.clock.now());

    // The right password, after the lock, gets the locked answer: the wrong password's.
    const right = await identify(conversations[50]!, user.login, password);
    expect(right.status).toBe(401);
    expect(right.body.successWithInteractionCode).toBeUndefined();
  });

  it('the right password sent among 49 wrong ones at once is judged only within the allowed attempts', async () => {
    const { user, password } = await server.createUser();
    const conversations = await openConversations(50);
    const results = await Promise.all(
      conversations.map((idx, i) => identify(idx, user.login, i === 49 ? password : `wrong-guess-${i}`)),
    );
    const { wrong } = await judged(user.id);
    const signedIn = results.filter((r) => r.status === 200).length;
    // Never more than the allowed number of passwords judged, the right one included.
    expect(wrong + signedIn).toBeLessThanOrEqual(MAX_FAILED);
    expect(signedIn).toBeLessThanOrEqual(1);
  });

  it('once the lock runs out, the count starts over and the right password signs in', async () => {
    const { user, password } = await server.createUser();
    const conversations = await openConversations(MAX_FAILED + 1);
    await Promise.all(
      conversations.slice(0, MAX_FAILED).map((idx) => identify(idx, user.login, 'not-the-password')),
    );
    server.clock.advance(LOCK_SECONDS * 1000);
    const after = await identify(conversations[MAX_FAILED]!, user.login, password);
    expect(after.status).toBe(200);
    expect(after.body.successWithInteractionCode).toBeDefined();
    expect(await server.services.storage.users.findById(user.id)).toMatchObject({
      failedAttempts: 0,
      lockedUntil: null,
    });
  });
});
