import type { IdxForm } from '../idx.js';
import { isForm, isJsonObject, type JsonObject, optionalNumber, text, unwrapObject } from './json.js';
import type { EnvelopeAction, EnvelopeAuthenticator } from './model.js';

export function readAction(form: IdxForm, foundAs: string): EnvelopeAction {
  return {
    name: text(form.name) || foundAs,
    refresh: optionalNumber(form.refresh),
    raw: form,
  };
}

/** The forms among an object's members (an authenticator's `recover`, `resend`, `poll`), by member name. */
export function readActions(object: JsonObject): Map<string, EnvelopeAction> {
  const actions = new Map<string, EnvelopeAction>();
  for (const [member, value] of Object.entries(object))
    if (isForm(value)) actions.set(member, readAction(value, member));
  return actions;
}

const record = <T>(value: unknown): T | undefined => (isJsonObject(value) ? (value as T) : undefined);

/**
 * An authenticator object (docs/protocol/idx-protocol.md §6.5), or its `{type: 'object', value}` wrapper as a
 * `relatesTo` like `$.currentAuthenticatorEnrollment` points at; undefined for a non-object.
 */
export function readAuthenticator(node: unknown): EnvelopeAuthenticator | undefined {
  const value = unwrapObject(node);
  if (!isJsonObject(value)) return undefined;
  return {
    key: text(value.key),
    type: text(value.type),
    id: text(value.id),
    displayName: text(value.displayName),
    profile: record(value.profile),
    settings: record(value.settings),
    contextualData: record(value.contextualData),
    actions: readActions(value),
  };
}
