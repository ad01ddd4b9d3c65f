import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import { EngineError } from '../errors.js';
import type { RateLimitsStore } from '../storage/rate-limits-store.js';

export interface Limit {
  limit: number;
  windowSeconds: number;
}

export interface LimitResult {
  allowed: boolean;
  /** Seconds until the window resets (for `Retry-After`). */
  retryAfterSeconds: number;
}

/** Fixed-window counters shared by every instance: in the database, or in Redis when configured. */
export interface RateLimiter {
  /** Counts one hit on `key` and judges it. */
  hit(key: string, limit: Limit): Promise<LimitResult>;
  /** Judges `key` without counting: whether the hits counted so far already reach the limit. */
  check(key: string, limit: Limit): Promise<LimitResult>;
  close(): Promise<void>;
}

/** Counts one hit on `key`; returns the RATE_LIMITED refusal when that goes over the limit, else null. */
export async function overLimit(
  limiter: RateLimiter,
  key: string,
  limit: Limit,
): Promise<EngineError | null> {
  return refusal(await limiter.hit(key, limit));
}

/**
 * For counters of failures: the RATE_LIMITED refusal when `key` has already reached its limit
 * (nothing is counted; count the failure itself with `limiter.hit`), else null.
 */
export async function limitReached(
  limiter: RateLimiter,
  key: string,
  limit: Limit,
): Promise<EngineError | null> {
  return refusal(await limiter.check(key, limit));
}

function refusal(result: LimitResult): EngineError | null {
  return result.allowed
    ? null
    : new EngineError('RATE_LIMITED', { retryAfterSeconds: result.retryAfterSeconds });
}

export class DatabaseRateLimiter implements RateLimiter {
  constructor(
    private readonly store: RateLimitsStore,
    private readonly clock: Clock,
  ) {}

  async hit(key: string, limit: Limit): Promise<LimitResult> {
    const now = this.clock.now();
    const windowMs = limit.windowSeconds * 1000;
    const { count, windowStart } = await this.store.hit(key, now, windowMs);
    return {
      allowed: count <= limit.limit,
      retryAfterSeconds: Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000)),
    };
  }

  async check(key: string, limit: Limit): Promise<LimitResult> {
    const now = this.clock.now();
    const windowMs = limit.windowSeconds * 1000;
    const { count, windowStart } = await this.store.peek(key, now, windowMs);
    return {
      allowed: count < limit.limit,
      retryAfterSeconds: Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000)),
    };
  }

  async close(): Promise<void> {}
}

export class RedisRateLimiter implements RateLimiter {
  constructor(private readonly redis: Redis) {}

  async hit(key: string, limit: Limit): Promise<LimitResult> {
    const redisKey = `gatehouse:rl:${key}`;
    let result: [error: Error | null, value: unknown][] | null;
    try {
      result = await this.redis
        .multi()
        .incr(redisKey)
        .pexpire(redisKey, limit.windowSeconds * 1000, 'NX')
        .pttl(redisKey)
        .exec();
    } catch {
      result = null;
    }
    if (!result || result.some(([error]) => error)) {
      // Fail closed: without counters nothing is allowed through.
      throw new EngineError('SERVICE_UNAVAILABLE');
    }
    const count = Number(result[0]![1]);
    const ttlMs = Number(result[2]![1]);
    return { allowed: count <= limit.limit, retryAfterSeconds: Math.max(1, Math.ceil(ttlMs / 1000)) };
  }

  async check(key: string, limit: Limit): Promise<LimitResult> {
    const redisKey = `gatehouse:rl:${key}`;
    let result: [error: Error | null, value: unknown][] | null;
    try {
      result = await this.redis.multi().get(redisKey).pttl(redisKey).exec();
    } catch {
      result = null;
    }
    if (!result || result.some(([error]) => error)) throw new EngineError('SERVICE_UNAVAILABLE');
    const count = Number(result[0]![1] ?? 0);
    const ttlMs = Number(result[1]![1]);
    const retryAfterMs = ttlMs > 0 ? ttlMs : limit.windowSeconds * 1000;
    return { allowed: count < limit.limit, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
