import type { Clock } from '../../clock.js';
import type { UsersStore } from '../../storage/users-store.js';
import {
  type Answer,
  type AuthenticatorContext,
  type ChallengeResult,
  type Enroller,
  type EnrollResult,
  typedAnswer,
} from '../authenticator.js';
import type { EmailVerifier } from './email-verifier.js';

export interface EmailEnrollerDeps {
  users: UsersStore;
  clock: Clock;
  verifier: EmailVerifier;
}

/**
 * Enrolling an email address is proving it: the same code and magic link as a sign-in (the
 * `registration` template), and once the code is right the address is marked verified.
 */
export class EmailEnroller implements Enroller {
  readonly rules = null;

  constructor(private readonly deps: EmailEnrollerDeps) {}

  begin(ctx: AuthenticatorContext): Promise<ChallengeResult> {
    return this.deps.verifier.challenge(ctx);
  }

  async enroll(ctx: AuthenticatorContext, given: Answer): Promise<EnrollResult> {
    // A typed secret or code; a structured (public-key) answer is wrong here.
    const answer = typedAnswer(given) ?? '';
    const result = await this.deps.verifier.verify(ctx, answer);
    if (!result.ok) return result;
    if (ctx.user) await this.deps.users.markEmailVerified(ctx.user.id, this.deps.clock.now());
    return { ok: true };
  }
}
