import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { NewOutboxMessage } from '../../src/storage/outbox-store.js';
import type { Storage } from '../../src/storage/storage.js';
import { DatabaseConflictError } from '../../src/storage/units-of-work.js';

const T0 = 1_800_000_000_000;

interface Suite {
  store: Storage;
  race: <T>(n: number, call: (s: Storage, i: number) => Promise<T>) => Promise<T[]>;
  /** Another storage on the same database (its own pool of `poolSize` connections on PostgreSQL). */
  openAnother: (poolSize: number) => Promise<Storage>;
}

/** Resolves every `arrive()` once `n` have arrived; later arrivals pass at once. */
function barrier(n: number): { arrive: () => Promise<void> } {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    arrive: () => {
      arrived++;
      if (arrived >= n) open();
      return opened;
    },
  };
}

/** Takes the row lock of an outbox message in the current unit (as an update would). */
async function lockMessage(store: Storage, id: string): Promise<void> {
  await sql`select id from outbox where id = ${id} for update`.execute(store.handle.db);
}

/**
 * Units of work (one commit per IDX step), part of the one storage contract: on either database a
 * unit is one transaction; what a step wrote stays written when it refuses afterwards, explicit
 * transactions inside still roll back alone, and guards keep their answer under concurrency. On
 * PostgreSQL (a pool, concurrent transactions) also: nothing of a unit is seen before it ends, the
 * rate-limit counters commit at once outside it, a deadlock is run again or surfaces whole, and units
 * never wait on the pool for a second connection.
 */
