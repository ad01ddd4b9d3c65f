import type { IdxErrorId } from '@gatehouse/protocol';
import type { EngineError, EngineErrorCode, FlowNotice, InputName } from '../../errors.js';
import { waitInWords } from '../wait-in-words.js';

/** How each engine error reads on the IDX wire: the one place that decides it. */
export const IDX_ERRORS: Readonly<Record<EngineErrorCode, IdxErrorId>> = Object.freeze({
  FLOW_EXPIRED: 'sessionExpired',
  STEP_NOT_ALLOWED: 'stepNotAllowed',
  INPUT_REQUIRED: 'invalidRequest',
  AUTHENTICATOR_NOT_AVAILABLE: 'authenticatorNotAvailable',
  AUTHENTICATION_FAILED: 'authenticationFailed',
  PASSWORD_INVALID: 'incorrectPassword',
  PASSCODE_INVALID: 'passcodeInvalid',
  APP_PASSCODE_INVALID: 'appPasscodeInvalid',
  PASSCODE_REUSED: 'passcodeReused',
  PUBLIC_KEY_INVALID: 'publicKeyInvalid',
  PUBLIC_KEY_NOT_SET_UP: 'publicKeyNotSetUp',
  ATTEMPTS_EXHAUSTED: 'challengeLocked',
  PASSWORD_POLICY_VIOLATION: 'passwordRequirementsNotMet',
  RECOVERY_NOT_ALLOWED: 'resetNotAllowed',
  PROFILE_VALUE_INVALID: 'profileValueInvalid',
  ACCOUNT_EXISTS: 'accountExists',
  REGISTRATION_NOT_ALLOWED: 'registrationNotAllowed',
  UNLOCK_NOT_ALLOWED: 'unlockNotAllowed',
  RATE_LIMITED: 'tooManyRequests',
  SERVICE_UNAVAILABLE: 'serviceUnavailable',
});

/** How each flow notice reads on the IDX wire (an INFO message beside the step). */
export const IDX_NOTICES: Readonly<Record<FlowNotice, IdxErrorId>> = Object.freeze({
  ACCOUNT_UNLOCKED: 'accountUnlockedContinue',
});

/** The form field each engine input is, as the IDX forms name it. */
function wireField(input: InputName): string {
  if (input === 'identifier') return 'identifier';
  if (input === 'answer') return 'credentials.passcode';
  return `userProfile.${input.slice('profile.'.length)}`;
}

/** A message to show, by catalog id; on a form field when `field` is set. */
export interface IdxMessageRef {
  id: IdxErrorId;
  params?: string[] | undefined;
  /** Dotted path of the form field the message belongs to; top-level when absent. */
  field?: string | undefined;
}

/**
 * An engine error as an IDX message. A missing input is named in the message (`Api validation
 * failed: credentials.passcode`), except a sign-up attribute, which is marked on its field (Okta's
 * form); a wrong one is shown on its field. An invalid sign-up email has its own key. A rate limit
 * with a known wait says it ("Try again in 12 minutes."), beside the `Retry-After` header.
 */
export function idxMessageOf(error: EngineError): IdxMessageRef {
  const field = error.field ? wireField(error.field) : undefined;
  const params = error.options.params;
  if (error.code === 'INPUT_REQUIRED') {
    if (error.field?.startsWith('profile.')) return { id: 'profileValueRequired', field };
    return { id: IDX_ERRORS.INPUT_REQUIRED, params: [field ?? 'body'] };
  }
  if (error.code === 'RATE_LIMITED' && error.retryAfterSeconds !== undefined)
    return { id: 'tooManyRequestsWait', params: [waitInWords(error.retryAfterSeconds)] };
  if (error.code === 'PROFILE_VALUE_INVALID' && error.field === 'profile.email')
    return { id: 'loginEmailInvalid', params, field };
  return { id: IDX_ERRORS[error.code], params, field };
}
