/**
 * What the widget does at once with the first answer of a flow, before the user sees it: a
 * magic link opened in this browser answers the email challenge (or the email enrollment of a
 * sign-up) with its code, the `resetPassword` flow asks for recovery straight from identify, and
 * `signup` / `unlockAccount` take the server's sign-up / unlock step from there.
 */
import { buildBody, choiceValue } from './form-values.js';
import { flowUnavailableMessage } from './local-steps.js';
import type { Step } from './step.js';
import type { FlowName, IdxReply } from './widget-client.js';

/** The field-less step on the identify page that opens a flow (docs/protocol/idx-protocol-2.md §3.1, §4.1). */
const OPENING_STEP = { signup: 'select-enroll-profile', unlockAccount: 'unlock-account' } as const;

export type FollowUp = { submit: string; body: Record<string, unknown> } | { action: 'recover' } | undefined;

/** The body without `stateHandle`: the client adds the one of the transaction it holds. */
export function withoutStateHandle(body: Record<string, unknown>): Record<string, unknown> {
  const { stateHandle: _omitted, ...rest } = body;
  return rest;
}

/**
 * Right after identify, a "Verify it's you" list whose only choice is Email: there is nothing to
 * choose, so the widget chooses it and the user lands on "Check your email" (Okta's sign-in goes
 * straight to the email authenticator too). Not in a recovery, not a list that has a message, and
 * not after "Verify with something else" (the list was asked for); other single choices (an
 * authenticator app, a passkey, whose prompt wants the user's click) are still shown.
 */
function onlyEmailChoice(step: Step): FollowUp {
  const select = step.remediations[0];
  if (select?.name !== 'select-authenticator-authenticate' || step.recovery || step.messages.length)
    return undefined;
  const field = select.fields.find((f) => f.options !== undefined);
  const only = field?.options?.length === 1 ? field.options[0] : undefined;
  if (!field || !only || only.authenticator?.key !== 'okta_email' || field.messages.length) return undefined;
  const body = buildBody(select, { [field.name]: choiceValue(only) });
  return { submit: select.name, body: withoutStateHandle(body) };
}

/** The request to send next without asking the user, if any (may add a warning to `step`). */
export function followUpOf(
  step: Step,
  reply: IdxReply,
  how: {
    autoAnswer?: string | undefined;
    startFlow?: FlowName | undefined;
    /** The remediation whose answer this is, when the user submitted one. */
    submitted?: string | undefined;
  },
): FollowUp {
  if (reply.status >= 400) return undefined;
  if (how.submitted === 'identify') return onlyEmailChoice(step);
  if (how.autoAnswer !== undefined) {
    const challenge = step.remediations.find(
      (r) => r.name === 'challenge-authenticator' || r.name === 'enroll-authenticator',
    );
    // Only an email challenge takes the link's code (never a password field).
    const email = (challenge?.authenticator?.key ?? step.authenticator?.key) === 'okta_email';
    if (challenge && email) {
      const body = buildBody(challenge, { 'credentials.passcode': how.autoAnswer });
      return { submit: challenge.name, body: withoutStateHandle(body) };
    }
  }
  const flow = how.startFlow;
  if (!flow || flow === 'default' || step.remediations[0]?.name !== 'identify') return undefined;
  if (flow === 'resetPassword') {
    if (step.authenticator?.actions.has('recover')) return { action: 'recover' };
  } else if (step.remediations.some((r) => r.name === OPENING_STEP[flow])) {
    return { submit: OPENING_STEP[flow], body: {} };
  }
  step.messages.push(flowUnavailableMessage(flow));
  return undefined;
}
