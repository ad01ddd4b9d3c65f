import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type {
  AuthenticatorChallenge,
  AuthenticatorChallengesStore,
} from '../../storage/authenticator-challenges-store.js';
import type { AuthenticatorContext, PresentationContext } from '../authenticator.js';
import type { SecretBox } from './secret-box.js';

export const TOTP_KEY = 'google_otp';

/** What a transaction's challenge record is for: proving a new app's first code, or a sign-in's code. */
export type TotpStage = 'enroll' | 'challenge';

export interface TotpChallengesDeps {
  challenges: AuthenticatorChallengesStore;
  box: SecretBox;
  clock: Clock;
  maxAttempts: number;
}

/**
 * The transaction's record of the authenticator app (one per transaction, single use, with an
 * attempt cap): at a set-up it holds the new secret, sealed, until the first code proves it; at a
 * challenge only the attempts. It lives as long as the transaction.
 */
export class TotpChallenges {
  constructor(private readonly deps: TotpChallengesDeps) {}

  /** Starts a set-up with a new secret (choosing the app again starts over with another one). */
  async beginSetUp(ctx: AuthenticatorContext, secret: string): Promise<void> {
    const id = randomUUID();
    await this.replace(ctx, id, 'enroll', { secret: this.deps.box.seal(secret, setUpBinding(ctx, id)) });
  }

  /**
   * Opens a challenge; an open one of the transaction is kept with its attempts, so choosing
   * another authenticator and the app again does not earn more guesses.
   */
  async beginChallenge(ctx: AuthenticatorContext): Promise<void> {
    const open = await this.open(ctx, 'challenge');
    if (!open) await this.replace(ctx, randomUUID(), 'challenge', {});
  }

  /** The transaction's open record of `stage` (unexpired, unused, of this purpose), or null. */
  async open(ctx: PresentationContext, stage: TotpStage): Promise<AuthenticatorChallenge | null> {
    const found = await this.deps.challenges.find(ctx.transaction.id, TOTP_KEY);
    if (!found || found.consumedAt !== null || found.data.stage !== stage) return null;
    if (found.expiresAt <= this.deps.clock.now() || found.purpose !== ctx.purpose) return null;
    return found;
  }

  /** The secret being set up in the transaction, or null. */
  async pendingSecret(
    ctx: PresentationContext,
  ): Promise<{ challenge: AuthenticatorChallenge; secret: string } | null> {
    const challenge = await this.open(ctx, 'enroll');
    const sealed = challenge?.data.secret;
    if (!challenge || typeof sealed !== 'string') return null;
    const secret = this.deps.box.open(sealed, setUpBinding(ctx, challenge.id));
    return secret === null ? null : { challenge, secret };
  }

  /** Counts one answer; the attempt number, or null when none is left. */
  recordAttempt(challenge: AuthenticatorChallenge): Promise<number | null> {
    return this.deps.challenges.recordAttempt(challenge.id, this.deps.clock.now());
  }

  consume(challenge: AuthenticatorChallenge): Promise<boolean> {
    return this.deps.challenges.consume(challenge.id, this.deps.clock.now());
  }

  private replace(ctx: AuthenticatorContext, id: string, stage: TotpStage, data: Record<string, unknown>) {
    const now = this.deps.clock.now();
    return this.deps.challenges.replace({
      id,
      transactionId: ctx.transaction.id,
      authenticatorKey: TOTP_KEY,
      purpose: ctx.purpose,
      data: { stage, ...data },
      createdAt: now,
      expiresAt: ctx.transaction.expiresAt,
      maxAttempts: this.deps.maxAttempts,
    });
  }
}

/** What a set-up's sealed secret is bound to: its transaction and record. */
function setUpBinding(ctx: PresentationContext, challengeId: string): string {
  return `${TOTP_KEY}:set-up:${ctx.transaction.id}:${challengeId}`;
}

/** What an enrollment's sealed secret is bound to: the enrollment and its user. */
export function enrollmentBinding(enrollmentId: string, userId: string): string {
  return `${TOTP_KEY}:enrollment:${enrollmentId}:${userId}`;
}
