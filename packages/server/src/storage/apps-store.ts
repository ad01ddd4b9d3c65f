import type { Kysely, Selectable } from 'kysely';
import { type AuditEvent, insertEvent } from './events-store.js';
import {
  type AppActivity,
  appActivity,
  deleteOwnedRecords,
  endSessionsOfApp,
  type RemovedRecords,
} from './owned-records.js';
import type { AppsTable, Database } from './schema.js';

/** What deleting an app removed, and the SSO sessions (with their other apps' grants) `force` ended. */
export interface DeletedApp extends RemovedRecords {
  endedSessions: number;
  otherAppsGrantsRevoked: number;
}

/** The outcome of {@link AppsStore.deleteApp}. */
export type AppDeletion =
  | { outcome: 'deleted'; activity: AppActivity; removed: DeletedApp }
  | { outcome: 'in-use'; activity: AppActivity }
  | { outcome: 'not-found' };

/** One thing a sign-in must prove: any one of these authenticators (registry keys). */
export interface PolicyRequirement {
  anyOf: string[];
}

/** One attribute of the profile a newcomer fills in at sign-up. */
export interface ProfileAttribute {
  /** Profile key (`firstName`, `email`, `favoriteColor`). */
  name: string;
  label: string;
  type: 'string' | 'boolean';
  required: boolean;
  maxLength?: number | undefined;
  /** A regular expression the whole value must match (strings only). */
  pattern?: string | undefined;
}

/** Self-service registration: what a newcomer fills in, and what an address that has an account gets. */
export interface RegistrationPolicy {
  /** The profile form; `email` (the new account's sign-in name) is always one of its attributes. */
  profile: ProfileAttribute[];
  /**
   * `notify-owner` (default): the sign-up carries on exactly as for a new address and the owner is
   * emailed that they already have an account: nothing tells the registrant the address is taken.
   * `reveal`: Okta's answer, a field error on the email ("A user with this Email already exists").
   */
  existingEmail: 'notify-owner' | 'reveal';
}

/**
 * An app's sign-in policy, as data: every requirement must be met, each by one of its
 * authenticators, and the user may meet them in any order (they are offered in this order).
 * Validated against the installed authenticators when an app is created (`apps/app-policy.ts`).
 */
export interface AppPolicy {
  requirements: PolicyRequirement[];
  /** true: identify, then choose an authenticator; false: a first requirement that can be answered with the identifier is asked on the identify form. */
  identifierFirst: boolean;
  selfServiceRecovery: boolean;
  /** A locked-out user may unlock their account by proving who they are (email). */
  selfServiceUnlock: boolean;
  /** After an unlock, go on signing in (the proof counts) instead of ending on "unlocked". */
  signInAfterUnlock: boolean;
  /** Self-service registration; null: off. */
  registration: RegistrationPolicy | null;
  /**
   * The WebAuthn relying party ID passkeys of this app are bound to; null or absent: the host of
   * the app's page (its redirect URI). Set it to a parent domain to share passkeys between apps.
   */
  webauthnRpId?: string | null | undefined;
  /** Whether a passkey must verify its user (PIN, biometrics); absent: `preferred`. */
  webauthnUserVerification?: 'preferred' | 'required' | undefined;
}

/** Policy members added after the first release, with the values older stored policies mean. */
const POLICY_DEFAULTS = { selfServiceUnlock: false, signInAfterUnlock: false, registration: null } as const;

/** How the hosted sign-in page looks for an app (ADR 0012). */
export interface HostedPageTheme {
  /** An https URL (http on loopback) or a `data:image/…` URL. */
  logo?: string | undefined;
  brandName?: string | undefined;
  primaryColor?: string | undefined;
  primaryTextColor?: string | undefined;
  /** The sign-in form's heading, instead of "Sign In". */
  title?: string | undefined;
}

export interface App {
  id: string;
  clientId: string;
  name: string;
  /** SHA-256 of the client secret; null for a public client (PKCE alone). */
  secretHash: string | null;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  emailVerifyUri: string | null;
  /** The app's own sign-in page (OIDC `initiate_login_uri`), linked from emails; null: unknown. */
  loginUri: string | null;
  trustedOrigins: string[];
  grantTypes: string[];
  policy: AppPolicy;
  createdAt: number;
  /** A confidential app that must send PKCE with `/authorize` too (public apps always must). */
  requirePkce: boolean;
  hostedPage: HostedPageTheme;
  /** How this app's ID and access tokens are signed (OIDC `id_token_signed_response_alg`). */
  tokenSigningAlg: TokenSigningAlg;
}

/** Signature algorithms of tokens; RS256 is the default (Okta's clients accept nothing else). */
export const TOKEN_SIGNING_ALGS = ['RS256', 'ES256', 'EdDSA'] as const;
export type TokenSigningAlg = (typeof TOKEN_SIGNING_ALGS)[number];

function toApp(row: Selectable<AppsTable>): App {
  return {
    id: row.id,
    clientId: row.client_id,
    name: row.name,
    secretHash: row.secret_hash,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    postLogoutRedirectUris: JSON.parse(row.post_logout_redirect_uris) as string[],
    emailVerifyUri: row.email_verify_uri,
    loginUri: row.login_uri,
    trustedOrigins: JSON.parse(row.trusted_origins) as string[],
    grantTypes: JSON.parse(row.grant_types) as string[],
    policy: { ...POLICY_DEFAULTS, ...(JSON.parse(row.policy) as Partial<AppPolicy>) } as AppPolicy,
    createdAt: row.created_at,
    requirePkce: row.require_pkce === 1,
    hostedPage: JSON.parse(row.hosted_page) as HostedPageTheme,
    tokenSigningAlg: row.token_signing_alg as TokenSigningAlg,
  };
}

/** How long a found app (or trusted origin) is served from memory before it is read again. */
export const APP_CACHE_MS = 5_000;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function toRow(app: App) {
  return {
    client_id: app.clientId,
    name: app.name,
    secret_hash: app.secretHash,
    redirect_uris: JSON.stringify(app.redirectUris),
    post_logout_redirect_uris: JSON.stringify(app.postLogoutRedirectUris),
    email_verify_uri: app.emailVerifyUri,
    login_uri: app.loginUri,
    trusted_origins: JSON.stringify(app.trustedOrigins),
    grant_types: JSON.stringify(app.grantTypes),
    policy: JSON.stringify(app.policy),
    require_pkce: app.requirePkce ? 1 : 0,
    hosted_page: JSON.stringify(app.hostedPage),
    token_signing_alg: app.tokenSigningAlg,
  };
}

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
