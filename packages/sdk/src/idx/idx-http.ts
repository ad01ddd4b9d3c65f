import { type IdxForm, type IdxResponse, isIdxEnvelope } from '@gatehouse/protocol';
import { IdxError } from '../errors.js';
import { type FetchLike, type HttpResult, httpRequest, isRecord, oauthErrorOf } from '../http.js';

export const ION_JSON = 'application/ion+json; okta-version=1.0.0';

/** An IDX answer: 2xx or not, the body is an IDX response (errors carry messages and forms). */
export interface IdxResult {
  ok: boolean;
  status: number;
  response: IdxResponse;
  /** Seconds from the answer's `Retry-After` (e.g. on a 429), when it had a readable one. */
  retryAfterSeconds?: number | undefined;
}

function toIdxResult(result: HttpResult): IdxResult {
  const { json: body, status, retryAfterSeconds } = result;
  if (isIdxEnvelope(body)) return { ok: result.ok, status, response: body, retryAfterSeconds };
  if (isRecord(body) && typeof body.error === 'string') throw oauthErrorOf(result);
  throw new IdxError(
    'idx_invalid_response',
    `Not an IDX response (HTTP ${status}).`,
    [],
    status,
    retryAfterSeconds,
  );
}

/**
 * `POST {domain}/idp/idx/introspect` (docs/protocol/idx-protocol.md §6.1): the current state of an
 * interaction.
 */
export async function introspect(
  fetchFn: FetchLike,
  introspectUrl: string,
  handle: { interactionHandle: string } | { stateHandle: string },
): Promise<IdxResult> {
  const body = 'interactionHandle' in handle ? handle : { stateToken: handle.stateHandle };
  return toIdxResult(
    await httpRequest(fetchFn, introspectUrl, {
      method: 'POST',
      headers: { 'content-type': ION_JSON, accept: ION_JSON },
      body: JSON.stringify(body),
    }),
  );
}

/** POSTs a remediation or action to its `href` (docs/protocol/idx-protocol.md §6.3). */
export async function submitForm(
  fetchFn: FetchLike,
  form: IdxForm,
  body: Record<string, unknown>,
): Promise<IdxResult> {
  return toIdxResult(
    await httpRequest(fetchFn, form.href, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: form.accepts || 'application/json' },
      body: JSON.stringify(body),
    }),
  );
}
