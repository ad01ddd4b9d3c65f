import type { EnvelopeField, EnvelopeOption, EnvelopeRemediation, IdxField } from '@gatehouse/protocol';
import type { Input, Option } from '../types.js';

/**
 * Wire fields get app-friendly names: `identifier` → `username`, `credentials.passcode` →
 * `password` (identify, password challenge and enrollment, reset) or `verificationCode` (email and
 * other codes), `credentials.<name>` → `<name>` (`clientData`), a sign-up's `userProfile.email` → `email`. `proceed` accepts the friendly name,
 * the wire path, and the aliases listed here.
 */
export function friendlyName(path: string, step: string, authenticatorKey: string | undefined): string {
  if (path === 'identifier') return 'username';
  if (path.startsWith('userProfile.')) return path.slice(12);
  if (path === 'credentials.passcode')
    return step === 'identify' || step === 'reset-authenticator' || authenticatorKey === 'okta_password'
      ? 'password'
      : 'verificationCode';
  // The other credentials by their own names: `revokeSessions`, WebAuthn's `clientData`, `attestation`…
  if (path.startsWith('credentials.')) return path.slice(12);
  return path;
}

const ALIASES: Record<string, string[]> = {
  username: ['username', 'identifier'],
  password: ['password', 'newPassword', 'passcode', 'credentials.passcode'],
  verificationCode: ['verificationCode', 'otp', 'passcode', 'credentials.passcode'],
  revokeSessions: ['revokeSessions', 'credentials.revokeSessions'],
};

/** The value keys `proceed` looks under for an input. */
export const aliasesOf = (name: string, path: string): string[] => ALIASES[name] ?? [name, path];

/** The fields of an authenticator option's own form (`id`, `methodType`). */
export function optionFormFields(option: EnvelopeOption): IdxField[] {
  const value = option.value as { form?: { value?: IdxField[] } } | undefined;
  return Array.isArray(value?.form?.value) ? value.form.value : [];
}

/** The authenticator id an option posts (the `id` field of its form). */
export const optionId = (option: EnvelopeOption): unknown =>
  optionFormFields(option).find((f) => f.name === 'id')?.value;

/** Choices by authenticator key (what `relatesTo` points at), else the plain value, id or label. */
export function optionsOf(field: EnvelopeField): Option[] {
  return (field.options ?? []).map((option) => {
    const id = optionId(option);
    return {
      label: option.label,
      value:
        option.authenticator?.key ||
        (typeof option.value === 'string' ? option.value : String(id ?? option.label)),
    };
  });
}

/**
 * A nested input is required when it says so, else when its object is (`credentials.passcode`;
 * a sign-up's `userProfile` is not, its attributes say); a checkbox never is (an unchecked box is
 * an answer).
 */
export const isRequired = (field: EnvelopeField): boolean =>
  field.parent
    ? (field.required ?? field.parent.required) && field.type !== 'boolean'
    : field.required === true;

/** The name `proceed` takes for an input: friendly for wire fields, the field's own for a choice. */
export const inputName = (field: EnvelopeField, remediation: EnvelopeRemediation): string =>
  field.options ? field.name : friendlyName(field.name, remediation.name, remediation.authenticator?.key);

/** The inputs a user fills for a remediation (hidden and immutable fields are not inputs). */
export function inputsOf(remediation: EnvelopeRemediation): Input[] {
  return remediation.fields.map((field): Input => {
    const label = field.label ? { label: field.label } : {};
    if (field.options)
      return {
        name: field.name,
        path: field.name,
        type: 'string',
        ...label,
        required: field.required ?? field.name === 'authenticator',
        secret: false,
        options: optionsOf(field),
      };
    return {
      name: inputName(field, remediation),
      path: field.name,
      type: field.type,
      ...label,
      required: isRequired(field),
      secret: field.secret,
    };
  });
}
