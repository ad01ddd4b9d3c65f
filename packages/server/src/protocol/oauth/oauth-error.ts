import { type OAuthErrorCode, OAuthErrors } from '@gatehouse/protocol';

/** An OAuth 2.0 error from the catalog; rendered as `{ error, error_description }`. */
export class OAuthError extends Error {
  override name = 'OAuthError';
  readonly status: number;

  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly options: { wwwAuthenticate?: string; retryAfterSeconds?: number } = {},
  ) {
    super(description);
    this.status = OAuthErrors[error].status;
  }
}
