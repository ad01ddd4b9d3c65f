/**
 * What the widget does at once with the first answer of a flow, before the user sees it: a
 * magic link opened in this browser answers the email challenge with its code, and the
 * `resetPassword` flow asks for recovery straight from identify.
 */
import { buildBody } from './form-values.js';
import { resetUnavailableMessage } from './local-steps.js';
import type { Step } from './step.js';
import type { FlowName, IdxReply } from './widget-client.js';

export type FollowUp = { submit: string; body: Record<string, unknown> } | { action: 'recover' } | undefined;

/** The body without `stateHandle`: the client adds the one of the transaction it holds. */
export function withoutStateHandle(body: Record<string, unknown>): Record<string, unknown> {
  const { stateHandle: _omitted, ...rest } = body;
  return rest;
}

/** The request to send next without asking the user, if any (may add a warning to `step`). */
export function followUpOf(
  step: Step,
  reply: IdxReply,
  how: { autoAnswer?: string | undefined; startFlow?: FlowName | undefined },
): FollowUp {
  if (reply.status >= 400) return undefined;
  if (how.autoAnswer !== undefined) {
    const challenge = step.remediations.find((r) => r.name === 'challenge-authenticator');
    // Only an email challenge takes the link's code (never a password field).
    const email = (challenge?.authenticator?.key ?? step.authenticator?.key) === 'okta_email';
    if (challenge && email) {
      const body = buildBody(challenge, { 'credentials.passcode': how.autoAnswer });
      return { submit: challenge.name, body: withoutStateHandle(body) };
    }
  }
  if (how.startFlow === 'resetPassword' && step.remediations[0]?.name === 'identify') {
    if (step.authenticator?.actions.has('recover')) return { action: 'recover' };
    step.messages.push(resetUnavailableMessage());
  }
  return undefined;
}
