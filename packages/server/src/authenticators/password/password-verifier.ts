import type { Clock } from '../../clock.js';
import { EngineError } from '../../errors.js';
import type { PasswordHasher } from '../../identity/password-hasher.js';
import type { EventsStore } from '../../storage/events-store.js';
import type { User, UsersStore } from '../../storage/users-store.js';
import type { AuthenticatorContext, ChallengeResult, Verifier, VerifyResult } from '../authenticator.js';

export interface LockoutPolicy {
  enabled: boolean;
  maxFailedAttempts: number;
  durationSeconds: number;
}

export interface PasswordVerifierDeps {
  users: UsersStore;
  hasher: PasswordHasher;
  events: EventsStore;
  clock: Clock;
  lockout: LockoutPolicy;
}

const NOTHING_TO_SEND: ChallengeResult = { ok: true };

/**
 * argon2id verification with failed-attempt lockout and parameter upgrade on sign-in. Unknown,
 * locked, suspended and deactivated users all get the same answer and the same work as a wrong
 * password.
 */
export class PasswordVerifier implements Verifier {
  readonly answer = 'secret';
  readonly answeredWithIdentifier = true;
  readonly resendable = false;
  readonly pollIntervalMs = null;

  constructor(private readonly deps: PasswordVerifierDeps) {}

  async challenge(): Promise<ChallengeResult> {
    return NOTHING_TO_SEND;
  }

  async resend(): Promise<ChallengeResult> {
    return NOTHING_TO_SEND;
  }

  async verify(ctx: AuthenticatorContext, answer: string): Promise<VerifyResult> {
    // A function, not a value: an error captures a stack trace, wasted on accepted answers.
    const failure = (): VerifyResult => ({ ok: false, error: new EngineError('PASSWORD_INVALID') });
    const { users, hasher, clock } = this.deps;
    const { user } = ctx;
    const now = clock.now();
    const storedHash = user ? await users.findPasswordHash(user.id) : null;
    if (!user || !storedHash || !canSignIn(user, now)) {
      await hasher.verifyDummy(answer);
      if (user) await this.recordRefusal(ctx, user, refusal(user, now, storedHash));
      return failure();
    }
    if (!(await hasher.verify(storedHash, answer))) {
      await this.recordFailure(ctx, user);
      return failure();
    }
    if (user.failedAttempts > 0 || user.lockedUntil !== null) await users.resetFailedAttempts(user.id, now);
    if (hasher.needsRehash(storedHash)) {
      await users.setPasswordHash(user.id, await hasher.hash(answer), now, true);
    }
    return { ok: true };
  }

  private async recordRefusal(ctx: AuthenticatorContext, user: User, reason: string) {
    await this.deps.events.record(
      {
        type: 'user.authentication.failed',
        userId: user.id,
        appId: ctx.app.id,
        ip: ctx.request.ip,
        data: { factor: 'password', reason },
      },
      this.deps.clock.now(),
    );
  }

  private async recordFailure(ctx: AuthenticatorContext, user: User) {
    const { users, events, clock, lockout } = this.deps;
    const now = clock.now();
    await this.recordRefusal(ctx, user, 'wrong_password');
    if (!lockout.enabled) return;
    const after = await users.recordFailedAttempt(
      user.id,
      now,
      lockout.maxFailedAttempts,
      now + lockout.durationSeconds * 1000,
    );
    if (after?.lockedUntil && after.lockedUntil > now && after.failedAttempts === lockout.maxFailedAttempts) {
      await events.record(
        {
          type: 'user.account.lock',
          userId: user.id,
          appId: ctx.app.id,
          ip: ctx.request.ip,
          data: { until: after.lockedUntil },
        },
        now,
      );
    }
  }
}

function canSignIn(user: User, now: number): boolean {
  return user.status === 'ACTIVE' && !(user.lockedUntil !== null && user.lockedUntil > now);
}

function refusal(user: User, now: number, storedHash: string | null): string {
  if (!storedHash) return 'no_password';
  if (user.status !== 'ACTIVE') return `status_${user.status.toLowerCase()}`;
  return user.lockedUntil !== null && user.lockedUntil > now ? 'locked' : 'refused';
}
