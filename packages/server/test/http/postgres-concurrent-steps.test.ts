import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, emailApp, latestCode, startEmailSignIn } from '../email/email-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// Units of work on PostgreSQL hold one pooled connection per IDX step (storage/units-of-work.ts).
// With far more steps in flight than connections, every one must still finish: no step may wait
// for a second connection while it holds one, and rate-limit counters (one hot row per client IP,
// hit by every challenge and answer) must not be locked for a whole step.

const POOL_SIZE = 2;
const FLOWS = 24;

describe(`email sign-ins on PostgreSQL, ${FLOWS} at once over a pool of ${POOL_SIZE} connections`, () => {
  let server: TestServer;
  let clientId: string;

  beforeAll(async () => {
    // Default rate limits (30 challenges per IP per 10 min): the limiter runs and counts.
    server = await startTestServer({ database: 'postgres', config: { storage: { poolSize: POOL_SIZE } } });
    clientId = (await emailApp(server)).clientId;
  });
  afterAll(() => server?.close());

  const counter = async (prefix: string) => {
    const { db } = server.services.storage.handle;
    const rows = await db.selectFrom('rate_limits').select(['key', 'count']).execute();
    return rows.filter((r) => r.key.startsWith(prefix)).reduce((sum, r) => sum + Number(r.count), 0);
  };

  // A generous timeout: the point is that every flow ends (a deadlock never does), not how fast.
  it('every flow signs in and gets tokens; each code is used once; counters and audit events are all there', {
    timeout: 120_000,
  }, async () => {
    const users = await Promise.all(Array.from({ length: FLOWS }, () => server.createUser()));
    const results = await Promise.all(
      users.map(async ({ user }, i) => {
        const { idx, interaction, challenge } = await startEmailSignIn(server, clientId, user.login);
        expect(challenge.status, JSON.stringify(challenge.body)).toBe(200);
        const code = await latestCode(server, user.email);
        // Every third flow answers twice at once (a double submit): one answer wins.
        const answers = await Promise.all(
          Array.from({ length: i % 3 === 0 ? 2 : 1 }, () => answer(challenge.body, code)),
        );
        const won = answers.filter((a) => a.body.successWithInteractionCode);
        expect(won).toHaveLength(1);
        for (const lost of answers.filter((a) => !a.body.successWithInteractionCode)) {
          expect(lost.status, JSON.stringify(lost.body)).toBeGreaterThanOrEqual(400);
          expect(lost.status).toBeLessThan(500);
        }
        idx.last = won[0]!;
        const tokens = await idx.exchange(interaction, idx.interactionCode());
        expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
        return { userId: user.id, answers: answers.length };
      }),
    );
    expect(results).toHaveLength(FLOWS);
    const answersSent = results.reduce((sum, r) => sum + r.answers, 0);
    // The per-IP counters committed every hit (outside the steps' transactions, none lost).
    expect(await counter('challenge:ip:')).toBe(FLOWS);
    // Each winning answer counted; a losing one counted unless the flow was already over when it
    // was read (refused before any authenticator ran).
    const answersCounted = await counter('answer:ip:');
    expect(answersCounted).toBeGreaterThanOrEqual(FLOWS);
    expect(answersCounted).toBeLessThanOrEqual(answersSent);
    const { db } = server.services.storage.handle;
    const signIns = await db
      .selectFrom('events')
      .select('user_id')
      .where('type', '=', 'user.authentication.sso')
      .execute();
    expect(signIns.map((e) => e.user_id).sort()).toEqual(results.map((r) => r.userId).sort());
  });
});
