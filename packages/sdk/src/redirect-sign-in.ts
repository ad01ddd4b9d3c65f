import type { Shared } from './client-options.js';
import { ConfigurationError, OAuthError, ValidationError } from './errors.js';
import { parseParams } from './idx/email-verify.js';
import { type AuthorizeOptions, createAuthorizeUrl } from './oauth/authorize.js';
import { endpoint } from './oauth/discovery.js';
import { authorizationCodeGrant, toTokens } from './oauth/token.js';
import { createPkce, randomString } from './pkce.js';
import type { AuthStorage } from './storage/auth-storage.js';
import type { SavedTransaction, Tokens } from './types.js';

/** What `buildAuthorizeUrl` returns: the saved transaction and the URL to send the browser to. */
export type AuthorizeRequest = SavedTransaction & { url: string };

type ValidateTokens = (
  tokens: Tokens,
  expected: { nonce?: string | undefined; scopes?: string[] | undefined },
) => Promise<Tokens>;

const here = () => (globalThis as { location?: { href: string } }).location?.href ?? '';

/**
 * Sign-in by redirect (the authorization code flow with PKCE): the authorize URL with its
 * transaction saved under `state`, and the answer at the redirect URI turned into validated tokens.
 */
export function createRedirectSignIn(shared: Shared, storage: AuthStorage, validateTokens: ValidateTokens) {
  const { credentials, urls } = shared;

  async function buildAuthorizeUrl(options: AuthorizeOptions = {}): Promise<AuthorizeRequest> {
    const discovery = await shared.discovery();
    const tx: SavedTransaction = {
      issuer: shared.issuer,
      clientId: credentials.clientId,
      redirectUri: options.redirectUri ?? shared.redirectUri,
      scopes: options.scopes ?? shared.scopes,
      state: options.state ?? randomString(),
      nonce: options.nonce ?? randomString(),
      ...(await createPkce()),
      flow: 'redirect',
      createdAt: shared.now(),
    };
    const url = createAuthorizeUrl(endpoint(discovery, 'authorization_endpoint', urls.authorizeUrl), {
      ...options,
      ...tx,
      clientId: tx.clientId,
    });
    storage.setTransaction(tx);
    return { ...tx, url };
  }

  async function handleLoginRedirect(url = here()): Promise<Tokens> {
    const params = parseParams(url);
    const tx = params.state ? storage.getTransaction(params.state) : undefined;
    if (
      !tx ||
      tx.state !== params.state ||
      tx.flow !== 'redirect' ||
      tx.issuer !== shared.issuer ||
      tx.clientId !== credentials.clientId
    )
      throw new ValidationError(
        'state_mismatch',
        'The redirect state matches no sign-in saved in this storage.',
      );
    // One answer per transaction, whatever it is.
    storage.removeTransaction(tx.state);
    const discovery = await shared.discovery();
    // RFC 9207: the server names itself; required when its discovery says it always does.
    if (
      params.iss !== undefined
        ? params.iss !== discovery.issuer
        : (discovery as Record<string, unknown>).authorization_response_iss_parameter_supported === true
    )
      throw new ValidationError('issuer_mismatch', 'The redirect comes from another issuer.');
    if (params.error) throw new OAuthError(params.error, params.error_description ?? '');
    if (!params.code) throw new ValidationError('missing_code', 'The redirect carries no code.');
    const response = await authorizationCodeGrant(
      shared.fetch,
      endpoint(discovery, 'token_endpoint', urls.tokenUrl),
      credentials,
      { redirectUri: tx.redirectUri, codeVerifier: tx.codeVerifier, code: params.code },
    );
    const tokens = await validateTokens(toTokens(response, tx.scopes, shared.now()), tx);
    storage.setTokens(tokens);
    return tokens;
  }

  return {
    buildAuthorizeUrl,
    /** Browser: `buildAuthorizeUrl`, then `location.assign` to it. */
    async signInWithRedirect(options?: AuthorizeOptions): Promise<void> {
      const location = (globalThis as { location?: { assign(url: string): void } }).location;
      if (!location)
        throw new ConfigurationError('signInWithRedirect needs a browser; use buildAuthorizeUrl.');
      location.assign((await buildAuthorizeUrl(options)).url);
    },
    handleLoginRedirect,
    isLoginRedirect(url = here()): boolean {
      const params = parseParams(url);
      return Boolean(params.state && (params.code || params.error));
    },
  };
}
