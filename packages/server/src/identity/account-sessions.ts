import type { Clock } from '../clock.js';
import type { EventsStore } from '../storage/events-store.js';
import type { GrantsStore } from '../storage/grants-store.js';
import type { InteractionCodesStore } from '../storage/interaction-codes-store.js';
import type { SessionsStore } from '../storage/sessions-store.js';
import type { TransactionsStore } from '../storage/transactions-store.js';
import type { User } from '../storage/users-store.js';

export interface AccountSessionsDeps {
  grants: GrantsStore;
  transactions: TransactionsStore;
  interactionCodes: InteractionCodesStore;
  /** SSO sessions (hosted sign-in). */
  sessions: SessionsStore;
  events: EventsStore;
  clock: Clock;
}

export interface ResetContext {
  /** The transaction doing the reset (it stays open; the user's others are ended). */
  transactionId: string;
  appId: string;
  ip: string | null;
}

/** Everything a user is signed in with, or about to be, and how it ends. */
export class AccountSessions {
  constructor(private readonly deps: AccountSessionsDeps) {}

  /**
   * After the user reset a credential: every grant (refresh and access tokens), every SSO session,
   * every other open transaction and every unredeemed interaction code ends, and the reset is recorded.
   */
  async endAfterReset(user: User, ctx: ResetContext): Promise<void> {
    const { grants, transactions, interactionCodes, sessions, events, clock } = this.deps;
    const now = clock.now();
    const revokedGrants = await grants.revokeGrantsOfUser(user.id, now);
    const endedSessions = (await sessions.endAllOfUser(user.id, now)).length;
    const endedTransactions = await transactions.cancelOpenForUser(user.id, ctx.transactionId, now);
    // A sign-in that finished before the reset must not turn into tokens after it.
    await interactionCodes.expireUnusedForUser(user.id, now);
    await events.record(
      {
        type: 'user.account.reset_password',
        userId: user.id,
        appId: ctx.appId,
        ip: ctx.ip,
        data: { revokedGrants, endedSessions, endedTransactions },
      },
      now,
    );
  }

  /** One recovery at a time: a newer recovery code makes the older recoveries' codes useless. */
  async endOtherRecoveries(user: User, transactionId: string): Promise<void> {
    await this.deps.transactions.cancelOpenForUser(user.id, transactionId, this.deps.clock.now(), 'recovery');
  }
}
