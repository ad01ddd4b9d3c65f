import { type OAuthErrorCode, OAuthErrors } from '@gatehouse/protocol';
import type { EngineError, EngineErrorCode } from '../../errors.js';
import { waitInWords } from '../wait-in-words.js';
import { OAuthError } from './oauth-error.js';

/** How each engine error reads on an OAuth endpoint: the one place that decides it. */
export const OAUTH_ERRORS: Readonly<Record<EngineErrorCode, OAuthErrorCode>> = Object.freeze({
  FLOW_EXPIRED: 'invalid_grant',
  STEP_NOT_ALLOWED: 'invalid_request',
  INPUT_REQUIRED: 'invalid_request',
  AUTHENTICATOR_NOT_AVAILABLE: 'invalid_request',
  AUTHENTICATION_FAILED: 'access_denied',
  PASSWORD_INVALID: 'access_denied',
  PASSCODE_INVALID: 'access_denied',
  APP_PASSCODE_INVALID: 'access_denied',
  PASSCODE_REUSED: 'access_denied',
  PUBLIC_KEY_INVALID: 'access_denied',
  PUBLIC_KEY_NOT_SET_UP: 'access_denied',
  ATTEMPTS_EXHAUSTED: 'access_denied',
  PASSWORD_POLICY_VIOLATION: 'invalid_request',
  RECOVERY_NOT_ALLOWED: 'access_denied',
  PROFILE_VALUE_INVALID: 'invalid_request',
  ACCOUNT_EXISTS: 'invalid_request',
  REGISTRATION_NOT_ALLOWED: 'access_denied',
  UNLOCK_NOT_ALLOWED: 'access_denied',
  RATE_LIMITED: 'too_many_requests',
  SERVICE_UNAVAILABLE: 'temporarily_unavailable',
});

/** An engine error as the OAuth error to answer with. */
export function oauthErrorOf(error: EngineError): OAuthError {
  const code = OAUTH_ERRORS[error.code];
  const wait = error.code === 'RATE_LIMITED' ? error.retryAfterSeconds : undefined;
  const description =
    error.options.detail ??
    (wait === undefined ? OAuthErrors[code].when : `Too many attempts. Try again in ${waitInWords(wait)}.`);
  return new OAuthError(code, description, {
    retryAfterSeconds: error.retryAfterSeconds,
  });
}
