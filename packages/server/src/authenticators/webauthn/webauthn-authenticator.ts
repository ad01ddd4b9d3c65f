import type { Clock } from '../../clock.js';
import type { Limit, RateLimiter } from '../../rate-limits/rate-limiter.js';
import type { AuthenticatorChallengesStore } from '../../storage/authenticator-challenges-store.js';
import type {
  AuthenticatorEnrollmentsStore,
  StoredEnrollment,
} from '../../storage/authenticator-enrollments-store.js';
import type { EventsStore } from '../../storage/events-store.js';
import type { User } from '../../storage/users-store.js';
import type {
  Authenticator,
  Enrollment,
  Presentation,
  PresentationContext,
  PublicKeyEnrollment,
} from '../authenticator.js';
import { Ceremonies } from './ceremonies.js';
import { decoyKeys } from './decoy-keys.js';
import { WebauthnKeys } from './derived-keys.js';
import { WebauthnEnroller } from './webauthn-enroller.js';
import { CEREMONY_TIMEOUT_MS } from './webauthn-options.js';
import { WebauthnVerifier } from './webauthn-verifier.js';

export const WEBAUTHN_KEY = 'webauthn';

export interface WebauthnAuthenticatorDeps {
  enrollments: AuthenticatorEnrollmentsStore;
  challenges: AuthenticatorChallengesStore;
  events: EventsStore;
  limiter: RateLimiter;
  clock: Clock;
  /** The server secret: user handles and decoy credentials are derived from it. */
  secret: Buffer;
  settings: {
    /** The server's public URL: its origin is allowed where the RP ID covers it. */
    publicUrl: string;
    answerPerIp: Limit;
    /** Wrong answers one ceremony takes. */
    maxAttempts: number;
  };
}

/**
 * WebAuthn: passkeys and security keys (docs/protocol/idx-protocol-2.md §6). A user may hold
 * several credentials, each with a name. `amr` is `hwk` (RFC 8176: proof of possession of a
 * hardware-secured key), what Okta reports for its WebAuthn authenticator; telling a synced
 * software passkey (`swk`) apart would need attestation, which is not asked for, so it is static.
 *
 * A passkey that verified its user is two factors in one, and a passkey-only policy
 * (`--policy webauthn`) requires that verification (`user-verification.ts`), so one passkey meets
 * it. The ID token then says `hwk` without `mfa`: the engine derives `mfa` from the number of
 * authenticators proven (`flows/shared/progress.ts`), not from what one proof showed, and this
 * authenticator cannot add to it without a change to the flows' contract.
 */
export class WebauthnAuthenticator implements Authenticator {
  readonly key = WEBAUTHN_KEY;
  readonly displayName = 'Security key or biometric authenticator';
  readonly amr = 'hwk';
  readonly servesRecovery = false;
  readonly recoverable = false;
  readonly verifier: WebauthnVerifier;
  readonly enroller: WebauthnEnroller;
  private readonly keys: WebauthnKeys;
  private readonly ceremonies: Ceremonies;

  constructor(deps: WebauthnAuthenticatorDeps) {
    this.keys = new WebauthnKeys(deps.secret);
    this.ceremonies = new Ceremonies({
      challenges: deps.challenges,
      clock: deps.clock,
      key: this.key,
      // The ceremony outlives the browser's timeout a little, so a late answer reads as wrong, not lost.
      settings: { ttlSeconds: CEREMONY_TIMEOUT_MS / 1000 + 60, maxAttempts: deps.settings.maxAttempts },
    });
    const common = {
      key: this.key,
      ceremonies: this.ceremonies,
      enrollments: deps.enrollments,
      keys: this.keys,
      limiter: deps.limiter,
      answerPerIp: deps.settings.answerPerIp,
      clock: deps.clock,
      publicUrl: deps.settings.publicUrl,
    };
    this.verifier = new WebauthnVerifier({
      ...common,
      events: deps.events,
      shown: (ctx) => this.shownKeys(ctx.user, ctx.identifier, ctx.held),
    });
    this.enroller = new WebauthnEnroller({ ...common, held: (ctx) => this.heldKeys(ctx.user, ctx.held) });
  }

  isEnrolled(user: User, held: readonly StoredEnrollment[]): boolean {
    return this.heldKeys(user, held).length > 0;
  }

  /** The user's credentials, or (none held, or no such user) decoys: a challenge looks the same either way. */
  enrollment(user: User | null, identifier: string, held: readonly StoredEnrollment[]): Enrollment {
    const keys = this.shownKeys(user, identifier, held);
    return { id: keys[0]!.id, keys };
  }

  /** The options of the transaction's open ceremony (creation at a set-up, request at a challenge). */
  async presentation(ctx: PresentationContext, stage: 'challenge' | 'enroll'): Promise<Presentation | null> {
    const open = await this.ceremonies.current(ctx, stage === 'enroll' ? 'create' : 'get');
    return open ? { publicKey: open.ceremony.options } : null;
  }

  private heldKeys(user: User | null, held: readonly StoredEnrollment[]): PublicKeyEnrollment[] {
    if (!user) return [];
    return held
      .filter((e) => e.authenticatorKey === this.key && e.userId === user.id && e.credentialId)
      .map((e) => ({
        id: e.id,
        name: e.name,
        credentialId: e.credentialId!,
        transports: Array.isArray(e.data.transports) ? (e.data.transports as string[]) : [],
      }));
  }

  private shownKeys(
    user: User | null,
    identifier: string,
    held: readonly StoredEnrollment[],
  ): PublicKeyEnrollment[] {
    const keys = this.heldKeys(user, held);
    return keys.length > 0 ? keys : decoyKeys(this.keys, identifier || (user?.login ?? ''));
  }
}
