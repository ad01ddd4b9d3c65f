import type { Clock } from '../../src/clock.js';

/** A clock tests move forward instead of sleeping. */
export class TestClock implements Clock {
  private offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}
