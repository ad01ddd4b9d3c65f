/**
 * Reads a raw IDX envelope (idx-protocol.md §6) into the widget's step model: remediations with
 * their `relatesTo` resolved, fields flattened to dotted input names (`credentials.passcode`),
 * messages on fields and on the form, the current authenticator and its actions. Nothing here
 * knows a particular remediation: views decide how to show what this returns.
 */
import type { IdxField, IdxForm, IdxMessage, IdxResponse } from '@gatehouse/protocol';

export type MessageLevel = 'error' | 'info' | 'warning';

export interface StepMessage {
  /** The server's text (shown when the i18n key is unknown to the widget). */
  message: string;
  key?: string | undefined;
  params: unknown[];
  level: MessageLevel;
}

export interface Authenticator {
  key: string;
  type: string;
  id: string;
  displayName: string;
  profile: Record<string, string>;
  settings: Record<string, unknown>;
  contextualData: Record<string, unknown>;
  recover?: Action | undefined;
  resend?: Action | undefined;
  poll?: Action | undefined;
}

/** Something to POST with fixed values: an action (`recover`, `resend`, `poll`, `cancel`). */
export interface Action {
  name: string;
  href: string;
  accepts: string;
  /** Milliseconds between polls, when the server asks for polling. */
  refresh?: number | undefined;
  raw: IdxForm;
}

export interface Choice {
  label: string;
  /** What is posted when this option is chosen. */
  value: unknown;
  authenticator?: Authenticator | undefined;
}

export type FieldKind = 'text' | 'secret' | 'boolean' | 'choice';

/** One input the user fills in; `name` is dotted for nested fields (`credentials.passcode`). */
export interface Field {
  name: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  value?: unknown;
  options: Choice[];
  messages: StepMessage[];
  minLength?: number | undefined;
  maxLength?: number | undefined;
}

export interface Remediation {
  name: string;
  href: string;
  accepts: string;
  fields: Field[];
  /** The authenticator the step is about (remediation-level `relatesTo`). */
  authenticator?: Authenticator | undefined;
  raw: IdxForm;
}

