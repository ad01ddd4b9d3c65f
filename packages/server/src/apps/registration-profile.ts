import { ValidationError } from '../errors.js';
import type { ProfileAttribute, RegistrationPolicy } from '../storage/apps-store.js';

/** The profile a sign-up asks for unless the app says otherwise (Okta's default). */
export const DEFAULT_PROFILE: readonly ProfileAttribute[] = [
  { name: 'firstName', label: 'First name', type: 'string', required: true, maxLength: 50 },
  { name: 'lastName', label: 'Last name', type: 'string', required: true, maxLength: 50 },
  { name: 'email', label: 'Email', type: 'string', required: true, maxLength: 254 },
];

/** Profile keys an app may not redefine: they are set by Gatehouse itself. */
const RESERVED = new Set(['login', 'id', 'status', 'password', 'credentials']);
const NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,49}$/;

export interface RegistrationInput {
  /** Custom attributes, asked after the default ones (the defaults may be redefined by name). */
  attributes?: ProfileAttribute[] | undefined;
  existingEmail?: RegistrationPolicy['existingEmail'] | undefined;
}

/**
 * A registration policy from what an operator gave: the default attributes, then custom ones
 * (an attribute named like a default one replaces it, keeping its place). `email` stays required:
 * it is the new account's sign-in name.
 */
export function registrationPolicy(input: RegistrationInput = {}): RegistrationPolicy {
  const profile = DEFAULT_PROFILE.map((a) => ({ ...a }));
  for (const attribute of input.attributes ?? []) {
    const checked = checkAttribute(attribute);
    const at = profile.findIndex((a) => a.name === checked.name);
    if (at >= 0) profile[at] = checked;
    else profile.push(checked);
  }
  const email = profile.find((a) => a.name === 'email')!;
  if (!email.required || email.type !== 'string')
    throw new ValidationError(
      'profileAttribute',
      'email is the sign-in name of a new account: it stays a required string',
    );
  const existingEmail = input.existingEmail ?? 'notify-owner';
  if (existingEmail !== 'notify-owner' && existingEmail !== 'reveal')
    throw new ValidationError('existingEmail', 'existing email must be notify-owner or reveal');
  return { profile, existingEmail };
}

function checkAttribute(attribute: ProfileAttribute): ProfileAttribute {
  const { name, label, type, required, maxLength, pattern } = attribute;
  if (typeof name !== 'string' || !NAME.test(name) || RESERVED.has(name))
    throw new ValidationError(
      'profileAttribute',
      `'${name}' is not a profile attribute name (letters, digits, _; not ${[...RESERVED].join(', ')})`,
    );
  if (typeof label !== 'string' || !label.trim() || label.length > 100)
    throw new ValidationError('profileAttribute', `${name}: a label of 1–100 characters is required`);
  if (type !== 'string' && type !== 'boolean')
    throw new ValidationError('profileAttribute', `${name}: type must be string or boolean`);
  if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength < 1 || maxLength > 1000))
    throw new ValidationError('profileAttribute', `${name}: maxLength must be a whole number from 1 to 1000`);
  if (pattern !== undefined) {
    if (type !== 'string')
      throw new ValidationError('profileAttribute', `${name}: only string attributes take a pattern`);
    try {
      new RegExp(pattern, 'u');
    } catch {
      throw new ValidationError('profileAttribute', `${name}: the pattern is not a regular expression`);
    }
  }
  return {
    name,
    label: label.trim(),
    type,
    required: required === true,
    ...(maxLength !== undefined ? { maxLength } : {}),
    ...(pattern !== undefined ? { pattern } : {}),
  };
}

/**
 * Reads a command-line attribute: `name`, then `key=value` parts separated by `;`:
 * `favoriteColor;label=Favorite color;required;maxLength=30;pattern=^[a-z]+$;type=string`.
 */
export function parseAttributeSpec(spec: string): ProfileAttribute {
  const [name = '', ...parts] = spec.split(';').map((p) => p.trim());
  const attribute: ProfileAttribute = { name, label: name, type: 'string', required: false };
  for (const part of parts) {
    if (part === 'required') attribute.required = true;
    else if (part === 'optional') attribute.required = false;
    else {
      const eq = part.indexOf('=');
      const key = eq < 0 ? part : part.slice(0, eq);
      const value = eq < 0 ? '' : part.slice(eq + 1);
      if (key === 'label') attribute.label = value;
      else if (key === 'type') attribute.type = value as ProfileAttribute['type'];
      else if (key === 'maxLength') attribute.maxLength = Number(value);
      else if (key === 'pattern') attribute.pattern = value;
      else
        throw new ValidationError(
          'profileAttribute',
          `${name}: unknown part '${key}' (label, type, required, maxLength, pattern)`,
        );
    }
  }
  return checkAttribute(attribute);
}
