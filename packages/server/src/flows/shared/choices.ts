import { createHash } from 'node:crypto';
import type { Authenticator } from '../../authenticators/authenticator.js';
import { loginKey } from '../../identity/users.js';
import type { FlowState } from './flow-state.js';
import type { AuthenticatorChoice, ShownUser } from './flow-view.js';

/** An authenticator as this transaction's user may choose it (an unknown user gets a plausible enrolment). */
export function choiceOf(authenticator: Authenticator, state: FlowState): AuthenticatorChoice {
  const { verifier } = authenticator;
  return {
    key: authenticator.key,
    displayName: authenticator.displayName,
    enrollment: authenticator.enrollment(state.user, state.transaction.identifier ?? '', state.held),
    answer: verifier.answer,
    resendable: verifier.resendable,
    pollIntervalMs: verifier.pollIntervalMs,
  };
}

/** The identified user; an identifier that matched no account is shown with a derived id of the same shape. */
export function shownUser(state: FlowState): ShownUser | null {
  const { identifier } = state.transaction;
  if (!identifier) return null;
  if (state.user) return { id: state.user.id, identifier };
  const digest = createHash('sha256')
    .update(`unknown-user:${loginKey(identifier)}`)
    .digest('hex');
  return { id: `00u${digest.slice(0, 17)}`, identifier };
}
