import type { Kysely } from 'kysely';
import { type App, type AppDeletion, type DeletedApp, deepFreeze, toApp, toRow } from './app-records.js';
import { type AuditEvent, insertEvent } from './events-store.js';
import { type AppActivity, appActivity, deleteOwnedRecords, endSessionsOfApp } from './owned-records.js';
import type { Database } from './schema.js';

export type {
  App,
  AppDeletion,
  AppPolicy,
  DeletedApp,
  HostedPageTheme,
  PolicyRequirement,
  ProfileAttribute,
  RegistrationPolicy,
  TokenSigningAlg,
} from './app-records.js';
export { TOKEN_SIGNING_ALGS } from './app-records.js';

/** How long a found app (or trusted origin) is served from memory before it is read again. */
export const APP_CACHE_MS = 5_000;

/**
 * Apps, read on every sign-in step, so each one found is kept in memory for {@link APP_CACHE_MS}:
 * a change made by another process (the CLI's `apps update`) takes effect within that time. Only
 * hits are kept, so an app created elsewhere is found on its first use. Cached apps are frozen:
 * callers share them.
 */
export class AppsStore {
  private readonly byId = new Map<string, { app: App; until: number }>();
  private readonly byClientId = new Map<string, { app: App; until: number }>();
  private readonly trustedOrigins = new Map<string, number>();

  constructor(private readonly db: Kysely<Database>) {}

  private remember(app: App): App {
    const frozen = deepFreeze(app);
    const entry = { app: frozen, until: Date.now() + APP_CACHE_MS };
    this.byId.set(frozen.id, entry);
    this.byClientId.set(frozen.clientId, entry);
    return frozen;
  }

  private forget(app: App): void {
    this.byId.delete(app.id);
    this.byClientId.delete(app.clientId);
    this.trustedOrigins.clear();
  }

  async createApp(app: App): Promise<App> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('apps')
        .values({ id: app.id, ...toRow(app), created_at: app.createdAt })
        .execute();
      await this.writeOrigins(trx, app);
    });
    return app;
  }

  /** Replaces what can change of an app (not its id, client id or creation time). */
  async updateApp(app: App): Promise<App> {
    await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('apps')
        .set(toRow(app))
        .where('id', '=', app.id)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) throw new Error(`No app ${app.id} to update`);
      await trx.deleteFrom('app_origins').where('app_id', '=', app.id).execute();
      await this.writeOrigins(trx, app);
    });
    this.forget(app);
    return app;
  }

  /** What the app is in use by at `now`: live SSO sessions it was signed into, live grants and tokens. */
  activity(appId: string, now: number): Promise<AppActivity> {
    return appActivity(this.db, appId, now);
  }

  /**
   * Deletes an app with its trusted origins, transactions, interaction codes, grants and tokens, and
   * its audit event, in one transaction. While the app is in use (live sessions, grants or tokens)
   * it is refused and nothing is written, unless `force`: then the live SSO sessions it was signed
   * into end first, revoking the grants made in them as any ended session does.
   */
  async deleteApp(appId: string, now: number, force: boolean, event: AuditEvent): Promise<AppDeletion> {
    const deletion = await this.db.transaction().execute(async (trx): Promise<AppDeletion> => {
      const exists = await trx.selectFrom('apps').select('id').where('id', '=', appId).executeTakeFirst();
      if (!exists) return { outcome: 'not-found' };
      const activity = await appActivity(trx, appId, now);
      if (!force && Object.values(activity).some((n) => n > 0)) return { outcome: 'in-use', activity };
      const ended = await endSessionsOfApp(trx, appId, now);
      for (const session of ended.sessions)
        await insertEvent(
          trx,
          {
            type: 'user.session.end',
            userId: session.userId,
            appId,
            data: { session: session.id, reason: 'app deleted' },
          },
          now,
        );
      const removed: DeletedApp = {
        ...(await deleteOwnedRecords(trx, { column: 'app_id', id: appId })),
        endedSessions: ended.sessions.length,
        otherAppsGrantsRevoked: ended.otherAppsGrants,
      };
      await trx.deleteFrom('apps').where('id', '=', appId).execute();
      await insertEvent(trx, { ...event, appId, data: { ...event.data, activity, removed } }, now);
      return { outcome: 'deleted', activity, removed };
    });
    if (deletion.outcome === 'deleted') {
      const cached = this.byId.get(appId);
      if (cached) this.forget(cached.app);
      this.trustedOrigins.clear();
    }
    return deletion;
  }

  private async writeOrigins(trx: Kysely<Database>, app: App): Promise<void> {
    const origins = [...new Set(app.trustedOrigins)];
    if (origins.length)
      await trx
        .insertInto('app_origins')
        .values(origins.map((origin) => ({ origin, app_id: app.id })))
        .execute();
  }

  async findByClientId(clientId: string): Promise<App | null> {
    const cached = this.byClientId.get(clientId);
    if (cached && cached.until > Date.now()) return cached.app;
    const row = await this.db
      .selectFrom('apps')
      .selectAll()
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return row ? this.remember(toApp(row)) : null;
  }

  async findById(id: string): Promise<App | null> {
    const cached = this.byId.get(id);
    if (cached && cached.until > Date.now()) return cached.app;
    const row = await this.db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.remember(toApp(row)) : null;
  }

  async list(): Promise<App[]> {
    const rows = await this.db.selectFrom('apps').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map(toApp);
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('apps')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Whether any app lists this exact origin as trusted (for CORS). */
  async isTrustedOrigin(origin: string): Promise<boolean> {
    if ((this.trustedOrigins.get(origin) ?? 0) > Date.now()) return true;
    const row = await this.db
      .selectFrom('app_origins')
      .select('app_id')
      .where('origin', '=', origin)
      .limit(1)
      .executeTakeFirst();
    if (row === undefined) return false;
    this.trustedOrigins.set(origin, Date.now() + APP_CACHE_MS);
    return true;
  }
}
