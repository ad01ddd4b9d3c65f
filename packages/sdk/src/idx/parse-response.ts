import type { IdxField, IdxForm, IdxMessage, IdxResponse } from '@gatehouse/protocol';
import { isRecord } from '../http.js';
import type { Authenticator, Message, NextStep, TransactionContext } from '../types.js';
import { inputsOf, optionsOf } from './inputs.js';
import { resolveAuthenticatorObject } from './relates-to.js';

/** What an IDX response means to an app, before the SDK decides the status. */
export interface ParsedResponse {
  steps: NextStep[];
  messages: Message[];
  actions: string[];
  enabledFeatures: string[];
  context: TransactionContext;
  interactionCode?: string;
  /** No remediation and no interaction code: nothing more can be done here. */
  terminal: boolean;
}

const isForm = (value: unknown): value is IdxForm =>
  isRecord(value) && Array.isArray(value.rel) && typeof value.href === 'string' && Array.isArray(value.value);

export const remediationsOf = (response: IdxResponse): IdxForm[] =>
  (response.remediation?.value ?? []).filter(isForm);

function toAuthenticator(value: Record<string, unknown> | undefined): Authenticator | undefined {
  if (!value || typeof value.key !== 'string') return undefined;
  return {
    key: value.key,
    type: String(value.type ?? ''),
    id: String(value.id ?? ''),
    displayName: String(value.displayName ?? ''),
    ...(isRecord(value.profile) ? { profile: value.profile as Record<string, string> } : {}),
  };
}

/** The authenticator a remediation is about (its own `relatesTo`). */
export function stepAuthenticator(form: IdxForm, response: IdxResponse): Authenticator | undefined {
  return toAuthenticator(resolveAuthenticatorObject(response, form.relatesTo));
}

/**
 * Actions the way the Okta clients name them (idx-protocol.md §6.6): top-level forms by their
 * `name` (`cancel`), members of `{type:'object'}` values as `<field>-<member>`.
 */
export function actionsOf(response: IdxResponse): Map<string, IdxForm> {
  const actions = new Map<string, IdxForm>();
  for (const [field, value] of Object.entries(response)) {
    if (field === 'remediation' || field === 'successWithInteractionCode') continue;
    if (isForm(value)) actions.set(value.name, value);
    else if (isRecord(value) && value.type === 'object' && isRecord(value.value)) {
      for (const [member, inner] of Object.entries(value.value))
        if (isForm(inner)) actions.set(`${field}-${member}`, inner);
    }
  }
  return actions;
}

function toMessage(message: IdxMessage, field?: string): Message {
  return {
    message: message.message,
    key: message.i18n?.key ?? '',
    ...(message.i18n?.params ? { params: message.i18n.params } : {}),
    class: message.class,
    ...(field ? { field } : {}),
  };
}

function fieldMessages(form: IdxForm, step: NextStep): Message[] {
  const found: Message[] = [];
  const visit = (fields: IdxField[], prefix: string) => {
    for (const field of fields) {
      const path = prefix ? `${prefix}.${field.name}` : field.name;
      const name = step.inputs.find((input) => input.path === path)?.name ?? path;
      for (const message of field.messages?.value ?? []) found.push(toMessage(message, name));
      if (field.form?.value) visit(field.form.value, path);
    }
  };
  visit(form.value, '');
  return found;
}

function toStep(form: IdxForm, response: IdxResponse, actions: Map<string, IdxForm>): NextStep {
  const authenticator = stepAuthenticator(form, response);
  const inputs = inputsOf(form, response, authenticator?.key);
  const choice = form.value.find((f) => f.name === 'authenticator' && f.options);
  // The actions of the authenticator this step is about, by their short names.
  const owner = (form.relatesTo?.[0] ?? '').replace(/^\$\./, '');
  const stepActions = [...actions.keys()]
    .filter((name) => owner && name.startsWith(`${owner}-`))
    .map((name) => name.slice(owner.length + 1));
  return {
    name: form.name,
    inputs,
    ...(choice ? { options: optionsOf(choice, response) } : {}),
    ...(authenticator ? { authenticator } : {}),
    actions: stepActions,
    canResend: stepActions.includes('resend'),
  };
}

export function parseIdxResponse(response: IdxResponse): ParsedResponse {
  const actions = actionsOf(response);
  const forms = remediationsOf(response);
  const steps = forms.map((form) => toStep(form, response, actions));

  const messages: Message[] = (response.messages?.value ?? []).map((m) => toMessage(m));
  for (const [i, form] of forms.entries()) messages.push(...fieldMessages(form, steps[i]!));
  const seen = new Set<string>();
  const unique = messages.filter((m) => {
    const id = `${m.key}\u0000${m.message}\u0000${m.field ?? ''}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });

  const code = response.successWithInteractionCode?.value?.find((f) => f.name === 'interaction_code')?.value;
  const current = response.currentAuthenticatorEnrollment?.value ?? response.currentAuthenticator?.value;
  const complexity = response.currentAuthenticator?.value?.settings?.complexity;
  const context: TransactionContext = {
    ...(response.stateHandle ? { stateHandle: response.stateHandle } : {}),
    ...(response.intent ? { intent: response.intent } : {}),
    ...(response.expiresAt ? { expiresAt: response.expiresAt } : {}),
    ...(response.user?.value
      ? { user: { id: response.user.value.id, identifier: response.user.value.identifier } }
      : {}),
    ...(response.app?.value ? { app: { id: response.app.value.id, label: response.app.value.label } } : {}),
    ...(current
      ? { currentAuthenticator: toAuthenticator(current as unknown as Record<string, unknown>) }
      : {}),
    recovery: response.recoveryAuthenticator !== undefined,
    ...(complexity ? { passwordComplexity: { ...complexity } } : {}),
  };
  const actionNames = [...actions.keys()];
  return {
    steps,
    messages: unique,
    actions: actionNames,
    enabledFeatures: actionNames.some((a) => a.endsWith('-recover')) ? ['recover-password'] : [],
    context,
    ...(typeof code === 'string' ? { interactionCode: code } : {}),
    terminal: steps.length === 0 && typeof code !== 'string',
  };
}
