import { randomBytes } from 'node:crypto';
import { verifyRegistrationResponse } from '@simplewebauthn/server';
import type { Clock } from '../../clock.js';
import { EngineError } from '../../errors.js';
import { loginKey } from '../../identity/users.js';
import { type Limit, overLimit, type RateLimiter } from '../../rate-limits/rate-limiter.js';
import type { AuthenticatorEnrollmentsStore } from '../../storage/authenticator-enrollments-store.js';
import type { User } from '../../storage/users-store.js';
import type {
  Answer,
  AuthenticatorContext,
  ChallengeResult,
  Enroller,
  EnrollResult,
  PublicKeyEnrollment,
} from '../authenticator.js';
import type { Ceremonies } from './ceremonies.js';
import { defaultCredentialName } from './credential-names.js';
import type { WebauthnKeys } from './derived-keys.js';
import { registrationResponse } from './registration-response.js';
import { relyingPartyOrError } from './relying-party.js';
import { userVerificationFor } from './user-verification.js';
import { creationOptions } from './webauthn-options.js';

export interface WebauthnEnrollerDeps {
  key: string;
  ceremonies: Ceremonies;
  enrollments: AuthenticatorEnrollmentsStore;
  keys: WebauthnKeys;
  limiter: RateLimiter;
  answerPerIp: Limit;
  clock: Clock;
  publicUrl: string;
  /** The user's credentials of this authenticator, as the client is shown them. */
  held: (ctx: Pick<AuthenticatorContext, 'user' | 'held'>) => PublicKeyEnrollment[];
}

/**
 * Registers a passkey or security key (docs/protocol/idx-protocol-2.md §6.1–§6.3): `begin` starts a
 * registration ceremony (creation options with a fresh challenge, bound to the transaction);
 * `enroll` verifies the client's attestation with `@simplewebauthn/server` (type, challenge,
 * origin, RP ID, user presence and, where required, verification) and stores the credential under
 * a default name. A user may hold several; one registered already (by anyone) is refused.
 */
export class WebauthnEnroller implements Enroller {
  readonly rules = null;

  constructor(private readonly deps: WebauthnEnrollerDeps) {}

  async begin(ctx: AuthenticatorContext): Promise<ChallengeResult> {
    const party = relyingPartyOrError(ctx.app, ctx.transaction, this.deps.publicUrl);
    if (!party.ok) return party;
    const { rp } = party;
    const userVerification = userVerificationFor(ctx.app.policy, this.deps.key);
    const { user } = ctx;
    // A set-up for nobody (a sign-up of an address that has an account) looks the same and never completes.
    const userHandle = user
      ? this.deps.keys.userHandle(user.id)
      : this.deps.keys.decoy(`handle:${loginKey(ctx.identifier)}`).toString('base64url');
    const options = await creationOptions({
      rp,
      userHandle,
      userName: user?.login ?? ctx.identifier,
      displayName: user ? displayNameOf(user) : ctx.identifier,
      existing: this.deps.held(ctx),
      userVerification,
    });
    await this.deps.ceremonies.start(ctx, {
      kind: 'create',
      challenge: String(options.challenge),
      rpId: rp.id,
      origins: rp.origins,
      userVerification,
      options,
    });
    return { ok: true };
  }

  async enroll(ctx: AuthenticatorContext, answer: Answer): Promise<EnrollResult> {
    const { ceremonies, limiter, clock, enrollments } = this.deps;
    const refused = await overLimit(
      limiter,
      `answer:ip:${ctx.request.ip ?? 'unknown'}`,
      this.deps.answerPerIp,
    );
    if (refused) return { ok: false, error: refused };
    const claim = await ceremonies.claim(ctx, 'create');
    if (!claim.ok) return claim.reason === 'exhausted' ? exhausted() : notSetUp(UNANSWERABLE[claim.reason]);
    const { record, ceremony, attempt } = claim;
    const failed = (detail: string): EnrollResult =>
      attempt >= record.maxAttempts ? exhausted() : notSetUp(detail);
    const response = registrationResponse(answer);
    if (!response) return failed('The registration is not base64 clientData and attestation.');
    if (!ctx.user) return failed('A registration for nobody never completes.');
    let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verified = await verifyRegistrationResponse({
        response,
        expectedChallenge: ceremony.challenge,
        expectedOrigin: ceremony.origins,
        expectedRPID: ceremony.rpId,
        requireUserVerification: ceremony.userVerification === 'required',
      });
    } catch (error) {
      return failed(`The registration does not verify: ${(error as Error).message}`);
    }
    if (!verified.verified) return failed('The attestation does not verify.');
    const { credential, aaguid, credentialDeviceType, credentialBackedUp } = verified.registrationInfo;
    // Checked before the ceremony is used up, so another authenticator may still answer it.
    if (await enrollments.findByCredentialId(this.deps.key, credential.id))
      return failed('This credential is registered already.');
    if (!(await ceremonies.consume(record))) return notSetUp(UNANSWERABLE.taken);

    const transports = response.response.transports ?? [];
    const now = clock.now();
    const id = `fwf${randomBytes(13).toString('base64url').replace(/[-_]/g, '').slice(0, 17)}`;
    const taken = this.deps.held(ctx).map((key) => key.name);
    const added = await enrollments.add(
      {
        id,
        userId: ctx.user.id,
        authenticatorKey: this.deps.key,
        name: defaultCredentialName(transports, taken),
        // Nothing secret: a public key.
        secret: '',
        credentialId: credential.id,
        counter: credential.counter,
        data: {
          publicKey: Buffer.from(credential.publicKey).toString('base64url'),
          transports,
          aaguid,
          rpId: ceremony.rpId,
          deviceType: credentialDeviceType,
          backedUp: credentialBackedUp,
          userVerified: verified.registrationInfo.userVerified,
        },
        createdAt: now,
      },
      {
        type: 'user.mfa.factor.activate',
        userId: ctx.user.id,
        appId: ctx.app.id,
        ip: ctx.request.ip,
        data: { authenticator: this.deps.key, enrollment: id },
      },
    );
    if (!added) return notSetUp('This credential is registered already.');
    return { ok: true };
  }
}

/** "First Last", or the login when the profile has no name. */
function displayNameOf(user: User): string {
  const name = [user.profile.firstName, user.profile.lastName].filter(Boolean).join(' ');
  return name || user.login;
}

function notSetUp(detail: string): EnrollResult {
  return { ok: false, error: new EngineError('PUBLIC_KEY_NOT_SET_UP', { detail }) };
}

const UNANSWERABLE = {
  none: 'No registration is open in this transaction.',
  expired: 'The ceremony has expired.',
  taken: 'The registration was answered already.',
} as const;

function exhausted(): EnrollResult {
  return { ok: false, error: new EngineError('ATTEMPTS_EXHAUSTED'), final: true };
}
