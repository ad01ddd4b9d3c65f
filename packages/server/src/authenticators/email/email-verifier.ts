import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import { EngineError } from '../../errors.js';
import { type Limit, overLimit, type RateLimiter } from '../../rate-limits/rate-limiter.js';
import type { EmailChallenge, EmailChallengesStore } from '../../storage/email-challenges-store.js';
import type { EventsStore } from '../../storage/events-store.js';
import {
  type Answer,
  type AuthenticatorContext,
  type ChallengeResult,
  typedAnswer,
  type Verifier,
  type VerifyResult,
} from '../authenticator.js';
import type { EmailSender } from './email-sender.js';
import { codesMatch, deriveCode, newSeed, normalizeCode } from './one-time-code.js';

export interface EmailVerifySettings {
  otpTtlSeconds: number;
  recoveryOtpTtlSeconds: number;
  maxAttempts: number;
  challengePerIp: Limit;
  answerPerIp: Limit;
}

export interface EmailVerifierDeps {
  challenges: EmailChallengesStore;
  limiter: RateLimiter;
  events: EventsStore;
  clock: Clock;
  secret: Buffer;
  settings: EmailVerifySettings;
  sender: EmailSender;
}

/**
 * A 6-digit code and a magic link carrying it (`<callback>?otp=…&state=…`). Opening the link
 * consumes nothing; only submitting the code does. Five wrong answers end the challenge. For an
 * unknown identifier a challenge is recorded but no email is sent, so the answers look the same.
 */
export class EmailVerifier implements Verifier {
  readonly answer = 'code';
  readonly answeredWithIdentifier = false;
  readonly resendable = true;
  readonly pollIntervalMs = 4000;

  constructor(private readonly deps: EmailVerifierDeps) {}

  /** Starts a new challenge (a new code, replacing any earlier one of the transaction) and sends it. */
  async challenge(ctx: AuthenticatorContext): Promise<ChallengeResult> {
    const refused = await this.limitRequests(ctx);
    if (refused) return { ok: false, error: refused };
    const { challenges, clock, settings } = this.deps;
    const now = clock.now();
    const previous = await challenges.findByTransaction(ctx.transaction.id);
    const deliverable = ctx.user && !ctx.quiet && reachable(ctx) ? ctx.user : null;
    const challenge: EmailChallenge = {
      id: randomUUID(),
      transactionId: ctx.transaction.id,
      userId: ctx.user?.id ?? null,
      recipient: deliverable?.email ?? null,
      purpose: ctx.purpose,
      seed: newSeed(),
      createdAt: now,
      expiresAt: now + this.ttlSeconds(ctx) * 1000,
      attempts: 0,
      maxAttempts: settings.maxAttempts,
      // Sends and the resend clock carry over, so re-selecting Email cannot bypass the throttle.
      sends: previous?.sends ?? 0,
      lastSentAt: previous?.lastSentAt ?? null,
      consumedAt: null,
    };
    return this.deps.sender.send(ctx, challenge, { ttlSeconds: this.ttlSeconds(ctx), isNew: true });
  }

  /** Sends the same code again while it is valid; a new one once it has expired. */
  async resend(ctx: AuthenticatorContext): Promise<ChallengeResult> {
    const challenge = await this.deps.challenges.findByTransaction(ctx.transaction.id);
    if (!challenge || challenge.consumedAt !== null) throw new EngineError('STEP_NOT_ALLOWED');
    if (challenge.expiresAt <= this.deps.clock.now()) return this.challenge(ctx);
    const refused = await this.limitRequests(ctx);
    if (refused) return { ok: false, error: refused };
    return this.deps.sender.send(ctx, challenge, { ttlSeconds: this.ttlSeconds(ctx), isNew: false });
  }

  async verify(ctx: AuthenticatorContext, given: Answer): Promise<VerifyResult> {
    // A typed secret or code; a structured (public-key) answer is wrong here.
    const answer = typedAnswer(given) ?? '';
    const { challenges, limiter, events, clock, secret, settings } = this.deps;
    const refused = await overLimit(
      limiter,
      `answer:ip:${ctx.request.ip ?? 'unknown'}`,
      settings.answerPerIp,
    );
    if (refused) return { ok: false, error: refused };
    // A function, not a value: an error captures a stack trace, wasted on the accepted answers.
    const invalid = (): VerifyResult => ({
      ok: false,
      error: new EngineError('PASSCODE_INVALID', { field: 'answer' }),
    });
    const exhausted = (): VerifyResult => ({
      ok: false,
      error: new EngineError('ATTEMPTS_EXHAUSTED'),
      final: true,
    });
    const now = clock.now();
    const challenge = await challenges.findByTransaction(ctx.transaction.id);
    if (!challenge || challenge.consumedAt !== null) return invalid();
    // A code answers only the purpose it was sent for (a sign-in code never unlocks or registers).
    if (challenge.expiresAt <= now || challenge.purpose !== ctx.purpose) return invalid();
    const attempt = await challenges.recordAttempt(challenge.id, now);
    if (attempt === null) return exhausted();

    const code = deriveCode(secret, challenge.id, challenge.seed);
    if (challenge.recipient !== null && codesMatch(code, normalizeCode(answer))) {
      if (await challenges.consume(challenge.id, now)) return { ok: true };
      return invalid();
    }
    await events.record(
      {
        type: 'user.authentication.failed',
        userId: challenge.userId,
        appId: ctx.app.id,
        ip: ctx.request.ip,
        data: { factor: 'email', attempt },
      },
      now,
    );
    return attempt >= challenge.maxAttempts ? exhausted() : invalid();
  }

  /** Challenge and resend requests per client IP (counted whether or not an email goes out). */
  private limitRequests(ctx: AuthenticatorContext): Promise<EngineError | null> {
    return overLimit(
      this.deps.limiter,
      `challenge:ip:${ctx.request.ip ?? 'unknown'}`,
      this.deps.settings.challengePerIp,
    );
  }

  /** Codes of a password recovery live longer: the email may be read later than a sign-in's. */
  private ttlSeconds(ctx: AuthenticatorContext): number {
    return ctx.purpose === 'recovery'
      ? this.deps.settings.recoveryOtpTtlSeconds
      : this.deps.settings.otpTtlSeconds;
  }
}

/** Whether a code may go to the user: an active account, or one being registered (`STAGED`). */
function reachable(ctx: AuthenticatorContext): boolean {
  return ctx.user?.status === (ctx.purpose === 'registration' ? 'STAGED' : 'ACTIVE');
}
