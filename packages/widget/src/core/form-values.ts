import type { IdxField, IdxForm } from '@gatehouse/protocol';

export type InputValues = Record<string, unknown>;

/**
 * The JSON body of a remediation or action (idx-protocol.md §6.3): defaults of mutable fields that have a
 * value, then what the user entered (dotted names re-nested: `credentials.passcode` →
 * `{credentials: {passcode}}`), then immutable fields such as `stateHandle`. Only fields the form
 * declares are sent.
 */
export function buildBody(target: { raw: IdxForm }, inputs: InputValues = {}): Record<string, unknown> {
  return collect(target.raw.value ?? [], inputs, '');
}

function collect(fields: IdxField[], inputs: InputValues, prefix: string): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of fields) {
    const name = prefix + field.name;
    if (field.mutable === false) {
      if (field.value !== undefined) body[field.name] = field.value;
      continue;
    }
    if (field.type === 'object' && field.form && !field.options) {
      const nested = collect(field.form.value ?? [], inputs, `${name}.`);
      if (Object.keys(nested).length) body[field.name] = nested;
      continue;
    }
    const entered = inputs[name];
    if (entered !== undefined && entered !== '' && entered !== false) body[field.name] = entered;
    else if (field.value !== undefined) body[field.name] = field.value;
  }
  return body;
}
