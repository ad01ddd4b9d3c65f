import { ValidationError } from '../errors.js';
import { assertOAuthSuccess, type FetchLike, FORM_HEADERS, formBody, httpRequest } from '../http.js';
import { type ClientCredentials, clientParams } from './client-auth.js';

export interface InteractParams {
  redirectUri: string;
  scopes: string[];
  codeChallenge: string;
  state: string;
  nonce: string;
}

/**
 * `POST {oauthBase}/v1/interact` (docs/protocol/idx-protocol.md §5.2): starts an interaction, returns its
 * handle.
 */
export async function interact(
  fetchFn: FetchLike,
  interactUrl: string,
  client: ClientCredentials,
  params: InteractParams,
): Promise<string> {
  const json = assertOAuthSuccess(
    await httpRequest(fetchFn, interactUrl, {
      method: 'POST',
      headers: FORM_HEADERS,
      body: formBody({
        ...clientParams(client),
        scope: params.scopes.join(' '),
        redirect_uri: params.redirectUri,
        code_challenge: params.codeChallenge,
        code_challenge_method: 'S256',
        state: params.state,
        nonce: params.nonce,
      }),
    }),
  );
  if (typeof json.interaction_handle !== 'string' || !json.interaction_handle)
    throw new ValidationError('invalid_token_response', 'The interact answer has no interaction_handle.');
  return json.interaction_handle;
}
