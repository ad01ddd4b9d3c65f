import {
  type Envelope,
  type EnvelopeAuthenticator,
  type EnvelopeRemediation,
  type IdxResponse,
  readEnvelope,
} from '@gatehouse/protocol';
import { isRecord } from '../http.js';
import type { Authenticator, NextStep, TransactionContext } from '../types.js';
import { inputsOf, optionsOf } from './inputs.js';
import { type Message, toMessage } from './message.js';

/** What an IDX response means to an app, before the SDK decides the status. */
export interface ParsedResponse {
  steps: NextStep[];
  messages: Message[];
  actions: string[];
  enabledFeatures: string[];
  context: TransactionContext;
  interactionCode?: string;
  /** No remediation and no interaction code: nothing more can be done here. */
  terminal: boolean;
}

/** An authenticator as apps see it; one without a `key` is no authenticator to them. */
function toAuthenticator(read: EnvelopeAuthenticator | undefined): Authenticator | undefined {
  if (!read?.key) return undefined;
  const { key, type, id, displayName, profile, contextualData } = read;
  return { key, type, id, displayName, profile, contextualData };
}

function toStep(remediation: EnvelopeRemediation, canSkip: boolean): NextStep {
  const authenticator = toAuthenticator(remediation.authenticator);
  const choice = remediation.fields.find((f) => f.name === 'authenticator' && f.options);
  // The actions of the authenticator this step is about, by their short names.
  const actions = [...(remediation.authenticator?.actions.keys() ?? [])];
  return {
    name: remediation.name,
    inputs: inputsOf(remediation),
    ...(choice ? { options: optionsOf(choice) } : {}),
    ...(authenticator ? { authenticator } : {}),
    actions,
    canResend: actions.includes('resend'),
    canSkip,
  };
}

/** Top-level messages, then each step's field messages under their input names, without repeats. */
function messagesOf(envelope: Envelope, steps: NextStep[]): Message[] {
  const messages = envelope.messages.map((m) => toMessage(m));
  for (const [i, remediation] of envelope.remediations.entries())
    for (const m of remediation.messages) {
      const input = steps[i]?.inputs.find((candidate) => candidate.path === m.field);
      messages.push(toMessage(m, input?.name ?? m.field));
    }
  const seen = new Set<string>();
  return messages.filter((m) => {
    const id = `${m.key}\u0000${m.message}\u0000${m.field ?? ''}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function contextOf(envelope: Envelope): TransactionContext {
  const { stateHandle, intent, expiresAt, user, app } = envelope;
  const current = envelope.currentAuthenticatorEnrollment ?? envelope.currentAuthenticator;
  const complexity = envelope.currentAuthenticator?.settings?.complexity;
  return {
    ...(stateHandle ? { stateHandle } : {}),
    ...(intent ? { intent } : {}),
    ...(expiresAt ? { expiresAt } : {}),
    ...(user ? { user: { id: user.id, identifier: user.identifier } } : {}),
    ...(app ? { app: { id: app.id, label: app.label } } : {}),
    ...(current ? { currentAuthenticator: toAuthenticator(current) } : {}),
    recovery: envelope.recoveryAuthenticator !== undefined,
    ...(isRecord(complexity) ? { passwordComplexity: { ...complexity } } : {}),
  };
}

/** `relatesTo` paths as the SDK has always exported them (the reader lives in `@gatehouse/protocol`). */
export { resolveJsonPath } from '@gatehouse/protocol';

export function parseIdxResponse(response: IdxResponse): ParsedResponse {
  const envelope = readEnvelope(response);
  const names = envelope.remediations.map((r) => r.name);
  const steps = envelope.remediations.map((r) => toStep(r, names.includes('skip')));
  const actions = [...envelope.actions.keys()];
  const { interactionCode } = envelope;
  return {
    steps,
    messages: messagesOf(envelope, steps),
    actions,
    // auth-js' names: a recovery, a sign-up (`select-enroll-profile`) or an unlock can start here.
    enabledFeatures: [
      ...(actions.some((a) => a.endsWith('-recover')) ? ['recover-password'] : []),
      ...(names.includes('select-enroll-profile') ? ['enroll-profile'] : []),
      ...(names.includes('unlock-account') ? ['unlock-account'] : []),
    ],
    context: contextOf(envelope),
    ...(interactionCode !== undefined ? { interactionCode } : {}),
    terminal: envelope.terminal,
  };
}
