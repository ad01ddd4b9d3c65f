export { isJsonObject } from './json.js';
export { resolveJsonPath, resolveRelatesTo } from './json-path.js';
export type * from './model.js';
export { isIdxEnvelope, readEnvelope } from './read-envelope.js';
export { buildRequestBody } from './request-body.js';
