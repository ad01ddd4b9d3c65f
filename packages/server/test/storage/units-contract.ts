import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NewOutboxMessage } from '../../src/storage/outbox-store.js';
import type { Storage } from '../../src/storage/storage.js';

const T0 = 1_800_000_000_000;

interface Suite {
  store: Storage;
  race: <T>(n: number, call: (s: Storage, i: number) => Promise<T>) => Promise<T[]>;
}

/**
 * Units of work (one commit per IDX step), part of the one storage contract: on SQLite a unit is one
 * transaction, on PostgreSQL it runs its statements as they come; either way what a step wrote
 * stays written when it refuses afterwards, explicit transactions inside still roll back alone, and
 * guards keep their answer under concurrency.
 */
export function describeUnitsOfWork(suite: () => Suite): void {
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
  });
}
