import { verifyAuthenticationResponse } from '@simplewebauthn/server';
import type { Clock } from '../../clock.js';
import { EngineError } from '../../errors.js';
import { type Limit, overLimit, type RateLimiter } from '../../rate-limits/rate-limiter.js';
import type {
  AuthenticatorEnrollmentsStore,
  StoredEnrollment,
} from '../../storage/authenticator-enrollments-store.js';
import type { EventsStore } from '../../storage/events-store.js';
import type {
  Answer,
  AuthenticatorContext,
  ChallengeResult,
  PublicKeyEnrollment,
  Verifier,
  VerifyResult,
} from '../authenticator.js';
import { assertionResponse } from './assertion-response.js';
import type { Ceremonies } from './ceremonies.js';
import type { WebauthnKeys } from './derived-keys.js';
import { relyingPartyOrError } from './relying-party.js';
import { userVerificationFor } from './user-verification.js';
import { requestOptions } from './webauthn-options.js';

export interface WebauthnVerifierDeps {
  key: string;
  ceremonies: Ceremonies;
  enrollments: AuthenticatorEnrollmentsStore;
  events: EventsStore;
  keys: WebauthnKeys;
  limiter: RateLimiter;
  answerPerIp: Limit;
  clock: Clock;
  publicUrl: string;
  /** The credentials the client is shown: the user's, or decoys (docs/protocol/idx-protocol-2.md §6.4). */
  shown: (ctx: Pick<AuthenticatorContext, 'user' | 'held' | 'identifier'>) => PublicKeyEnrollment[];
}

/**
 * Authenticates with a passkey or security key (docs/protocol/idx-protocol-2.md §6.4, §6.5): the
 * challenge is request options with a fresh challenge bound to the transaction, listing the
 * user's credentials (decoys for an identifier without any, so nothing tells accounts apart).
 * The answer names no credential: each of the user's is tried with `@simplewebauthn/server`
 * (type, challenge, origin, RP ID, presence, verification where required, signature). A right
 * answer uses the challenge up and must move the credential's signature counter forward (or be 0
 * on a credential that never counts); a counter that did not grow marks a cloned key: refused and
 * recorded. Wrong answers are capped per challenge.
 */
export class WebauthnVerifier implements Verifier {
  readonly answer = 'public-key';
  readonly answeredWithIdentifier = false;
  readonly resendable = false;
  readonly pollIntervalMs = null;

  constructor(private readonly deps: WebauthnVerifierDeps) {}

  async challenge(ctx: AuthenticatorContext): Promise<ChallengeResult> {
    const party = relyingPartyOrError(ctx.app, ctx.transaction, this.deps.publicUrl);
    if (!party.ok) return party;
    const { rp } = party;
    const userVerification = userVerificationFor(ctx.app.policy, this.deps.key);
    const options = await requestOptions(rp, this.deps.shown(ctx), userVerification);
    await this.deps.ceremonies.start(ctx, {
      kind: 'get',
      challenge: String(options.challenge),
      rpId: rp.id,
      origins: rp.origins,
      userVerification,
      options,
    });
    return { ok: true };
  }

  /** Nothing to send again: the client asks the authenticator again with the same options. */
  async resend(): Promise<ChallengeResult> {
    throw new EngineError('STEP_NOT_ALLOWED');
  }

  async verify(ctx: AuthenticatorContext, answer: Answer): Promise<VerifyResult> {
    const { ceremonies, limiter, clock } = this.deps;
    const refused = await overLimit(
      limiter,
      `answer:ip:${ctx.request.ip ?? 'unknown'}`,
      this.deps.answerPerIp,
    );
    if (refused) return { ok: false, error: refused };
    const claim = await ceremonies.claim(ctx, 'get');
    if (!claim.ok) return claim.reason === 'exhausted' ? exhausted() : invalid(UNANSWERABLE[claim.reason]);
    const { record, ceremony, attempt } = claim;
    const failed = async (detail: string): Promise<VerifyResult> => {
      await this.recordFailure(ctx, attempt, detail);
      return attempt >= record.maxAttempts ? exhausted() : invalid(detail);
    };
    const response = assertionResponse(answer);
    if (!response)
      return failed('The assertion is not base64 clientData, authenticatorData and signatureData.');
    const handle = ctx.user ? this.deps.keys.userHandle(ctx.user.id) : null;
    if (response.response.userHandle !== undefined && response.response.userHandle !== handle)
      return failed('The assertion names another user.');
    let matched: { enrollment: StoredEnrollment; counter: number } | null = null;
    for (const enrollment of this.credentials(ctx)) {
      try {
        const result = await verifyAuthenticationResponse({
          response: { ...response, id: enrollment.credentialId!, rawId: enrollment.credentialId! },
          expectedChallenge: ceremony.challenge,
          expectedOrigin: ceremony.origins,
          expectedRPID: ceremony.rpId,
          requireUserVerification: ceremony.userVerification === 'required',
          // The counter is checked below, atomically, once the signature proved the key.
          credential: {
            id: enrollment.credentialId!,
            publicKey: Buffer.from(String(enrollment.data.publicKey), 'base64url'),
            counter: 0,
          },
        });
        if (result.verified) {
          matched = { enrollment, counter: result.authenticationInfo.newCounter };
          break;
        }
      } catch (error) {
        // Client data, RP ID or flags: the same for every credential.
        return failed(`The assertion does not verify: ${(error as Error).message}`);
      }
    }
    if (!matched) return failed('No credential of the user made this signature (an unknown credential).');
    if (!(await ceremonies.consume(record))) return invalid(UNANSWERABLE.taken);
    const now = clock.now();
    const { enrollment, counter } = matched;
    if (!(await this.deps.enrollments.advanceCounter(enrollment.id, counter, now, counter === 0))) {
      await this.deps.events.record(
        {
          type: 'user.mfa.factor.clone_suspected',
          userId: enrollment.userId,
          appId: ctx.app.id,
          ip: ctx.request.ip,
          data: {
            authenticator: this.deps.key,
            enrollment: enrollment.id,
            storedCounter: enrollment.counter,
            counter,
          },
        },
        now,
      );
      return invalid('The signature counter did not grow: a cloned authenticator.');
    }
    return { ok: true };
  }

  /** The user's stored credentials of this authenticator. */
  private credentials(ctx: AuthenticatorContext): StoredEnrollment[] {
    if (!ctx.user) return [];
    return ctx.held.filter(
      (e) => e.authenticatorKey === this.deps.key && e.userId === ctx.user!.id && e.credentialId,
    );
  }

  private recordFailure(ctx: AuthenticatorContext, attempt: number, detail: string): Promise<void> {
    return this.deps.events.record(
      {
        type: 'user.authentication.failed',
        userId: ctx.user?.id ?? null,
        appId: ctx.app.id,
        ip: ctx.request.ip,
        data: { factor: this.deps.key, attempt, reason: detail.slice(0, 200) },
      },
      this.deps.clock.now(),
    );
  }
}

const UNANSWERABLE = {
  none: 'No authentication is open in this transaction.',
  expired: 'The ceremony has expired.',
  taken: 'The challenge was answered already.',
} as const;

function invalid(detail: string): VerifyResult {
  return { ok: false, error: new EngineError('PUBLIC_KEY_INVALID', { detail }) };
}

function exhausted(): VerifyResult {
  return { ok: false, error: new EngineError('ATTEMPTS_EXHAUSTED'), final: true };
}
