import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../packages/server/test/support/test-server.js';
// @ts-expect-error plain ESM benchmark code without declarations
import { formRequest, readCodeFromMailbox, runFlows, runRequests } from '../lib/flow-driver.mjs';

interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}
interface DriverResult {
  flows: number;
  errors: number;
  errorSamples: string[];
  flowsPerSecond: number;
  flow: LatencySummary;
  steps: Record<string, LatencySummary>;
  mailbox?: LatencySummary & { reads: number; retries: number };
  codes?: Array<{ code: string; verifier: string }>;
}

/** Limits high enough that the bench runs below never trip them (the bench raises them too). */
const ROOMY_LIMITS = {
  challengePerIp: { limit: 100_000 },
  answerPerIp: { limit: 100_000 },
  emailPerRecipient: { limit: 100_000 },
};

describe('bench flow driver against a real server', () => {
  let server: TestServer;
  let users: Array<{ login: string; password: string }>;

  beforeAll(async () => {
    server = await startTestServer({ config: { rateLimits: ROOMY_LIMITS } });
    users = [];
    for (let i = 0; i < 3; i++) {
      const { user, password } = await server.createUser();
      users.push({ login: user.login, password });
    }
  });
  afterAll(() => server?.close());

  const expectOrdered = (summary: LatencySummary) => {
    expect(summary.p50).toBeGreaterThan(0);
    expect(summary.p50).toBeLessThanOrEqual(summary.p95);
    expect(summary.p95).toBeLessThanOrEqual(summary.p99);
    expect(summary.p99).toBeLessThanOrEqual(summary.max);
  };

  it.each([
    ['password-one-step', false, ['interact', 'introspect', 'identify', 'token']],
    [
      'password-identifier-first',
      true,
      ['interact', 'introspect', 'identify', 'challenge', 'answer', 'token'],
    ],
  ] as const)(
    '%s: completes flows at concurrency 2 with zero errors',
    async (scenario, identifierFirst, steps) => {
      const { app } = await server.createApp({
        policy: { factors: 'password', identifierFirst, selfServiceRecovery: true },
      });
      const result: DriverResult = await runFlows({
        baseUrl: server.url,
        clientId: app.clientId,
        scenario,
        users,
        concurrency: 2,
        durationMs: 1000,
      });
      expect(result.errorSamples).toEqual([]);
      expect(result.errors).toBe(0);
      expect(result.flows).toBeGreaterThan(2);
      expect(result.flowsPerSecond).toBeGreaterThan(0);
      expect(Object.keys(result.steps)).toEqual(steps);
      expectOrdered(result.flow);
      for (const step of steps) {
        expect(result.steps[step]!.count).toBe(result.flows);
        expectOrdered(result.steps[step]!);
      }
    },
  );

  it('counts a wrong password as an error, not a completed flow', async () => {
    const { app } = await server.createApp();
    const result: DriverResult = await runFlows({
      baseUrl: server.url,
      clientId: app.clientId,
      scenario: 'password-one-step',
      users: [{ login: users[0]!.login, password: 'not-the-password-of-this-user' }],
      concurrency: 1,
      durationMs: 60_000,
      maxFlows: 2,
    });
    expect(result.flows).toBe(0);
    expect(result.errors).toBe(2);
    expect(result.errorSamples[0]).toMatch(/^identify: HTTP 401/);
  });

  it('email-otp: reads each code from the dev mailbox, zero errors at concurrency 2', async () => {
    const { app } = await server.createApp({
      policy: { factors: 'email', identifierFirst: true, selfServiceRecovery: true },
    });
    const steps = ['interact', 'introspect', 'identify', 'challenge', 'answer', 'token'];
    const result: DriverResult = await runFlows({
      baseUrl: server.url,
      clientId: app.clientId,
      scenario: 'email-otp',
      users,
      concurrency: 2,
      durationMs: 1000,
    });
    expect(result.errorSamples).toEqual([]);
    expect(result.flows).toBeGreaterThan(2);
    expect(Object.keys(result.steps)).toEqual(steps);
    for (const step of steps) expect(result.steps[step]!.count).toBe(result.flows);
    // One mailbox read per completed flow, kept apart from the server steps.
    expect(result.mailbox!.reads).toBe(result.flows);
    expect(result.mailbox!.retries).toBe(0);
    expectOrdered(result.mailbox!);
    expectOrdered(result.flow);
    // Every email went to the outbox: the newest one of a user carries a code for its own transaction.
    const stats = { reads: 0, retries: 0 };
    const client = {
      send: async (_step: string, req: { path: string }) => {
        const res = await fetch(`${server.url}${req.path}`);
        return { json: await res.json(), ms: 1 };
      },
    };
    const recorder = { step: () => undefined };
    await expect(
      readCodeFromMailbox(client, recorder, { address: users[0]!.login, state: 'not-this-flow', stats }),
    ).rejects.toThrow(/mailbox: newest email belongs to another transaction/);
  });

  it('email-otp open loop: a fixed arrival rate, one flow per user at a time, every request on the timeline', async () => {
    const { app } = await server.createApp({
      policy: { factors: 'email', identifierFirst: true, selfServiceRecovery: true },
    });
    const timeline: Array<[string, number, number]> = [];
    const result = (await runFlows({
      baseUrl: server.url,
      clientId: app.clientId,
      scenario: 'email-otp',
      users,
      concurrency: 999, // ignored in open loop: at most one flow per user in flight
      durationMs: 1000,
      arrivalRate: 10,
      timeline,
    })) as DriverResult & {
      mode: string;
      concurrency: number;
      open: { scheduled: number; started: number; dropped: number; achievedRate: number };
    };
    expect(result.errorSamples).toEqual([]);
    expect(result.mode).toBe('open-loop');
    expect(result.concurrency).toBe(users.length);
    expect(result.open.scheduled).toBe(10);
    expect(result.open.started + result.open.dropped).toBe(10);
    expect(result.flows).toBe(result.open.started);
    expect(result.mailbox!.reads).toBe(result.flows);
    expectOrdered(result.flow);
    // Seven requests per flow (six steps and the mailbox read), each a window on the monotonic clock.
    expect(timeline).toHaveLength(7 * result.flows);
    for (const [, start, end] of timeline) expect(end).toBeGreaterThanOrEqual(start);
    expect(new Set(timeline.map((w) => w[0]))).toEqual(
      new Set(['interact', 'introspect', 'identify', 'challenge', 'mailbox', 'answer', 'token']),
    );
  });

  it('email-otp refuses to share a user between VUs (a user would read the other flow’s code)', async () => {
    const { app } = await server.createApp({
      policy: { factors: 'email', identifierFirst: true, selfServiceRecovery: true },
    });
    await expect(
      runFlows({
        baseUrl: server.url,
        clientId: app.clientId,
        scenario: 'email-otp',
        users: users.slice(0, 1),
        concurrency: 2,
        durationMs: 1000,
      }),
    ).rejects.toThrow(/2 VUs need at least 2 users/);
  });

  it('password-recovery: code from the mailbox, fresh password each time, then sign-in works', async () => {
    const { app } = await server.createApp();
    const own = [];
    for (let i = 0; i < 2; i++) {
      const { user, password } = await server.createUser();
      own.push({ login: user.login, password });
    }
    const before = own.map((u) => u.password);
    const result: DriverResult = await runFlows({
      baseUrl: server.url,
      clientId: app.clientId,
      scenario: 'password-recovery',
      users: own,
      concurrency: 2,
      durationMs: 60_000,
      maxFlows: 4,
    });
    expect(result.errorSamples).toEqual([]);
    expect(result.flows).toBe(4);
    expect(result.steps.reset!.count).toBe(4);
    expect(result.mailbox!.reads).toBe(4);
    // The driver keeps each user's new password; a one-step sign-in with it completes.
    expect(own.map((u) => u.password)).not.toEqual(before);
    const signIn: DriverResult = await runFlows({
      baseUrl: server.url,
      clientId: app.clientId,
      scenario: 'password-one-step',
      users: own,
      concurrency: 1,
      durationMs: 60_000,
      maxFlows: 2,
    });
    expect(signIn.errorSamples).toEqual([]);
    expect(signIn.flows).toBe(2);
  });

  it('mints interaction codes without redeeming them, then times /v1/token alone', async () => {
    const { app } = await server.createApp({
      policy: { factors: 'email', identifierFirst: true, selfServiceRecovery: true },
    });
    const minted: DriverResult = await runFlows({
      baseUrl: server.url,
      clientId: app.clientId,
      scenario: 'email-otp',
      users,
      concurrency: 2,
      durationMs: 60_000,
      maxFlows: 6,
      finish: 'code',
    });
    expect(minted.errorSamples).toEqual([]);
    expect(Object.keys(minted.steps)).not.toContain('token');
    const codes = minted.codes!;
    expect(codes).toHaveLength(6);
    let next = 0;
    const exchange = () => {
      const c = codes[next++];
      return c
        ? formRequest('/oauth2/default/v1/token', {
            grant_type: 'interaction_code',
            client_id: app.clientId,
            redirect_uri: 'http://localhost:8080/login/callback',
            code_verifier: c.verifier,
            interaction_code: c.code,
          })
        : null;
    };
    const result: DriverResult = await runRequests({
      baseUrl: server.url,
      step: 'token',
      concurrency: 2,
      durationMs: 60_000,
      request: exchange,
    });
    expect(result.errorSamples).toEqual([]);
    expect(result.flows).toBe(6);
    // Each code works once: replaying the first one is an error, not a completed exchange.
    next = 0;
    const replay: DriverResult = await runRequests({
      baseUrl: server.url,
      step: 'token',
      concurrency: 1,
      durationMs: 60_000,
      maxRequests: 1,
      request: exchange,
    });
    expect(replay.flows).toBe(0);
    expect(replay.errorSamples[0]).toMatch(/^token: HTTP 400 invalid_grant/);
  });
});
