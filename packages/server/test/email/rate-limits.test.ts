import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createGatehouse, type Gatehouse } from '../../src/gatehouse.js';
import { waitInWords } from '../../src/protocol/wait-in-words.js';
import { IdxConversation, postJson } from '../support/idx-client.js';
import { TestClock } from '../support/test-clock.js';
import { freePort, startTestServer, type TestServer } from '../support/test-server.js';
import {
  action,
  answer,
  emailApp,
  latestCode,
  mailbox,
  messageKeys,
  optionId,
  startEmailSignIn,
  wrongCode,
} from './email-helpers.js';

const HIGH = { limit: 100_000, windowSeconds: 600 };
const unique = () => randomBytes(5).toString('hex');

/** Asserts a rate-limit refusal: 429, IDX body with `tooManyRequests`, a sane Retry-After. */
function expectTooMany(res: { status: number; headers: Headers; body: unknown }, maxRetryAfter: number) {
  expect(res.status).toBe(429);
  expect((res.body as { version?: string }).version).toBe('1.0.0');
  expect(messageKeys(res.body as never)).toEqual(['tooManyRequests']);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxRetryAfter);
  // The message says how long, the same wait as Retry-After (in words, rounded up).
  const [message] = (
    res.body as { messages: { value: Array<{ message: string; i18n: { params?: string[] } }> } }
  ).messages.value;
  expect(message?.message).toBe(`Too many attempts. Try again in ${waitInWords(retryAfter)}.`);
  expect(message?.i18n.params).toEqual([waitInWords(retryAfter)]);
}

/** Identify and choose Email in a new transaction; returns the raw challenge response. */
async function challengeFor(server: { url: string }, clientId: string, identifier: string) {
  const idx = new IdxConversation(server.url, clientId);
  const interaction = await idx.interact();
  await idx.introspect(interaction.interactionHandle);
  const select = await idx.submit('identify', { identifier });
  expect(select.status).toBe(200);
  return idx.submit('select-authenticator-authenticate', {
    authenticator: { id: optionId(select.body, 'Email') },
  });
}

