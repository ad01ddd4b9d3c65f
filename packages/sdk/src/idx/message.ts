import type { EnvelopeMessage } from '@gatehouse/protocol';

export interface Message {
  message: string;
  /** The i18n key (e.g. `api.authn.error.PASSCODE_INVALID`): translate on it. */
  key: string;
  params?: unknown[];
  class: 'ERROR' | 'INFO' | 'WARNING';
  /** The input a field-level message belongs to. */
  field?: string;
}

/** A message as read from the envelope, in the SDK's words (`field`: the input's name). */
export function toMessage(message: EnvelopeMessage, field?: string): Message {
  return {
    message: message.message,
    key: message.key ?? '',
    ...(message.params ? { params: message.params } : {}),
    class: message.level.toUpperCase() as Message['class'],
    ...(field ? { field } : {}),
  };
}
