import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NewOutboxMessage } from '../../src/storage/outbox-store.js';
import type { Storage } from '../../src/storage/storage.js';

const T0 = 1_800_000_000_000;
const LEASE = 60_000;

interface Suite {
  store: Storage;
  race: <T>(n: number, call: (s: Storage, i: number) => Promise<T>) => Promise<T[]>;
}

/**
 * The transactional outbox's delivery states, part of the one storage contract run on SQLite and
 * PostgreSQL: claims are guarded (one sender per message, however many race), outcomes apply only
 * to a claimed message, an interrupted claim is never resent on its own.
 */
export function describeOutboxDelivery(suite: () => Suite): void {
  const pending = (partial: Partial<NewOutboxMessage> = {}): NewOutboxMessage => ({
    id: randomUUID(),
    to: `${randomUUID()}@example.com`,
    from: 'Gatehouse <no-reply@gatehouse.localhost>',
    subject: 'Your code: 123456',
    text: 'code 123456',
    html: '<p>code 123456</p>',
    templateId: 'email-challenge',
    createdAt: T0,
    status: 'pending',
    ...partial,
  });

  describe('OutboxStore delivery', () => {
    it('a pending message is due at once; of 20 concurrent claims exactly one gets it', async () => {
      const { store, race } = suite();
      const message = pending();
      await store.outbox.add(message);
      expect(await store.outbox.findDue(T0, 1000)).toContain(message.id);
      const claims = await race(20, (s) => s.outbox.claim(message.id, T0, LEASE));
      const won = claims.filter((c) => c !== null);
      expect(won).toHaveLength(1);
      expect(won[0]).toMatchObject({ id: message.id, status: 'sending', attempts: 1 });
      expect(await store.outbox.findDue(T0, 1000)).not.toContain(message.id);
    });

    it('sent: only once, only when claimed, and the content (codes, links) is removed', async () => {
      const { store } = suite();
      const message = pending();
      await store.outbox.add(message);
      expect(await store.outbox.markSent(message.id, T0)).toBe(false);
      await store.outbox.claim(message.id, T0, LEASE);
      expect(await store.outbox.markSent(message.id, T0 + 5)).toBe(true);
      expect(await store.outbox.markSent(message.id, T0 + 6)).toBe(false);
      expect(await store.outbox.find(message.id)).toMatchObject({
        status: 'sent',
        sentAt: T0 + 5,
        subject: '',
        text: '',
        html: '',
      });
    });

    it('a failed attempt waits for its retry time; the last one ends dead until retried', async () => {
      const { store } = suite();
      const message = pending();
      await store.outbox.add(message);
      await store.outbox.claim(message.id, T0, LEASE);
      expect(await store.outbox.markFailed(message.id, '451 try later', T0 + 10_000)).toBe(true);
      expect(await store.outbox.claim(message.id, T0 + 9_999, LEASE)).toBeNull();
      expect(await store.outbox.claim(message.id, T0 + 10_000, LEASE)).toMatchObject({ attempts: 2 });
      expect(await store.outbox.markFailed(message.id, '550 no such user', null)).toBe(true);
      expect(await store.outbox.find(message.id)).toMatchObject({
        status: 'dead',
        attempts: 2,
        lastError: '550 no such user',
        text: 'code 123456',
      });
      expect(await store.outbox.findDue(T0 + 99_999_999, 1000)).not.toContain(message.id);
      expect(await store.outbox.retry(T0 + 20_000, [message.id])).toBe(1);
      expect(await store.outbox.find(message.id)).toMatchObject({
        status: 'pending',
        attempts: 0,
        lastError: null,
      });
      expect(await store.outbox.claim(message.id, T0 + 20_000, LEASE)).not.toBeNull();
    });

    it('a claim whose lease ran out (its sender stopped mid-send) ends dead, never resent on its own', async () => {
      const { store } = suite();
      const message = pending();
      await store.outbox.add(message);
      await store.outbox.claim(message.id, T0, LEASE);
      expect(await store.outbox.abandonExpiredClaims(T0 + LEASE - 1)).toBe(0);
      expect(await store.outbox.abandonExpiredClaims(T0 + LEASE + 1)).toBeGreaterThanOrEqual(1);
      expect(await store.outbox.find(message.id)).toMatchObject({ status: 'dead' });
      expect(await store.outbox.markSent(message.id, T0 + LEASE + 2)).toBe(false);
    });

    it('suppressed messages are never due and never shown in the mailbox; old delivered ones are swept', async () => {
      const { store } = suite();
      const suppressed = pending({ status: 'suppressed', subject: '', text: '', html: '' });
      const kept = pending({ status: 'sent', to: suppressed.to });
      const dead = pending({ to: suppressed.to });
      for (const m of [suppressed, kept, dead]) await store.outbox.add(m);
      await store.outbox.claim(dead.id, T0, LEASE);
      await store.outbox.markFailed(dead.id, 'refused', null);
      expect(await store.outbox.findDue(T0 + 1, 1000)).not.toContain(suppressed.id);
      const mailbox = await store.outbox.listMailbox({ to: suppressed.to });
      expect(mailbox.map((m) => m.id).sort()).toEqual([kept.id, dead.id].sort());
      await store.outbox.deleteDeliveredBefore(T0 + 1);
      const left = await store.outbox.list({ to: suppressed.to });
      expect(left.map((m) => m.id)).toEqual([dead.id]);
    });

    it('a unit of work commits its challenge, counter, email and event together, or none of them', async () => {
      const { store } = suite();
      const message = pending();
      const failing = store.transaction(async (stores) => {
        await stores.outbox.add(message);
        await stores.events.record({ type: 'system.email.challenge.sent' }, T0);
        throw new Error('the step failed after writing');
      });
      await expect(failing).rejects.toThrow('the step failed');
      expect(await store.outbox.find(message.id)).toBeNull();
      await store.transaction((stores) => stores.outbox.add(message));
      expect(await store.outbox.find(message.id)).toMatchObject({ status: 'pending' });
    });
  });
}
