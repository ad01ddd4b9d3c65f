import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src/storage/apps-store.js';
import type { Grant } from '../../src/storage/grants-store.js';
import type { SigningKeyRecord } from '../../src/storage/keys-store.js';
import type { Session } from '../../src/storage/sessions-store.js';
import type { Storage } from '../../src/storage/storage.js';
import type { Transaction } from '../../src/storage/transactions-store.js';
import type { User } from '../../src/storage/users-store.js';

/** Times past 2^31 so that a bigint column read back as a string (or truncated) shows. */
const T0 = 1_800_000_000_123;
const HOUR = 3_600_000;

interface Suite {
  store: Storage;
  race: <T>(n: number, call: (s: Storage, i: number) => Promise<T>) => Promise<T[]>;
}

const uid = (prefix: string) => `${prefix}_${randomUUID().replace(/-/g, '')}`;

/** Row counts of a user's or an app's records in every table that holds them. */
async function countRows(store: Storage, column: 'user_id' | 'app_id', id: string) {
  const { db } = store.handle;
  const n = async (table: string, where = sql`${sql.ref(column)} = ${id}`) =>
    Number(
      (await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where ${where}`.execute(db))
        .rows[0]!.n,
    );
  const ofTransactions = sql`transaction_id in (select id from transactions where ${sql.ref(column)} = ${id})`;
  const ofGrants = sql`grant_id in (select id from grants where ${sql.ref(column)} = ${id})`;
  return {
    transactions: await n('transactions'),
    interactionCodes: await n('interaction_codes'),
    emailChallenges: await n('email_challenges', ofTransactions),
    authenticatorChallenges: await n('authenticator_challenges', ofTransactions),
    grants: await n('grants'),
    accessTokens: await n('access_tokens', ofGrants),
    refreshTokens: await n('refresh_tokens', ofGrants),
    ...(column === 'user_id'
      ? {
          credentials: await n('credentials'),
          passwordHistory: await n('password_history'),
          enrollments: await n('authenticator_enrollments'),
          sessions: await n('sessions'),
        }
      : {}),
  };
}

/**
 * Deleting a user or an app, and a signing key, part of the one storage contract run on SQLite and
 * PostgreSQL: everything that was theirs goes in one transaction with its audit event (a failure
 * at the last statement leaves every row in place), what is someone else's stays, and an app in
 * use is refused unless forced.
 */
export function describeDeletions(suite: () => Suite): void {
  async function newUser(): Promise<User> {
    const id = uid('u');
    const login = `${id}@example.com`;
    const profile = { login, email: login, firstName: 'Ada', lastName: 'Lovelace' };
    const { store } = suite();
    return store.users.createUser(
      { id, login, loginKey: login, email: login, emailVerified: true, profile, createdAt: T0 },
      'argon2-hash',
    );
  }

  async function newApp(): Promise<App> {
    const app: App = {
      id: uid('app'),
      clientId: uid('client'),
      name: 'Deletion app',
      secretHash: null,
      redirectUris: ['http://localhost:8080/login/callback'],
      postLogoutRedirectUris: [],
      emailVerifyUri: null,
      loginUri: null,
      trustedOrigins: [`http://${uid('o')}.localhost:8080`],
      grantTypes: ['authorization_code', 'interaction_code', 'refresh_token'],
      policy: {
        requirements: [{ anyOf: ['password'] }],
        identifierFirst: false,
        selfServiceRecovery: true,
        selfServiceUnlock: false,
        signInAfterUnlock: false,
        registration: null,
      },
      createdAt: T0,
      requirePkce: false,
      hostedPage: {},
      tokenSigningAlg: 'RS256',
    };
    return suite().store.apps.createApp(app);
  }

  const session = (userId: string, partial: Partial<Session> = {}): Session => ({
    id: uid('ses'),
    tokenHash: uid('th'),
    userId,
    authTime: T0,
    factors: ['password'],
    amr: ['pwd'],
    rememberMe: false,
    ip: null,
    userAgent: null,
    createdAt: T0,
    lastUsedAt: T0,
    idleExpiresAt: T0 + 2 * HOUR,
    expiresAt: T0 + 12 * HOUR,
    endedAt: null,
    ...partial,
  });

  /** A sign-in of `user` at `app`: a transaction with its email and authenticator challenges, code, grant and tokens. */
  async function signIn(user: User, app: App, sessionId: string | null = null): Promise<Grant> {
    const { store } = suite();
    const tx: Transaction = {
      id: uid('tx'),
      interactionHandleHash: uid('ih'),
      stateHandleHash: uid('sh'),
      stateGeneration: 0,
      serverId: 'default',
      appId: app.id,
      redirectUri: app.redirectUris[0]!,
      scopes: ['openid', 'offline_access'],
      state: 'state',
      nonce: null,
      codeChallenge: 'challenge',
      flow: 'sign-in',
      step: 'challenge',
      userId: user.id,
      identifier: user.login,
      authenticatorKey: 'email',
      verified: [],
      status: 'active',
      version: 1,
      createdAt: T0,
      expiresAt: T0 + HOUR,
      completedAt: null,
      authorizeRequest: null,
      rememberMe: false,
    };
    await store.transactions.create(tx);
    await store.emailChallenges.replace({
      id: uid('ec'),
      transactionId: tx.id,
      userId: user.id,
      recipient: user.email,
      purpose: 'sign-in',
      seed: 'seed',
      createdAt: T0,
      expiresAt: T0 + HOUR,
      attempts: 0,
      maxAttempts: 5,
      sends: 1,
      lastSentAt: T0,
      consumedAt: null,
    });
    await store.authenticatorChallenges.replace({
      id: uid('ac'),
      transactionId: tx.id,
      authenticatorKey: 'webauthn',
      purpose: 'sign-in',
      data: {},
      createdAt: T0,
      expiresAt: T0 + HOUR,
      maxAttempts: 5,
    });
    await store.interactionCodes.create({
      codeHash: uid('code'),
      grantType: 'interaction_code',
      sessionId,
      transactionId: tx.id,
      serverId: 'default',
      appId: app.id,
      redirectUri: tx.redirectUri,
      codeChallenge: 'challenge',
      userId: user.id,
      scopes: tx.scopes,
      nonce: null,
      authTime: T0,
      amr: ['pwd'],
      expiresAt: T0 + 60_000,
      usedAt: null,
    });
    const grant: Grant = {
      id: uid('grant'),
      userId: user.id,
      appId: app.id,
      serverId: 'default',
      scopes: tx.scopes,
      codeHash: null,
      authTime: T0,
      amr: ['pwd'],
      createdAt: T0,
      expiresAt: T0 + 24 * HOUR,
      revokedAt: null,
      sessionId,
    };
    await store.grants.createGrant(
      grant,
      {
        accessToken: { jti: uid('AT'), expiresAt: T0 + HOUR },
        refreshToken: { tokenHash: uid('rt'), scopes: tx.scopes, expiresAt: T0 + 24 * HOUR },
      },
      { type: 'app.oauth2.token.grant', userId: user.id, appId: app.id },
    );
    return grant;
  }

  /** A user with a password and its history, an enrollment, a session and a sign-in at each app. */
  async function userWithEverything(apps: App[]) {
    const { store } = suite();
    const user = await newUser();
    await store.credentials.setPasswordHash(user.id, 'argon2-hash-2', T0 + 1);
    await store.enrollments.add(
      {
        id: uid('enr'),
        userId: user.id,
        authenticatorKey: 'google_otp',
        name: 'Google Authenticator',
        secret: 'sealed',
        credentialId: null,
        counter: 0,
        data: {},
        createdAt: T0,
      },
      { type: 'user.mfa.factor.activate', userId: user.id },
    );
    const sso = session(user.id);
    await store.sessions.create(sso);
    for (const app of apps) await signIn(user, app, sso.id);
    return { user, session: sso };
  }

  describe('deleting a user', () => {
    it('removes everything that was theirs with one audit event, and nothing of anyone else', async () => {
      const { store } = suite();
      const app = await newApp();
      const { user } = await userWithEverything([app]);
      const { user: other } = await userWithEverything([app]);
      const before = await countRows(store, 'user_id', user.id);
      expect(
        Object.values(before).every((n) => n > 0),
        JSON.stringify(before),
      ).toBe(true);
      const othersBefore = await countRows(store, 'user_id', other.id);

      const deleted = await store.users.deleteUser(user.id, T0 + HOUR, {
        type: 'user.lifecycle.delete.completed',
        data: { by: 'contract' },
      });
      expect(deleted).toEqual(before);
      expect(Object.values(await countRows(store, 'user_id', user.id)).every((n) => n === 0)).toBe(true);
      expect(await store.users.findById(user.id)).toBeNull();
      expect(await countRows(store, 'user_id', other.id)).toEqual(othersBefore);
      // The audit trail outlives the user: the delete event carries what was removed.
      const [event] = await store.events.listForUser(user.id, 1);
      expect(event).toMatchObject({
        type: 'user.lifecycle.delete.completed',
        createdAt: T0 + HOUR,
        data: { by: 'contract', removed: deleted },
      });
    });

    it('an unknown user: null, nothing written', async () => {
      const { store } = suite();
      const ghost = uid('u');
      expect(await store.users.deleteUser(ghost, T0, { type: 'user.lifecycle.delete.completed' })).toBeNull();
      expect(await store.events.listForUser(ghost)).toEqual([]);
    });

    it('all or nothing: when the last statement fails, every record is still there and no event is written', async () => {
      const { store } = suite();
      const app = await newApp();
      const { user } = await userWithEverything([app]);
      const before = await countRows(store, 'user_id', user.id);
      const { db, dialect } = store.handle;
      const name = `refuse_${randomUUID().replace(/-/g, '')}`;
      // A trigger that refuses deleting this one user row: the user goes last, after everything of theirs.
      if (dialect === 'sqlite')
        await sql`create trigger ${sql.raw(name)} before delete on users when old.id = ${sql.lit(user.id)} begin select raise(abort, 'refused by the test'); end`.execute(
          db,
        );
      else {
        await sql`create function ${sql.raw(name)}() returns trigger as $$ begin if old.id = ${sql.lit(user.id)} then raise exception 'refused by the test'; end if; return old; end $$ language plpgsql`.execute(
          db,
        );
        await sql`create trigger ${sql.raw(name)} before delete on users for each row execute function ${sql.raw(name)}()`.execute(
          db,
        );
      }
      try {
        await expect(
          store.users.deleteUser(user.id, T0 + HOUR, { type: 'user.lifecycle.delete.completed' }),
        ).rejects.toThrow(/refused by the test/);
      } finally {
        await sql`drop trigger ${sql.raw(name)}${dialect === 'postgres' ? sql` on users` : sql``}`.execute(
          db,
        );
        if (dialect === 'postgres') await sql`drop function ${sql.raw(name)}()`.execute(db);
      }
      expect(await countRows(store, 'user_id', user.id)).toEqual(before);
      expect(await store.users.findById(user.id)).not.toBeNull();
      expect((await store.events.listForUser(user.id)).map((e) => e.type)).not.toContain(
        'user.lifecycle.delete.completed',
      );
    });
  });

  describe('updating a user', () => {
    it('changes address, verification and profile with its event; an unknown user is false', async () => {
      const { store } = suite();
      const user = await newUser();
      const profile = { ...user.profile, email: 'new@example.com', lastName: 'Byron', color: 'blue' };
      const event = { type: 'user.account.update_profile', data: { changed: ['email'] } };
      expect(
        await store.users.updateUser(
          user.id,
          { email: 'new@example.com', emailVerified: false, profile },
          T0 + 5,
          event,
        ),
      ).toBe(true);
      expect(await store.users.findById(user.id)).toMatchObject({
        email: 'new@example.com',
        emailVerified: false,
        profile,
        updatedAt: T0 + 5,
        login: user.login,
      });
      expect((await store.events.listForUser(user.id, 1))[0]).toMatchObject(event);
      expect(await store.users.updateUser(uid('u'), { emailVerified: true }, T0, event)).toBe(false);
    });
  });

  describe('deleting an app', () => {
    const deleteEvent = { type: 'application.lifecycle.delete', data: { by: 'contract' } };

    it('in use (a live session it was signed into, a live grant): refused with what uses it, nothing written', async () => {
      const { store } = suite();
      const app = await newApp();
      await userWithEverything([app]);
      const before = await countRows(store, 'app_id', app.id);
      const deletion = await store.apps.deleteApp(app.id, T0 + HOUR, false, deleteEvent);
      expect(deletion).toEqual({
        outcome: 'in-use',
        activity: { liveSessions: 1, liveGrants: 1, liveAccessTokens: 0, liveRefreshTokens: 1 },
      });
      expect(await store.apps.findById(app.id)).not.toBeNull();
      expect(await countRows(store, 'app_id', app.id)).toEqual(before);
      // Later, once the session, grant and tokens have expired, nothing is in use.
      expect(await store.apps.activity(app.id, T0 + 25 * HOUR)).toEqual({
        liveSessions: 0,
        liveGrants: 0,
        liveAccessTokens: 0,
        liveRefreshTokens: 0,
      });
    });

    it('forced: ends the sessions it was signed into (revoking other apps’ grants made in them), deletes its records; other apps keep theirs', async () => {
      const { store } = suite();
      const [app, other, bystander] = [await newApp(), await newApp(), await newApp()];
      const { user, session: shared } = await userWithEverything([app, other]);
      // Another user signed in at the other app only: untouched.
      const { user: elsewhere, session: elsewhereSession } = await userWithEverything([bystander]);
      const before = await countRows(store, 'app_id', app.id);
      const bystanderBefore = await countRows(store, 'app_id', bystander.id);

      const deletion = await store.apps.deleteApp(app.id, T0 + HOUR, true, deleteEvent);
      expect(deletion).toEqual({
        outcome: 'deleted',
        activity: { liveSessions: 1, liveGrants: 1, liveAccessTokens: 0, liveRefreshTokens: 1 },
        removed: { ...before, endedSessions: 1, otherAppsGrantsRevoked: 1 },
      });
      expect(await store.apps.findById(app.id)).toBeNull();
      expect(await store.apps.findByClientId(app.clientId)).toBeNull();
      expect(await store.apps.isTrustedOrigin(app.trustedOrigins[0]!)).toBe(false);
      expect(Object.values(await countRows(store, 'app_id', app.id)).every((n) => n === 0)).toBe(true);
      expect((await store.sessions.findById(shared.id))?.endedAt).toBe(T0 + HOUR);
      const otherGrant = await store.handle.db
        .selectFrom('grants')
        .select('revoked_at')
        .where('app_id', '=', other.id)
        .executeTakeFirstOrThrow();
      expect(Number(otherGrant.revoked_at)).toBe(T0 + HOUR);
      expect((await store.sessions.findById(elsewhereSession.id))?.endedAt).toBeNull();
      expect(await countRows(store, 'app_id', bystander.id)).toEqual(bystanderBefore);
      expect(await store.users.findById(user.id)).not.toBeNull();
      expect(await store.users.findById(elsewhere.id)).not.toBeNull();
      const events = await store.events.listForUser(user.id, 5);
      expect(events.find((e) => e.type === 'user.session.end')).toMatchObject({
        appId: app.id,
        data: { session: shared.id, reason: 'app deleted' },
      });
      expect(await store.apps.deleteApp(app.id, T0 + HOUR, true, deleteEvent)).toEqual({
        outcome: 'not-found',
      });
    });

    it('an app nobody uses is deleted without force', async () => {
      const { store } = suite();
      const app = await newApp();
      const deletion = await store.apps.deleteApp(app.id, T0, false, deleteEvent);
      expect(deletion.outcome).toBe('deleted');
      expect(await store.apps.findById(app.id)).toBeNull();
    });
  });

  describe('deleting a signing key', () => {
    it('findByKid finds it; delete removes it once (false the second time)', async () => {
      const { store } = suite();
      const kid = uid('kid');
      const key: SigningKeyRecord = {
        kid,
        alg: uid('alg'),
        privateJwk: '{}',
        publicJwk: '{}',
        status: 'retired',
        createdAt: T0,
        retiredAt: T0,
        publishUntil: T0 + HOUR,
      };
      // An algorithm of its own: the key goes in as given, beside the active keys of the real ones.
      expect(await store.keys.insertIfNoneActive(key)).toBe(true);
      expect(await store.keys.findByKid(kid)).toEqual(key);
      expect(await store.keys.delete(kid)).toBe(true);
      expect(await store.keys.findByKid(kid)).toBeNull();
      expect(await store.keys.delete(kid)).toBe(false);
    });
  });
}
