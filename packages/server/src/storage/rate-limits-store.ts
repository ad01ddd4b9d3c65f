import { type Kysely, sql } from 'kysely';
import { PreparedQuery } from './prepared.js';
import type { Database } from './schema.js';

/** Fixed-window counters in the database, shared by every instance on the same store. */
const hitCounter = new PreparedQuery('rateLimits.hit', 3, (db, key: string, now: number, expired: number) =>
  db
    .insertInto('rate_limits')
    .values({ key, window_start: now, count: 1 })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql<number>`case when rate_limits.window_start <= ${expired} then 1 else rate_limits.count + 1 end`,
        window_start: sql<number>`case when rate_limits.window_start <= ${expired} then ${now} else rate_limits.window_start end`,
      }),
    )
    .returning(['count', 'window_start']),
);
const peekCounter = new PreparedQuery('rateLimits.peek', 1, (db, key: string) =>
  db.selectFrom('rate_limits').select(['count', 'window_start']).where('key', '=', key),
);

export class RateLimitsStore {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Counts one hit on `key` in one atomic upsert: a window older than `windowMs` restarts at 1.
   * Returns the count in the current window and when that window started.
   */
  async hit(key: string, now: number, windowMs: number): Promise<{ count: number; windowStart: number }> {
    const row = (await hitCounter.first(this.db, key, now, now - windowMs))!;
    return { count: Number(row.count), windowStart: Number(row.window_start) };
  }

  /** The count in the current window without counting (0 when the window has run out). */
  async peek(key: string, now: number, windowMs: number): Promise<{ count: number; windowStart: number }> {
    const row = await peekCounter.first(this.db, key);
    if (!row || Number(row.window_start) <= now - windowMs) return { count: 0, windowStart: now };
    return { count: Number(row.count), windowStart: Number(row.window_start) };
  }

  async deleteOlderThan(before: number): Promise<void> {
    await this.db.deleteFrom('rate_limits').where('window_start', '<', before).execute();
  }
}
