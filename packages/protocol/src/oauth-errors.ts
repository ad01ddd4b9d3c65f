/**
 * The OAuth half of the error catalog (see errors.ts): RFC 6749 / 7009 / 7662 / 6750 codes with
 * their statuses. `docs/reference/errors.md` is generated from both files.
 */

export interface OAuthErrorEntry {
  readonly error: string;
  readonly status: number;
  readonly when: string;
}

function oauth(error: string, status: number, when: string): OAuthErrorEntry {
  return Object.freeze({ error, status, when });
}

export const OAuthErrors = Object.freeze({
  invalid_request: oauth(
    'invalid_request',
    400,
    'A parameter is missing, repeated, malformed or not allowed (for example no PKCE challenge, `plain` PKCE, a redirect URI that is not registered).',
  ),
  invalid_client: oauth(
    'invalid_client',
    401,
    'The client is unknown or its authentication failed (`WWW-Authenticate` is sent when it used HTTP Basic).',
  ),
  invalid_grant: oauth(
    'invalid_grant',
    400,
    'The interaction code or refresh token is unknown, expired, used, revoked, issued to another client, or the PKCE verifier does not match.',
  ),
  unauthorized_client: oauth('unauthorized_client', 400, 'The client is not allowed to use this grant type.'),
  unsupported_grant_type: oauth('unsupported_grant_type', 400, 'The grant type is not supported.'),
  unsupported_response_type: oauth(
    'unsupported_response_type',
    400,
    'The response type is not supported (`/authorize` offers `code` only; sent to the redirect URI).',
  ),
  login_required: oauth(
    'login_required',
    400,
    '`prompt=none` and no usable SSO session (none, too old for `max_age`, another user than `id_token_hint`, or too weak for the app policy); sent to the redirect URI.',
  ),
  request_not_supported: oauth(
    'request_not_supported',
    400,
    'A `request` object was sent to `/authorize`; sent to the redirect URI.',
  ),
  request_uri_not_supported: oauth(
    'request_uri_not_supported',
    400,
    'A `request_uri` was sent to `/authorize`; sent to the redirect URI.',
  ),
  invalid_scope: oauth('invalid_scope', 400, 'A requested scope is unknown or wider than the one granted.'),
  access_denied: oauth('access_denied', 403, 'The request was refused by policy.'),
  unsupported_token_type: oauth('unsupported_token_type', 400, 'The token type hint is not supported.'),
  invalid_token: oauth(
    'invalid_token',
    401,
    'The bearer access token is missing, malformed, expired or revoked (sent with `WWW-Authenticate: Bearer`).',
  ),
  unsupported_media_type: oauth(
    'unsupported_media_type',
    415,
    'The request content type is not supported; send application/x-www-form-urlencoded.',
  ),
  payload_too_large: oauth('payload_too_large', 413, 'The request body is too large.'),
  too_many_requests: oauth(
    'too_many_requests',
    429,
    'A rate limit was reached; the response carries `Retry-After` (an extension code: RFC 6749 defines none for this).',
  ),
  temporarily_unavailable: oauth(
    'temporarily_unavailable',
    503,
    'A dependency (the rate-limit store) is unavailable, or the database refused the request after a conflicting write; requests fail closed. Retry later.',
  ),
  not_found: oauth(
    'not_found',
    404,
    'No endpoint at this path (for example an unknown authorization server).',
  ),
  server_error: oauth('server_error', 500, 'An unexpected failure; the response names a request id.'),
});

export type OAuthErrorCode = keyof typeof OAuthErrors;
