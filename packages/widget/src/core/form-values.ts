import { buildRequestBody, type EnvelopeOption, type IdxForm, isJsonObject } from '@gatehouse/protocol';

export type InputValues = Record<string, unknown>;

/**
 * The JSON body of a remediation or action (docs/protocol/idx-protocol.md §6.3) from what the user entered
 * (dotted names: `credentials.passcode`). An empty text or an unchecked box counts as not
 * entered, so the field's default (if any) is sent instead.
 */
export function buildBody(target: { raw: IdxForm }, inputs: InputValues = {}): Record<string, unknown> {
  const entered: InputValues = {};
  for (const [name, value] of Object.entries(inputs))
    if (value !== '' && value !== false) entered[name] = value;
  return buildRequestBody(target.raw, entered);
}

/**
 * What choosing an option posts: for an authenticator, its fields that are required and immutable
 * (docs/protocol/idx-protocol.md §7.3).
 */
export function choiceValue(option: EnvelopeOption): unknown {
  const { value } = option;
  if (!isJsonObject(value) || !isJsonObject(value.form) || !Array.isArray(value.form.value)) return value;
  const posted: InputValues = {};
  for (const field of value.form.value)
    if (isJsonObject(field) && field.required && field.mutable === false)
      posted[String(field.name)] = field.value;
  return posted;
}
