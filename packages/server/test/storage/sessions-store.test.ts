import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../src/storage/sessions-store.js';
import { openStorage, type Storage } from '../../src/storage/storage.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;
let counter = 0;

/** The SSO sessions store (ADR 0012) behaves the same on both databases. */
for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`SessionsStore (${kind})`, () => {
    let dir: string;
    let database: TestDatabase | null = null;
    let store: Storage;
    let userId: string;

    const newSession = (partial: Partial<Session> = {}): Session => ({
      id: `ses_${++counter}`,
      tokenHash: `hash-${counter}`,
      userId,
      authTime: T0,
      factors: ['password', 'email'],
      amr: ['pwd', 'email'],
      rememberMe: false,
      ip: '127.0.0.1',
      userAgent: 'test',
      createdAt: T0,
      lastUsedAt: T0,
      idleExpiresAt: T0 + 2 * HOUR,
      expiresAt: T0 + 12 * HOUR,
      endedAt: null,
      ...partial,
    });

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'gatehouse-sessions-'));
      if (kind === 'postgres') database = await createTestDatabase();
      store = await openStorage({ dataDir: dir, sqliteFile: ':memory:', databaseUrl: database?.url });
      const user = await store.users.createUser(
        {
          id: `u_${kind}`,
          login: `sessions-${kind}@example.com`,
          loginKey: `sessions-${kind}@example.com`,
          email: `sessions-${kind}@example.com`,
          emailVerified: true,
          profile: { login: `sessions-${kind}@example.com`, email: `sessions-${kind}@example.com` },
          createdAt: T0,
        },
        null,
      );
      userId = user.id;
    });

    afterAll(async () => {
      await store?.close();
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('stores a session and finds it by token hash and by id, every member kept', async () => {
      const session = newSession({ rememberMe: true });
      await store.sessions.create(session);
      expect(await store.sessions.findByTokenHash(session.tokenHash)).toEqual(session);
      expect(await store.sessions.findById(session.id)).toEqual(session);
      expect(await store.sessions.findByTokenHash('nope')).toBeNull();
    });

    it('a token hash is unique', async () => {
      const session = newSession();
      await store.sessions.create(session);
      await expect(store.sessions.create(newSession({ tokenHash: session.tokenHash }))).rejects.toThrow();
    });

    it('touch slides the idle expiry of a live session only', async () => {
      const live = newSession();
      const ended = newSession({ endedAt: T0 });
      await store.sessions.create(live);
      await store.sessions.create(ended);
      await store.sessions.touch(live.id, T0 + HOUR, T0 + 3 * HOUR);
      await store.sessions.touch(ended.id, T0 + HOUR, T0 + 3 * HOUR);
      expect(await store.sessions.findById(live.id)).toMatchObject({
        lastUsedAt: T0 + HOUR,
        idleExpiresAt: T0 + 3 * HOUR,
      });
      expect(await store.sessions.findById(ended.id)).toMatchObject({
        lastUsedAt: T0,
        idleExpiresAt: T0 + 2 * HOUR,
      });
    });

    it('end ends once; endAllOfUser ends the rest and says which', async () => {
      const a = newSession();
      const b = newSession();
      await store.sessions.create(a);
      await store.sessions.create(b);
      expect(await store.sessions.end(a.id, T0 + 1)).toBe(true);
      expect(await store.sessions.end(a.id, T0 + 2)).toBe(false);
      const ended = await store.sessions.endAllOfUser(userId, T0 + 3);
      expect(ended).toContain(b.id);
      expect(ended).not.toContain(a.id);
      expect((await store.sessions.findById(a.id))?.endedAt).toBe(T0 + 1);
      expect(await store.sessions.listLive(T0, { userId, limit: 100 })).toEqual([]);
    });

    it('listLive leaves out ended and expired sessions; deleteExpired removes them after the grace', async () => {
      const live = newSession({ userId, createdAt: T0 + 10 });
      const idleOut = newSession({ idleExpiresAt: T0 + 5 });
      await store.sessions.create(live);
      await store.sessions.create(idleOut);
      const listed = await store.sessions.listLive(T0 + 10, { userId, limit: 100 });
      expect(listed.map((s) => s.id)).toEqual([live.id]);
      expect(await store.sessions.deleteExpired(T0 + 6)).toBeGreaterThanOrEqual(1);
      expect(await store.sessions.findById(idleOut.id)).toBeNull();
      expect(await store.sessions.findById(live.id)).not.toBeNull();
    });
  });
}
