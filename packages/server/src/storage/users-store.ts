import { type Kysely, type Selectable, sql } from 'kysely';
import type { Database, UsersTable } from './schema.js';

export type UserStatus = 'ACTIVE' | 'LOCKED_OUT' | 'SUSPENDED' | 'DEPROVISIONED';

export interface UserProfile {
  login: string;
  email: string;
  firstName?: string | undefined;
  lastName?: string | undefined;
  [attribute: string]: string | undefined;
}

export interface User {
  id: string;
  login: string;
  email: string;
  emailVerified: boolean;
  status: UserStatus;
  profile: UserProfile;
  failedAttempts: number;
  lockedUntil: number | null;
  createdAt: number;
  updatedAt: number;
  passwordChangedAt: number | null;
}

export interface NewUser {
  id: string;
  login: string;
  loginKey: string;
  email: string;
  emailVerified: boolean;
  profile: UserProfile;
  createdAt: number;
}

function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    login: row.login,
    email: row.email,
    emailVerified: row.email_verified === 1,
    status: row.status as UserStatus,
    profile: JSON.parse(row.profile) as UserProfile,
    failedAttempts: row.failed_attempts,
    lockedUntil: row.locked_until,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    passwordChangedAt: row.password_changed_at,
  };
}

export class UsersStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Creates the user and, when given, its password credential in one transaction. */
  async createUser(user: NewUser, passwordHash: string | null): Promise<User> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('users')
        .values({
          id: user.id,
          login: user.login,
          login_key: user.loginKey,
          email: user.email,
          email_verified: user.emailVerified ? 1 : 0,
          status: 'ACTIVE',
          profile: JSON.stringify(user.profile),
          failed_attempts: 0,
          locked_until: null,
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
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async findByLoginKey(loginKey: string): Promise<User | null> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('login_key', '=', loginKey)
      .executeTakeFirst();
    return row ? toUser(row) : null;
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

  async findPasswordHash(userId: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('credentials')
      .select('secret_hash')
      .where('user_id', '=', userId)
      .where('type', '=', 'password')
      .executeTakeFirst();
    return row?.secret_hash ?? null;
  }

  /** Replaces (or sets) the password hash; `rehash` keeps `password_changed_at` (parameter upgrade). */
  async setPasswordHash(userId: string, hash: string, now: number, rehash = false): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (!rehash) {
        // The password being replaced joins the history (a reset may refuse the last N).
        const previous = await trx
          .selectFrom('credentials')
          .select(['secret_hash', 'created_at'])
          .where('user_id', '=', userId)
          .where('type', '=', 'password')
          .executeTakeFirst();
        if (previous) {
          await trx
            .insertInto('password_history')
            .values({ user_id: userId, secret_hash: previous.secret_hash, created_at: previous.created_at })
            .execute();
        }
      }
      const updated = await trx
        .updateTable('credentials')
        .set({ secret_hash: hash, ...(rehash ? {} : { created_at: now }) })
        .where('user_id', '=', userId)
        .where('type', '=', 'password')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) {
        await trx
          .insertInto('credentials')
          .values({ user_id: userId, type: 'password', secret_hash: hash, created_at: now })
          .execute();
      }
      if (!rehash) {
        await trx
          .updateTable('users')
          .set({ password_changed_at: now, updated_at: now })
          .where('id', '=', userId)
          .execute();
      }
    });
  }

  /** Hashes of the user's earlier passwords, newest first. */
  async passwordHistory(userId: string, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    const rows = await this.db
      .selectFrom('password_history')
      .select('secret_hash')
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => r.secret_hash);
  }

  /**
   * Claims one password attempt before the password is judged, in one guarded update: refused
   * (null) while the user is locked. The claim that reaches `maxAttempts` locks the user until
   * `lockUntil` in the same statement, so however many attempts arrive at once, at most
   * `maxAttempts` are ever judged per lock window. A lock that has run out starts a new count; a
   * correct password clears it (`resetFailedAttempts`), an in-flight wrong one keeps its count.
   */
  async claimPasswordAttempt(
    userId: string,
    now: number,
    maxAttempts: number,
    lockUntil: number,
  ): Promise<{ attempt: number; locked: boolean } | null> {
    // The WHERE clause admits only unlocked users, so a lock still set here has run out.
    const count = sql<number>`case when locked_until is not null then 1 else failed_attempts + 1 end`;
    const row = await this.db
      .updateTable('users')
      .set({
        failed_attempts: count,
        locked_until: sql<
          number | null
        >`case when (${count}) >= ${maxAttempts} then cast(${lockUntil} as bigint) else null end`,
        updated_at: now,
      })
      .where('id', '=', userId)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
      .returning(['failed_attempts', 'locked_until'])
      .executeTakeFirst();
    if (!row) return null;
    return { attempt: Number(row.failed_attempts), locked: row.locked_until !== null };
  }

  async resetFailedAttempts(userId: string, now: number): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ failed_attempts: 0, locked_until: null, updated_at: now })
      .where('id', '=', userId)
      .where((eb) => eb.or([eb('failed_attempts', '>', 0), eb('locked_until', 'is not', null)]))
      .execute();
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
