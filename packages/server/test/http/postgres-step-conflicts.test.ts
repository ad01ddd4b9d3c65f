import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, emailApp, latestCode, messageKeys, startEmailSignIn } from '../email/email-helpers.js';
import { IdxConversation } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// A deadlock between an IDX step's transaction (a unit of work, storage/units-of-work.ts) and
// another transaction, made for real: a second connection locks the flow's transaction row, the
// step blocks on it while holding a row of its own, and the second connection then asks for that
// row. PostgreSQL aborts the step's transaction (its deadlock_timeout is the shorter). The step
// must then run again from the start, or, when part of it was already committed, answer a clean
// 503: never a 500, never half of its writes.

describe('an IDX step that PostgreSQL aborts as a deadlock', () => {
  let server: TestServer;
  let blocker: pg.Client;

  beforeAll(async () => {
    server = await startTestServer({ database: 'postgres' });
    blocker = new pg.Client({ connectionString: server.services.config.storage.databaseUrl });
    await blocker.connect();
    // The step's backend (deadlock_timeout 1 s) finds the deadlock first and is the one aborted.
    await blocker.query(`set deadlock_timeout = '60s'`);
  });
  afterAll(async () => {
    await blocker?.end();
    await server?.close();
  });

  const signInEvents = (userId: string) =>
    server.services.storage.handle.db
      .selectFrom('events')
      .select('id')
      .where('user_id', '=', userId)
      .where('type', '=', 'user.authentication.sso')
      .execute();

  /** Resolves once a backend of this database waits for a row lock. */
  async function someoneWaitsForALock(): Promise<void> {
    for (;;) {
      const { rows } = await blocker.query(
        `select count(*)::int as n from pg_stat_activity
         where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
      );
      if (rows[0].n > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Holds the flow's transaction row (the one transaction of the app); once `step` waits for it,
   * asks for the user's row that `second` names (which the step holds); gives both back when the
   * deadlock is resolved.
   */
  async function deadlock<T>(
    ids: { appId: string; userId: string },
    step: () => Promise<T>,
    second: string,
  ): Promise<T> {
    await blocker.query('begin');
    await blocker.query('select id from transactions where app_id = $1 for update', [ids.appId]);
    const answered = step();
    await someoneWaitsForALock();
    await blocker.query(second, [ids.userId]);
    await blocker.query('rollback');
    return answered;
  }

  it('email answer: rolled back whole and run again; it signs in, and the attempt is counted once', async () => {
    const { id: appId, clientId } = await emailApp(server);
    const { user } = await server.createUser();
    const { idx, interaction, challenge } = await startEmailSignIn(server, clientId, user.login);
    const code = await latestCode(server, user.email);
    const done = await deadlock(
      { appId, userId: user.id },
      () => answer(challenge.body, code),
      // The step updated the challenge (attempt, consume) before it reached the transaction row.
      'select id from email_challenges where user_id = $1 for update',
    );
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    idx.last = done;
    const tokens = await idx.exchange(interaction, idx.interactionCode());
    expect(tokens.status).toBe(200);
    const { db } = server.services.storage.handle;
    const stored = await db
      .selectFrom('email_challenges')
      .select(['attempts', 'consumed_at'])
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(stored.attempts).toBe(1);
    expect(stored.consumed_at).not.toBeNull();
    expect(await signInEvents(user.id)).toHaveLength(1);
  });

  it('password sign-in (the attempt was claimed and committed before hashing): a clean 503 to retry, and the retry signs in', async () => {
    const { app } = await server.createApp({ policy: { factors: 'password' } });
    const { user, password } = await server.createUser();
    const idx = new IdxConversation(server.url, app.clientId);
    const interaction = await idx.interact();
    const first = await idx.introspect(interaction.interactionHandle);
    const identify = { identifier: user.login, credentials: { passcode: password } };
    const refused = await deadlock(
      { appId: app.id, userId: user.id },
      () => idx.submit('identify', identify),
      // The step settled the attempt on the user's row before it reached the transaction row.
      'select id from users where id = $1 for update',
    );
    expect(refused.status, JSON.stringify(refused.body)).toBe(503);
    expect(messageKeys(refused.body)).toEqual(['gatehouse.service.unavailable']);
    expect(refused.headers.get('retry-after')).toBe('1');
    // Nothing after the claim was written: no sign-in event.
    expect(await signInEvents(user.id)).toHaveLength(0);
    idx.last = first;
    const retried = await idx.submit('identify', identify);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    const tokens = await idx.exchange(interaction, idx.interactionCode());
    expect(tokens.status).toBe(200);
  });
});
