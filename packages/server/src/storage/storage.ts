import { AppsStore } from './apps-store.js';
import { AuthenticatorChallengesStore } from './authenticator-challenges-store.js';
import { AuthenticatorEnrollmentsStore } from './authenticator-enrollments-store.js';
import { CredentialsStore } from './credentials-store.js';
import { type DatabaseHandle, migrateToLatest, openDatabase, type StorageOptions } from './database.js';
import { EmailChallengesStore } from './email-challenges-store.js';
import { EmailTemplatesStore } from './email-templates-store.js';
import { EventsStore } from './events-store.js';
import { GrantsStore } from './grants-store.js';
import { InteractionCodesStore } from './interaction-codes-store.js';
import { KeysStore } from './keys-store.js';
import { OutboxStore } from './outbox-store.js';
import { RateLimitsStore } from './rate-limits-store.js';
import { ServerSecretsStore } from './server-secrets-store.js';
import { SessionsStore } from './sessions-store.js';
import { TransactionsStore } from './transactions-store.js';
import { UsersStore } from './users-store.js';

/**
 * Stores whose operations are single statements, bound to one database transaction: what a unit of
 * work writes together (a challenge, its counters, its email, its audit event) commits or not at all.
 */
export interface TransactionStores {
  emailChallenges: EmailChallengesStore;
  outbox: OutboxStore;
  events: EventsStore;
}

/** Every store over one database. */
export interface Storage {
  handle: DatabaseHandle;
  users: UsersStore;
  credentials: CredentialsStore;
  enrollments: AuthenticatorEnrollmentsStore;
  authenticatorChallenges: AuthenticatorChallengesStore;
  apps: AppsStore;
  transactions: TransactionsStore;
  interactionCodes: InteractionCodesStore;
  grants: GrantsStore;
  keys: KeysStore;
  events: EventsStore;
  emailChallenges: EmailChallengesStore;
  outbox: OutboxStore;
  emailTemplates: EmailTemplatesStore;
  rateLimits: RateLimitsStore;
  serverSecrets: ServerSecretsStore;
  sessions: SessionsStore;
  /** Runs `work` in one database transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (stores: TransactionStores) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function openStorage(options: StorageOptions, migrate = true): Promise<Storage> {
  const handle = openDatabase(options);
  try {
    if (migrate) await migrateToLatest(handle.db);
  } catch (err) {
    await handle.close();
    throw err;
  }
  const { db } = handle;
  return {
    handle,
    users: new UsersStore(db),
    credentials: new CredentialsStore(db),
    enrollments: new AuthenticatorEnrollmentsStore(db),
    authenticatorChallenges: new AuthenticatorChallengesStore(db),
    apps: new AppsStore(db),
    transactions: new TransactionsStore(db, handle.units),
    interactionCodes: new InteractionCodesStore(db),
    grants: new GrantsStore(db),
    keys: new KeysStore(db),
    events: new EventsStore(db),
    emailChallenges: new EmailChallengesStore(db),
    outbox: new OutboxStore(db),
    emailTemplates: new EmailTemplatesStore(db),
    rateLimits: new RateLimitsStore(handle.counters),
    serverSecrets: new ServerSecretsStore(db),
    sessions: new SessionsStore(db),
    transaction: (work) =>
      db.transaction().execute((trx) =>
        work({
          emailChallenges: new EmailChallengesStore(trx),
          outbox: new OutboxStore(trx),
          events: new EventsStore(trx),
        }),
      ),
    close: () => handle.close(),
  };
}
