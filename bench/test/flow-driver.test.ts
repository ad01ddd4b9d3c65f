import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../packages/server/test/support/test-server.js';
// @ts-expect-error plain ESM benchmark code without declarations
import { runFlows } from '../lib/flow-driver.mjs';

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
}

describe('bench flow driver against a real server', () => {
  let server: TestServer;
  let users: Array<{ login: string; password: string }>;

  beforeAll(async () => {
    server = await startTestServer();
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
});
