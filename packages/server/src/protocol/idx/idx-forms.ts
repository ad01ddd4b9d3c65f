import {
  IDX_ACCEPTS,
  IDX_PRODUCES,
  type IdxArray,
  IdxErrors,
  type IdxField,
  type IdxForm,
  type IdxMessage,
} from '@gatehouse/protocol';
import type { IdxMessageRef } from './engine-errors.js';

/** Absolute URLs the envelope points the client at. */
export interface IdxUrls {
  /** `<public url>/idp/idx` */
  idxBase: string;
  /** The token endpoint of the transaction's authorization server. */
  tokenUrl: string;
}

export type FormBuilder = (
  name: string,
  path: string,
  value: IdxField[],
  extra?: Partial<IdxForm>,
) => IdxForm;

/** Builds the forms of one envelope: each posts to `<idxBase><path>` and carries the state handle. */
export function formBuilder(urls: IdxUrls, stateHandle: string): FormBuilder {
  const stateField: IdxField = {
    name: 'stateHandle',
    required: true,
    value: stateHandle,
    visible: false,
    mutable: false,
  };
  return (name, path, value, extra = {}) => ({
    rel: ['create-form'],
    name,
    href: `${urls.idxBase}${path}`,
    method: 'POST',
    produces: IDX_PRODUCES,
    accepts: IDX_ACCEPTS,
    ...extra,
    value: [...value, stateField],
  });
}

export function array<T>(value: T[]): IdxArray<T> {
  return { type: 'array', value };
}

export function withMessages(field: IdxField, messages: IdxArray<IdxMessage> | undefined): IdxField {
  return messages ? { ...field, messages } : field;
}

/**
 * The `credentials` object of a form: one secret or code, or the members of a public-key
 * credential; `messages` go on the passcode.
 */
export function credentialsField(
  fields: IdxField | IdxField[],
  messages: IdxArray<IdxMessage> | undefined,
): IdxField {
  const list = Array.isArray(fields) ? fields : [fields];
  return {
    name: 'credentials',
    type: 'object',
    required: true,
    form: { value: list.map((f) => (f.name === 'passcode' ? withMessages(f, messages) : f)) },
  };
}

/** Messages as the clients read them: text with `{n}` filled in, the i18n key and params, a class. */
export function messagesFor(messages: IdxMessageRef[], detail?: string): IdxArray<IdxMessage> | undefined {
  if (!messages.length) return undefined;
  return array(
    messages.map((m) => {
      const entry = IdxErrors[m.id];
      const params = m.params ?? [];
      const text = detail ?? params.reduce((text, p, i) => text.replace(`{${i}}`, p), entry.message);
      return {
        message: text,
        i18n: params.length ? { key: entry.key, params } : { key: entry.key },
        class: entry.class,
      };
    }),
  );
}
