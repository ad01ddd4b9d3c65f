/**
 * The one reader of IDX envelopes (docs/protocol/idx-protocol.md §6), shared by the SDK and the widget.
 *
 * It never throws on what a server sends: a value that is not an object reads as an empty,
 * terminal envelope; members of the wrong shape are left out (a remediation without `rel`, `href`
 * or a field list, a field without a name, a message that is not an object, a `relatesTo` that
 * resolves to nothing). It does not check `version`: ask {@link isIdxEnvelope} for that first.
 */
import { IDX_VERSION, type IdxResponse } from '../idx.js';
import { elementsOf, isForm, isJsonObject, objectIn, optionalText, text } from './json.js';
import type { Envelope, EnvelopeAction } from './model.js';
import { readAction, readActions, readAuthenticator } from './read-authenticator.js';
import { readMessages } from './read-messages.js';
import { readRemediation } from './read-remediation.js';

/** Whether a parsed body is an IDX response at all (the clients recognise one by its `version`). */
export const isIdxEnvelope = (body: unknown): body is IdxResponse =>
  isJsonObject(body) && body.version === IDX_VERSION;

/** Top-level members that hold forms but are not actions (docs/protocol/idx-protocol.md §6.6). */
const NOT_ACTIONS = ['remediation', 'successWithInteractionCode'];

/** Actions named as the Okta clients name them: `cancel`, `currentAuthenticatorEnrollment-resend`. */
function readAllActions(root: Record<string, unknown>): Map<string, EnvelopeAction> {
  const actions = new Map<string, EnvelopeAction>();
  for (const [member, value] of Object.entries(root)) {
    if (NOT_ACTIONS.includes(member)) continue;
    if (isForm(value)) actions.set(text(value.name) || member, readAction(value, member));
    else if (isJsonObject(value) && value.type === 'object' && isJsonObject(value.value))
      for (const [name, action] of readActions(value.value)) actions.set(`${member}-${name}`, action);
  }
  return actions;
}

function interactionCodeOf(success: unknown): string | undefined {
  if (!isForm(success)) return undefined;
  const field = success.value.find((f) => isJsonObject(f) && f.name === 'interaction_code');
  return typeof field?.value === 'string' ? field.value : undefined;
}

/** Reads an IDX response into an {@link Envelope}; see the module comment for odd input. */
export function readEnvelope(body: unknown): Envelope {
  const root = isJsonObject(body) ? body : {};
  const user = objectIn(root.user);
  const app = objectIn(root.app);
  const actions = readAllActions(root);
  const remediations = elementsOf(root.remediation)
    .filter(isForm)
    .map((form) => readRemediation(form, root));
  const interactionCode = interactionCodeOf(root.successWithInteractionCode);
  return {
    stateHandle: optionalText(root.stateHandle),
    expiresAt: optionalText(root.expiresAt),
    intent: optionalText(root.intent),
    remediations,
    messages: readMessages(root.messages),
    actions,
    cancel: actions.get('cancel'),
    currentAuthenticator: readAuthenticator(objectIn(root.currentAuthenticator)),
    currentAuthenticatorEnrollment: readAuthenticator(objectIn(root.currentAuthenticatorEnrollment)),
    recoveryAuthenticator: readAuthenticator(objectIn(root.recoveryAuthenticator)),
    user: user && { id: text(user.id), identifier: text(user.identifier) },
    app: app && { id: text(app.id), label: text(app.label) },
    interactionCode,
    terminal: remediations.length === 0 && interactionCode === undefined,
    raw: body,
  };
}
