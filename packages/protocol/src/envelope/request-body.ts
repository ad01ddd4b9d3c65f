import type { IdxForm } from '../idx.js';
import { isJsonObject, MAX_DEPTH } from './json.js';

/**
 * The JSON body of a remediation or an action (docs/protocol/idx-protocol.md §6.3): hidden and immutable
 * fields as sent (a hidden one without a value takes its input: a program fills it), then for every other field its input (by dotted name: `credentials.passcode`) or else
 * its default, nested forms re-nested. Only fields the form declares are sent; an undefined input counts
 * as not given. Pass no inputs for an action (`cancel`, `resend`…).
 */
export function buildRequestBody(
  form: IdxForm,
  inputs: Record<string, unknown> = {},
): Record<string, unknown> {
  return collect(form.value, inputs, '');
}

function collect(
  fields: unknown[],
  inputs: Record<string, unknown>,
  prefix: string,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of fields) {
    if (!isJsonObject(field) || typeof field.name !== 'string') continue;
    const name = prefix + field.name;
    const nested = isJsonObject(field.form) ? field.form.value : undefined;
    let value = field.value;
    if (field.mutable !== false && (field.visible !== false || field.value === undefined)) {
      if (Array.isArray(nested) && !field.options) {
        const members = prefix.split('.').length < MAX_DEPTH ? collect(nested, inputs, `${name}.`) : {};
        value = Object.keys(members).length ? members : undefined;
      } else if (inputs[name] !== undefined) value = inputs[name];
    }
    if (value !== undefined) body[field.name] = value;
  }
  return body;
}
