/**
 * The engine's own errors. The domain (flows, authenticators, identity) speaks only these; each
 * protocol edge maps an `EngineError` code to its wire error in exactly one place
 * (`protocol/idx/engine-errors.ts`, `protocol/oauth/engine-errors.ts`).
 */

/** Every reason the engine refuses something, with what it means. A closed set. */
export const EngineErrorCodes = Object.freeze({
  FLOW_EXPIRED: 'The transaction is unknown, expired, canceled or already finished.',
  STEP_NOT_ALLOWED:
    'The action is not one the transaction accepts at its current step (steps cannot be skipped), or another request changed the transaction first.',
  INPUT_REQUIRED: 'A value the step needs is missing; `field` names it.',
  AUTHENTICATOR_NOT_AVAILABLE: 'The chosen authenticator is not one this step offers.',
  AUTHENTICATION_FAILED:
    'Sign-in with identifier and password failed: wrong password, unknown, locked, suspended or deactivated user (one answer for all).',
  PASSWORD_INVALID:
    'A password challenge was answered wrongly (also for unknown and locked users, so accounts cannot be told apart).',
  PASSCODE_INVALID: 'A one-time code is wrong, expired or already used.',
  ATTEMPTS_EXHAUSTED:
    'The last allowed wrong answer to a challenge: the challenge and its transaction are over.',
  APP_PASSCODE_INVALID:
    'A code from an authenticator app is wrong at a challenge (a wrong first code while setting the app up is PASSCODE_INVALID).',
  PASSCODE_REUSED: 'An authenticator-app code that was already accepted (replay within its time window).',
  PUBLIC_KEY_INVALID:
    'A public-key credential (passkey, security key) answer did not verify: unknown credential, signature, origin, challenge, relying party, user verification or signature counter.',
  PUBLIC_KEY_NOT_SET_UP:
    'A public-key credential registration did not verify, or registers a credential that is already registered.',
  PASSWORD_POLICY_VIOLATION:
    'A new password breaks the password policy or reuses a recent password; `params` lists the reasons.',
  RECOVERY_NOT_ALLOWED:
    "Self-service recovery is turned off in the app's policy, or nothing in it can be recovered.",
  PROFILE_VALUE_INVALID:
    'A sign-up value does not have the form its profile attribute requires (too long, not an email address, not matching its pattern); `field` names it.',
  ACCOUNT_EXISTS:
    'A sign-up names an email address that already has an account (only for apps that reveal it).',
  REGISTRATION_NOT_ALLOWED: 'Self-service registration is off for this app.',
  UNLOCK_NOT_ALLOWED: 'Self-service account unlock is off for this app.',
  RATE_LIMITED: 'A rate limit was reached; `retryAfterSeconds` says when to try again.',
  SERVICE_UNAVAILABLE: 'A dependency (the rate-limit store) is unreachable; requests fail closed.',
} as const);

export type EngineErrorCode = keyof typeof EngineErrorCodes;

/**
 * The name of an input a step reads, in the engine's words (the edge maps it to a wire field):
 * the identifier, the answer to a challenge, or a profile attribute at sign-up.
 */
export type InputName = 'identifier' | 'answer' | `profile.${string}`;

/** What the engine tells a user beside a step, when nothing went wrong. A closed set. */
export const FlowNotices = Object.freeze({
  ACCOUNT_UNLOCKED: 'The account was locked and is unlocked now; signing in goes on.',
} as const);

export type FlowNotice = keyof typeof FlowNotices;

export interface EngineErrorOptions {
  /** The input the error is about; absent: the step as a whole. */
  field?: InputName | undefined;
  /** Values for the message (for example the policy rules a password breaks). */
  params?: string[] | undefined;
  /** Seconds until a rate-limited request may be retried. */
  retryAfterSeconds?: number | undefined;
  /** For logs and tests only; never shown to the user in place of the mapped message. */
  detail?: string | undefined;
}

/** A refusal with a stable code; the protocol edge decides how it reads on the wire. */
export class EngineError extends Error {
  override name = 'EngineError';

  constructor(
    readonly code: EngineErrorCode,
    readonly options: EngineErrorOptions = {},
  ) {
    super(options.detail ?? EngineErrorCodes[code]);
  }

  get field(): InputName | undefined {
    return this.options.field;
  }

  get retryAfterSeconds(): number | undefined {
    return this.options.retryAfterSeconds;
  }
}

/** Bad input to a domain operation (CLI or API): names the field. */
export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** A record that must be unique already exists. */
export class ConflictError extends Error {
  override name = 'ConflictError';
}

/** A record named by the caller does not exist. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}