describe('rate limits on email (docs/security.md E6, I2, M2)', () => {
  describe('per recipient address (database counters)', () => {
    let server: TestServer;
    let clientId: string;
    beforeAll(async () => {
      server = await startTestServer({
        config: {
          rateLimits: {
            emailPerRecipient: { limit: 2, windowSeconds: 900 },
            challengePerIp: HIGH,
            answerPerIp: HIGH,
          },
        },
      });
      clientId = (await emailApp(server)).clientId;
    });
    afterAll(() => server?.close());

    it('the third email to one address in the window → 429 with Retry-After; the same for an unknown identifier', async () => {
      const { user } = await server.createUser();
      const ghost = `ghost-${unique()}@example.com`;
      const results: Record<string, Array<{ status: number; keys: string[] }>> = {};
      for (const identifier of [user.login, ghost]) {
        results[identifier] = [];
        for (let i = 1; i <= 3; i++) {
          const res = await challengeFor(server, clientId, identifier);
          results[identifier]!.push({ status: res.status, keys: messageKeys(res.body) });
          if (i === 3) expectTooMany(res, 900);
        }
      }
      expect(results[user.login]!.map((r) => r.status)).toEqual([200, 200, 429]);
      // Uniform: an unknown identifier is throttled exactly like a real address.
      expect(results[ghost]).toEqual(results[user.login]);
      expect(await mailbox(server, user.email)).toHaveLength(2);
      expect(await mailbox(server, ghost)).toHaveLength(0);

      // Another address is not affected (I2).
      const other = await server.createUser();
      expect((await challengeFor(server, clientId, other.user.login)).status).toBe(200);

      // After the window the address gets email again.
      server.clock.advance(901_000);
      expect((await challengeFor(server, clientId, user.login)).status).toBe(200);
      expect((await challengeFor(server, clientId, ghost)).status).toBe(200);
      expect(await mailbox(server, user.email)).toHaveLength(3);
    });

    it('resends count towards the cap; a resend refused by the 30 s throttle does not', async () => {
      const { user } = await server.createUser();
      const { challenge } = await startEmailSignIn(server, clientId, user.login);
      expect(challenge.status).toBe(200);
      const code = await latestCode(server, user.email);
      expectTooMany(await action(challenge.body, 'resend'), 30);
      expectTooMany(await action(challenge.body, 'resend'), 30);
      server.clock.advance(31_000);
      // Second email to the address: allowed (the two throttled resends sent nothing).
      expect((await action(challenge.body, 'resend')).status).toBe(200);
      server.clock.advance(31_000);
      const third = await action(challenge.body, 'resend');
      expectTooMany(third, 900);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(800);
      expect(await mailbox(server, user.email)).toHaveLength(2);
      // The code sent twice still works.
      expect((await answer(challenge.body, code)).status).toBe(200);
    });

    it('the address is compared case-insensitively', async () => {
      const base = `Case-${unique()}@Example.com`;
      expect((await challengeFor(server, clientId, base)).status).toBe(200);
      expect((await challengeFor(server, clientId, base.toLowerCase())).status).toBe(200);
      expectTooMany(await challengeFor(server, clientId, base.toUpperCase()), 900);
    });
  });

  describe('per client IP', () => {
    let server: TestServer;
    let clientId: string;
    beforeAll(async () => {
      server = await startTestServer({
        config: {
          rateLimits: {
            emailPerRecipient: { limit: 100 },
            challengePerIp: { limit: 4, windowSeconds: 60 },
            answerPerIp: { limit: 3, windowSeconds: 60 },
          },
        },
      });
      clientId = (await emailApp(server)).clientId;
    });
    afterAll(() => server?.close());

    it('answers: the fourth within the window → 429 (even with the right code); the challenge survives it', async () => {
      const { user } = await server.createUser();
      const { challenge } = await startEmailSignIn(server, clientId, user.login);
      const code = await latestCode(server, user.email);
      for (let i = 1; i <= 3; i++)
        expect((await answer(challenge.body, wrongCode(code, i))).status).toBe(401);
      const refused = await answer(challenge.body, code);
      expectTooMany(refused, 60);
      expect(refused.body.successWithInteractionCode).toBeUndefined();
      // X-Forwarded-For from an untrusted peer changes nothing.
      const spoofed = await postJson(
        challenge.body.remediation!.value[0]!.href,
        { credentials: { passcode: code }, stateHandle: challenge.body.stateHandle },
        { 'x-forwarded-for': '203.0.113.9' },
      );
      expectTooMany(spoofed, 60);

      server.clock.advance(61_000);
      const done = await answer(challenge.body, code);
      expect(done.status).toBe(200);
      expect(done.body.successWithInteractionCode).toBeDefined();
    });

    it('challenge and resend requests: the fifth within the window → 429, before any email is sent', async () => {
      server.clock.advance(61_000);
      const users = await Promise.all([1, 2, 3, 4, 5].map(() => server.createUser()));
      for (const { user } of users.slice(0, 4))
        expect((await challengeFor(server, clientId, user.login)).status).toBe(200);
      const fifth = users[4]!.user;
      expectTooMany(await challengeFor(server, clientId, fifth.login), 60);
      expect(await mailbox(server, fifth.email)).toHaveLength(0);
    });
  });

  describe('database counters are shared by instances on one PostgreSQL database', () => {
    let first: TestServer;
    let second: Gatehouse;
    let secondUrl: string;
    let clientId: string;
    const rateLimits = {
      emailPerRecipient: { limit: 2, windowSeconds: 900 },
      challengePerIp: HIGH,
      answerPerIp: HIGH,
    };

    beforeAll(async () => {
      first = await startTestServer({ database: 'postgres', config: { rateLimits } });
      const port = await freePort();
      secondUrl = `http://127.0.0.1:${port}`;
      second = await createGatehouse(
        loadConfig({
          env: {},
          overrides: {
            seedDemo: false,
            rateLimits,
            server: { host: '127.0.0.1', port, publicUrl: secondUrl },
            storage: { databaseUrl: first.services.config.storage.databaseUrl },
            log: { level: 'silent' },
          },
        }),
        { clock: new TestClock() },
      );
      await second.listen();
      clientId = (await emailApp(first)).clientId;
    });
    afterAll(async () => {
      await second?.close();
      await first?.close();
    });

    it('two emails through two instances use up the address; a code from one instance works on the other', async () => {
      const { user } = await first.createUser();
      const viaFirst = await challengeFor(first, clientId, user.login);
      expect(viaFirst.status).toBe(200);
      const viaSecond = await challengeFor({ url: secondUrl }, clientId, user.login);
      expect(viaSecond.status).toBe(200);
      expect(viaSecond.body.remediation!.value[0]!.href).toBe(`${secondUrl}/idp/idx/challenge/answer`);
      expectTooMany(await challengeFor(first, clientId, user.login), 900);
      expectTooMany(await challengeFor({ url: secondUrl }, clientId, user.login), 900);

      const ghost = `ghost-${unique()}@example.com`;
      expect((await challengeFor({ url: secondUrl }, clientId, ghost)).status).toBe(200);
      expect((await challengeFor(first, clientId, ghost)).status).toBe(200);
      expectTooMany(await challengeFor({ url: secondUrl }, clientId, ghost), 900);

      // The code the second instance mailed is accepted by the first (shared store and secret).
      const code = await latestCode(first, user.email);
      const done = await postJson(`${first.url}/idp/idx/challenge/answer`, {
        credentials: { passcode: code },
        stateHandle: viaSecond.body.stateHandle,
      });
      expect(done.status).toBe(200);
      expect(done.body.successWithInteractionCode).toBeDefined();
    });
  });

  describe('Redis counters', () => {
    const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
    const myKeys: string[] = [];
    let server: TestServer;
    let clientId: string;

    beforeAll(async () => {
      await redis.connect();
      server = await startTestServer({
        config: {
          rateLimits: {
            redisUrl: 'redis://127.0.0.1:6379',
            emailPerRecipient: { limit: 2, windowSeconds: 900 },
            // The IP keys are shared with other test runs on this Redis: keep them out of the way.
            challengePerIp: HIGH,
            answerPerIp: HIGH,
          },
        },
      });
      clientId = (await emailApp(server)).clientId;
    });
    afterAll(async () => {
      await server?.close();
      if (myKeys.length) await redis.del(...myKeys);
      redis.disconnect();
    });

    it('caps hold with counters in Redis (the database keeps none)', async () => {
      const email = `redis-${unique()}@example.com`;
      const ghost = `redis-ghost-${unique()}@example.com`;
      myKeys.push(`gatehouse:rl:email:to:${email}`, `gatehouse:rl:email:to:${ghost}`);
      const { user } = await server.createUser({ login: email, email });
      for (const identifier of [user.login, ghost]) {
        expect((await challengeFor(server, clientId, identifier)).status).toBe(200);
        expect((await challengeFor(server, clientId, identifier)).status).toBe(200);
        expectTooMany(await challengeFor(server, clientId, identifier), 900);
      }
      // Only emails that go out are counted; the refused third attempt is not.
      expect(await redis.get(`gatehouse:rl:email:to:${email}`)).toBe('2');
      const ttl = await redis.pttl(`gatehouse:rl:email:to:${email}`);
      expect(ttl).toBeGreaterThan(800_000);
      expect(ttl).toBeLessThanOrEqual(900_000);
      expect(await redis.get(`gatehouse:rl:email:to:${ghost}`)).toBe('2');
      const rows = await server.services.storage.handle.db.selectFrom('rate_limits').select('key').execute();
      expect(rows.filter((r) => r.key.includes(email))).toEqual([]);
      expect(await mailbox(server, email)).toHaveLength(2);
    });
  });

  describe('Redis unreachable: fail closed', () => {
    it('with Redis on a closed port, choosing Email → 503 gatehouse.service.unavailable; nothing is sent', async () => {
      const server = await startTestServer({ config: { rateLimits: { redisUrl: 'redis://127.0.0.1:1' } } });
      try {
        const app = await emailApp(server);
        const { user } = await server.createUser();
        const res = await challengeFor(server, app.clientId, user.login);
        expect(res.status).toBe(503);
        expect(res.body.version).toBe('1.0.0');
        expect(messageKeys(res.body)).toEqual(['gatehouse.service.unavailable']);
        expect(res.body.successWithInteractionCode).toBeUndefined();
        expect(await mailbox(server, user.email)).toHaveLength(0);
      } finally {
        await server.close();
      }
    });

    it('Redis going away mid-challenge: answers → 503, never success; once it is back, the code works', async () => {
      const proxy = new RedisProxy();
      const port = await proxy.start();
      const server = await startTestServer({
        config: {
          rateLimits: { redisUrl: `redis://127.0.0.1:${port}`, challengePerIp: HIGH, answerPerIp: HIGH },
        },
      });
      const email = `redis-down-${unique()}@example.com`;
      const redis = new Redis('redis://127.0.0.1:6379');
      try {
        const app = await emailApp(server);
        const { user } = await server.createUser({ login: email, email });
        const { challenge } = await startEmailSignIn(server, app.clientId, user.login);
        expect(challenge.status).toBe(200);
        const code = await latestCode(server, user.email);

        await proxy.stop();
        for (const passcode of [code, wrongCode(code), code]) {
          const res = await answer(challenge.body, passcode);
          expect(res.status).toBe(503);
          expect(messageKeys(res.body)).toEqual(['gatehouse.service.unavailable']);
          expect(res.body.successWithInteractionCode).toBeUndefined();
        }
        expect((await action(challenge.body, 'resend')).status).toBe(503);

        await proxy.start(port);
        // ioredis reconnects on its own (within its back-off); answers stay refused until then.
        let done: Awaited<ReturnType<typeof answer>> | null = null;
        for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
          done = await answer(challenge.body, code);
          if (done.status !== 503) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        // None of the refused answers used an attempt or the code.
        expect(done!.status).toBe(200);
        expect(done!.body.successWithInteractionCode).toBeDefined();
      } finally {
        await server.close();
        await proxy.stop();
        await redis.del(`gatehouse:rl:email:to:${email}`);
        redis.disconnect();
      }
    });
  });
});

/** A TCP relay to the local Redis that the test can cut and restore. */
class RedisProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  start(port = 0): Promise<number> {
    const server = createServer((client) => {
      const upstream = connect(6379, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
