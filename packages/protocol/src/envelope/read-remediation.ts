import type { IdxForm } from '../idx.js';
import { isJsonObject, type JsonObject, MAX_DEPTH, optionalNumber, optionalText, text } from './json.js';
import { resolveRelatesTo } from './json-path.js';
import type { EnvelopeField, EnvelopeMessage, EnvelopeOption, EnvelopeRemediation } from './model.js';
import { readAuthenticator } from './read-authenticator.js';
import { readMessages } from './read-messages.js';

const TYPES: readonly unknown[] = ['boolean', 'number', 'object'] satisfies EnvelopeField['type'][];

interface Found {
  fields: EnvelopeField[];
  messages: EnvelopeMessage[];
}

function readOptions(list: unknown[], root: unknown): EnvelopeOption[] {
  return list.filter(isJsonObject).map((option) => ({
    label: text(option.label),
    value: option.value,
    authenticator: readAuthenticator(resolveRelatesTo(root, option.relatesTo)),
  }));
}

function readField(
  field: JsonObject,
  name: string,
  parent: EnvelopeField['parent'],
  messages: EnvelopeMessage[],
  root: unknown,
): EnvelopeField {
  return {
    name,
    label: optionalText(field.label),
    type: TYPES.includes(field.type) ? (field.type as EnvelopeField['type']) : 'string',
    required: typeof field.required === 'boolean' ? field.required : undefined,
    parent,
    secret: field.secret === true,
    value: field.value,
    options: Array.isArray(field.options) ? readOptions(field.options, root) : undefined,
    messages,
    maxLength: optionalNumber(field.maxLength),
    programmatic: field.visible === false || undefined,
  };
}

/**
 * Walks a form's fields depth-first: every field's messages are collected; visible, mutable
 * leaves become inputs, with nested forms (`credentials: {form: {value: [passcode]}}`) flattened
 * to dotted names. A hidden or immutable object hides its members too.
 */
function walk(
  list: unknown[],
  root: unknown,
  found: Found,
  prefix = '',
  parent?: EnvelopeField['parent'],
  hidden = false,
): void {
  for (const field of list) {
    if (!isJsonObject(field) || typeof field.name !== 'string') continue;
    const name = prefix + field.name;
    const messages = readMessages(field.messages, name);
    found.messages.push(...messages);
    // A hidden field without a value is filled by a program: a WebAuthn answer
    // (docs/protocol/idx-protocol-2.md §6.1); one with a value goes as sent.
    const concealed =
      hidden || field.mutable === false || (field.visible === false && field.value !== undefined);
    const form = isJsonObject(field.form) ? field.form.value : undefined;
    if (Array.isArray(form) && !field.options) {
      if (prefix.split('.').length < MAX_DEPTH)
        walk(form, root, found, `${name}.`, { name, required: field.required === true }, concealed);
    } else if (!concealed) found.fields.push(readField(field, name, parent, messages, root));
  }
}

/** A remediation form: its inputs, its field messages and the authenticator it relates to. */
export function readRemediation(form: IdxForm, root: unknown): EnvelopeRemediation {
  const found: Found = { fields: [], messages: [] };
  walk(form.value, root, found);
  return {
    name: text(form.name),
    authenticator: readAuthenticator(resolveRelatesTo(root, form.relatesTo)),
    fields: found.fields,
    messages: found.messages,
    raw: form,
  };
}