export function describeUnitsOfWork(kind: 'sqlite' | 'postgres', suite: () => Suite): void {
  const message = (): NewOutboxMessage => ({
    id: randomUUID(),
    to: `${randomUUID()}@example.com`,
    from: 'Gatehouse <no-reply@gatehouse.localhost>',
    subject: 'Your code: 123456',
    text: 'code 123456',
    html: '<p>code 123456</p>',
    templateId: 'email-challenge',
    createdAt: T0,
    status: 'pending',
  });

  describe('units of work', () => {
    it('what a step wrote stays written when it throws afterwards (an attempt, a counter)', async () => {
      const { store } = suite();
      const written = message();
      const step = store.handle.units.run(async () => {
        await store.outbox.add(written);
        throw new Error('the step refused');
      });
      await expect(step).rejects.toThrow('the step refused');
      expect(await store.outbox.find(written.id)).toMatchObject({ status: 'pending' });
    });

    it('an explicit transaction inside a unit rolls back alone; the rest of the unit commits', async () => {
      const { store } = suite();
      const [kept, undone, after] = [message(), message(), message()];
      await store.handle.units.run(async () => {
        await store.outbox.add(kept);
        const failing = store.transaction(async (stores) => {
          await stores.outbox.add(undone);
          throw new Error('rolled back');
        });
        await expect(failing).rejects.toThrow('rolled back');
        await store.transaction((stores) => stores.outbox.add(after));
      });
      expect(await store.outbox.find(kept.id)).not.toBeNull();
      expect(await store.outbox.find(undone.id)).toBeNull();
      expect(await store.outbox.find(after.id)).not.toBeNull();
    });

    it('suspend commits what the unit wrote, runs the slow work, and the unit goes on', async () => {
      const { store } = suite();
      const [before, after] = [message(), message()];
      const other = message();
      await store.handle.units.run(async () => {
        await store.outbox.add(before);
        // While suspended, other requests use the database (on SQLite: the one connection is free).
        await store.handle.units.suspend(() => store.handle.units.run(() => store.outbox.add(other)));
        await store.outbox.add(after);
      });
      for (const m of [before, other, after]) expect(await store.outbox.find(m.id)).not.toBeNull();
    });

    it('concurrent units each commit, and a guard inside them has one winner', async () => {
      const { store, race } = suite();
      const claimed = message();
      await store.outbox.add(claimed);
      const added = Array.from({ length: 12 }, message);
      const claims = await race(12, (s, i) =>
        store.handle.units.run(async () => {
          await s.outbox.add(added[i]!);
          return s.outbox.claim(claimed.id, T0, 60_000);
        }),
      );
      expect(claims.filter((c) => c !== null)).toHaveLength(1);
      for (const m of added) expect(await store.outbox.find(m.id)).not.toBeNull();
    });

    it('more concurrent units than pooled connections all finish: a unit never asks for a second one', async () => {
      const { store, openAnother } = suite();
      // Two connections, twelve units; each writes, counts a rate-limit hit, takes a savepoint and
      // suspends (gives its connection back) in the middle.
      const small = kind === 'postgres' ? await openAnother(2) : store;
      const key = `units:${randomUUID()}`;
      const written = Array.from({ length: 24 }, message);
      try {
        await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            small.handle.units.run(async () => {
              await small.outbox.add(written[2 * i]!);
              await small.rateLimits.hit(key, T0, 60_000);
              await small.transaction((stores) => stores.outbox.add(written[2 * i + 1]!));
              await small.handle.units.suspend(() => new Promise((resolve) => setTimeout(resolve, 5)));
              await small.outbox.find(written[2 * i]!.id);
            }),
          ),
        );
        expect(await store.rateLimits.peek(key, T0, 60_000)).toEqual({ count: 12, windowStart: T0 });
        for (const m of written) expect(await store.outbox.find(m.id)).not.toBeNull();
      } finally {
        if (small !== store) await small.close();
      }
    });

    describe.runIf(kind === 'postgres')('on a pool of connections (PostgreSQL)', () => {
      /** Two stored messages whose row locks two units take in opposite orders. */
      const twoRows = async (store: Storage) => {
        const rows = [message(), message()] as const;
        for (const row of rows) await store.outbox.add(row);
        return rows;
      };

      it('a unit commits once: another connection sees nothing it wrote until it ends', async () => {
        const { store, openAnother } = suite();
        const other = await openAnother(1);
        const written = message();
        try {
          await store.handle.units.run(async () => {
            await store.outbox.add(written);
            expect(await store.outbox.find(written.id)).not.toBeNull();
            expect(await other.outbox.find(written.id)).toBeNull();
          });
          expect(await other.outbox.find(written.id)).not.toBeNull();
        } finally {
          await other.close();
        }
      });

      it('a rate-limit hit commits at once, outside the unit: others count on while it is open, and it stays counted when the unit throws', async () => {
        const { store, openAnother } = suite();
        const other = await openAnother(1);
        const key = `units:${randomUUID()}`;
        try {
          const step = store.handle.units.run(async () => {
            await store.rateLimits.hit(key, T0, 60_000);
            // Were the hit in the unit's transaction, this would wait for its row lock: forever.
            expect(await other.rateLimits.hit(key, T0, 60_000)).toEqual({ count: 2, windowStart: T0 });
            throw new Error('the step refused');
          });
          await expect(step).rejects.toThrow('the step refused');
          expect(await other.rateLimits.peek(key, T0, 60_000)).toEqual({ count: 2, windowStart: T0 });
        } finally {
          await other.close();
        }
      });

      it('a deadlock between two units: the one PostgreSQL aborts is rolled back whole and runs again; both commit once', async () => {
        const { store } = suite();
        const [a, b] = await twoRows(store);
        const bothLocked = barrier(2);
        const attempts: NewOutboxMessage[] = [];
        const unit = (first: string, second: string) =>
          store.handle.units.run(async () => {
            const mine = message();
            attempts.push(mine);
            await store.outbox.add(mine);
            await lockMessage(store, first);
            await bothLocked.arrive();
            await lockMessage(store, second);
            return mine.id;
          });
        const committed = await Promise.all([unit(a.id, b.id), unit(b.id, a.id)]);
        expect(attempts).toHaveLength(3);
        for (const m of attempts)
          expect(await store.outbox.find(m.id), m.id).toEqual(
            committed.includes(m.id) ? expect.anything() : null,
          );
      });

      it('a deadlock after part of a unit was committed (suspend): not run again, the error goes on, the rest is rolled back', async () => {
        const { store } = suite();
        const [a, b] = await twoRows(store);
        const bothLocked = barrier(2);
        const unit = (first: string, second: string) => {
          const [before, after] = [message(), message()];
          const run = store.handle.units.run(async () => {
            await store.outbox.add(before);
            await store.handle.units.suspend(async () => {});
            await store.outbox.add(after);
            await lockMessage(store, first);
            await bothLocked.arrive();
            await lockMessage(store, second);
          });
          return run.then(
            () => ({ ok: true, before, after }),
            (error: unknown) => ({ ok: false, error, before, after }),
          );
        };
        const outcomes = await Promise.all([unit(a.id, b.id), unit(b.id, a.id)]);
        const failed = outcomes.filter((o) => !o.ok);
        expect(failed).toHaveLength(1);
        expect((failed[0] as { error: unknown }).error).toBeInstanceOf(DatabaseConflictError);
        for (const o of outcomes) {
          expect(await store.outbox.find(o.before.id)).not.toBeNull();
          expect(await store.outbox.find(o.after.id)).toEqual(o.ok ? expect.anything() : null);
        }
      });
    });
  });
}
