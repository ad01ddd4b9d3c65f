import type { IdxField, IdxForm, IdxOption, IdxResponse } from '@gatehouse/protocol';
import { IdxError } from '../errors.js';
import { isRecord } from '../http.js';
import type { Input, Option } from '../types.js';
import { resolveAuthenticatorObject } from './relates-to.js';

/**
 * Wire fields get app-friendly names: `identifier` → `username`, `credentials.passcode` →
 * `password` (identify, password challenge, reset) or `verificationCode` (email and other codes).
 * `proceed` accepts the friendly name, the wire path, and the aliases listed here.
 */
function friendlyName(path: string, step: string, authenticatorKey: string | undefined): string {
  if (path === 'identifier') return 'username';
  if (path === 'credentials.passcode')
    return step === 'identify' || step === 'reset-authenticator' || authenticatorKey === 'okta_password'
      ? 'password'
      : 'verificationCode';
  if (path === 'credentials.revokeSessions') return 'revokeSessions';
  return path;
}

const ALIASES: Record<string, string[]> = {
  username: ['username', 'identifier'],
  password: ['password', 'newPassword', 'passcode', 'credentials.passcode'],
  verificationCode: ['verificationCode', 'otp', 'passcode', 'credentials.passcode'],
  revokeSessions: ['revokeSessions', 'credentials.revokeSessions'],
};

const aliasesOf = (name: string, path: string): string[] => ALIASES[name] ?? [name, path];

const isHidden = (field: IdxField) => field.mutable === false || field.visible === false;

function inputType(field: IdxField): Input['type'] {
  return field.type === 'boolean' || field.type === 'number' || field.type === 'object'
    ? field.type
    : 'string';
}

/** The authenticator an option points at (its `relatesTo`), with the key apps choose by. */
function optionKey(option: IdxOption, response: IdxResponse): string | undefined {
  const target = resolveAuthenticatorObject(response, option.relatesTo);
  return typeof target?.key === 'string' ? target.key : undefined;
}

function optionFormFields(option: IdxOption): IdxField[] {
  const value = option.value as { form?: { value?: IdxField[] } } | undefined;
  return Array.isArray(value?.form?.value) ? value.form.value : [];
}

export function optionsOf(field: IdxField, response: IdxResponse): Option[] {
  return (field.options ?? []).map((option) => {
    const key = optionKey(option, response);
    const id = optionFormFields(option).find((f) => f.name === 'id')?.value;
    return {
      label: option.label,
      value: key ?? (typeof option.value === 'string' ? option.value : String(id ?? option.label)),
    };
  });
}

/** The inputs a user fills for a remediation (hidden and immutable fields are not inputs). */
export function inputsOf(
  form: IdxForm,
  response: IdxResponse,
  authenticatorKey: string | undefined,
): Input[] {
  const inputs: Input[] = [];
  for (const field of form.value) {
    if (isHidden(field)) continue;
    if (field.options) {
      inputs.push({
        name: field.name,
        path: field.name,
        type: 'string',
        ...(field.label ? { label: field.label } : {}),
        required: field.required ?? field.name === 'authenticator',
        secret: false,
        options: optionsOf(field, response),
      });
      continue;
    }
    const children = field.form?.value;
    const leaves = children
      ? children
          .filter((child) => !isHidden(child))
          .map((child) => ({
            field: child,
            path: `${field.name}.${child.name}`,
            required: field.required === true && child.required !== false && child.type !== 'boolean',
          }))
      : [{ field, path: field.name, required: field.required === true }];
    for (const leaf of leaves) {
      inputs.push({
        name: friendlyName(leaf.path, form.name, authenticatorKey),
        path: leaf.path,
        type: inputType(leaf.field),
        ...(leaf.field.label ? { label: leaf.field.label } : {}),
        required: leaf.required,
        secret: leaf.field.secret === true,
      });
    }
  }
  return inputs;
}

function pick(values: Record<string, unknown>, keys: string[]): { key: string; value: unknown } | undefined {
  for (const key of keys) if (values[key] !== undefined) return { key, value: values[key] };
  return undefined;
}

/** The option chosen by authenticator key, authenticator id or label; its required fields go on the wire. */
function selectOption(field: IdxField, choice: unknown, response: IdxResponse): unknown {
  if (isRecord(choice) && typeof choice.id === 'string') return choice;
  for (const candidate of field.options ?? []) {
    if (!isRecord(candidate.value)) {
      if (candidate.value === choice || candidate.label === choice) return candidate.value;
      continue;
    }
    const fields = optionFormFields(candidate);
    const id = fields.find((f) => f.name === 'id')?.value;
    if (optionKey(candidate, response) === choice || id === choice || candidate.label === choice) {
      const selected: Record<string, unknown> = {};
      for (const f of fields) if (f.required && f.value !== undefined) selected[f.name] = f.value;
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
 * The request body for a remediation: immutable fields as sent, defaults of mutable ones, and
 * the caller's values mapped onto wire fields (idx-protocol.md §6.3).
 */
export function buildBody(
  form: IdxForm,
  values: Record<string, unknown>,
  response: IdxResponse,
  authenticatorKey: string | undefined,
): BuiltBody {
  const body: Record<string, unknown> = {};
  const used = new Set<string>();
  const missing: string[] = [];
  for (const field of form.value) {
    if (isHidden(field)) {
      if (field.value !== undefined) body[field.name] = field.value;
      continue;
    }
    if (field.options) {
      const choice = pick(values, [field.name]);
      if (choice) {
        body[field.name] = selectOption(field, choice.value, response);
        used.add(choice.key);
      } else if (field.required || field.name === 'authenticator') missing.push(field.name);
      continue;
    }
    const children = field.form?.value;
    if (!children) {
      const name = friendlyName(field.name, form.name, authenticatorKey);
      const found = pick(values, aliasesOf(name, field.name));
      if (found) {
        body[field.name] = found.value;
        used.add(found.key);
      } else if (field.value !== undefined) body[field.name] = field.value;
      else if (field.required) missing.push(name);
      continue;
    }
    const nested: Record<string, unknown> = {};
    const raw = values[field.name];
    if (isRecord(raw)) {
      Object.assign(nested, raw);
      used.add(field.name);
    }
    for (const child of children) {
      const path = `${field.name}.${child.name}`;
      if (isHidden(child)) {
        if (child.value !== undefined) nested[child.name] = child.value;
        continue;
      }
      if (nested[child.name] !== undefined) continue;
      const name = friendlyName(path, form.name, authenticatorKey);
      const found = pick(values, aliasesOf(name, path));
      if (found) {
        nested[child.name] = found.value;
        used.add(found.key);
      } else if (child.value !== undefined) nested[child.name] = child.value;
      else if (field.required && child.required !== false && child.type !== 'boolean') missing.push(name);
    }
    if (Object.keys(nested).length) body[field.name] = nested;
  }
  return { body, used: [...used], missing };
}
