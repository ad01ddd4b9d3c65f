/**
 * The one catalog of error codes Gatehouse answers with.
 *
 * IDX errors carry the i18n keys the Okta clients translate (the widget shows its own text for
 * a key it knows, else `message`). OAuth errors, with their RFC codes, are in oauth-errors.ts.
 * `docs/reference/errors.md` is generated from both files and a test keeps them in step.
 */

export interface IdxErrorEntry {
  readonly key: string;
  readonly status: number;
  readonly message: string;
  readonly class: 'ERROR' | 'INFO' | 'WARNING';
  readonly when: string;
}

function idx(
  key: string,
  status: number,
  message: string,
  when: string,
  messageClass: IdxErrorEntry['class'] = 'ERROR',
): IdxErrorEntry {
  return Object.freeze({ key, status, message, class: messageClass, when });
}

export const IdxErrors = Object.freeze({
  sessionExpired: idx(
    'idx.session.expired',
    401,
    'You have been logged out due to inactivity. Refresh or return to the sign in screen.',
    'The interaction handle or state handle is unknown, expired, canceled or already finished.',
  ),
  authenticationFailed: idx(
    'errors.E0000004',
    401,
    'Authentication failed',
    'One-step sign-in with a wrong password, an unknown user, or a locked, suspended or deactivated user (the same answer for each).',
  ),
  incorrectPassword: idx(
    'incorrectPassword',
    401,
    'Password is incorrect',
    'Password challenge answered with a wrong password (also for unknown and locked users, so accounts cannot be told apart).',
  ),
  passcodeInvalid: idx(
    'api.authn.error.PASSCODE_INVALID',
    401,
    'Invalid code. Try again.',
    'An email one-time code that is wrong, expired or already used.',
  ),
  appPasscodeInvalid: idx(
    'authfactor.challenge.soft_token.invalid_passcode',
    401,
    "Your code doesn't match our records. Please try again.",
    'A code from an authenticator app that is none of those it shows around now (at a sign-in; a wrong first code while setting the app up is `api.authn.error.PASSCODE_INVALID`).',
  ),
  passcodeReused: idx(
    'authfactor.challenge.soft_token.used_passcode',
    401,
    'Each code can only be used once. Please wait for a new code and try again.',
    'An authenticator-app code that was already accepted (within its time step, or the one used to set the app up).',
  ),
  publicKeyInvalid: idx(
    'authfactor.webauthn.error.assertion_validation_failure',
    403,
    'None of the WebAuthn authenticators the user has enrolled for was able to validate the assertion.',
    'A passkey or security key answer that does not verify: unknown credential, wrong signature, origin, challenge or relying party, user verification missing where required, or a signature counter that went back (a cloned key).',
  ),
  publicKeyNotSetUp: idx(
    'authfactor.webauthn.error.attestation_validation_failure',
    400,
    'The security key or biometric authenticator could not be set up. Try again.',
    'A passkey or security key registration that does not verify (challenge, origin, relying party, user verification), or a credential already registered.',
  ),
  tooManyRequests: idx(
    'tooManyRequests',
    429,
    'You exceeded the maximum number of requests. Try again in a while.',
    'A rate limit was reached; the response carries `Retry-After`.',
  ),
  tooManyRequestsWait: idx(
    'tooManyRequests',
    429,
    'Too many attempts. Try again in {0}.',
    'A rate limit was reached and the wait is known: the response carries `Retry-After` (seconds), and `{0}` says it in words, rounded up ("12 minutes"). Same key as `tooManyRequests`, so the Okta clients treat it as a rate limit.',
  ),
  challengeLocked: idx(
    'gatehouse.challenge.too_many_attempts',
    429,
    'Too many wrong codes. Start again to get a new code.',
    'The last allowed wrong answer to an email or authenticator-app code: the challenge and its transaction are over.',
  ),
  serviceUnavailable: idx(
    'gatehouse.service.unavailable',
    503,
    'The service is temporarily unavailable. Try again in a moment.',
    'A dependency (the rate-limit store) is unreachable, or the database refused a step after a conflicting write (deadlock or serialization failure) that could not be retried whole; requests fail closed.',
  ),
  passwordRequirementsNotMet: idx(
    'password.passwordRequirementsNotMet',
    400,
    'Password requirements were not met. {0}',
    'The new password of a reset breaks the password policy or reuses a recent password; `{0}` lists the reasons.',
  ),
  resetNotAllowed: idx(
    'oie.selfservice.reset.password.not.allowed',
    403,
    'Reset password is not allowed at this time. Please contact support for assistance.',
    "Self-service password recovery is turned off in the app's policy (or the policy has no password).",
  ),
  accessDenied: idx(
    'security.access_denied',
    403,
    'You do not have permission to perform the requested action.',
    'The app policy does not allow the requested step.',
  ),
  authenticatorNotAvailable: idx(
    'gatehouse.authenticator.not_available',
    400,
    'The selected authenticator is not available.',
    'A `challenge` names an authenticator id that this step does not offer.',
  ),
  stepNotAllowed: idx(
    'gatehouse.step.not_allowed',
    400,
    'This action is not available at the current step. Refresh or return to the sign in screen.',
    'A request was posted to an endpoint that the transaction is not at (steps cannot be skipped).',
  ),
  malformedRequest: idx(
    'errors.E0000003',
    400,
    'The request body was not well-formed.',
    'The body is not valid JSON.',
  ),
  invalidRequest: idx(
    'errors.E0000001',
    400,
    'Api validation failed: {0}',
    'A field is missing or has the wrong type; `{0}` names the field.',
  ),
  unsupportedMediaType: idx(
    'gatehouse.request.unsupported_media_type',
    415,
    'The request content type is not supported; send application/json.',
    'The request has a content type other than JSON.',
  ),
  payloadTooLarge: idx(
    'gatehouse.request.too_large',
    413,
    'The request body is too large.',
    'The body exceeds the configured `server.bodyLimitBytes`.',
  ),
  notFound: idx('errors.E0000007', 404, 'Not found: Resource not found', 'No IDX endpoint at this path.'),
  internalError: idx(
    'errors.E0000009',
    500,
    'Internal Server Error',
    'An unexpected failure; the response names a request id to find it in the server log.',
  ),
  accountExists: idx(
    'registration.error.notUniqueWithinOrg',
    400,
    'A user with this {0} already exists',
    'Sign-up with an email address that has an account, for an app that reveals it (`existingEmail: reveal`); on the email field.',
  ),
  loginEmailInvalid: idx(
    'registration.error.invalidLoginEmail',
    400,
    "'{0}' must be in the form of an email address",
    'The sign-up email is not an email address; on the email field.',
  ),
  profileValueInvalid: idx(
    'registration.error.doesNotMatchPattern',
    400,
    "Provided value for property '{0}' does not match required pattern",
    'A sign-up value is too long or does not match its attribute; on that field.',
  ),
  profileValueRequired: idx(
    'model.validation.field.blank',
    400,
    'This field cannot be left blank',
    'A required sign-up attribute is missing or empty; on that field.',
  ),
  registrationNotAllowed: idx(
    'oie.registration.is.not.enabled',
    403,
    'Sign up is not enabled for this app.',
    'Self-service registration is off for the app (`select-enroll-profile` was not offered).',
  ),
  unlockNotAllowed: idx(
    'oie.selfservice.user.unlock.not.allowed',
    403,
    'Self-service unlock is not enabled for this app.',
    'Self-service unlock is off for the app (`unlock-account` was not offered).',
  ),
  accountUnlocked: idx(
    'oie.selfservice.unlock_user.success.message',
    200,
    'Your account is now unlocked!',
    'The end of an unlock: the account is unlocked (nothing more to do in this transaction).',
    'INFO',
  ),
  accountUnlockedContinue: idx(
    'oie.selfservice.unlock_user.landing.to.app.success.message',
    200,
    'Account successfully unlocked! Verify your account with a security method to continue.',
    'An unlock that goes on signing in (`signInAfterUnlock`), beside the next step.',
    'INFO',
  ),
  transferredToNewTab: idx(
    'idx.transferred.to.new.tab',
    200,
    'Flow continued in a new tab.',
    'A poll or introspect for a transaction that another tab or client already finished.',
    'INFO',
  ),
});

export type IdxErrorId = keyof typeof IdxErrors;
