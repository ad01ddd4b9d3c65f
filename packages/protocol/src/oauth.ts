/** OAuth 2.0 / OpenID Connect wire shapes (snake_case as on the wire). */

export const GrantType = {
  interactionCode: 'interaction_code',
  refreshToken: 'refresh_token',
} as const;
export type GrantTypeValue = (typeof GrantType)[keyof typeof GrantType];

export interface InteractResponse {
  interaction_handle: string;
}

export interface TokenResponse {
  token_type: 'Bearer';
  expires_in: number;
  access_token: string;
  scope: string;
  id_token?: string;
  refresh_token?: string;
}

export interface OAuthErrorBody {
  error: string;
  error_description: string;
}

export interface IntrospectionResponse {
  active: boolean;
  scope?: string;
  client_id?: string;
  username?: string;
  token_type?: string;
  exp?: number;
  iat?: number;
  sub?: string;
  aud?: string | string[];
  iss?: string;
  jti?: string;
  uid?: string;
}

export interface DiscoveryDocument {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  jwks_uri: string;
  revocation_endpoint: string;
  introspection_endpoint: string;
  end_session_endpoint: string;
  interaction_endpoint: string;
  response_types_supported: string[];
  response_modes_supported: string[];
  prompt_values_supported?: string[];
  /** RFC 9207: `/authorize` answers carry `iss`. */
  authorization_response_iss_parameter_supported?: boolean;
  grant_types_supported: string[];
  subject_types_supported: string[];
  scopes_supported: string[];
  claims_supported: string[];
  id_token_signing_alg_values_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  revocation_endpoint_auth_methods_supported: string[];
  introspection_endpoint_auth_methods_supported: string[];
  code_challenge_methods_supported: string[];
  request_parameter_supported: boolean;
  request_uri_parameter_supported?: boolean;
  claims_parameter_supported: boolean;
}

export interface UserInfoResponse {
  sub: string;
  [claim: string]: unknown;
}