export interface Step {
  remediations: Remediation[];
  /** Messages on the form as a whole. */
  messages: StepMessage[];
  stateHandle?: string | undefined;
  user?: { identifier: string } | undefined;
  app?: { label: string } | undefined;
  /** `currentAuthenticator`, else `currentAuthenticatorEnrollment`. */
  authenticator?: Authenticator | undefined;
  /** The transaction recovers a password (`recoveryAuthenticator` names the password). */
  recovery: boolean;
  cancel?: Action | undefined;
  interactionCode?: string | undefined;
  /** Nothing left to do: no remediation and no interaction code. */
  terminal: boolean;
  raw: IdxResponse;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether a parsed body is an IDX envelope at all (the clients recognise one by `version`). */
export function isIdxResponse(body: unknown): body is IdxResponse {
  return isObject(body) && body.version === '1.0.0';
}

/** Resolves a `relatesTo` JSONPath (`$.a.b[0]`, §6.4) against the envelope; undefined when it does not. */
export function resolvePath(root: unknown, path: unknown): unknown {
  const ref = Array.isArray(path) ? path[0] : path;
  if (typeof ref !== 'string' || !ref.startsWith('$')) return undefined;
  const tokens = ref.slice(1).match(/\w+|\[\d+\]/g) ?? [];
  let node: unknown = root;
  for (const token of tokens) {
    if (node === null || typeof node !== 'object') return undefined;
    const key = token.startsWith('[') ? Number(token.slice(1, -1)) : token;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

function parseMessages(wrapper: unknown): StepMessage[] {
  const list = isObject(wrapper) && Array.isArray(wrapper.value) ? (wrapper.value as unknown[]) : [];
  return list.filter(isObject).map((m) => {
    const message = m as unknown as IdxMessage;
    const level = String(message.class ?? 'ERROR').toLowerCase();
    return {
      message: typeof message.message === 'string' ? message.message : '',
      key: typeof message.i18n?.key === 'string' ? message.i18n.key : undefined,
      params: Array.isArray(message.i18n?.params) ? message.i18n.params : [],
      level: level === 'info' || level === 'warning' ? level : 'error',
    };
  });
}

function parseAction(value: unknown): Action | undefined {
  if (!isObject(value) || typeof value.href !== 'string' || !Array.isArray(value.rel)) return undefined;
  const form = value as unknown as IdxForm;
  return {
    name: form.name,
    href: form.href,
    accepts: form.accepts ?? 'application/json; okta-version=1.0.0',
    refresh: typeof form.refresh === 'number' ? form.refresh : undefined,
    raw: form,
  };
}

function parseAuthenticator(input: unknown): Authenticator | undefined {
  // `relatesTo: ['$.currentAuthenticatorEnrollment']` points at the `{type:'object', value}` wrapper.
  const value = isObject(input) && input.type === 'object' && isObject(input.value) ? input.value : input;
  if (!isObject(value)) return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    key: str(value.key),
    type: str(value.type),
    id: str(value.id),
    displayName: str(value.displayName),
    profile: isObject(value.profile) ? (value.profile as Record<string, string>) : {},
    settings: isObject(value.settings) ? value.settings : {},
    contextualData: isObject(value.contextualData) ? value.contextualData : {},
    recover: parseAction(value.recover),
    resend: parseAction(value.resend),
    poll: parseAction(value.poll),
  };
}

/** The value an option posts: for an authenticator, its fields that are required and immutable (§7.3). */
function optionValue(value: unknown): unknown {
  if (!isObject(value) || !isObject(value.form) || !Array.isArray(value.form.value)) return value;
  const posted: Json = {};
  for (const field of value.form.value as IdxField[]) {
    if (field.required && field.mutable === false) posted[field.name] = field.value;
  }
  return posted;
}

function flattenFields(fields: IdxField[], root: IdxResponse, prefix = ''): Field[] {
  const out: Field[] = [];
  for (const field of fields) {
    if (!isObject(field) || typeof field.name !== 'string') continue;
    if (field.visible === false || field.mutable === false) continue;
    const name = prefix + field.name;
    if (field.type === 'object' && field.form && Array.isArray(field.form.value) && !field.options) {
      out.push(...flattenFields(field.form.value, root, `${name}.`));
      continue;
    }
    const options: Choice[] = (field.options ?? []).map((option) => ({
      label: typeof option.label === 'string' ? option.label : '',
      value: optionValue(option.value),
      authenticator: parseAuthenticator(resolvePath(root, option.relatesTo)),
    }));
    out.push({
      name,
      label: typeof field.label === 'string' ? field.label : field.name,
      kind: options.length
        ? 'choice'
        : field.secret
          ? 'secret'
          : field.type === 'boolean'
            ? 'boolean'
            : 'text',
      required: field.required === true,
      value: field.value,
      options,
      messages: parseMessages(field.messages),
      minLength: field.minLength,
      maxLength: field.maxLength,
    });
  }
  return out;
}

function parseRemediation(form: IdxForm, root: IdxResponse): Remediation {
  return {
    name: form.name,
    href: form.href,
    accepts: form.accepts ?? 'application/json; okta-version=1.0.0',
    fields: flattenFields(Array.isArray(form.value) ? form.value : [], root),
    authenticator: parseAuthenticator(resolvePath(root, form.relatesTo)),
    raw: form,
  };
}

/** Turns an envelope into the step the widget shows. */
export function parseStep(response: IdxResponse): Step {
  const forms = Array.isArray(response.remediation?.value) ? response.remediation.value : [];
  const remediations = forms
    .filter((f) => isObject(f) && typeof f.href === 'string')
    .map((f) => parseRemediation(f, response));
  const success = response.successWithInteractionCode;
  const interactionCode = success?.value?.find((f) => f.name === 'interaction_code')?.value;
  const current = response.currentAuthenticator?.value ?? response.currentAuthenticatorEnrollment?.value;
  return {
    remediations,
    messages: parseMessages(response.messages),
    stateHandle: response.stateHandle,
    user:
      typeof response.user?.value?.identifier === 'string'
        ? { identifier: response.user.value.identifier }
        : undefined,
    app: typeof response.app?.value?.label === 'string' ? { label: response.app.value.label } : undefined,
    authenticator: parseAuthenticator(current),
    recovery: response.recoveryAuthenticator?.value?.type === 'password',
    cancel: parseAction(response.cancel),
    interactionCode: typeof interactionCode === 'string' ? interactionCode : undefined,
    terminal: remediations.length === 0 && typeof interactionCode !== 'string',
    raw: response,
  };
}

/** Every message of a step: the form's and each field's of the first remediation (§11.2). */
export function allMessages(step: Step): StepMessage[] {
  const fields = step.remediations[0]?.fields.flatMap((f) => f.messages) ?? [];
  return [...step.messages, ...fields];
}

/** Whether a message key says the transaction is gone (expired, unknown, finished). */
export const SESSION_EXPIRED_KEY = 'idx.session.expired';
