import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Whose records: a user's (`user_id`) or an app's (`app_id`); both columns exist on every table named here. */
interface Owner {
  column: 'user_id' | 'app_id';
  id: string;
}

/** What deleting a user or an app removed with it, row counts by kind. */
export interface RemovedRecords {
  transactions: number;
  interactionCodes: number;
  emailChallenges: number;
  authenticatorChallenges: number;
  grants: number;
  accessTokens: number;
  refreshTokens: number;
}

/** What an app is in use by now: live SSO sessions it was signed into, its live grants and tokens. */
export interface AppActivity {
  liveSessions: number;
  liveGrants: number;
  liveAccessTokens: number;
  liveRefreshTokens: number;
}

const count = (result: { numDeletedRows: bigint } | { numUpdatedRows: bigint }) =>
  Number('numDeletedRows' in result ? result.numDeletedRows : result.numUpdatedRows);

/**
 * Deletes the owner's transactions (open or finished) with their challenges and interaction codes,
 * and its grants with every access and refresh token in their families. Run inside the caller's
 * database transaction, so that all of it goes or none.
 */
export async function deleteOwnedRecords(trx: Kysely<Database>, owner: Owner): Promise<RemovedRecords> {
  const transactionIds = trx.selectFrom('transactions').select('id').where(owner.column, '=', owner.id);
  const grantIds = trx.selectFrom('grants').select('id').where(owner.column, '=', owner.id);
  const emailChallenges = await trx
    .deleteFrom('email_challenges')
    .where((eb) =>
      eb.or([
        eb('transaction_id', 'in', transactionIds),
        ...(owner.column === 'user_id' ? [eb('user_id', '=', owner.id)] : []),
      ]),
    )
    .executeTakeFirst();
  const authenticatorChallenges = await trx
    .deleteFrom('authenticator_challenges')
    .where('transaction_id', 'in', transactionIds)
    .executeTakeFirst();
  const interactionCodes = await trx
    .deleteFrom('interaction_codes')
    .where(owner.column, '=', owner.id)
    .executeTakeFirst();
  const transactions = await trx
    .deleteFrom('transactions')
    .where(owner.column, '=', owner.id)
    .executeTakeFirst();
  const accessTokens = await trx
    .deleteFrom('access_tokens')
    .where('grant_id', 'in', grantIds)
    .executeTakeFirst();
  const refreshTokens = await trx
    .deleteFrom('refresh_tokens')
    .where('grant_id', 'in', grantIds)
    .executeTakeFirst();
  const grants = await trx.deleteFrom('grants').where(owner.column, '=', owner.id).executeTakeFirst();
  return {
    transactions: count(transactions),
    interactionCodes: count(interactionCodes),
    emailChallenges: count(emailChallenges),
    authenticatorChallenges: count(authenticatorChallenges),
    grants: count(grants),
    accessTokens: count(accessTokens),
    refreshTokens: count(refreshTokens),
  };
}

/** The live SSO sessions in which the app got a grant (they may have signed other apps in too). */
function liveSessionsOfApp(db: Kysely<Database>, appId: string, now: number) {
  return db
    .selectFrom('sessions')
    .select('id')
    .where('ended_at', 'is', null)
    .where('expires_at', '>', now)
    .where('idle_expires_at', '>', now)
    .where('id', 'in', db.selectFrom('grants').select('session_id').where('app_id', '=', appId));
}

/** What an app is in use by at `now` (see {@link AppActivity}). */
export async function appActivity(db: Kysely<Database>, appId: string, now: number): Promise<AppActivity> {
  const liveGrantIds = db
    .selectFrom('grants')
    .select('id')
    .where('app_id', '=', appId)
    .where('revoked_at', 'is', null);
  const [sessions, grants, access, refresh] = await Promise.all([
    db
      .selectFrom(liveSessionsOfApp(db, appId, now).as('s'))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('grants')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('app_id', '=', appId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('access_tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('grant_id', 'in', liveGrantIds)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('refresh_tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('grant_id', 'in', liveGrantIds)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirstOrThrow(),
  ]);
  return {
    liveSessions: Number(sessions.n),
    liveGrants: Number(grants.n),
    liveAccessTokens: Number(access.n),
    liveRefreshTokens: Number(refresh.n),
  };
}

/**
 * Ends the live SSO sessions the app was signed into and, as any ended session does, revokes the
 * grants (of every app) made in them. Returns the ended sessions and how many grants of other
 * apps were revoked (the app's own are deleted with it).
 */
export async function endSessionsOfApp(
  trx: Kysely<Database>,
  appId: string,
  now: number,
): Promise<{ sessions: Array<{ id: string; userId: string }>; otherAppsGrants: number }> {
  const ended = await trx
    .updateTable('sessions')
    .set({ ended_at: now })
    .where('id', 'in', liveSessionsOfApp(trx, appId, now))
    .returning(['id', 'user_id'])
    .execute();
  const sessions = ended.map((row) => ({ id: row.id, userId: row.user_id }));
  const sessionIds = sessions.map((session) => session.id);
  if (sessionIds.length === 0) return { sessions, otherAppsGrants: 0 };
  const grantIds = trx
    .selectFrom('grants')
    .select('id')
    .where('session_id', 'in', sessionIds)
    .where('app_id', '!=', appId)
    .where('revoked_at', 'is', null);
  for (const table of ['access_tokens', 'refresh_tokens'] as const)
    await trx
      .updateTable(table)
      .set({ revoked_at: now })
      .where('grant_id', 'in', grantIds)
      .where('revoked_at', 'is', null)
      .execute();
  const otherAppsGrants = await trx
    .updateTable('grants')
    .set({ revoked_at: now })
    .where('session_id', 'in', sessionIds)
    .where('app_id', '!=', appId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return { sessions, otherAppsGrants: count(otherAppsGrants) };
}
