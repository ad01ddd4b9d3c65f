import { type Kysely, sql } from 'kysely';
import { type AuditEvent, insertEvent } from './events-store.js';
import { deleteOwnedRecords } from './owned-records.js';
import { PreparedQuery } from './prepared.js';
import type { Database } from './schema.js';
import {
  type DeletedUser,
  type NewUser,
  toUser,
  type User,
  type UserChanges,
  type UserProfile,
  type UserStatus,
} from './user-records.js';

export type { DeletedUser, NewUser, User, UserChanges, UserProfile, UserStatus } from './user-records.js';

const userById = new PreparedQuery('users.byId', 1, (db, id: string) =>
  db.selectFrom('users').selectAll().where('id', '=', id),
);
const userByLoginKey = new PreparedQuery('users.byLoginKey', 1, (db, loginKey: string) =>
  db.selectFrom('users').selectAll().where('login_key', '=', loginKey),
);

export class UsersStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Creates the user and, when given, its password credential and an audit event, in one transaction. */
  async createUser(user: NewUser, passwordHash: string | null, event?: AuditEvent): Promise<User> {
    await this.db.transaction().execute(async (trx) => {
      if (event) await insertEvent(trx, { ...event, userId: user.id }, user.createdAt);
      await trx
        .insertInto('users')
        .values({
          id: user.id,
          login: user.login,
          login_key: user.loginKey,
          email: user.email,
          email_verified: user.emailVerified ? 1 : 0,
          status: user.status ?? 'ACTIVE',
          profile: JSON.stringify(user.profile),
          failed_attempts: 0,
          locked_until: null,
          attempts_in_flight: 0,
          attempt_claimed_at: null,
          created_at: user.createdAt,
          updated_at: user.createdAt,
          password_changed_at: passwordHash ? user.createdAt : null,
        })
        .execute();
      if (passwordHash) {
        await trx
          .insertInto('credentials')
          .values({
            user_id: user.id,
            type: 'password',
            secret_hash: passwordHash,
            created_at: user.createdAt,
          })
          .execute();
      }
    });
    return (await this.findById(user.id))!;
  }

  async findById(id: string): Promise<User | null> {
    const row = await userById.first(this.db, id);
    return row ? toUser(row) : null;
  }

  async findByLoginKey(loginKey: string): Promise<User | null> {
    const row = await userByLoginKey.first(this.db, loginKey);
    return row ? toUser(row) : null;
  }

  /** The user whose email address this is (case-insensitive); the oldest when several share it. */
  async findByEmail(email: string): Promise<User | null> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
      .orderBy('created_at')
      .limit(1)
      .executeTakeFirst();
    return row ? toUser(row) : null;
  }

  /** A registered user's enrollment is complete: `STAGED` becomes `ACTIVE` (once; false otherwise). */
  async activate(userId: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ status: 'ACTIVE', updated_at: now })
      .where('id', '=', userId)
      .where('status', '=', 'STAGED')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** A later sign-up for the address of a `STAGED` user gives it that sign-up's profile (false: not staged any more). */
  async updateStagedProfile(userId: string, profile: UserProfile, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ profile: JSON.stringify(profile), updated_at: now })
      .where('id', '=', userId)
      .where('status', '=', 'STAGED')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async markEmailVerified(userId: string, now: number): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ email_verified: 1, updated_at: now })
      .where('id', '=', userId)
      .execute();
  }

  /** Deletes registrations abandoned before `before` (still `STAGED`), with their credentials. */
  async deleteStagedBefore(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('users')
      .where('status', '=', 'STAGED')
      .where('created_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async list(limit: number, offset = 0): Promise<User[]> {
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map(toUser);
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Claims one password attempt before the password is judged, in one guarded update: granted only
   * while the user is not locked and failures plus attempts already being judged stay under
   * `maxAttempts`, so however many attempts arrive at once, no more than `maxAttempts` wrong ones
   * are ever judged per lock window. A lock that has run out starts a new count. Attempts claimed
   * longer than `staleMs` ago no longer count (their process stopped). Returns `claimed`; `locked`
   * while a lock holds; `busy` when the slots are taken by attempts still being judged (try again
   * shortly). Every claim is settled with {@link settlePasswordAttempt}.
   */
  async claimPasswordAttempt(
    userId: string,
    now: number,
    maxAttempts: number,
    staleMs: number,
  ): Promise<'claimed' | 'locked' | 'busy'> {
    const lockRanOut = sql<boolean>`locked_until is not null and locked_until <= ${now}`;
    const failures = sql<number>`case when ${lockRanOut} then 0 else failed_attempts end`;
    const inFlight = sql<number>`case when attempt_claimed_at > ${now - staleMs} then attempts_in_flight else 0 end`;
    const result = await this.db
      .updateTable('users')
      .set({
        attempts_in_flight: sql<number>`${inFlight} + 1`,
        attempt_claimed_at: now,
        failed_attempts: failures,
        locked_until: sql<number | null>`case when ${lockRanOut} then null else locked_until end`,
      })
      .where('id', '=', userId)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
      .where(sql<boolean>`${failures} + ${inFlight} < ${maxAttempts}`)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) return 'claimed';
    const user = await this.findById(userId);
    return user?.lockedUntil != null && user.lockedUntil > now ? 'locked' : 'busy';
  }

  /**
   * Settles a claimed attempt: a right password clears the failures and any lock; a wrong one
   * counts, and the failure that reaches `maxAttempts` locks the user until `lockUntil`. Returns
   * whether this failure locked the user.
   */
  async settlePasswordAttempt(
    userId: string,
    outcome: { ok: true } | { ok: false; now: number; maxAttempts: number; lockUntil: number },
  ): Promise<boolean> {
    const released = sql<number>`case when attempts_in_flight > 0 then attempts_in_flight - 1 else 0 end`;
    if (outcome.ok) {
      await this.db
        .updateTable('users')
        .set({ attempts_in_flight: released, failed_attempts: 0, locked_until: null })
        .where('id', '=', userId)
        .execute();
      return false;
    }
    const { now, maxAttempts, lockUntil } = outcome;
    const failures = sql<number>`case when locked_until is not null and locked_until <= ${now} then 1 else failed_attempts + 1 end`;
    const row = await this.db
      .updateTable('users')
      .set({
        attempts_in_flight: released,
        failed_attempts: failures,
        locked_until: sql<
          number | null
        >`case when (${failures}) >= ${maxAttempts} then cast(${lockUntil} as bigint) else locked_until end`,
        updated_at: now,
      })
      .where('id', '=', userId)
      .returning(['failed_attempts', 'locked_until'])
      .executeTakeFirst();
    return row !== undefined && Number(row.failed_attempts) === maxAttempts && row.locked_until !== null;
  }

  async resetFailedAttempts(userId: string, now: number): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ failed_attempts: 0, locked_until: null, updated_at: now })
      .where('id', '=', userId)
      .where((eb) => eb.or([eb('failed_attempts', '>', 0), eb('locked_until', 'is not', null)]))
      .execute();
  }

  /** Changes the address, its verification and the profile, with the audit event, in one transaction. */
  async updateUser(userId: string, changes: UserChanges, now: number, event: AuditEvent): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('users')
        .set({
          updated_at: now,
          ...(changes.email !== undefined ? { email: changes.email } : {}),
          ...(changes.emailVerified !== undefined ? { email_verified: changes.emailVerified ? 1 : 0 } : {}),
          ...(changes.profile !== undefined ? { profile: JSON.stringify(changes.profile) } : {}),
        })
        .where('id', '=', userId)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await insertEvent(trx, { ...event, userId }, now);
      return true;
    });
  }

  /**
   * Deletes a user and everything that is theirs, in one transaction with its audit event: password
   * and its history, enrollments, SSO sessions, grants with their tokens, transactions (open or
   * finished) with their challenges and interaction codes. Audit events stay. Null when there was
   * no such user (nothing written).
   */
  async deleteUser(userId: string, now: number, event: AuditEvent): Promise<DeletedUser | null> {
    return this.db.transaction().execute(async (trx) => {
      const exists = await trx.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
      if (!exists) return null;
      const owned = await deleteOwnedRecords(trx, { column: 'user_id', id: userId });
      const removed = async (
        table: 'credentials' | 'password_history' | 'authenticator_enrollments' | 'sessions',
      ) =>
        Number((await trx.deleteFrom(table).where('user_id', '=', userId).executeTakeFirst()).numDeletedRows);
      const deleted: DeletedUser = {
        credentials: await removed('credentials'),
        passwordHistory: await removed('password_history'),
        enrollments: await removed('authenticator_enrollments'),
        sessions: await removed('sessions'),
        ...owned,
      };
      await trx.deleteFrom('users').where('id', '=', userId).execute();
      await insertEvent(trx, { ...event, userId, data: { ...event.data, removed: deleted } }, now);
      return deleted;
    });
  }

  async setStatus(userId: string, status: UserStatus, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({
        status,
        updated_at: now,
        ...(status === 'ACTIVE' ? { failed_attempts: 0, locked_until: null } : {}),
      })
      .where('id', '=', userId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
