/**
 * Picks the view for a step: purpose-built views where users expect them (identify, password,
 * choose authenticator, email challenge, authenticator app and passkey set-up and challenge, new
 * password, sign-up profile, authenticators to set up, unlock, terminal pages), the generic
 * renderer for any other remediation the server sends.
 */
import type { EnvelopeRemediation } from '@gatehouse/protocol';
import { kindOf } from './form-kit.js';
import type { RenderedView, ViewContext } from './view-context.js';
import { emailChallengeView } from './views/email-challenge-view.js';
import { enrollProfileView } from './views/enroll-profile-view.js';
import { genericView } from './views/generic-view.js';
import { identifyView } from './views/identify-view.js';
import { newPasswordView } from './views/new-password-view.js';
import { passkeyView } from './views/passkey-view.js';
import { passwordChallengeView } from './views/password-challenge-view.js';
import { selectAuthenticatorView } from './views/select-authenticator-view.js';
import { successView, terminalView } from './views/terminal-view.js';
import { totpChallengeView } from './views/totp-challenge-view.js';
import { totpEnrollView } from './views/totp-enroll-view.js';
import { unlockAccountView } from './views/unlock-account-view.js';

type ViewFactory = (ctx: ViewContext, remediation: EnvelopeRemediation) => RenderedView;

function viewFor(ctx: ViewContext, remediation: EnvelopeRemediation): ViewFactory {
  const key = remediation.authenticator?.key ?? ctx.step.authenticator?.key;
  const hasChoice = remediation.fields.some((f) => kindOf(f) === 'choice');
  switch (remediation.name) {
    case 'identify':
    case 'identify-recovery':
      return identifyView;
    case 'select-authenticator-authenticate':
    case 'select-authenticator-enroll':
      return hasChoice ? selectAuthenticatorView : genericView;
    case 'select-authenticator-unlock-account':
      return hasChoice ? unlockAccountView : genericView;
    case 'challenge-authenticator':
      if (key === 'okta_email') return emailChallengeView;
      if (key === 'okta_password') return passwordChallengeView;
      if (key === 'google_otp') return totpChallengeView;
      if (key === 'webauthn') return passkeyView;
      return genericView;
    case 'enroll-authenticator':
      if (key === 'okta_email') return emailChallengeView;
      if (key === 'okta_password') return newPasswordView;
      if (key === 'google_otp') return totpEnrollView;
      if (key === 'webauthn') return passkeyView;
      return genericView;
    case 'reset-authenticator':
      return newPasswordView;
    case 'enroll-profile':
      return enrollProfileView;
    default:
      return genericView;
  }
}

/** The view of `ctx.step` (its first remediation, as the Okta clients do). */
export function renderStep(ctx: ViewContext): RenderedView {
  const { step } = ctx;
  if (step.interactionCode) return successView(ctx, false);
  const first = step.remediations[0];
  if (!first) return terminalView(ctx);
  return viewFor(ctx, first)(ctx, first);
}

/** A stable name of the view a step gets (for events and tests). */
export function viewName(ctx: Pick<ViewContext, 'step'>): string {
  const { step } = ctx;
  if (step.interactionCode) return 'success';
  const first = step.remediations[0];
  if (!first) return 'terminal';
  const key = first.authenticator?.key ?? step.authenticator?.key;
  const perAuthenticator = first.name === 'challenge-authenticator' || first.name === 'enroll-authenticator';
  return key && perAuthenticator ? `${first.name}:${key}` : first.name;
}
