import type { Clock } from '../clock.js';
import type { EventsStore } from '../storage/events-store.js';
import type { GrantsStore } from '../storage/grants-store.js';
import type { InteractionCodesStore } from '../storage/interaction-codes-store.js';
import type { TransactionsStore } from '../storage/transactions-store.js';
import type { User, UsersStore } from '../storage/users-store.js';
import type { PasswordHasher } from './password-hasher.js';
import { checkPassword, type PasswordPolicy, type PasswordViolation } from './password-policy.js';

export interface ResetContext {
  /** The recovery transaction doing the reset (it stays open; the user's others are ended). */
  transactionId: string;
  appId: string;
  ip: string | null;
}

/**
 * Sets a new password at the end of a recovery: the policy, then the history, then the change;
 * afterwards every grant, every other open transaction and every unredeemed interaction code of
 * the user is revoked, the automatic lock is cleared and an event is recorded.
 */
export class PasswordResetService {
  constructor(
    private readonly users: UsersStore,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly grants: GrantsStore,
    private readonly transactions: TransactionsStore,
    private readonly interactionCodes: InteractionCodesStore,
    private readonly events: EventsStore,
    private readonly clock: Clock,
  ) {}

  /** Returns the rules the password breaks (nothing changed), or an empty list once it is set. */
  async reset(user: User, password: string, ctx: ResetContext): Promise<PasswordViolation[]> {
    const violations = checkPassword(
      password,
      {
        login: user.login,
        email: user.email,
        firstName: user.profile.firstName,
        lastName: user.profile.lastName,
      },
      this.policy,
    );
    if (violations.length) return violations;
    if (await this.reusesRecentPassword(user, password)) {
      return [
        {
          rule: 'history',
          message: `Password can't be the same as your last ${this.policy.historyCount} passwords`,
        },
      ];
    }
    const now = this.clock.now();
    await this.users.setPasswordHash(user.id, await this.hasher.hash(password), now);
    await this.users.resetFailedAttempts(user.id, now);
    const revokedGrants = await this.grants.revokeGrantsOfUser(user.id, now);
    const endedTransactions = await this.transactions.cancelOpenForUser(user.id, ctx.transactionId, now);
    // A sign-in that finished before the reset must not turn into tokens after it.
    await this.interactionCodes.expireUnusedForUser(user.id, now);
    await this.events.record(
      {
        type: 'user.account.reset_password',
        userId: user.id,
        appId: ctx.appId,
        ip: ctx.ip,
        data: { revokedGrants, endedTransactions },
      },
      now,
    );
    return [];
  }

  private async reusesRecentPassword(user: User, password: string): Promise<boolean> {
    if (this.policy.historyCount <= 0) return false;
    const current = await this.users.findPasswordHash(user.id);
    const earlier = await this.users.passwordHistory(user.id, this.policy.historyCount - 1);
    for (const hash of [current, ...earlier]) {
      if (hash && (await this.hasher.verify(hash, password))) return true;
    }
    return false;
  }
}
