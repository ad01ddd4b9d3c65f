import type { Message } from './idx/message.js';

/**
 * Every error the SDK throws on purpose is a `GatehouseError` with a stable string `code`.
 * Programmer errors (a wrong argument type) stay `TypeError`s.
 */
export class GatehouseError extends Error {
  // Fields here and below are `declare`d: the constructors assign them all, and the browser build
  // (size-capped) then carries no separate field definitions.
  /** A stable code: compare on it, not on `message`. */
  declare readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    // Literal names (not new.target.name): minifiers rename classes.
    this.name = 'GatehouseError';
    this.code = code;
  }
}

/**
 * An OAuth 2.0 error answered by the server (token, interact, revoke, userinfo endpoints) or
 * carried back on a redirect (`?error=access_denied&error_description=…`). `code` is `error`.
 */
export class OAuthError extends GatehouseError {
  declare readonly error: string;
  declare readonly error_description: string;
  /** HTTP status of the answer; undefined for a redirect. */
  declare readonly status: number | undefined;
  /** Seconds to wait before trying again, from the answer's `Retry-After` (429, 503), if it had one. */
  declare readonly retryAfterSeconds?: number;
  constructor(error: string, errorDescription: string, status?: number, retryAfterSeconds?: number) {
    super(error, errorDescription ? `${error}: ${errorDescription}` : error);
    this.name = 'OAuthError';
    this.error = error;
    this.error_description = errorDescription;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Codes of {@link IdxError}. */
export type IdxErrorCode =
  /** No saved transaction in this storage to continue (or cancel). */
  | 'idx_no_transaction'
  /** `proceed({ step })` named a step the server does not offer now, or no step fits the values. */
  | 'idx_step_unavailable'
  /** An action (resend, recover, cancel…) that the current response does not offer. */
  | 'idx_action_unavailable'
  /** The server answered something that is not an IDX response (an HTML error page, a proxy error). */
  | 'idx_invalid_response'
  /** `recoverPassword()` on a server/app that offers no password recovery. */
  | 'idx_recovery_unavailable'
  /** `register()` on a server/app that offers no self-service registration. */
  | 'idx_registration_unavailable'
  /** `unlockAccount()` on a server/app that offers no self-service unlock. */
  | 'idx_unlock_unavailable';

/** An IDX exchange that cannot go on; `messages` carries what the server said, if anything. */
export class IdxError extends GatehouseError {
  declare readonly code: IdxErrorCode;
  declare readonly messages: Message[];
  declare readonly status: number | undefined;
  /** Seconds to wait before trying again, from the answer's `Retry-After`, if it had one. */
  declare readonly retryAfterSeconds?: number;
  constructor(
    code: IdxErrorCode,
    message: string,
    messages: Message[] = [],
    status?: number,
    retryAfterSeconds?: number,
  ) {
    super(code, message);
    this.name = 'IdxError';
    this.messages = messages;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * An email magic link opened where its transaction is not saved (another browser, another
 * session, or after 30 minutes): show `otp` and ask the user to type it in the original tab.
 */
export class EmailVerifyCallbackError extends GatehouseError {
  declare readonly code: 'email_verify_callback';
  declare readonly otp: string;
  declare readonly state: string;
  constructor(otp: string, state: string) {
    super(
      'email_verify_callback',
      `Enter the code ${otp} in the browser or device where you started signing in.`,
    );
    this.name = 'EmailVerifyCallbackError';
    this.otp = otp;
    this.state = state;
  }
}

/** The client options are wrong (missing issuer, no PKCE S256 at the server, no WebCrypto…). */
export class ConfigurationError extends GatehouseError {
  declare readonly code: 'configuration_error';
  constructor(message: string) {
    super('configuration_error', message);
    this.name = 'ConfigurationError';
  }
}

/** Codes of {@link ValidationError}: a check the SDK makes on what came back failed. */
export type ValidationErrorCode =
  | 'state_mismatch'
  | 'missing_interaction_code'
  | 'missing_code'
  | 'issuer_mismatch'
  | 'invalid_token_response'
  | 'userinfo_sub_mismatch'
  | 'id_token_malformed'
  | 'id_token_alg'
  | 'id_token_kid'
  | 'id_token_signature'
  | 'id_token_issuer'
  | 'id_token_audience'
  | 'id_token_azp'
  | 'id_token_expired'
  | 'id_token_iat'
  | 'id_token_nonce'
  | 'id_token_at_hash'
  | 'id_token_sub'
  | 'id_token_claims';

/**
 * A response failed a client-side check (OIDC Core §3.1.3.7, RFC 6749 §10.12): the tokens or
 * the redirect are never used when this is thrown.
 */
export class ValidationError extends GatehouseError {
  declare readonly code: ValidationErrorCode;
  constructor(code: ValidationErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ValidationError';
  }
}

export const isEmailVerifyCallbackError = (error: unknown): error is EmailVerifyCallbackError =>
  error instanceof EmailVerifyCallbackError;
