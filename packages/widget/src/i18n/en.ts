/**
 * English messages. Keys are the server's i18n keys (`idx.session.expired`, …) and, for the
 * widget's own words, the keys integrators of Okta's widget already override (`primaryauth.title`,
 * `forgotpassword`, `goback`, …); new ones start with `gh.`. `{0}` marks a parameter.
 */
export const en: Record<string, string> = {
  // Identify
  'primaryauth.title': 'Sign in',
  'primaryauth.username.placeholder': 'Username',
  'primaryauth.password.placeholder': 'Password',
  'primaryauth.submit': 'Sign in',
  remember: 'Remember me',
  'oform.next': 'Next',
  'oform.verify': 'Verify',
  'oform.submit': 'Continue',
  forgotpassword: 'Forgot password?',
  goback: 'Back to sign in',
  'gh.signing.in.as': 'Signing in as {0}',
  'gh.password.show': 'Show password',
  'gh.password.hide': 'Hide password',
  // Recovery
  'password.forgot.title': 'Reset your password',
  'password.forgot.subtitle': 'Enter your username and we will send you an email to reset your password.',
  'password.forgot.submit': 'Next',
  // Choose an authenticator
  'oie.select.authenticators.verify.title': "Verify it's you with a security method",
  'oie.select.authenticators.verify.subtitle': 'Select from the following options',
  'oie.select.authenticators.recovery.subtitle': 'Choose how to receive your reset code',
  'oie.verify.authenticator.button.text': 'Select',
  'gh.authenticator.email.description': 'Get a code and a link by email',
  'gh.authenticator.password.description': 'Use your password',
  // Password challenge
  'oie.password.challenge.title': 'Verify with your password',
  // Email challenge
  'gh.email.title': 'Check your email',
  'gh.email.sent.to': 'We sent an email to {0}.',
  'gh.email.sent': 'We sent you an email.',
  'gh.email.instructions': 'Click the link in the email to continue, or enter the code it contains.',
  'gh.email.code.instead': 'Enter a code instead',
  'email.code.label': 'Verification code',
  'email.code.not.received': "Haven't received an email?",
  'email.button.resend': 'Send again',
  'gh.email.resend.wait': 'Send again in {0} s',
  'gh.email.resent': 'We sent a new email.',
  // New password
  'gh.reset.title': 'Set a new password',
  'gh.reset.subtitle': 'Choose a new password for {0}.',
  'gh.reset.new.label': 'New password',
  'password.confirmPassword.placeholder': 'Re-enter password',
  'password.error.match': 'New passwords must match',
  'password.reset': 'Reset password',
  'password.complexity.requirements.header': 'Password requirements:',
  'password.complexity.length': 'At least {0} characters',
  'password.complexity.lowercase': 'A lowercase letter',
  'password.complexity.uppercase': 'An uppercase letter',
  'password.complexity.number': 'A number',
  'password.complexity.symbol': 'A symbol',
  'password.complexity.no_username': 'No parts of your username',
  'password.complexity.history': 'Not one of your last {0} passwords',
  'gh.password.strength': 'Hard to guess: no common words or names, repeats, sequences or keyboard rows',
  'gh.requirement.met': 'met',
  'gh.requirement.unmet': 'not met',
  // Success and terminal pages
  'oie.success.text.signingIn': 'Signing in…',
  'gh.success.title': "You're signed in",
  'gh.terminal.title': 'Sign in',
  'gh.expired.title': 'Your session has expired',
  'gh.transferred.title': 'Flow continued in a new tab',
  'gh.transferred.text': 'You can close this tab.',
  'gh.otp.title': 'Enter this code in your original tab',
  'gh.otp.text': 'Enter this code in your original tab:',
  'gh.otp.hint':
    'This link was opened in a different browser or device than the one where you started signing in. For your security it does not sign you in here.',
  'gh.link.invalid':
    'This sign-in link is not valid. Go back to the tab where you started signing in and request a new email.',
  'gh.loading': 'Loading…',
  // Client-side validation and errors
  'model.validation.field.blank': 'This field cannot be left blank',
  'oform.errorbanner.title': 'We found some errors. Please review the form and make corrections.',
  'gh.error.network': 'We could not reach the sign-in service. Check your connection and try again.',
  'gh.error.unexpected': 'Something went wrong. Try again.',
  'gh.error.reset.unavailable': 'Password reset is not available here.',
  // Server keys (packages/protocol/src/errors.ts)
  'idx.session.expired':
    'You have been logged out due to inactivity. Refresh or return to the sign in screen.',
  'errors.E0000004': 'Unable to sign in',
  incorrectPassword: 'Password is incorrect',
  'api.authn.error.PASSCODE_INVALID': 'Invalid code. Try again.',
  tooManyRequests: 'You exceeded the maximum number of requests. Try again in a while.',
  'gatehouse.challenge.too_many_attempts': 'Too many wrong codes. Start again to get a new code.',
  'gatehouse.email.not_sent': 'We could not send the email. Try again in a moment.',
  'gatehouse.service.unavailable': 'The service is temporarily unavailable. Try again in a moment.',
  'password.passwordRequirementsNotMet': 'Password requirements were not met. {0}',
  'oie.selfservice.reset.password.not.allowed':
    'Reset password is not allowed at this time. Please contact support for assistance.',
  'security.access_denied': 'You do not have permission to perform the requested action.',
  'gatehouse.authenticator.not_available': 'The selected authenticator is not available.',
  'gatehouse.step.not_allowed':
    'This action is not available at the current step. Refresh or return to the sign in screen.',
  'errors.E0000009': 'Internal Server Error',
  'idx.transferred.to.new.tab': 'Flow continued in a new tab.',
  'idx.enter.otp.in.original.tab': 'Enter the code in your original tab.',
  'idx.unknown.user': 'There is no account with the Username {0}.',
};
