import { elementsOf, isJsonObject, optionalText, text } from './json.js';
import type { EnvelopeMessage } from './model.js';

/**
 * The messages of an ion array `{type: 'array', value: [{message, i18n: {key, params}, class}]}`
 * (docs/protocol/idx-protocol.md §11). Elements that are not objects are skipped.
 */
export function readMessages(wrapper: unknown, field?: string): EnvelopeMessage[] {
  const messages: EnvelopeMessage[] = [];
  for (const element of elementsOf(wrapper)) {
    if (!isJsonObject(element)) continue;
    const i18n = isJsonObject(element.i18n) ? element.i18n : {};
    const level = text(element.class).toLowerCase();
    messages.push({
      message: text(element.message),
      key: optionalText(i18n.key),
      params: Array.isArray(i18n.params) ? i18n.params : undefined,
      level: level === 'info' || level === 'warning' ? level : 'error',
      field,
    });
  }
  return messages;
}
