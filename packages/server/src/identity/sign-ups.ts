import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { AuditEvent, EventsStore } from '../storage/events-store.js';
import type { User, UserProfile, UsersStore } from '../storage/users-store.js';
import { loginKey } from './users.js';

/** A sign-up's account: made (or taken over while still `STAGED`), or the address has an account already. */
export type Staging = { kind: 'staged'; user: User } | { kind: 'exists'; user: User };

/**
 * Makes the account of a self-service sign-up: `STAGED` (it cannot sign in) until the sign-up has
 * set up what its app requires. The email address is the account's login. An address whose
 * account is still `STAGED` (an unfinished sign-up) is taken over by the newer sign-up, with its
 * profile: only the owner of the mailbox can finish either. Two sign-ups for a new address at
 * once make one account: the second loses on the unique login and takes it over.
 *
 * Each outcome is one commit, the account and its `user.lifecycle.create` event together, or the
 * `user.registration.existing_email` event alone, so the answer takes as long either way.
 */
export class SignUps {
  constructor(
    private readonly users: UsersStore,
    private readonly events: EventsStore,
    private readonly clock: Clock,
  ) {}

  /** `profile`: the sign-up's attribute values, its email among them; `audit`: who asked. */
  async stage(
    profile: Record<string, string> & { email: string },
    audit: Pick<AuditEvent, 'appId' | 'ip'>,
  ): Promise<Staging> {
    const email = profile.email.trim();
    const full: UserProfile = { ...profile, login: email, email };
    const existing = await this.holder(email);
    if (existing) return this.takeOver(existing, full, audit);
    try {
      const user = await this.users.createUser(
        {
          id: `00u${randomUUID().replaceAll('-', '').slice(0, 17)}`,
          login: email,
          loginKey: loginKey(email),
          email,
          emailVerified: false,
          profile: full,
          createdAt: this.clock.now(),
          status: 'STAGED',
        },
        null,
        { type: 'user.lifecycle.create', ...audit, data: { by: 'self-service' } },
      );
      return { kind: 'staged', user };
    } catch (err) {
      // A concurrent sign-up (or account) for the address won the unique login.
      const winner = await this.holder(email);
      if (winner) return this.takeOver(winner, full, audit);
      throw err;
    }
  }

  /** The account that has this address as its login or its email, if any (an active one first). */
  private async holder(email: string): Promise<User | null> {
    const byLogin = await this.users.findByLoginKey(loginKey(email));
    const byEmail = await this.users.findByEmail(email);
    if (byLogin?.status === 'STAGED' && byEmail && byEmail.status !== 'STAGED') return byEmail;
    return byLogin ?? byEmail;
  }

  private async takeOver(
    user: User,
    profile: UserProfile,
    audit: Pick<AuditEvent, 'appId' | 'ip'>,
  ): Promise<Staging> {
    // Not STAGED, or finished meanwhile: an account.
    if (
      user.status === 'STAGED' &&
      (await this.users.updateStagedProfile(user.id, profile, this.clock.now()))
    )
      return { kind: 'staged', user: { ...user, profile } };
    await this.events.record(
      { type: 'user.registration.existing_email', userId: user.id, ...audit },
      this.clock.now(),
    );
    return { kind: 'exists', user };
  }
}
