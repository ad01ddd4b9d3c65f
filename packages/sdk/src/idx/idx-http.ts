import { type IdxForm, type IdxResponse, isIdxEnvelope } from '@gatehouse/protocol';
import { IdxError, OAuthError } from '../errors.js';
import { type FetchLike, type HttpResult, httpRequest, isRecord } from '../http.js';

export const ION_JSON = 'application/ion+json; okta-version=1.0.0';

/** An IDX answer: 2xx or not, the body is an IDX response (errors carry messages and forms). */
export interface IdxResult {
  ok: boolean;
  status: number;
  response: IdxResponse;
}

function toIdxResult(result: HttpResult): IdxResult {
  const body = result.json;
  if (isIdxEnvelope(body)) return { ok: result.ok, status: result.status, response: body };
  if (isRecord(body) && typeof body.error === 'string')
    throw new OAuthError(
      body.error,
      typeof body.error_description === 'string' ? body.error_description : '',
      result.status,
    );
  throw new IdxError(
    'idx_invalid_response',
    `Not an IDX response (HTTP ${result.status}).`,
    [],
    result.status,
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
