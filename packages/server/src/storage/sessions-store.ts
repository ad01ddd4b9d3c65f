import type { Kysely, Selectable } from 'kysely';
import type { Database, SessionsTable } from './schema.js';

/** An SSO session: a browser signed in at Gatehouse itself (hosted sign-in, ADR 0012). */
export interface Session {
  id: string;
  /** SHA-256 of the cookie value; the value itself is never stored. */
  tokenHash: string;
  userId: string;
  authTime: number;
  /** Authenticator keys proven when the session began (checked against each app's policy). */
  factors: string[];
  amr: string[];
  rememberMe: boolean;
  ip: string | null;
  userAgent: string | null;
  createdAt: number;
  lastUsedAt: number;
  idleExpiresAt: number;
  expiresAt: number;
  endedAt: number | null;
}

function toSession(row: Selectable<SessionsTable>): Session {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    userId: row.user_id,
    authTime: row.auth_time,
    factors: JSON.parse(row.factors) as string[],
    amr: JSON.parse(row.amr) as string[],
    rememberMe: row.remember_me === 1,
    ip: row.ip,
    userAgent: row.user_agent,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    idleExpiresAt: row.idle_expires_at,
    expiresAt: row.expires_at,
    endedAt: row.ended_at,
  };
}

export class SessionsStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(session: Session): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id: session.id,
        token_hash: session.tokenHash,
        user_id: session.userId,
        auth_time: session.authTime,
        factors: JSON.stringify(session.factors),
        amr: JSON.stringify(session.amr),
        remember_me: session.rememberMe ? 1 : 0,
        ip: session.ip,
        user_agent: session.userAgent,
        created_at: session.createdAt,
        last_used_at: session.lastUsedAt,
        idle_expires_at: session.idleExpiresAt,
        expires_at: session.expiresAt,
        ended_at: session.endedAt,
      })
      .execute();
  }

  /** The session a cookie names, live or not (the caller decides). */
  async findByTokenHash(tokenHash: string): Promise<Session | null> {
    const row = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row ? toSession(row) : null;
  }

  async findById(id: string): Promise<Session | null> {
    const row = await this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toSession(row) : null;
  }

  /** Records a use: the idle expiry slides, never past the absolute one. */
  async touch(id: string, now: number, idleExpiresAt: number): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ last_used_at: now, idle_expires_at: idleExpiresAt })
      .where('id', '=', id)
      .where('ended_at', 'is', null)
      .execute();
  }

  /** Ends one session; false when it had already ended (or never existed). */
  async end(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('sessions')
      .set({ ended_at: now })
      .where('id', '=', id)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Ends every session of a user; returns their ids. */
  async endAllOfUser(userId: string, now: number): Promise<string[]> {
    const rows = await this.db
      .updateTable('sessions')
      .set({ ended_at: now })
      .where('user_id', '=', userId)
      .where('ended_at', 'is', null)
      .returning('id')
      .execute();
    return rows.map((row) => row.id);
  }

  /** Sessions not ended and not expired, newest first (for `gatehouse sessions list`). */
  async listLive(now: number, options: { userId?: string; limit: number }): Promise<Session[]> {
    let query = this.db
      .selectFrom('sessions')
      .selectAll()
      .where('ended_at', 'is', null)
      .where('expires_at', '>', now)
      .where('idle_expires_at', '>', now);
    if (options.userId) query = query.where('user_id', '=', options.userId);
    const rows = await query.orderBy('created_at', 'desc').limit(options.limit).execute();
    return rows.map(toSession);
  }

  /** Deletes sessions that ended or expired before `before`. */
  async deleteExpired(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('sessions')
      .where((eb) =>
        eb.or([
          eb('ended_at', '<', before),
          eb('expires_at', '<', before),
          eb('idle_expires_at', '<', before),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
