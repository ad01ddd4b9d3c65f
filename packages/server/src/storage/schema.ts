import type { Generated } from 'kysely';

/** Row shapes as stored. Times are milliseconds since the epoch; flags are 0/1; lists are JSON text. */
export interface UsersTable {
  id: string;
  login: string;
  login_key: string;
  email: string;
  email_verified: number;
  status: string;
  profile: string;
  failed_attempts: number;
  locked_until: number | null;
  attempts_in_flight: number;
  attempt_claimed_at: number | null;
  created_at: number;
  updated_at: number;
  password_changed_at: number | null;
}

export interface CredentialsTable {
  user_id: string;
  type: string;
  secret_hash: string;
  created_at: number;
}

export interface AppsTable {
  id: string;
  client_id: string;
  name: string;
  secret_hash: string | null;
  redirect_uris: string;
  post_logout_redirect_uris: string;
  email_verify_uri: string | null;
  login_uri: string | null;
  trusted_origins: string;
  grant_types: string;
  policy: string;
  created_at: number;
  /** 1: PKCE is required of this confidential app too (migration 0012). */
  require_pkce: Generated<number>;
  /** Theme of the hosted sign-in page, JSON (migration 0012). */
  hosted_page: Generated<string>;
  /** `RS256`, `ES256` or `EdDSA`: how this app's tokens are signed (migration 0013). */
  token_signing_alg: Generated<string>;
}

export interface AppOriginsTable {
  origin: string;
  app_id: string;
}

export interface TransactionsTable {
  id: string;
  interaction_handle_hash: string;
  state_handle_hash: string;
  state_generation: number;
  server_id: string;
  app_id: string;
  redirect_uri: string;
  scopes: string;
  state: string;
  nonce: string | null;
  code_challenge: string;
  flow: string;
  step: string;
  user_id: string | null;
  identifier: string | null;
  authenticator_key: string | null;
  verified: string;
  status: string;
  version: number;
  created_at: number;
  expires_at: number;
  completed_at: number | null;
  /** JSON of what `/authorize` asked for; null for an embedded (`/v1/interact`) transaction (migration 0012). */
  authorize_request: string | null;
  /** "Keep me signed in" was ticked (migration 0012). */
  remember_me: Generated<number>;
}

export interface InteractionCodesTable {
  code_hash: string;
  transaction_id: string;
  server_id: string;
  app_id: string;
  redirect_uri: string;
  code_challenge: string;
  user_id: string;
  scopes: string;
  nonce: string | null;
  auth_time: number;
  amr: string;
  expires_at: number;
  used_at: number | null;
  /** Set when the code was presented again after its redemption (migration 0006). */
  replayed_at: number | null;
  /** The grant that may redeem it: interaction_code, hosted or authorization_code (migration 0012). */
  grant_type: Generated<string>;
  /** The SSO session a hosted sign-in made or used (migration 0012). */
  session_id: string | null;
}

export interface GrantsTable {
  id: string;
  user_id: string;
  app_id: string;
  server_id: string;
  scopes: string;
  code_hash: string | null;
  auth_time: number;
  amr: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  /** The SSO session the grant was made in (migration 0012). */
  session_id: string | null;
}

export interface AccessTokensTable {
  jti: string;
  grant_id: string;
  expires_at: number;
  revoked_at: number | null;
}

export interface RefreshTokensTable {
  token_hash: string;
  grant_id: string;
  scopes: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  private_jwk: string;
  public_jwk: string;
  status: string;
  created_at: number;
  retired_at: number | null;
  publish_until: number | null;
}

export interface EventsTable {
  id: string;
  type: string;
  user_id: string | null;
  app_id: string | null;
  ip: string | null;
  data: string;
  created_at: number;
}

export interface EmailChallengesTable {
  id: string;
  transaction_id: string;
  user_id: string | null;
  recipient: string | null;
  purpose: string;
  seed: string;
  created_at: number;
  expires_at: number;
  attempts: number;
  max_attempts: number;
  sends: number;
  last_sent_at: number | null;
  consumed_at: number | null;
}

export interface OutboxTable {
  id: string;
  to_address: string;
  from_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  template_id: string;
  created_at: number;
  status: string;
  attempts: number;
  next_attempt_at: number | null;
  claimed_until: number | null;
  last_error: string | null;
  sent_at: number | null;
}

export interface EmailTemplatesTable {
  server_id: string;
  template_id: string;
  locale: string;
  subject: string;
  html: string;
  text: string;
  updated_at: number;
}

export interface RateLimitsTable {
  key: string;
  window_start: number;
  count: number;
}

export interface ServerSecretsTable {
  name: string;
  value: string;
  created_at: number;
}

export interface PasswordHistoryTable {
  user_id: string;
  secret_hash: string;
  created_at: number;
}

export interface AuthenticatorEnrollmentsTable {
  id: string;
  user_id: string;
  authenticator_key: string;
  name: string;
  secret: string;
  credential_id: string | null;
  counter: Generated<number>;
  data: Generated<string>;
  created_at: number;
  last_used_at: number | null;
}

export interface AuthenticatorChallengesTable {
  id: string;
  transaction_id: string;
  authenticator_key: string;
  purpose: string;
  data: string;
  created_at: number;
  expires_at: number;
  attempts: Generated<number>;
  max_attempts: number;
  consumed_at: number | null;
}

export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  auth_time: number;
  factors: string;
  amr: string;
  remember_me: number;
  ip: string | null;
  user_agent: string | null;
  created_at: number;
  last_used_at: number;
  idle_expires_at: number;
  expires_at: number;
  ended_at: number | null;
}

export interface Database {
  users: UsersTable;
  credentials: CredentialsTable;
  apps: AppsTable;
  app_origins: AppOriginsTable;
  transactions: TransactionsTable;
  interaction_codes: InteractionCodesTable;
  grants: GrantsTable;
  access_tokens: AccessTokensTable;
  refresh_tokens: RefreshTokensTable;
  signing_keys: SigningKeysTable;
  events: EventsTable;
  email_challenges: EmailChallengesTable;
  outbox: OutboxTable;
  email_templates: EmailTemplatesTable;
  rate_limits: RateLimitsTable;
  server_secrets: ServerSecretsTable;
  password_history: PasswordHistoryTable;
  authenticator_enrollments: AuthenticatorEnrollmentsTable;
  authenticator_challenges: AuthenticatorChallengesTable;
  sessions: SessionsTable;
}
