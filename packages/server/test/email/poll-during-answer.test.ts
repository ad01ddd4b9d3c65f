/**
 * A poll that is on its way when the code is answered (docs/protocol/idx-protocol.md §9): the Okta
 * widget polls /idp/idx/challenge/poll every few seconds on the email challenge page and renders
 * whatever the poll returns. A poll reply built from the step before, arriving after the answer's
 * reply, sent the widget back to the code page (the flaky widget recovery test of issue 18).
 * Here the one SQLite connection is held while a poll and then an answer arrive, so both wait for it
 * in that order; released, the poll must not come back with the challenge once the answer has moved
 * the transaction on.
 */
import type { IdxResponse } from '@gatehouse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpResult } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { action, answer, emailApp, HIGH_STEP_LIMITS, latestCode, startEmailSignIn } from './email-helpers.js';

/** The request `path` has reached the server and had a few turns of the event loop to be routed. */
function arrival(server: TestServer, path: string): Promise<void> {
  const http = server.gatehouse.http.server;
  return new Promise<void>((resolve) => {
    const seen = (req: { url?: string }) => {
      if (req.url !== path) return;
      http.off('request', seen);
      resolve();
    };
    http.on('request', seen);
  }).then(async () => {
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
  });
}

/** Holds the database's one connection (a unit of work that has begun) until `release` is called. */
async function holdDatabase(server: TestServer): Promise<{ release(): Promise<void> }> {
  const { db, units } = server.services.storage.handle;
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let begun = () => {};
  const holding = new Promise<void>((resolve) => {
    begun = resolve;
  });
  const unit = units.run(async () => {
    await db.selectFrom('apps').select('id').limit(1).execute();
    begun();
    await released;
  });
  await holding;
  return {
    release: () => {
      release();
      return unit;
    },
  };
}

/** The first remediation's name, or `success` for an interaction code. */
const stepOf = (body: IdxResponse) =>
  body.successWithInteractionCode ? 'success' : (body.remediation?.value[0]?.name ?? 'none');

describe('email challenge: a poll racing the answer', () => {
  let server: TestServer;
  let clientId: string;
  beforeAll(async () => {
    server = await startTestServer({
      config: { rateLimits: HIGH_STEP_LIMITS },
    });
    clientId = (await emailApp(server)).clientId;
  });
  afterAll(() => server?.close());

  it.skipIf(process.env.GATEHOUSE_TEST_DB === 'postgres')(
    'a poll sent before the answer never replies with the challenge after the answer has replied',
    async () => {
      for (let round = 0; round < 5; round++) {
        const { user } = await server.createUser();
        const { challenge } = await startEmailSignIn(server, clientId, user.login);
        expect(stepOf(challenge.body)).toBe('challenge-authenticator');
        const code = await latestCode(server, user.email);

        const order: string[] = [];
        const settle = (name: string, reply: Promise<HttpResult<IdxResponse>>) =>
          reply.then((res) => {
            order.push(name);
            return res;
          });
        const hold = await holdDatabase(server);
        const pollArrived = arrival(server, '/idp/idx/challenge/poll');
        const poll = settle('poll', action(challenge.body, 'poll'));
        await pollArrived;
        const answerArrived = arrival(server, '/idp/idx/challenge/answer');
        const answered = settle('answer', answer(challenge.body, code));
        await answerArrived;
        await hold.release();
        const [polled, done] = await Promise.all([poll, answered]);

        expect(done.status).toBe(200);
        expect(stepOf(done.body)).toBe('success');
        expect(polled.status).toBe(200);
        // The challenge is a true answer only while the code is unanswered, i.e. before the answer's reply.
        if (stepOf(polled.body) === 'challenge-authenticator')
          expect(order, `round ${round}`).toEqual(['poll', 'answer']);
      }
    },
  );
});
