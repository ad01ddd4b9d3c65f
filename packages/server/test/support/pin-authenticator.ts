import type {
  Authenticator,
  AuthenticatorContext,
  ChallengeResult,
  Enrollment,
  Verifier,
  VerifyResult,
} from '../../src/authenticators/authenticator.js';
import { EngineError } from '../../src/errors.js';
import type { User } from '../../src/storage/users-store.js';

/**
 * An authenticator that exists only in tests, to prove the plug-in seam: a PIN set per user in
 * memory, asked after identify. Flows reach it through the registry and an app's policy, as they
 * would a TOTP or SMS authenticator, with nothing in `flows/` naming it.
 */
export class PinAuthenticator implements Authenticator {
  readonly key = 'test_pin';
  readonly displayName = 'PIN';
  readonly amr = 'pin';
  readonly servesRecovery = false;
  readonly recoverable = false;
  readonly verifier: Verifier;
  private readonly pins = new Map<string, string>();
  /** Every challenge started, in order (the user's id, or null for an unknown identifier). */
  readonly challenged: (string | null)[] = [];

  constructor() {
    const ok: ChallengeResult = { ok: true };
    this.verifier = {
      answer: 'code',
      answeredWithIdentifier: false,
      resendable: false,
      pollIntervalMs: null,
      challenge: async (ctx: AuthenticatorContext) => {
        this.challenged.push(ctx.user?.id ?? null);
        return ok;
      },
      resend: async () => ok,
      verify: async (ctx: AuthenticatorContext, answer: string): Promise<VerifyResult> => {
        const pin = ctx.user ? this.pins.get(ctx.user.id) : undefined;
        return pin !== undefined && pin === answer
          ? { ok: true }
          : { ok: false, error: new EngineError('PASSCODE_INVALID', { field: 'answer' }) };
      },
    };
  }

  setPin(user: User, pin: string): void {
    this.pins.set(user.id, pin);
  }

  enrollment(user: User | null, identifier: string): Enrollment {
    return { id: `pin-${user?.id ?? identifier}` };
  }
}
