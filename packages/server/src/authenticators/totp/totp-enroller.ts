import { randomBytes } from 'node:crypto';
import type { Clock } from '../../clock.js';
import { EngineError } from '../../errors.js';
import { type Limit, overLimit, type RateLimiter } from '../../rate-limits/rate-limiter.js';
import type { AuthenticatorEnrollmentsStore } from '../../storage/authenticator-enrollments-store.js';
import {
  type Answer,
  type AuthenticatorContext,
  type ChallengeResult,
  type Enroller,
  type EnrollResult,
  typedAnswer,
} from '../authenticator.js';
import type { SecretBox } from './secret-box.js';
import { enrollmentBinding, TOTP_KEY, type TotpChallenges } from './totp-challenges.js';
import { matchingStep, newTotpSecret, normalizeTotpCode } from './totp-codes.js';

export interface TotpEnrollerDeps {
  challenges: TotpChallenges;
  enrollments: AuthenticatorEnrollmentsStore;
  limiter: RateLimiter;
  box: SecretBox;
  clock: Clock;
  displayName: string;
  answerPerIp: Limit;
}

/**
 * Setting up an authenticator app (docs/protocol/idx-protocol-2.md §5.2): a new secret for the
 * transaction, shown as a QR code and as text, kept sealed until a first code (±1 step) proves the
 * app has it; only then is the enrollment stored, with that code's step as used.
 */
export class TotpEnroller implements Enroller {
  readonly rules = null;

  constructor(private readonly deps: TotpEnrollerDeps) {}

  async begin(ctx: AuthenticatorContext): Promise<ChallengeResult> {
    await this.deps.challenges.beginSetUp(ctx, newTotpSecret());
    return { ok: true };
  }

  async enroll(ctx: AuthenticatorContext, given: Answer): Promise<EnrollResult> {
    const { challenges, enrollments, limiter, clock } = this.deps;
    const refused = await overLimit(
      limiter,
      `answer:ip:${ctx.request.ip ?? 'unknown'}`,
      this.deps.answerPerIp,
    );
    if (refused) return { ok: false, error: refused };
    const pending = await challenges.pendingSecret(ctx);
    if (!pending) return invalid();
    const attempt = await challenges.recordAttempt(pending.challenge);
    if (attempt === null) return exhausted();
    const code = normalizeTotpCode(typedAnswer(given) ?? '');
    const now = clock.now();
    const step = code === null ? null : matchingStep(pending.secret, code, now);
    // A set-up for nobody (a sign-up of an address that has an account) never completes.
    if (step === null || !ctx.user) return attempt >= pending.challenge.maxAttempts ? exhausted() : invalid();
    if (!(await challenges.consume(pending.challenge))) return invalid();

    // Random, in the shape of the ids shown for users without an app (../enrollment-id.ts), so an
    // id seen before any proof does not tell whether the user has one.
    const id = `uft${randomBytes(24).toString('base64url').replace(/[-_]/g, '').slice(0, 17)}`;
    await enrollments.add(
      {
        id,
        userId: ctx.user.id,
        authenticatorKey: TOTP_KEY,
        name: this.deps.displayName,
        secret: this.deps.box.seal(pending.secret, enrollmentBinding(id, ctx.user.id)),
        credentialId: null,
        // The proving code counts as used: it cannot sign in again (docs/protocol/idx-protocol-2.md §5.3).
        counter: step,
        data: {},
        createdAt: now,
      },
      {
        type: 'user.mfa.factor.activate',
        userId: ctx.user.id,
        appId: ctx.app.id,
        ip: ctx.request.ip,
        data: { authenticator: TOTP_KEY, enrollment: id },
      },
    );
    return { ok: true };
  }
}

function invalid(): EnrollResult {
  return { ok: false, error: new EngineError('PASSCODE_INVALID', { field: 'answer' }) };
}

function exhausted(): EnrollResult {
  return { ok: false, error: new EngineError('ATTEMPTS_EXHAUSTED'), final: true };
}
