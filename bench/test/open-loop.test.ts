import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM benchmark code without declarations
import { createRecorder, openLoop, userPool } from '../lib/flow-driver.mjs';

/** A virtual clock: `wait` moves time forward; an operation's work moves it by its duration. */
function virtualClock() {
  let t = 1000;
  return {
    now: () => t,
    wait: async (ms: number) => {
      t += Math.max(ms, 0.001);
    },
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('open-loop generator', () => {
  it('starts flows on a fixed schedule and times each from its scheduled start', async () => {
    const clock = virtualClock();
    const recorder = createRecorder(['x']);
    const r = await openLoop({
      rate: 100,
      durationMs: 1000,
      recorder,
      now: clock.now,
      wait: clock.wait,
      op: async () => {
        clock.advance(0.5); // work done synchronously by the "server"
      },
    });
    expect(r.open.scheduled).toBe(100);
    expect(r.open.started).toBe(100);
    expect(r.open.dropped).toBe(0);
    expect(r.open.late).toBe(0);
    expect(r.open.achievedRate).toBeCloseTo(100, 0);
    expect(recorder.done).toHaveLength(100);
    for (const ms of recorder.done) expect(ms).toBeGreaterThanOrEqual(0.5);
  });

  it('does not wait for slow flows: arrivals keep their schedule (no coordinated omission)', async () => {
    const recorder = createRecorder(['x']);
    const starts: number[] = [];
    const t0 = performance.now();
    const r = await openLoop({
      rate: 50,
      durationMs: 400,
      recorder,
      op: async () => {
        starts.push(performance.now() - t0);
        await new Promise((resolve) => setTimeout(resolve, 150)); // each flow takes 150 ms
      },
    });
    // A closed loop with one VU would have started 3 flows in 400 ms; the open loop starts 20.
    expect(r.open.scheduled).toBe(20);
    expect(r.open.started).toBe(20);
    expect(recorder.done).toHaveLength(20);
    // The 10th arrival is due at 180 ms: it started then, not after the flows before it ended.
    expect(starts[9]!).toBeGreaterThanOrEqual(175);
    expect(starts[9]!).toBeLessThan(300);
    for (const ms of recorder.done) expect(ms).toBeGreaterThanOrEqual(149);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(380 + 149);
  });

  it('counts a late start against the flow and as late', async () => {
    const recorder = createRecorder(['x']);
    let blocked = false;
    const r = await openLoop({
      rate: 100,
      durationMs: 200,
      lateMs: 10,
      recorder,
      op: async () => {
        if (!blocked) {
          blocked = true;
          const until = performance.now() + 60; // the generator's event loop is stuck for 60 ms
          while (performance.now() < until);
        }
      },
    });
    expect(r.open.started).toBe(20);
    // The arrivals due during the 60 ms stall started late; their times include the wait.
    expect(r.open.late).toBeGreaterThanOrEqual(3);
    expect(r.open.startDelay.max).toBeGreaterThan(40);
    expect(Math.max(...recorder.done)).toBeGreaterThan(40);
  });

  it('ends the flows it started and reports drops when every user is busy', async () => {
    const recorder = createRecorder(['x']);
    const pool = userPool(['a', 'b']);
    const seen: string[] = [];
    const r = await openLoop({
      rate: 100,
      durationMs: 100,
      recorder,
      acquire: pool.acquire,
      release: pool.release,
      op: async (user: string) => {
        seen.push(user);
        await new Promise((resolve) => setTimeout(resolve, 45));
      },
    });
    expect(r.open.scheduled).toBe(10);
    expect(r.open.started + r.open.dropped).toBe(10);
    expect(r.open.dropped).toBeGreaterThan(0);
    expect(recorder.done).toHaveLength(r.open.started);
    // Users are handed out first-free-first: a user is never in two flows at once.
    expect(seen.slice(0, 2)).toEqual(['a', 'b']);
    expect(pool.free).toBe(2);
  });

  it('stops at maxOps and records failures as errors', async () => {
    const clock = virtualClock();
    const recorder = createRecorder(['x']);
    const r = await openLoop({
      rate: 1000,
      durationMs: 10_000,
      maxOps: 5,
      recorder,
      now: clock.now,
      wait: clock.wait,
      op: async (_slot: unknown, n: number) => {
        if (n === 2) throw new Error('boom');
      },
    });
    expect(r.open.scheduled).toBe(5);
    expect(recorder.done).toHaveLength(4);
    expect(recorder.errors).toBe(1);
    expect(() => openLoop({ rate: 0, durationMs: 1, recorder, op: async () => {} })).rejects.toThrow(
      /arrival rate/,
    );
  });
});
