/** The app records the apps store reads and writes: their types and row mapping. */
import type { Selectable } from 'kysely';
import type { AppActivity, RemovedRecords } from './owned-records.js';
import type { AppsTable } from './schema.js';

/** What deleting an app removed, and the SSO sessions (with their other apps' grants) `force` ended. */
export interface DeletedApp extends RemovedRecords {
  endedSessions: number;
  otherAppsGrantsRevoked: number;
}

/** The outcome of {@link AppsStore.deleteApp}. */
export type AppDeletion =
  | { outcome: 'deleted'; activity: AppActivity; removed: DeletedApp }
  | { outcome: 'in-use'; activity: AppActivity }
  | { outcome: 'not-found' };

/** One thing a sign-in must prove: any one of these authenticators (registry keys). */
export interface PolicyRequirement {
  anyOf: string[];
}

/** One attribute of the profile a newcomer fills in at sign-up. */
export interface ProfileAttribute {
  /** Profile key (`firstName`, `email`, `favoriteColor`). */
  name: string;
  label: string;
  type: 'string' | 'boolean';
  required: boolean;
  maxLength?: number | undefined;
  /** A regular expression the whole value must match (strings only). */
  pattern?: string | undefined;
}

/** Self-service registration: what a newcomer fills in, and what an address that has an account gets. */
export interface RegistrationPolicy {
  /** The profile form; `email` (the new account's sign-in name) is always one of its attributes. */
  profile: ProfileAttribute[];
  /**
   * `notify-owner` (default): the sign-up carries on exactly as for a new address and the owner is
   * emailed that they already have an account: nothing tells the registrant the address is taken.
   * `reveal`: Okta's answer, a field error on the email ("A user with this Email already exists").
   */
  existingEmail: 'notify-owner' | 'reveal';
}

/**
 * An app's sign-in policy, as data: every requirement must be met, each by one of its
 * authenticators, and the user may meet them in any order (they are offered in this order).
 * Validated against the installed authenticators when an app is created (`apps/app-policy.ts`).
 */
export interface AppPolicy {
  requirements: PolicyRequirement[];
  /** true: identify, then choose an authenticator; false: a first requirement that can be answered with the identifier is asked on the identify form. */
  identifierFirst: boolean;
  selfServiceRecovery: boolean;
  /** A locked-out user may unlock their account by proving who they are (email). */
  selfServiceUnlock: boolean;
  /** After an unlock, go on signing in (the proof counts) instead of ending on "unlocked". */
  signInAfterUnlock: boolean;
  /** Self-service registration; null: off. */
  registration: RegistrationPolicy | null;
  /**
   * The WebAuthn relying party ID passkeys of this app are bound to; null or absent: the host of
   * the app's page (its redirect URI). Set it to a parent domain to share passkeys between apps.
   */
  webauthnRpId?: string | null | undefined;
  /** Whether a passkey must verify its user (PIN, biometrics); absent: `preferred`. */
  webauthnUserVerification?: 'preferred' | 'required' | undefined;
}

/** Policy members added after the first release, with the values older stored policies mean. */
const POLICY_DEFAULTS = { selfServiceUnlock: false, signInAfterUnlock: false, registration: null } as const;

/** How the hosted sign-in page looks for an app (ADR 0012). */
export interface HostedPageTheme {
  /** An https URL (http on loopback) or a `data:image/…` URL. */
  logo?: string | undefined;
  brandName?: string | undefined;
  primaryColor?: string | undefined;
  primaryTextColor?: string | undefined;
  /** The sign-in form's heading, instead of "Sign In". */
  title?: string | undefined;
}

export interface App {
  id: string;
  clientId: string;
  name: string;
  /** SHA-256 of the client secret; null for a public client (PKCE alone). */
  secretHash: string | null;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  emailVerifyUri: string | null;
  /** The app's own sign-in page (OIDC `initiate_login_uri`), linked from emails; null: unknown. */
  loginUri: string | null;
  trustedOrigins: string[];
  grantTypes: string[];
  policy: AppPolicy;
  createdAt: number;
  /** A confidential app that must send PKCE with `/authorize` too (public apps always must). */
  requirePkce: boolean;
  hostedPage: HostedPageTheme;
  /** How this app's ID and access tokens are signed (OIDC `id_token_signed_response_alg`). */
  tokenSigningAlg: TokenSigningAlg;
}

/** Signature algorithms of tokens; RS256 is the default (Okta's clients accept nothing else). */
export const TOKEN_SIGNING_ALGS = ['RS256', 'ES256', 'EdDSA'] as const;
export type TokenSigningAlg = (typeof TOKEN_SIGNING_ALGS)[number];

export function toApp(row: Selectable<AppsTable>): App {
  return {
    id: row.id,
    clientId: row.client_id,
    name: row.name,
    secretHash: row.secret_hash,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    postLogoutRedirectUris: JSON.parse(row.post_logout_redirect_uris) as string[],
    emailVerifyUri: row.email_verify_uri,
    loginUri: row.login_uri,
    trustedOrigins: JSON.parse(row.trusted_origins) as string[],
    grantTypes: JSON.parse(row.grant_types) as string[],
    policy: { ...POLICY_DEFAULTS, ...(JSON.parse(row.policy) as Partial<AppPolicy>) } as AppPolicy,
    createdAt: row.created_at,
    requirePkce: row.require_pkce === 1,
    hostedPage: JSON.parse(row.hosted_page) as HostedPageTheme,
    tokenSigningAlg: row.token_signing_alg as TokenSigningAlg,
  };
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

export function toRow(app: App) {
  return {
    client_id: app.clientId,
    name: app.name,
    secret_hash: app.secretHash,
    redirect_uris: JSON.stringify(app.redirectUris),
    post_logout_redirect_uris: JSON.stringify(app.postLogoutRedirectUris),
    email_verify_uri: app.emailVerifyUri,
    login_uri: app.loginUri,
    trusted_origins: JSON.stringify(app.trustedOrigins),
    grant_types: JSON.stringify(app.grantTypes),
    policy: JSON.stringify(app.policy),
    require_pkce: app.requirePkce ? 1 : 0,
    hosted_page: JSON.stringify(app.hostedPage),
    token_signing_alg: app.tokenSigningAlg,
  };
}
