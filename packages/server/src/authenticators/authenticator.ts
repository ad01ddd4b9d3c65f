import type { EngineError } from '../errors.js';
import type { RequestInfo } from '../request-info.js';
import type { App } from '../storage/apps-store.js';
import type { StoredEnrollment } from '../storage/authenticator-enrollments-store.js';
import type { Transaction } from '../storage/transactions-store.js';
import type { User } from '../storage/users-store.js';

/**
 * The plug-in contract of an authenticator: how a user proves who they are (a strategy, in Ory
 * Kratos' words). An authenticator owns its credentials and its challenge records; flows own the
 * transaction and never name an authenticator: they ask the registry for one that can do what
 * they need (verify, serve a recovery, be reset). An authenticator never changes the flow's state.
 */
export interface Authenticator {
  /** Registry key, the word app policies use (`password`, `email`). */
  readonly key: string;
  readonly displayName: string;
  /** Authentication method reference recorded in the ID token (`pwd`, `email`, …). */
  readonly amr: string;
  /** Verifies a user who has it: in a sign-in, and in a recovery where `servesRecovery`. */
  readonly verifier: Verifier;
  /** May prove who the user is in a recovery (a code sent to an address they own). */
  readonly servesRecovery: boolean;
  /** Sets up a new credential of this kind for a user (for a forgotten password: a reset). */
  readonly enroller?: Enroller | undefined;
  /** The user may reset it after a recovery proved who they are (something they can forget). */
  readonly recoverable: boolean;
  /**
   * Enrolling it proves the user owns the email address of their account: a sign-up sets it up
   * before anything else, so nobody can finish registering an address they cannot read.
   */
  readonly provesEmailAddress?: boolean | undefined;
  /**
   * A low-assurance factor (email: whoever reads the mailbox): it never makes a sign-in
   * multi-factor (`mfa` in `amr`; docs/security.md E1).
   */
  readonly lowAssurance?: boolean | undefined;
  /**
   * Whether `user` has it set up (a password, an address, an app, a passkey). `held` is everything
   * the user has in the enrollments store, of every authenticator.
   */
  isEnrolled(user: User, held: readonly StoredEnrollment[]): boolean;
  /**
   * The user's enrolment as shown to the client; for an unknown user, or one who does not have
   * it, a plausible one of the same shape (nothing may tell them apart before a proof).
   */
  enrollment(user: User | null, identifier: string, held: readonly StoredEnrollment[]): Enrollment;
  /**
   * What a client needs to answer this authenticator's challenge (`challenge`) or set it up
   * (`enroll`) in the transaction now: a QR code and secret, WebAuthn options. Null: nothing.
   */
  presentation?(ctx: PresentationContext, stage: 'challenge' | 'enroll'): Promise<Presentation | null>;
}

/** What an authenticator is told when the step it serves is shown (no request: a view changes nothing). */
export type PresentationContext = Omit<AuthenticatorContext, 'request' | 'quiet'>;

/** Data the client needs to answer, by the authenticator's own (standard) names; the protocol edge words it. */
export type Presentation = Readonly<Record<string, unknown>>;

/**
 * What a challenge is for; an authenticator may word or time it differently (templates, lifetimes).
 * In a `registration` the user is the account being made (`STAGED`), or null when the address
 * belongs to an existing account: its owner is then told so, and no code goes out.
 */
export type ChallengePurpose = 'sign-in' | 'recovery' | 'registration' | 'unlock';

/** What an authenticator is told about the step it serves. */
export interface AuthenticatorContext {
  /** The user's stored enrollments (of every authenticator); empty without a user. */
  held: readonly StoredEnrollment[];
  transaction: Transaction;
  app: App;
  /** null when the identifier matched no user: the authenticator must then answer as for a real one. */
  user: User | null;
  identifier: string;
  purpose: ChallengePurpose;
  request: RequestInfo;
  /**
   * Answer as usual but send nothing to anyone, not even a notice to an unknown address: the flow
   * knows the account exists but may not be reached here (an unlock for an account that is not locked).
   */
  quiet?: boolean | undefined;
}

/** A user's enrolment of an authenticator, as shown to the client. */
export interface Enrollment {
  id: string;
  /** Display-safe profile (e.g. the masked email address). */
  profile?: Record<string, string>;
  /** Public-key credentials (passkeys, security keys), each named by the user, for the client to ask for. */
  keys?: PublicKeyEnrollment[];
}

export interface PublicKeyEnrollment {
  /** The enrolment's id. */
  id: string;
  name: string;
  /** The credential id, base64url. */
  credentialId: string;
  transports: string[];
}

/**
 * How the user answers: a secret they know (typed like a password), a one-time code, or a
 * public-key credential (a WebAuthn response, several fields).
 */
export type AnswerKind = 'secret' | 'code' | 'public-key';

/** An answer: what the user typed, or for a public-key credential its fields (by W3C name). */
export type Answer = string | Readonly<Record<string, string>>;

/** The typed answer, or null when a structured one came instead. */
export function typedAnswer(answer: Answer): string | null {
  return typeof answer === 'string' ? answer : null;
}

export type ChallengeResult = { ok: true } | { ok: false; error: EngineError };

export type VerifyResult =
  | { ok: true }
  | {
      ok: false;
      error: EngineError;
      /** The challenge is over (no attempt left): the transaction ends. */
      final?: boolean;
    };

export interface Verifier {
  readonly answer: AnswerKind;
  /** Needs no challenge first, so it may be asked on the identify form with the identifier. */
  readonly answeredWithIdentifier: boolean;
  /** The challenge can be sent again. */
  readonly resendable: boolean;
  /** Clients should poll a pending challenge at this interval (ms) to learn another tab finished it. */
  readonly pollIntervalMs: number | null;
  /** Starts a challenge (sends a code, …); nothing to do for knowledge factors. */
  challenge(ctx: AuthenticatorContext): Promise<ChallengeResult>;
  /** Checks the answer. Never reveals whether the user exists. */
  verify(ctx: AuthenticatorContext, answer: Answer): Promise<VerifyResult>;
  /** Sends the challenge again (only called when `resendable`). */
  resend(ctx: AuthenticatorContext): Promise<ChallengeResult>;
}

/** Rules a new secret must follow, shown on the form where the user chooses one. */
export interface SecretRules {
  minLength: number;
  minLowerCase: number;
  minUpperCase: number;
  minNumber: number;
  minSymbol: number;
  excludeUsername: boolean;
  excludeAttributes: string[];
  /** How many earlier secrets may not be reused. */
  historyCount: number;
  /** Lowest strength score (zxcvbn, 0–4) a new secret must reach; 0: not checked. */
  minScore: number;
}

export type EnrollResult =
  | { ok: true }
  | {
      ok: false;
      error: EngineError;
      /** Proving the enrollment is over (no attempt left): the transaction ends. */
      final?: boolean;
    };

/** Sets up a user's credential of one kind (at sign-up, or to replace a forgotten one). */
export interface Enroller {
  /** For secret authenticators: the rules shown where the user chooses one. */
  readonly rules: SecretRules | null;
  /** Starts an enrollment: sends a code to prove an address, …; nothing to start for a chosen secret. */
  begin(ctx: AuthenticatorContext): Promise<ChallengeResult>;
  /** Sets the credential up from the user's answer (replacing any earlier one) for `ctx.user`, signing in to `ctx.app`. */
  enroll(ctx: AuthenticatorContext, answer: Answer): Promise<EnrollResult>;
}
