import type { IdxErrorId } from '@gatehouse/protocol';
import type { EngineError, EngineErrorCode, InputName } from '../../errors.js';

/** How each engine error reads on the IDX wire: the one place that decides it. */
export const IDX_ERRORS: Readonly<Record<EngineErrorCode, IdxErrorId>> = Object.freeze({
  FLOW_EXPIRED: 'sessionExpired',
  STEP_NOT_ALLOWED: 'stepNotAllowed',
  INPUT_REQUIRED: 'invalidRequest',
  AUTHENTICATOR_NOT_AVAILABLE: 'authenticatorNotAvailable',
  AUTHENTICATION_FAILED: 'authenticationFailed',
  PASSWORD_INVALID: 'incorrectPassword',
  PASSCODE_INVALID: 'passcodeInvalid',
  ATTEMPTS_EXHAUSTED: 'challengeLocked',
  PASSWORD_POLICY_VIOLATION: 'passwordRequirementsNotMet',
  RECOVERY_NOT_ALLOWED: 'resetNotAllowed',
  RATE_LIMITED: 'tooManyRequests',
  SERVICE_UNAVAILABLE: 'serviceUnavailable',
});

/** The form field each engine input is, as the IDX forms name it. */
const WIRE_FIELDS: Readonly<Record<InputName, string>> = {
  identifier: 'identifier',
  answer: 'credentials.passcode',
};

/** A message to show, by catalog id; on a form field when `field` is set. */
export interface IdxMessageRef {
  id: IdxErrorId;
  params?: string[] | undefined;
  /** Dotted path of the form field the message belongs to; top-level when absent. */
  field?: string | undefined;
}

/**
 * An engine error as an IDX message. A missing input is named in the message (`Api validation
 * failed: credentials.passcode`); a wrong one is shown on its field.
 */
export function idxMessageOf(error: EngineError): IdxMessageRef {
  const id = IDX_ERRORS[error.code];
  const field = error.field ? WIRE_FIELDS[error.field] : undefined;
  if (error.code === 'INPUT_REQUIRED') return { id, params: [field ?? 'body'] };
  return { id, params: error.options.params, field };
}
