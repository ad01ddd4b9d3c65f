import type { Clock } from '../../clock.js';
import { IdxError } from '../../errors.js';
import type { PasswordHasher } from '../../identity/password-hasher.js';
import type { EventsStore } from '../../storage/events-store.js';
import type { User, UsersStore } from '../../storage/users-store.js';
import type { Authenticator, AuthenticatorContext, Enrollment, VerifyOutcome } from '../authenticator.js';
import { enrollmentId } from '../enrollment-id.js';

export interface LockoutPolicy {
  enabled: boolean;
  maxFailedAttempts: number;
  durationSeconds: number;
}

export const PASSWORD_AUTHENTICATOR_ID = 'autPassword';

/**
 * The password factor: argon2id verification, failed-attempt lockout, parameter upgrade on
 * sign-in. Unknown, locked, suspended and deactivated users all get the same answer and the
 * same work as a wrong password.
 */
export class PasswordAuthenticator implements Authenticator {
  readonly type = 'password';
  readonly amr = 'pwd';
  readonly id = PASSWORD_AUTHENTICATOR_ID;
  readonly displayName = 'Password';

  constructor(
    private readonly users: UsersStore,
    private readonly hasher: PasswordHasher,
    private readonly events: EventsStore,
    private readonly lockout: LockoutPolicy,
    private readonly clock: Clock,
  ) {}

  enrollment(user: User | null, identifier: string): Enrollment {
    return { id: enrollmentId('lae', user?.id ?? null, identifier) };
  }

  async challenge(): Promise<void> {}

  async verify(ctx: AuthenticatorContext, passcode: string): Promise<VerifyOutcome> {
    const failure = (): VerifyOutcome => ({ ok: false, error: new IdxError('incorrectPassword') });
    const { user } = ctx;
    const now = this.clock.now();
    const storedHash = user ? await this.users.findPasswordHash(user.id) : null;
    if (!user || !storedHash || !this.canSignIn(user, now)) {
      await this.hasher.verifyDummy(passcode);
      if (user)
        await this.events.record(
          {
            type: 'user.authentication.failed',
            userId: user.id,
            appId: ctx.app.id,
            ip: ctx.ip,
            data: { factor: 'password', reason: this.refusal(user, now, storedHash) },
          },
          now,
        );
      return failure();
    }
    if (!(await this.hasher.verify(storedHash, passcode))) {
      await this.recordFailure(user, ctx);
      return failure();
    }
    if (user.failedAttempts > 0 || user.lockedUntil !== null)
      await this.users.resetFailedAttempts(user.id, now);
    if (this.hasher.needsRehash(storedHash)) {
      await this.users.setPasswordHash(user.id, await this.hasher.hash(passcode), now, true);
    }
    return { ok: true };
  }

  private canSignIn(user: User, now: number): boolean {
    return user.status === 'ACTIVE' && !(user.lockedUntil !== null && user.lockedUntil > now);
  }

  private refusal(user: User, now: number, storedHash: string | null): string {
    if (!storedHash) return 'no_password';
    if (user.status !== 'ACTIVE') return `status_${user.status.toLowerCase()}`;
    return user.lockedUntil !== null && user.lockedUntil > now ? 'locked' : 'refused';
  }

  private async recordFailure(user: User, ctx: AuthenticatorContext) {
    const now = this.clock.now();
    await this.events.record(
      {
        type: 'user.authentication.failed',
        userId: user.id,
        appId: ctx.app.id,
        ip: ctx.ip,
        data: { factor: 'password', reason: 'wrong_password' },
      },
      now,
    );
    if (!this.lockout.enabled) return;
    const after = await this.users.recordFailedAttempt(
      user.id,
      now,
      this.lockout.maxFailedAttempts,
      now + this.lockout.durationSeconds * 1000,
    );
    if (
      after?.lockedUntil &&
      after.lockedUntil > now &&
      after.failedAttempts === this.lockout.maxFailedAttempts
    ) {
      await this.events.record(
        {
          type: 'user.account.lock',
          userId: user.id,
          appId: ctx.app.id,
          ip: ctx.ip,
          data: { until: after.lockedUntil },
        },
        now,
      );
    }
  }
}
