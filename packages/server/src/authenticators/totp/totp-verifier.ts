import type { Clock } from '../../clock.js';
import { EngineError } from '../../errors.js';
import { loginKey } from '../../identity/users.js';
import { type Limit, limitReached, overLimit, type RateLimiter } from '../../rate-limits/rate-limiter.js';
import type { AuthenticatorEnrollmentsStore } from '../../storage/authenticator-enrollments-store.js';
import type { EventsStore } from '../../storage/events-store.js';
import {
  type Answer,
  type AuthenticatorContext,
  type ChallengeResult,
  typedAnswer,
  type Verifier,
  type VerifyResult,
} from '../authenticator.js';
import type { SecretBox } from './secret-box.js';
import { enrollmentBinding, TOTP_KEY, type TotpChallenges } from './totp-challenges.js';
import { matchingStep, newTotpSecret, normalizeTotpCode } from './totp-codes.js';

export interface TotpLimits {
  answerPerIp: Limit;
  failedOtpPerUser: Limit;
}

export interface TotpVerifierDeps {
  challenges: TotpChallenges;
  enrollments: AuthenticatorEnrollmentsStore;
  events: EventsStore;
  limiter: RateLimiter;
  box: SecretBox;
  clock: Clock;
  limits: TotpLimits;
}

const NOTHING_TO_SEND: ChallengeResult = { ok: true };

/**
 * A code from the user's authenticator app (docs/protocol/idx-protocol-2.md §5.3): accepted within
 * ±1 time step, each step once (the enrollment's counter is the last accepted step, moved by one
 * guarded update, so the same code in two transactions or two parallel requests works once).
 * Wrong codes are capped per transaction (the challenge record) and per account across
 * transactions (the rate limiter). Users without an app, and unknown ones, get the same answers.
 */
export class TotpVerifier implements Verifier {
  readonly answer = 'code';
  readonly answeredWithIdentifier = false;
  readonly resendable = false;
  readonly pollIntervalMs = null;

  constructor(private readonly deps: TotpVerifierDeps) {}

  /** Nothing is sent; the transaction's attempt count starts (or goes on). */
  async challenge(ctx: AuthenticatorContext): Promise<ChallengeResult> {
    await this.deps.challenges.beginChallenge(ctx);
    return NOTHING_TO_SEND;
  }

  async resend(): Promise<ChallengeResult> {
    return NOTHING_TO_SEND;
  }

  async verify(ctx: AuthenticatorContext, given: Answer): Promise<VerifyResult> {
    const { challenges, limiter, limits } = this.deps;
    const refused =
      (await overLimit(limiter, `answer:ip:${ctx.request.ip ?? 'unknown'}`, limits.answerPerIp)) ??
      (await limitReached(limiter, this.accountKey(ctx), limits.failedOtpPerUser));
    if (refused) return { ok: false, error: refused };
    const challenge = await challenges.open(ctx, 'challenge');
    if (!challenge) return invalid();
    const attempt = await challenges.recordAttempt(challenge);
    if (attempt === null) return exhausted();

    const code = normalizeTotpCode(typedAnswer(given) ?? '');
    const outcome = code === null ? 'wrong' : await this.accept(ctx, code);
    if (outcome === 'accepted') {
      if (await challenges.consume(challenge)) return { ok: true };
      return invalid();
    }
    await limiter.hit(this.accountKey(ctx), limits.failedOtpPerUser);
    await this.recordFailure(ctx, attempt, outcome);
    if (attempt >= challenge.maxAttempts) return exhausted();
    return outcome === 'reused'
      ? { ok: false, error: new EngineError('PASSCODE_REUSED', { field: 'answer' }) }
      : invalid();
  }

  /**
   * Checks the code against the user's apps and, when one makes it, claims its time step. An
   * account without an app, or no account, is checked against a throwaway secret (the same work).
   */
  private async accept(ctx: AuthenticatorContext, code: string): Promise<'accepted' | 'reused' | 'wrong'> {
    const { box, clock, enrollments } = this.deps;
    const now = clock.now();
    const held = ctx.user ? ctx.held.filter((e) => e.authenticatorKey === TOTP_KEY) : [];
    if (held.length === 0) {
      matchingStep(newTotpSecret(), code, now);
      return 'wrong';
    }
    for (const enrollment of held) {
      const secret = box.open(enrollment.secret, enrollmentBinding(enrollment.id, enrollment.userId));
      const step = secret === null ? null : matchingStep(secret, code, now);
      if (step === null) continue;
      // The guarded update is the check: a step at or below the last accepted one was used.
      return (await enrollments.advanceCounter(enrollment.id, step, now)) ? 'accepted' : 'reused';
    }
    return 'wrong';
  }

  private accountKey(ctx: AuthenticatorContext): string {
    return `otp-fail:account:${ctx.user?.id ?? `unknown:${loginKey(ctx.identifier)}`}`;
  }

  private recordFailure(ctx: AuthenticatorContext, attempt: number, reason: 'reused' | 'wrong') {
    return this.deps.events.record(
      {
        type: 'user.authentication.failed',
        userId: ctx.user?.id ?? null,
        appId: ctx.app.id,
        ip: ctx.request.ip,
        data: { factor: TOTP_KEY, attempt, reason: reason === 'reused' ? 'used_passcode' : 'wrong_passcode' },
      },
      this.deps.clock.now(),
    );
  }
}

// Functions, not values: an error captures a stack trace, wasted on the accepted answers. A wrong
// code reads as Okta's soft-token error (docs/protocol/idx-protocol-2.md §8).
function invalid(): VerifyResult {
  return { ok: false, error: new EngineError('APP_PASSCODE_INVALID', { field: 'answer' }) };
}

function exhausted(): VerifyResult {
  return { ok: false, error: new EngineError('ATTEMPTS_EXHAUSTED'), final: true };
}
