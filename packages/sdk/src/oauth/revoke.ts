import { type FetchLike, FORM_HEADERS, formBody, httpRequest, oauthErrorOf } from '../http.js';
import { type ClientCredentials, clientParams } from './client-auth.js';

export type TokenTypeHint = 'access_token' | 'refresh_token';

/** `POST /v1/revoke` (RFC 7009): 200 for known and unknown tokens alike; anything else throws. */
export async function revokeToken(
  fetchFn: FetchLike,
  revokeUrl: string,
  client: ClientCredentials,
  token: string,
  hint?: TokenTypeHint,
): Promise<void> {
  const result = await httpRequest(fetchFn, revokeUrl, {
    method: 'POST',
    headers: FORM_HEADERS,
    body: formBody({ ...clientParams(client), token, token_type_hint: hint }),
  });
  if (!result.ok) throw oauthErrorOf(result);
}
