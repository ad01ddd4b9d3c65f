import { type IdxErrorId, IdxErrors, type OAuthErrorCode, OAuthErrors } from '@gatehouse/protocol';

/** An IDX failure from the catalog; the HTTP layer turns it into an IDX `messages` response. */
export class IdxError extends Error {
  override name = 'IdxError';
  readonly status: number;

  constructor(
    readonly id: IdxErrorId,
    readonly options: { params?: string[]; retryAfterSeconds?: number; detail?: string } = {},
  ) {
    super(options.detail ?? IdxErrors[id].message);
    this.status = IdxErrors[id].status;
  }
}

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

/** Bad input to a domain operation (CLI or API): names the field. */
export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** A record that must be unique already exists. */
export class ConflictError extends Error {
  override name = 'ConflictError';
}

/** A record named by the caller does not exist. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}
