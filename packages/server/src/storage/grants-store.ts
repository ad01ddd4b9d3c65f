import type { Insertable, Kysely, Selectable } from 'kysely';
import { type AuditEvent, insertEvent } from './events-store.js';
import { lockUnreplayedCode } from './interaction-codes-store.js';
import type { Database, GrantsTable, RefreshTokensTable } from './schema.js';

/** What a user allowed an app, once signed in; every token hangs off one grant (the token family). */
export interface Grant {
  id: string;
  userId: string;
  appId: string;
  serverId: string;
  scopes: string[];
  codeHash: string | null;
  authTime: number;
  amr: string[];
  createdAt: number;
  /** Absolute end of the refresh-token family. */
  expiresAt: number;
  revokedAt: number | null;
  /** The SSO session it was made in (hosted sign-in); null for embedded sign-ins. */
  sessionId: string | null;
}

export interface RefreshToken {
  tokenHash: string;
  grantId: string;
  scopes: string[];
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  revokedAt: number | null;
}

function toGrant(row: Selectable<GrantsTable>): Grant {
  return {
    id: row.id,
    userId: row.user_id,
    appId: row.app_id,
    serverId: row.server_id,
    scopes: row.scopes.split(' ').filter(Boolean),
    codeHash: row.code_hash,
    authTime: row.auth_time,
    amr: JSON.parse(row.amr) as string[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    sessionId: row.session_id,
  };
}

/** The row of a grant as stored. */
export function toGrantRow(grant: Grant): Insertable<GrantsTable> {
  return {
    id: grant.id,
    user_id: grant.userId,
    app_id: grant.appId,
    server_id: grant.serverId,
    scopes: grant.scopes.join(' '),
    code_hash: grant.codeHash,
    auth_time: grant.authTime,
    amr: JSON.stringify(grant.amr),
    created_at: grant.createdAt,
    expires_at: grant.expiresAt,
    revoked_at: grant.revokedAt,
    session_id: grant.sessionId,
  };
}

function toRefreshToken(row: Selectable<RefreshTokensTable>): RefreshToken {
  return {
    tokenHash: row.token_hash,
    grantId: row.grant_id,
    scopes: row.scopes.split(' ').filter(Boolean),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
    revokedAt: row.revoked_at,
  };
}

export interface IssuedTokens {
  accessToken: { jti: string; expiresAt: number };
  refreshToken?: { tokenHash: string; scopes: string[]; expiresAt: number } | undefined;
}

export class GrantsStore {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Stores a new grant, its first tokens and the audit event of the issue, in one transaction.
   * A grant made from an interaction code is created only while that code is not marked replayed
   * (`lockUnreplayedCode`); false when it was, and nothing is written.
   */
  async createGrant(grant: Grant, tokens: IssuedTokens, event: AuditEvent): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      if (grant.codeHash !== null && !(await lockUnreplayedCode(trx, grant.codeHash))) return false;
      await trx.insertInto('grants').values(toGrantRow(grant)).execute();
      await this.insertTokens(trx, grant.id, grant.createdAt, tokens);
      await insertEvent(trx, event, grant.createdAt);
      return true;
    });
  }

  /** Records the tokens of a refresh (the presented refresh token was consumed just before) and its event. */
  async addTokens(grantId: string, now: number, tokens: IssuedTokens, event: AuditEvent): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.insertTokens(trx, grantId, now, tokens);
      await insertEvent(trx, event, now);
    });
  }

  private async insertTokens(trx: Kysely<Database>, grantId: string, now: number, tokens: IssuedTokens) {
    await trx
      .insertInto('access_tokens')
      .values({
        jti: tokens.accessToken.jti,
        grant_id: grantId,
        expires_at: tokens.accessToken.expiresAt,
        revoked_at: null,
      })
      .execute();
    if (tokens.refreshToken) {
      await trx
        .insertInto('refresh_tokens')
        .values({
          token_hash: tokens.refreshToken.tokenHash,
          grant_id: grantId,
          scopes: tokens.refreshToken.scopes.join(' '),
          created_at: now,
          expires_at: tokens.refreshToken.expiresAt,
          used_at: null,
          revoked_at: null,
        })
        .execute();
    }
  }

  async findGrant(id: string): Promise<Grant | null> {
    const row = await this.db.selectFrom('grants').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toGrant(row) : null;
  }

  async findGrantByCode(codeHash: string): Promise<Grant | null> {
    const row = await this.db
      .selectFrom('grants')
      .selectAll()
      .where('code_hash', '=', codeHash)
      .executeTakeFirst();
    return row ? toGrant(row) : null;
  }

  /** Revokes a grant and every token in its family. */
  async revokeGrant(grantId: string, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('grants')
        .set({ revoked_at: now })
        .where('id', '=', grantId)
        .where('revoked_at', 'is', null)
        .execute();
      await trx
        .updateTable('access_tokens')
        .set({ revoked_at: now })
        .where('grant_id', '=', grantId)
        .where('revoked_at', 'is', null)
        .execute();
      await trx
        .updateTable('refresh_tokens')
        .set({ revoked_at: now })
        .where('grant_id', '=', grantId)
        .where('revoked_at', 'is', null)
        .execute();
    });
  }

  /** Revokes every grant of a user (password reset, administrator action). */
  async revokeGrantsOfUser(userId: string, now: number): Promise<number> {
    const grants = await this.db
      .selectFrom('grants')
      .select('id')
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute();
    for (const { id } of grants) await this.revokeGrant(id, now);
    return grants.length;
  }

  /** Revokes every grant made in an SSO session (it ended: logout, revocation). */
  async revokeGrantsOfSession(sessionId: string, now: number): Promise<number> {
    const grants = await this.db
      .selectFrom('grants')
      .select('id')
      .where('session_id', '=', sessionId)
      .where('revoked_at', 'is', null)
      .execute();
    for (const { id } of grants) await this.revokeGrant(id, now);
    return grants.length;
  }

  /** The access token's record, joined with its grant's revocation. */
  async findAccessToken(
    jti: string,
  ): Promise<{ jti: string; grantId: string; expiresAt: number; revoked: boolean } | null> {
    const row = await this.db
      .selectFrom('access_tokens')
      .innerJoin('grants', 'grants.id', 'access_tokens.grant_id')
      .select([
        'access_tokens.jti',
        'access_tokens.grant_id',
        'access_tokens.expires_at',
        'access_tokens.revoked_at',
        'grants.revoked_at as grant_revoked_at',
      ])
      .where('access_tokens.jti', '=', jti)
      .executeTakeFirst();
    if (!row) return null;
    return {
      jti: row.jti,
      grantId: row.grant_id,
      expiresAt: row.expires_at,
      revoked: row.revoked_at !== null || row.grant_revoked_at !== null,
    };
  }

  async revokeAccessToken(jti: string, now: number): Promise<void> {
    await this.db
      .updateTable('access_tokens')
      .set({ revoked_at: now })
      .where('jti', '=', jti)
      .where('revoked_at', 'is', null)
      .execute();
  }

  /**
   * Uses a refresh token once, atomically: returns it if it was live, or null if it is unknown,
   * already used, revoked or expired. The caller tells reuse apart with `findRefreshToken`.
   */
  async consumeRefreshToken(tokenHash: string, now: number): Promise<RefreshToken | null> {
    const row = await this.db
      .updateTable('refresh_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
    return row ? toRefreshToken(row) : null;
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshToken | null> {
    const row = await this.db
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row ? toRefreshToken(row) : null;
  }
}
