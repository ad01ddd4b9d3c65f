import type { Clock } from '../../clock.js';
import { EngineError } from '../../errors.js';
import { isAutoLocked } from '../../identity/lockout.js';
import type { PasswordHasher } from '../../identity/password-hasher.js';
import { loginKey } from '../../identity/users.js';
import { type Limit, limitReached, type RateLimiter } from '../../rate-limits/rate-limiter.js';
import type { CredentialsStore } from '../../storage/credentials-store.js';
import type { EventsStore } from '../../storage/events-store.js';
import type { User, UsersStore } from '../../storage/users-store.js';
import {
  type Answer,
  type AuthenticatorContext,
  type ChallengeResult,
  typedAnswer,
  type Verifier,
  type VerifyResult,
} from '../authenticator.js';

export interface LockoutPolicy {
  enabled: boolean;
  maxFailedAttempts: number;
  durationSeconds: number;
}

/** Failed sign-ins counted across accounts (password spraying) and across addresses (one account). */
export interface FailedSignInLimits {
  failedSignInPerIp: Limit;
  failedSignInPerAccount: Limit;
}

export interface PasswordVerifierDeps {
  users: UsersStore;
  credentials: CredentialsStore;
  hasher: PasswordHasher;
  events: EventsStore;
  clock: Clock;
  lockout: LockoutPolicy;
  limiter: RateLimiter;
  limits: FailedSignInLimits;
  /**
   * Runs `work` with the step's database transaction committed and none open (the unit of work's
   * `suspend`): waiting for a claim must not hold the one SQLite connection the other attempts
   * need to settle theirs. Runs `work` as it is when not given.
   */
  outsideTransaction?: <T>(work: () => Promise<T>) => Promise<T>;
}

const NOTHING_TO_SEND: ChallengeResult = { ok: true };

/** How long an attempt waits for a slot held by attempts still being judged, and how often it looks. */
const CLAIM_WAIT_MS = 5_000;
const CLAIM_RETRY_MS = 10;
/** A claim older than this was left by a process that stopped mid-verification. */
const CLAIM_STALE_MS = 60_000;

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

  async verify(ctx: AuthenticatorContext, given: Answer): Promise<VerifyResult> {
    // A typed secret or code; a structured (public-key) answer is wrong here.
    const answer = typedAnswer(given) ?? '';
    const throttled = await this.throttled(ctx);
    if (throttled) return { ok: false, error: throttled };
    const { users, credentials, hasher, clock, lockout } = this.deps;
    const { user } = ctx;
    const now = clock.now();
    const storedHash = user ? await credentials.findPasswordHash(user.id) : null;
    if (!user || !storedHash || !canSignIn(user, now)) {
      await hasher.verifyDummy(answer);
      if (user) await this.recordRefusal(ctx, user, refusal(user, now, storedHash));
      return this.failed(ctx);
    }
    // The attempt is claimed before it is judged, so parallel guesses cannot outrun the lock.
    const claimed = !lockout.enabled || (await this.claim(user));
    if (!claimed) {
      await hasher.verifyDummy(answer);
      await this.recordRefusal(ctx, user, 'locked');
      return this.failed(ctx);
    }
    // A claim left unsettled (the hash threw) goes stale after CLAIM_STALE_MS.
    const correct = await hasher.verify(storedHash, answer);
    if (lockout.enabled) {
      const settledAt = clock.now();
      const lockUntil = settledAt + lockout.durationSeconds * 1000;
      const maxAttempts = lockout.maxFailedAttempts;
      const outcome = correct
        ? { ok: true as const }
        : { ok: false as const, now: settledAt, maxAttempts, lockUntil };
      if (await users.settlePasswordAttempt(user.id, outcome)) await this.recordLock(ctx, user, lockUntil);
    }
    if (!correct) {
      await this.recordRefusal(ctx, user, 'wrong_password');
      return this.failed(ctx);
    }
    if (!lockout.enabled && (user.failedAttempts > 0 || user.lockedUntil !== null))
      await users.resetFailedAttempts(user.id, now);
    if (hasher.needsRehash(storedHash)) {
      await credentials.setPasswordHash(user.id, await hasher.hash(answer), now, true);
    }
    return { ok: true };
  }

  /**
   * A slot to judge one password; false while the user is locked. When the slots are taken by
   * attempts still being judged, waits for one to settle (a few hashes' time at most), since those
   * may be the right password.
   */
  private async claim(user: User): Promise<boolean> {
    const { users, lockout, clock } = this.deps;
    const deadline = clock.now() + CLAIM_WAIT_MS;
    for (;;) {
      const claim = await users.claimPasswordAttempt(
        user.id,
        clock.now(),
        lockout.maxFailedAttempts,
        CLAIM_STALE_MS,
      );
      if (claim !== 'busy') return claim === 'claimed';
      if (clock.now() >= deadline) return false;
      const wait = () => new Promise((resolve) => setTimeout(resolve, CLAIM_RETRY_MS));
      await (this.deps.outsideTransaction ? this.deps.outsideTransaction(wait) : wait());
    }
  }

  /** Too many failures from this address, or for this identifier: refused before any work. */
  private async throttled(ctx: AuthenticatorContext): Promise<EngineError | null> {
    const { limiter, limits } = this.deps;
    return (
      (await limitReached(limiter, this.ipKey(ctx), limits.failedSignInPerIp)) ??
      (await limitReached(limiter, this.accountKey(ctx), limits.failedSignInPerAccount))
    );
  }

  /** A failure counts against the address and the identifier, the same for known and unknown accounts. */
  private async failed(ctx: AuthenticatorContext): Promise<VerifyResult> {
    const { limiter, limits } = this.deps;
    await limiter.hit(this.ipKey(ctx), limits.failedSignInPerIp);
    await limiter.hit(this.accountKey(ctx), limits.failedSignInPerAccount);
    return { ok: false, error: new EngineError('PASSWORD_INVALID') };
  }

  private ipKey(ctx: AuthenticatorContext): string {
    return `signin-fail:ip:${ctx.request.ip ?? 'unknown'}`;
  }

  private accountKey(ctx: AuthenticatorContext): string {
    return `signin-fail:account:${loginKey(ctx.identifier)}`;
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

  private async recordLock(ctx: AuthenticatorContext, user: User, until: number) {
    await this.deps.events.record(
      { type: 'user.account.lock', userId: user.id, appId: ctx.app.id, ip: ctx.request.ip, data: { until } },
      this.deps.clock.now(),
    );
  }
}

function canSignIn(user: User, now: number): boolean {
  return user.status === 'ACTIVE' && !isAutoLocked(user, now);
}

function refusal(user: User, now: number, storedHash: string | null): string {
  if (!storedHash) return 'no_password';
  if (user.status !== 'ACTIVE') return `status_${user.status.toLowerCase()}`;
  return isAutoLocked(user, now) ? 'locked' : 'refused';
}
