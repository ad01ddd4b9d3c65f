import type { Clock } from '../../clock.js';
import type { Limit, RateLimiter } from '../../rate-limits/rate-limiter.js';
import type { AuthenticatorChallengesStore } from '../../storage/authenticator-challenges-store.js';
import type {
  AuthenticatorEnrollmentsStore,
  StoredEnrollment,
} from '../../storage/authenticator-enrollments-store.js';
import type { EventsStore } from '../../storage/events-store.js';
import type { User } from '../../storage/users-store.js';
import type { Authenticator, Enrollment, Presentation, PresentationContext } from '../authenticator.js';
import { enrollmentId } from '../enrollment-id.js';
import { qrCodeDataUri } from './qr-code.js';
import { SecretBox } from './secret-box.js';
import { TOTP_KEY, TotpChallenges } from './totp-challenges.js';
import { otpauthUri } from './totp-codes.js';
import { TotpEnroller } from './totp-enroller.js';
import { TotpVerifier } from './totp-verifier.js';

export interface TotpAuthenticatorDeps {
  challenges: AuthenticatorChallengesStore;
  enrollments: AuthenticatorEnrollmentsStore;
  events: EventsStore;
  limiter: RateLimiter;
  clock: Clock;
  /** Server secret; the key that seals the apps' secrets is derived from it. */
  secret: Buffer;
  settings: {
    /** Issuer shown in the app beside the account (the organisation's name). */
    issuer: string;
    /** Wrong codes one transaction allows. */
    maxAttempts: number;
    answerPerIp: Limit;
    failedOtpPerUser: Limit;
  };
}

/**
 * An authenticator app (Google Authenticator and the like; RFC 6238 TOTP), Okta's `google_otp`:
 * set up by scanning a QR code and proving a first code, then asked for a code from the app.
 * Something the user has: it counts toward `mfa`.
 */
export class TotpAuthenticator implements Authenticator {
  readonly key = TOTP_KEY;
  readonly displayName = 'Google Authenticator';
  readonly amr = 'otp';
  readonly servesRecovery = false;
  readonly recoverable = false;
  readonly verifier: TotpVerifier;
  readonly enroller: TotpEnroller;
  private readonly challenges: TotpChallenges;

  constructor(private readonly deps: TotpAuthenticatorDeps) {
    const { settings } = deps;
    const box = new SecretBox(deps.secret);
    this.challenges = new TotpChallenges({
      challenges: deps.challenges,
      box,
      clock: deps.clock,
      maxAttempts: settings.maxAttempts,
    });
    const shared = { challenges: this.challenges, enrollments: deps.enrollments, box, clock: deps.clock };
    this.verifier = new TotpVerifier({
      ...shared,
      events: deps.events,
      limiter: deps.limiter,
      limits: { answerPerIp: settings.answerPerIp, failedOtpPerUser: settings.failedOtpPerUser },
    });
    this.enroller = new TotpEnroller({
      ...shared,
      limiter: deps.limiter,
      displayName: this.displayName,
      answerPerIp: settings.answerPerIp,
    });
  }

  isEnrolled(user: User, held: readonly StoredEnrollment[]): boolean {
    return held.some((e) => e.authenticatorKey === TOTP_KEY && e.userId === user.id);
  }

  /** The user's app (the first, if several), or an id of the same shape for anyone else. */
  enrollment(user: User | null, identifier: string, held: readonly StoredEnrollment[]): Enrollment {
    const app = user ? held.find((e) => e.authenticatorKey === TOTP_KEY && e.userId === user.id) : undefined;
    return { id: app?.id ?? enrollmentId('uft', user?.id ?? null, identifier) };
  }

  /** At a set-up: the QR code of the `otpauth://` URI and the secret as text; nothing at a challenge. */
  async presentation(ctx: PresentationContext, stage: 'challenge' | 'enroll'): Promise<Presentation | null> {
    if (stage !== 'enroll') return null;
    const pending = await this.challenges.pendingSecret(ctx);
    if (!pending) return null;
    const login = ctx.user?.login ?? ctx.identifier;
    const uri = otpauthUri(pending.secret, this.deps.settings.issuer, login);
    return { qrCode: await qrCodeDataUri(uri), sharedSecret: pending.secret };
  }
}
