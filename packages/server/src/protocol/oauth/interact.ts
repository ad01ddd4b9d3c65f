import type { InteractResponse } from '@gatehouse/protocol';
import type { FlowEngine } from '../../flows/shared/flow-engine.js';
import { firstStateHandle, hashHandle, newInteractionHandle } from '../idx/state-handles.js';
import type { ServerId } from './authorization-servers.js';
import type { ClientAuthenticator } from './client-auth.js';
import { OAuthError } from './oauth-error.js';
import { requireParam } from './params.js';
import { parseScopes } from './scopes.js';

const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const MAX_STATE_LENGTH = 1024;

export interface InteractDeps {
  clients: ClientAuthenticator;
  engine: FlowEngine;
}

/**
 * `POST /v1/interact`: checks the client, redirect URI and PKCE, then opens a transaction. The
 * interaction handle is returned once; the store keeps only hashes of it and of its state handles.
 */
export async function interact(
  deps: InteractDeps,
  serverId: ServerId,
  params: Record<string, string>,
  authorization: string | undefined,
): Promise<InteractResponse> {
  const app = await deps.clients.authenticate(params, authorization);
  if (!app.grantTypes.includes('interaction_code'))
    throw new OAuthError(
      'unauthorized_client',
      'The client is not allowed to use the interaction_code grant.',
    );

  const redirectUri = requireParam(params, 'redirect_uri');
  // Simple string comparison against the registered values (RFC 9700 §4.1.3).
  if (!app.redirectUris.includes(redirectUri))
    throw new OAuthError(
      'invalid_request',
      "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings.",
    );

  const codeChallenge = params.code_challenge;
  const method = params.code_challenge_method;
  if (!codeChallenge) throw new OAuthError('invalid_request', 'PKCE code challenge is required.');
  if (method !== 'S256') throw new OAuthError('invalid_request', "The 'code_challenge_method' must be S256.");
  if (!CODE_CHALLENGE.test(codeChallenge))
    throw new OAuthError('invalid_request', "The 'code_challenge' is malformed.");

  const scopes = parseScopes(params.scope);
  if (!scopes)
    throw new OAuthError(
      'invalid_scope',
      'One or more scopes are not configured for the authorization server.',
    );
  if (scopes.length === 0)
    throw new OAuthError('invalid_scope', 'The authorization request must include a scope.');

  const state = requireParam(params, 'state');
  if (state.length > MAX_STATE_LENGTH)
    throw new OAuthError('invalid_request', "The 'state' parameter is too long.");
  const nonce = params.nonce ?? null;
  if (nonce && nonce.length > MAX_STATE_LENGTH)
    throw new OAuthError('invalid_request', "The 'nonce' parameter is too long.");
  if (params.activation_token || params.recovery_token)
    throw new OAuthError(
      'invalid_request',
      'Activation and recovery tokens are not supported by this server.',
    );

  const interactionHandle = newInteractionHandle();
  await deps.engine.start({
    interactionHandleHash: hashHandle(interactionHandle),
    stateHandleHash: hashHandle(firstStateHandle(interactionHandle)),
    stateGeneration: 0,
    serverId,
    appId: app.id,
    redirectUri,
    scopes,
    state,
    nonce,
    codeChallenge,
    authorizeRequest: null,
  });
  return { interaction_handle: interactionHandle };
}
