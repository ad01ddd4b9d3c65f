import type { Kysely, Selectable } from 'kysely';
import type { AppsTable, Database } from './schema.js';

/** One thing a sign-in must prove: any one of these authenticators (registry keys). */
export interface PolicyRequirement {
  anyOf: string[];
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
  trustedOrigins: string[];
  grantTypes: string[];
  policy: AppPolicy;
  createdAt: number;
}

function toApp(row: Selectable<AppsTable>): App {
  return {
    id: row.id,
    clientId: row.client_id,
    name: row.name,
    secretHash: row.secret_hash,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    postLogoutRedirectUris: JSON.parse(row.post_logout_redirect_uris) as string[],
    emailVerifyUri: row.email_verify_uri,
    trustedOrigins: JSON.parse(row.trusted_origins) as string[],
    grantTypes: JSON.parse(row.grant_types) as string[],
    policy: JSON.parse(row.policy) as AppPolicy,
    createdAt: row.created_at,
  };
}

/**
 * Apps are immutable once created (there is no update or delete), so every app found is kept in
 * memory for the life of the process: the sign-in steps look the app up on every request. Only
 * hits are kept, so an app another process (the CLI) creates is found on its first use. Cached
 * objects are frozen: callers share them.
 */
function freezeApp(app: App): App {
  Object.freeze(app.redirectUris);
  Object.freeze(app.postLogoutRedirectUris);
  Object.freeze(app.trustedOrigins);
  Object.freeze(app.grantTypes);
  for (const requirement of app.policy.requirements) Object.freeze(requirement.anyOf);
  Object.freeze(app.policy.requirements);
  Object.freeze(app.policy);
  return Object.freeze(app);
}

export class AppsStore {
  private readonly byId = new Map<string, App>();
  private readonly byClientId = new Map<string, App>();
  private readonly trustedOrigins = new Set<string>();

  constructor(private readonly db: Kysely<Database>) {}

  private remember(app: App): App {
    const frozen = freezeApp(app);
    this.byId.set(frozen.id, frozen);
    this.byClientId.set(frozen.clientId, frozen);
    return frozen;
  }

  async createApp(app: App): Promise<App> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('apps')
        .values({
          id: app.id,
          client_id: app.clientId,
          name: app.name,
          secret_hash: app.secretHash,
          redirect_uris: JSON.stringify(app.redirectUris),
          post_logout_redirect_uris: JSON.stringify(app.postLogoutRedirectUris),
          email_verify_uri: app.emailVerifyUri,
          trusted_origins: JSON.stringify(app.trustedOrigins),
          grant_types: JSON.stringify(app.grantTypes),
          policy: JSON.stringify(app.policy),
          created_at: app.createdAt,
        })
        .execute();
      const origins = [...new Set(app.trustedOrigins)];
      if (origins.length) {
        await trx
          .insertInto('app_origins')
          .values(origins.map((origin) => ({ origin, app_id: app.id })))
          .execute();
      }
    });
    return app;
  }

  async findByClientId(clientId: string): Promise<App | null> {
    const cached = this.byClientId.get(clientId);
    if (cached) return cached;
    const row = await this.db
      .selectFrom('apps')
      .selectAll()
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return row ? this.remember(toApp(row)) : null;
  }

  async findById(id: string): Promise<App | null> {
    const cached = this.byId.get(id);
    if (cached) return cached;
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
    if (this.trustedOrigins.has(origin)) return true;
    const row = await this.db
      .selectFrom('app_origins')
      .select('app_id')
      .where('origin', '=', origin)
      .limit(1)
      .executeTakeFirst();
    if (row === undefined) return false;
    this.trustedOrigins.add(origin);
    return true;
  }
}
