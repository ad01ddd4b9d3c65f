/**
 * The browser build's entry (dist/gatehouse-sdk.browser.js): everything but the server-side
 * session adapter. `index.ts` adds that for Node.
 */

export {
  type AuthClient,
  type AuthorizeRequest,
  createAuthClient,
  type Identity,
  type SignOutOptions,
  type TokenApi,
} from './auth-client.js';
export type { AuthClientOptions } from './client-options.js';
export {
  ConfigurationError,
  EmailVerifyCallbackError,
  GatehouseError,
  IdxError,
  type IdxErrorCode,
  isEmailVerifyCallbackError,
  OAuthError,
  ValidationError,
  type ValidationErrorCode,
} from './errors.js';
export type { FetchLike } from './http.js';
export { isEmailVerifyCallback, parseEmailVerifyCallback, parseParams } from './idx/email-verify.js';
export { type IdxResult, introspect, submitForm } from './idx/idx-http.js';
export type { IdxApi, ProceedOptions, StartOptions } from './idx/idx-types.js';
export { type ParsedResponse, parseIdxResponse, resolveJsonPath } from './idx/parse-response.js';
export { type AuthorizeOptions, type AuthorizeParams, createAuthorizeUrl } from './oauth/authorize.js';
export type { ClientCredentials } from './oauth/client-auth.js';
export { type Discovery, fetchDiscovery } from './oauth/discovery.js';
export {
  computeAtHash,
  DEFAULT_CLOCK_SKEW_SECONDS,
  ID_TOKEN_ALGORITHMS,
  type IdTokenExpectations,
  validateIdToken,
} from './oauth/id-token.js';
export { type InteractParams, interact } from './oauth/interact.js';
export { JwksCache } from './oauth/jwks.js';
export { revokeToken, type TokenTypeHint } from './oauth/revoke.js';
export { buildSignOutUrl, type SignOutUrlParams } from './oauth/sign-out.js';
export {
  type AuthorizationCodeGrant,
  authorizationCodeGrant,
  type InteractionCodeGrant,
  interactionCodeGrant,
  refreshTokenGrant,
  toTokens,
} from './oauth/token.js';
export { deriveUrls, type IssuerUrls } from './oauth/urls.js';
export { fetchUserInfo } from './oauth/userinfo.js';
export { calculateCodeChallenge, createPkce, generateCodeVerifier, type Pkce } from './pkce.js';
export {
  type AuthStorage,
  SHARED_TRANSACTION_TTL_MS,
  type StorageOptions,
  type WebStorageLike,
} from './storage/auth-storage.js';
export { type BrowserStorageOptions, browserStorage } from './storage/browser-storage.js';
export { memoryStorage } from './storage/memory-storage.js';
export type * from './types.js';
