import { buildRequestBody, type EnvelopeField, type EnvelopeRemediation } from '@gatehouse/protocol';
import { IdxError } from '../errors.js';
import { isRecord } from '../http.js';
import { aliasesOf, inputName, isRequired, optionFormFields, optionId } from './inputs.js';

type Found = { key: string; value: unknown } | undefined;

function pick(values: Record<string, unknown>, keys: string[]): Found {
  for (const key of keys) if (values[key] !== undefined) return { key, value: values[key] };
  return undefined;
}

/** A value for an input: in a wire-shaped object (`credentials: {passcode}`), else under its name or an alias. */
function findValue(values: Record<string, unknown>, field: EnvelopeField, name: string): Found {
  const { parent } = field;
  const object = parent && values[parent.name];
  const member = isRecord(object) ? object[field.name.slice(parent!.name.length + 1)] : undefined;
  if (member !== undefined) return { key: parent!.name, value: member };
  return pick(values, field.options ? [field.name] : aliasesOf(name, field.name));
}

/** The option chosen by authenticator key, authenticator id or label; its required fields go on the wire. */
function selectOption(field: EnvelopeField, choice: unknown): unknown {
  if (isRecord(choice) && typeof choice.id === 'string') return choice;
  for (const candidate of field.options ?? []) {
    if (!isRecord(candidate.value)) {
      if (candidate.value === choice || candidate.label === choice) return candidate.value;
      continue;
    }
    if (
      candidate.authenticator?.key === choice ||
      optionId(candidate) === choice ||
      candidate.label === choice
    ) {
      const selected: Record<string, unknown> = {};
      for (const f of optionFormFields(candidate))
        if (f.required && f.value !== undefined) selected[f.name] = f.value;
      return selected;
    }
  }
  throw new IdxError('idx_step_unavailable', `No ${field.name} option ${String(choice)} is offered.`);
}

export interface BuiltBody {
  body: Record<string, unknown>;
  /** Value keys used (so auto-remediation does not use them twice). */
  used: string[];
  /** Required inputs no value was given for. */
  missing: string[];
}

/**
 * The request body for a remediation: the caller's values (friendly names, aliases, wire paths or
 * wire-shaped objects) mapped onto its inputs, an option chosen by key, id or label, and the rest
 * as the form says (docs/protocol/idx-protocol.md §6.3).
 */
export function buildBody(remediation: EnvelopeRemediation, values: Record<string, unknown>): BuiltBody {
  const inputs: Record<string, unknown> = {};
  const used = new Set<string>();
  const missing: string[] = [];
  for (const field of remediation.fields) {
    const name = inputName(field, remediation);
    const found = findValue(values, field, name);
    if (found) {
      inputs[field.name] = field.options ? selectOption(field, found.value) : found.value;
      used.add(found.key);
    } else if (
      field.options
        ? field.required || field.name === 'authenticator'
        : field.value === undefined && isRequired(field)
    )
      missing.push(name);
  }
  return { body: buildRequestBody(remediation.raw, inputs), used: [...used], missing };
}
