import { EngineError } from '../../errors.js';
import type { ProfileAttribute } from '../../storage/apps-store.js';
import type { ProfileInput } from '../shared/flow.js';

/** A sign-up's profile as checked: every attribute given, by name (booleans as `true`/`false`). */
export type ProfileValues = Record<string, string> & { email: string };

const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;
const EMAIL_MAX = 254;
/** Strings without a maximum of their own are cut off here. */
const STRING_MAX = 1000;
const CONTROL = /\p{Cc}/u;

/**
 * Checks what a client sent against the app's profile attributes, in form order; the first
 * attribute in error is refused on its field (a missing one: INPUT_REQUIRED; a malformed one:
 * PROFILE_VALUE_INVALID with its label). Values of attributes the app does not ask for are ignored.
 */
export function readProfileValues(
  attributes: readonly ProfileAttribute[],
  input: ProfileInput,
): { ok: true; values: ProfileValues } | { ok: false; error: EngineError } {
  try {
    return { ok: true, values: read(attributes, input) };
  } catch (err) {
    if (err instanceof EngineError) return { ok: false, error: err };
    throw err;
  }
}

function read(attributes: readonly ProfileAttribute[], input: ProfileInput): ProfileValues {
  const values: Record<string, string> = {};
  for (const attribute of attributes) {
    const value =
      attribute.type === 'boolean'
        ? booleanOf(attribute, input[attribute.name])
        : stringOf(attribute, input[attribute.name]);
    if (value === null) {
      if (attribute.required) throw new EngineError('INPUT_REQUIRED', { field: `profile.${attribute.name}` });
      continue;
    }
    values[attribute.name] = value;
  }
  return values as ProfileValues;
}

function invalid(attribute: ProfileAttribute): EngineError {
  return new EngineError('PROFILE_VALUE_INVALID', {
    field: `profile.${attribute.name}`,
    params: [attribute.label],
  });
}

function stringOf(attribute: ProfileAttribute, raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'string') throw invalid(attribute);
  const value = raw.normalize('NFC').trim();
  if (!value) return null;
  const max = Math.min(
    attribute.maxLength ?? STRING_MAX,
    attribute.name === 'email' ? EMAIL_MAX : STRING_MAX,
  );
  if (value.length > max || CONTROL.test(value)) throw invalid(attribute);
  if (attribute.name === 'email' && !EMAIL.test(value)) throw invalid(attribute);
  if (attribute.pattern !== undefined && !new RegExp(`^(?:${attribute.pattern})$`, 'u').test(value))
    throw invalid(attribute);
  return value;
}

function booleanOf(attribute: ProfileAttribute, raw: unknown): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  if (raw === true || raw === 'true') return 'true';
  if (raw === false || raw === 'false') return 'false';
  throw invalid(attribute);
}
