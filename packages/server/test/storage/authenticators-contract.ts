import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AuthenticatorChallenge } from '../../src/storage/authenticator-challenges-store.js';
import type { StoredEnrollment } from '../../src/storage/authenticator-enrollments-store.js';
import type { Storage } from '../../src/storage/storage.js';
import type { User } from '../../src/storage/users-store.js';

/** Times past 2^31 so that a bigint column read back as a string (or truncated) shows. */
const T0 = 1_800_000_000_123;
const MINUTE = 60_000;

interface Suite {
  store: Storage;
  race: <T>(n: number, call: (s: Storage, i: number) => Promise<T>) => Promise<T[]>;
}

const uid = (prefix: string) => `${prefix}_${randomUUID().replace(/-/g, '')}`;

/**
 * The stores of authenticators that keep something per user (an app's secret, a passkey) and per
 * transaction (a set-up in progress, a WebAuthn challenge), part of the one storage contract run on
 * SQLite and PostgreSQL: enrollments with their audit events, credential ids unique per
 * authenticator, counters that only grow under races, removal with events, cascade on user delete;
 * challenges one per transaction and authenticator, attempts capped, consumed once, swept.
 */
export function describeAuthenticatorStores(suite: () => Suite): void {
  async function newUser(status: 'ACTIVE' | 'STAGED' = 'ACTIVE'): Promise<User> {
    const id = uid('u');
    const login = `${id}@example.com`;
    const profile = { login, email: login, firstName: 'Ada', lastName: 'Lovelace' };
    return suite().store.users.createUser(
      { id, login, loginKey: login, email: login, emailVerified: true, profile, createdAt: T0, status },
      null,
    );
  }

  const enrollment = (userId: string, partial: Partial<StoredEnrollment> = {}) => ({
    id: uid('enr'),
    userId,
    authenticatorKey: 'google_otp',
    name: 'Google Authenticator',
    secret: 'v1.sealed.secret.tag',
    credentialId: null,
    counter: 0,
    data: { transports: ['usb', 'nfc'], aaguid: 'x' },
    createdAt: T0,
    ...partial,
  });

  const event = (userId: string) => ({ type: 'user.mfa.factor.activate', userId, data: { by: 'contract' } });

  describe('AuthenticatorEnrollmentsStore', () => {
    it('adds an enrollment with its audit event; lists a user’s oldest first', async () => {
      const { store } = suite();
      const user = await newUser();
      const later = enrollment(user.id, {
        createdAt: T0 + MINUTE,
        authenticatorKey: 'webauthn',
        credentialId: uid('c'),
      });
      const first = enrollment(user.id, { counter: 59_882_917 });
      expect(await store.enrollments.add(later, event(user.id))).toBe(true);
      expect(await store.enrollments.add(first, event(user.id))).toBe(true);
      expect(await store.enrollments.listByUser(user.id)).toEqual([
        { ...first, lastUsedAt: null },
        { ...later, lastUsedAt: null },
      ]);
      expect(await store.enrollments.listByUser(uid('nobody'))).toEqual([]);
      const events = await store.events.listForUser(user.id);
      expect(events.filter((e) => e.type === 'user.mfa.factor.activate')).toHaveLength(2);
    });

    it('finds by credential id per authenticator; a credential id is unique per authenticator (no event for the refused one)', async () => {
      const { store } = suite();
      const [a, b] = [await newUser(), await newUser()];
      const credentialId = uid('cred');
      const passkey = enrollment(a.id, { authenticatorKey: 'webauthn', credentialId });
      expect(await store.enrollments.add(passkey, event(a.id))).toBe(true);
      expect(await store.enrollments.findByCredentialId('webauthn', credentialId)).toEqual({
        ...passkey,
        lastUsedAt: null,
      });
      expect(await store.enrollments.findByCredentialId('other_key', credentialId)).toBeNull();
      expect(await store.enrollments.findByCredentialId('webauthn', uid('none'))).toBeNull();
      // The same id for another user is refused, and leaves neither row nor event.
      expect(
        await store.enrollments.add(
          enrollment(b.id, { authenticatorKey: 'webauthn', credentialId }),
          event(b.id),
        ),
      ).toBe(false);
      expect(await store.enrollments.listByUser(b.id)).toEqual([]);
      expect(await store.events.listForUser(b.id)).toEqual([]);
      // Under another authenticator key the same id is someone else's business.
      expect(
        await store.enrollments.add(
          enrollment(b.id, { authenticatorKey: 'other_key', credentialId }),
          event(b.id),
        ),
      ).toBe(true);
      // Enrollments without a credential id never collide.
      expect(await store.enrollments.add(enrollment(b.id), event(b.id))).toBe(true);
      expect(await store.enrollments.add(enrollment(b.id), event(b.id))).toBe(true);
    });

    it('a duplicate enrollment id is an error, not a silent false', async () => {
      const { store } = suite();
      const user = await newUser();
      const once = enrollment(user.id);
      await store.enrollments.add(once, event(user.id));
      await expect(store.enrollments.add(once, event(user.id))).rejects.toThrow();
    });

    it('advanceCounter moves strictly up (allowSame: also to the same value) and records the use', async () => {
      const { store } = suite();
      const user = await newUser();
      const e = enrollment(user.id, { counter: 100 });
      await store.enrollments.add(e, event(user.id));
      expect(await store.enrollments.advanceCounter(e.id, 100, T0 + 1)).toBe(false);
      expect(await store.enrollments.advanceCounter(e.id, 99, T0 + 1)).toBe(false);
      expect(await store.enrollments.advanceCounter(e.id, 101, T0 + 2)).toBe(true);
      expect(await store.enrollments.advanceCounter(e.id, 101, T0 + 3, true)).toBe(true);
      expect(await store.enrollments.advanceCounter(e.id, 100, T0 + 4, true)).toBe(false);
      expect(await store.enrollments.advanceCounter(uid('none'), 500, T0 + 4)).toBe(false);
      const [stored] = await store.enrollments.listByUser(user.id);
      expect(stored).toMatchObject({ counter: 101, lastUsedAt: T0 + 3 });
      // Values past 2^31 (a TOTP step is ~6e7, a timestamp-based counter more) survive.
      expect(await store.enrollments.advanceCounter(e.id, 2 ** 40, T0 + 5)).toBe(true);
      expect((await store.enrollments.listByUser(user.id))[0]!.counter).toBe(2 ** 40);
    });

    it('of 12 concurrent advances to the same value exactly one wins', async () => {
      const { store, race } = suite();
      const user = await newUser();
      const e = enrollment(user.id, { counter: 7 });
      await store.enrollments.add(e, event(user.id));
      const results = await race(12, (s) => s.enrollments.advanceCounter(e.id, 8, T0));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('removeByUser removes one authenticator’s or all of a user’s, with an event each, and nobody else’s', async () => {
      const { store } = suite();
      const [user, other] = [await newUser(), await newUser()];
      const otp = enrollment(user.id);
      const key1 = enrollment(user.id, { authenticatorKey: 'webauthn', credentialId: uid('c') });
      const key2 = enrollment(user.id, { authenticatorKey: 'webauthn', credentialId: uid('c') });
      for (const e of [otp, key1, key2]) await store.enrollments.add(e, event(user.id));
      await store.enrollments.add(enrollment(other.id), event(other.id));
      const reset = { type: 'user.mfa.factor.deactivate', data: { by: 'admin' } };
      expect(await store.enrollments.removeByUser(user.id, 'webauthn', reset, T0 + MINUTE)).toBe(2);
      expect((await store.enrollments.listByUser(user.id)).map((e) => e.id)).toEqual([otp.id]);
      expect(await store.enrollments.removeByUser(user.id, 'webauthn', reset, T0 + MINUTE)).toBe(0);
      expect(await store.enrollments.removeByUser(user.id, null, reset, T0 + 2 * MINUTE)).toBe(1);
      expect(await store.enrollments.listByUser(user.id)).toEqual([]);
      expect(await store.enrollments.listByUser(other.id)).toHaveLength(1);
      const removed = (await store.events.listForUser(user.id)).filter((e) => e.type === reset.type);
      expect(removed.map((e) => [e.data.authenticator, e.data.enrollment, e.data.by]).sort()).toEqual(
        [
          ['google_otp', otp.id, 'admin'],
          ['webauthn', key1.id, 'admin'],
          ['webauthn', key2.id, 'admin'],
        ].sort(),
      );
      expect(removed.every((e) => e.userId === user.id)).toBe(true);
    });

    it('a deleted user’s enrollments go with them (cascade)', async () => {
      const { store } = suite();
      const user = await newUser('STAGED');
      const e = enrollment(user.id, { authenticatorKey: 'webauthn', credentialId: uid('c') });
      await store.enrollments.add(e, event(user.id));
      expect(await store.users.deleteStagedBefore(T0 + 1)).toBeGreaterThanOrEqual(1);
      expect(await store.enrollments.listByUser(user.id)).toEqual([]);
      expect(await store.enrollments.findByCredentialId('webauthn', e.credentialId!)).toBeNull();
    });

    it('an enrollment for a user that does not exist is refused', async () => {
      const { store } = suite();
      const ghost = uid('ghost');
      await expect(store.enrollments.add(enrollment(ghost), event(ghost))).rejects.toThrow();
    });
  });

  describe('AuthenticatorChallengesStore', () => {
    const challenge = (partial: Partial<AuthenticatorChallenge> = {}) => ({
      id: uid('ach'),
      transactionId: uid('tx'),
      authenticatorKey: 'google_otp',
      purpose: 'sign-in',
      data: { stage: 'enroll', secret: 'v1.a.b.c' },
      createdAt: T0,
      expiresAt: T0 + 5 * MINUTE,
      maxAttempts: 3,
      ...partial,
    });

    it('round-trips; replace keeps one per transaction and authenticator, starting over', async () => {
      const { store } = suite();
      const first = challenge();
      await store.authenticatorChallenges.replace(first);
      expect(await store.authenticatorChallenges.find(first.transactionId, 'google_otp')).toEqual({
        ...first,
        attempts: 0,
        consumedAt: null,
      });
      expect(await store.authenticatorChallenges.recordAttempt(first.id, T0)).toBe(1);
      const second = challenge({ transactionId: first.transactionId, data: { stage: 'challenge' } });
      await store.authenticatorChallenges.replace(second);
      expect(await store.authenticatorChallenges.find(first.transactionId, 'google_otp')).toEqual({
        ...second,
        attempts: 0,
        consumedAt: null,
      });
      // Another authenticator of the same transaction has its own.
      const webauthn = challenge({ transactionId: first.transactionId, authenticatorKey: 'webauthn' });
      await store.authenticatorChallenges.replace(webauthn);
      expect((await store.authenticatorChallenges.find(first.transactionId, 'google_otp'))?.id).toBe(
        second.id,
      );
      expect((await store.authenticatorChallenges.find(first.transactionId, 'webauthn'))?.id).toBe(
        webauthn.id,
      );
      expect(await store.authenticatorChallenges.find(uid('tx'), 'google_otp')).toBeNull();
    });

    it('concurrent replaces of one transaction’s challenge leave exactly one', async () => {
      const { store, race } = suite();
      const transactionId = uid('tx');
      const all = Array.from({ length: 6 }, () => challenge({ transactionId }));
      await race(6, (s, i) => s.authenticatorChallenges.replace(all[i]!));
      const found = await store.authenticatorChallenges.find(transactionId, 'google_otp');
      expect(all.map((c) => c.id)).toContain(found?.id);
      const { n } = await store.handle.db
        .selectFrom('authenticator_challenges')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('transaction_id', '=', transactionId)
        .executeTakeFirstOrThrow();
      expect(Number(n)).toBe(1);
    });

    it('recordAttempt counts up to the cap, not after expiry or use; 10 racing attempts get numbers 1..3 once', async () => {
      const { store, race } = suite();
      const c = challenge();
      await store.authenticatorChallenges.replace(c);
      const numbers = await race(10, (s) => s.authenticatorChallenges.recordAttempt(c.id, T0));
      expect(numbers.filter((n) => n !== null).sort()).toEqual([1, 2, 3]);
      expect(await store.authenticatorChallenges.recordAttempt(c.id, T0)).toBeNull();

      const expiring = challenge();
      await store.authenticatorChallenges.replace(expiring);
      expect(await store.authenticatorChallenges.recordAttempt(expiring.id, expiring.expiresAt)).toBeNull();
      const used = challenge();
      await store.authenticatorChallenges.replace(used);
      expect(await store.authenticatorChallenges.consume(used.id, T0)).toBe(true);
      expect(await store.authenticatorChallenges.recordAttempt(used.id, T0)).toBeNull();
    });

    it('consume works once, also under a race', async () => {
      const { store, race } = suite();
      const c = challenge();
      await store.authenticatorChallenges.replace(c);
      const results = await race(8, (s) => s.authenticatorChallenges.consume(c.id, T0 + 1));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.authenticatorChallenges.find(c.transactionId, 'google_otp'))?.consumedAt).toBe(
        T0 + 1,
      );
      expect(await store.authenticatorChallenges.consume(uid('none'), T0)).toBe(false);
    });

    it('deleteExpired sweeps only what expired before the time', async () => {
      const { store } = suite();
      const old = challenge({ expiresAt: T0 - 1 });
      const live = challenge({ expiresAt: T0 + 1 });
      await store.authenticatorChallenges.replace(old);
      await store.authenticatorChallenges.replace(live);
      expect(await store.authenticatorChallenges.deleteExpired(T0)).toBeGreaterThanOrEqual(1);
      expect(await store.authenticatorChallenges.find(old.transactionId, 'google_otp')).toBeNull();
      expect(await store.authenticatorChallenges.find(live.transactionId, 'google_otp')).not.toBeNull();
    });
  });
}
