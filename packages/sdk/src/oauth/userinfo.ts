import type { UserInfoResponse } from '@gatehouse/protocol';
import { ValidationError } from '../errors.js';
import { assertOAuthSuccess, type FetchLike, httpRequest } from '../http.js';

/**
 * `GET /v1/userinfo` with the access token. When the ID token's `sub` is known the answer must be
 * about the same user (OIDC Core §5.3.2).
 */
export async function fetchUserInfo(
  fetchFn: FetchLike,
  userinfoUrl: string,
  accessToken: string,
  expectedSubject?: string,
): Promise<UserInfoResponse> {
  const json = assertOAuthSuccess(
    await httpRequest(fetchFn, userinfoUrl, { headers: { authorization: `Bearer ${accessToken}` } }),
  );
  if (typeof json.sub !== 'string')
    throw new ValidationError('userinfo_sub_mismatch', 'The userinfo answer has no sub.');
  if (expectedSubject !== undefined && json.sub !== expectedSubject)
    throw new ValidationError('userinfo_sub_mismatch', 'The userinfo answer is about another user.');
  return json as UserInfoResponse;
}
