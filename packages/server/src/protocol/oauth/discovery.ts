import type { DiscoveryDocument } from '@gatehouse/protocol';
import { SIGNING_ALGS } from '../../keys/signing-keys.js';
import type { AuthorizationServer } from './authorization-servers.js';
import { SUPPORTED_SCOPES } from './scopes.js';

/** OpenID Provider metadata for one authorization server. */
export function discoveryDocument(server: AuthorizationServer): DiscoveryDocument {
  const v1 = server.endpointBase;
  const clientAuth = ['client_secret_basic', 'client_secret_post', 'none'];
  return {
    issuer: server.issuer,
    authorization_endpoint: `${v1}/authorize`,
    token_endpoint: `${v1}/token`,
    userinfo_endpoint: `${v1}/userinfo`,
    jwks_uri: `${v1}/keys`,
    revocation_endpoint: `${v1}/revoke`,
    introspection_endpoint: `${v1}/introspect`,
    end_session_endpoint: `${v1}/logout`,
    interaction_endpoint: `${v1}/interact`,
    response_types_supported: ['code'],
    response_modes_supported: ['query', 'form_post'],
    prompt_values_supported: ['none', 'login'],
    grant_types_supported: ['authorization_code', 'interaction_code', 'refresh_token'],
    authorization_response_iss_parameter_supported: true,
    subject_types_supported: ['public'],
    scopes_supported: [...SUPPORTED_SCOPES],
    claims_supported: [
      'iss',
      'sub',
      'aud',
      'iat',
      'exp',
      'jti',
      'auth_time',
      'amr',
      'nonce',
      'at_hash',
      'sid',
      'name',
      'given_name',
      'family_name',
      'preferred_username',
      'updated_at',
      'email',
      'email_verified',
    ],
    id_token_signing_alg_values_supported: [...SIGNING_ALGS],
    token_endpoint_auth_methods_supported: clientAuth,
    revocation_endpoint_auth_methods_supported: clientAuth,
    introspection_endpoint_auth_methods_supported: clientAuth,
    code_challenge_methods_supported: ['S256'],
    request_parameter_supported: false,
    // Omitted, it would default to true (OpenID Connect Discovery §3).
    request_uri_parameter_supported: false,
    claims_parameter_supported: false,
  };
}
