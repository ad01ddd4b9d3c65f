/** Checks for values read from a server: nothing here trusts a shape it has not looked at. */
import type { IdxForm } from '../idx.js';

export type JsonObject = Record<string, unknown>;

/** Nested forms deeper than this are not read (IDX nests one level: `credentials.passcode`). */
export const MAX_DEPTH = 4;

/** A JSON object: not null, not an array. */
export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The string, or '' for anything else. */
export const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The string, or undefined for anything else. */
export const optionalText = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

/** The number, or undefined for anything else. */
export const optionalNumber = (value: unknown): number | undefined =>
  typeof value === 'number' ? value : undefined;

/** The elements of an ion array `{type: 'array', value: [...]}` (none when it is not one). */
export const elementsOf = (wrapper: unknown): unknown[] =>
  isJsonObject(wrapper) && Array.isArray(wrapper.value) ? wrapper.value : [];

/** The object inside an ion object `{type: 'object', value: {...}}` (undefined when there is none). */
export const objectIn = (wrapper: unknown): JsonObject | undefined =>
  isJsonObject(wrapper) && isJsonObject(wrapper.value) ? wrapper.value : undefined;

/** A form the client can POST: `rel`, an `href` and a list of fields (docs/protocol/idx-protocol.md §6.3). */
export const isForm = (value: unknown): value is IdxForm =>
  isJsonObject(value) &&
  Array.isArray(value.rel) &&
  typeof value.href === 'string' &&
  Array.isArray(value.value);

/** Unwraps an ion object `{type: 'object', value: {...}}`; anything else is returned as it is. */
export const unwrapObject = (node: unknown): unknown =>
  isJsonObject(node) && node.type === 'object' && isJsonObject(node.value) ? node.value : node;
