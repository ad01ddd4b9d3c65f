import type {
  Answer,
  Authenticator,
  AuthenticatorContext,
  ChallengeResult,
  Enroller,
  Enrollment,
  EnrollResult,
  Verifier,
  VerifyResult,
} from '../../src/authenticators/authenticator.js';
import { EngineError } from '../../src/errors.js';
import type { User } from '../../src/storage/users-store.js';

/**
 * An authenticator that exists only in tests, to prove the plug-in seam: a PIN set per user in
 * memory, asked after identify. Flows reach it through the registry and an app's policy, as they
 * would a TOTP or SMS authenticator, with nothing in `flows/` naming it. With `enrollable`, a user
 * may set their PIN (four digits) wherever a flow offers it, under the key `test_pin_set`.
 */
export class PinAuthenticator implements Authenticator {
  readonly key: string;
  readonly displayName = 'PIN';
  readonly amr = 'pin';
  readonly servesRecovery = false;
  readonly recoverable = false;
  readonly verifier: Verifier;
  readonly enroller?: Enroller;
  private readonly pins = new Map<string, string>();
  /** Every challenge started, in order (the user's id, or null for an unknown identifier). */
  readonly challenged: (string | null)[] = [];

  constructor(options: { enrollable?: boolean } = {}) {
    this.key = options.enrollable ? 'test_pin_set' : 'test_pin';
    const ok: ChallengeResult = { ok: true };
    if (options.enrollable)
      this.enroller = {
        rules: null,
        begin: async () => ok,
        enroll: async (ctx: AuthenticatorContext, answer: Answer): Promise<EnrollResult> => {
          if (!ctx.user || typeof answer !== 'string' || !/^\d{4}$/.test(answer))
            return { ok: false, error: new EngineError('PASSCODE_INVALID', { field: 'answer' }) };
          this.pins.set(ctx.user.id, answer);
          return { ok: true };
        },
      };
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

  /** A user has the PIN once one was set. */
  isEnrolled(user: User): boolean {
    return this.pins.has(user.id);
  }

  setPin(user: User, pin: string): void {
    this.pins.set(user.id, pin);
  }

  enrollment(user: User | null, identifier: string): Enrollment {
    return { id: `pin-${user?.id ?? identifier}` };
  }
}
