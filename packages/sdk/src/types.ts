import type { IdxResponse } from '@gatehouse/protocol';
import type { GatehouseError } from './errors.js';
import type { Message } from './idx/message.js';

export type { Message };

/**
 * What a transaction was started for; it picks the auto-remediation rules. `redirect`: a redirect
 * sign-in (`buildAuthorizeUrl` / `signInWithRedirect`), which has no interaction handle.
 */
export type Flow = 'default' | 'authenticate' | 'recoverPassword' | 'register' | 'unlockAccount' | 'redirect';

/**
 * Everything needed to continue an interaction, saved in storage under its `state` (the value
 * the server echoes in magic links and on the interaction-code redirect).
 */
export interface SavedTransaction {
  issuer: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string;
  nonce: string;
  codeVerifier: string;
  codeChallenge: string;
  codeChallengeMethod: 'S256';
  /** Every IDX transaction has one; a redirect sign-in's (`flow: 'redirect'`) has none. */
  interactionHandle?: string;
  flow: Flow;
  /** Epoch milliseconds. */
  createdAt: number;
  /** The last successful IDX response (saves an introspect round trip). */
  idxResponse?: IdxResponse;
}

/** A saved IDX transaction: one that can be continued (it has its interaction handle). */
export type IdxSavedTransaction = SavedTransaction & { interactionHandle: string };

/** Claims of a validated ID token. */
export interface IdTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  nonce?: string;
  auth_time?: number;
  at_hash?: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
  [claim: string]: unknown;
}

export interface Tokens {
  tokenType: string;
  accessToken: string;
  idToken?: string;
  refreshToken?: string;
  scopes: string[];
  /** Epoch seconds when the access token expires (local clock). */
  expiresAt: number;
  /** The validated ID token claims. */
  claims?: IdTokenClaims;
}

export type TransactionStatus = 'PENDING' | 'SUCCESS' | 'TERMINAL' | 'CANCELED' | 'FAILURE';

export interface Option {
  label: string;
  /** For an authenticator choice, the authenticator key (`okta_email`, `okta_password`). */
  value: string;
}

export interface Input {
  /** The name to pass to `proceed` (`username`, `password`, `verificationCode`, `authenticator`…). */
  name: string;
  /** The field on the wire (`identifier`, `credentials.passcode`). */
  path: string;
  type: 'string' | 'boolean' | 'number' | 'object';
  label?: string;
  required: boolean;
  secret: boolean;
  options?: Option[];
  messages?: Message[];
}

/** An authenticator as the step relates to it (the resolved `relatesTo`). */
export interface Authenticator {
  key: string;
  type: string;
  id: string;
  displayName: string;
  /** e.g. `{ email: 'a***a@example.com' }` (masked by the server). */
  profile?: Record<string, string>;
  /**
   * What the client needs to answer or set it up: an authenticator app's `qrcode` and
   * `sharedSecret`, WebAuthn's `activationData` / `challengeData` (docs/protocol/idx-protocol-2.md §5.2, §6).
   */
  contextualData?: Record<string, unknown>;
}

export interface NextStep {
  /** The remediation name: `identify`, `select-authenticator-authenticate`, `challenge-authenticator`… */
  name: string;
  inputs: Input[];
  /** The choices of a selection step (same as the `authenticator` input's options). */
  options?: Option[];
  authenticator?: Authenticator;
  /** Short names of the actions available with this step: `resend`, `poll`, `recover`. */
  actions: string[];
  canResend: boolean;
  /** The response offers `skip`: what is left to set up is optional (`proceed({ skip: true })`). */
  canSkip: boolean;
}

export interface TransactionContext {
  stateHandle?: string;
  intent?: string;
  expiresAt?: string;
  user?: { id: string; identifier: string };
  app?: { id: string; label: string };
  currentAuthenticator?: Authenticator;
  /** True while recovering a password (the server sent `recoveryAuthenticator`). */
  recovery: boolean;
  /** Password rules of a reset step, as the server states them. */
  passwordComplexity?: Record<string, unknown>;
}

export interface IdxTransaction {
  status: TransactionStatus;
  nextStep?: NextStep;
  /** Every remediation offered (the first is `nextStep`). */
  availableSteps: NextStep[];
  /** Top-level and field-level messages, de-duplicated by key. */
  messages: Message[];
  /** On SUCCESS, unless `exchangeCodeForTokens: false` was asked. */
  tokens?: Tokens;
  /** On SUCCESS with `exchangeCodeForTokens: false`. */
  interactionCode?: string;
  /** Full names of the actions the response offers (`cancel`, `currentAuthenticatorEnrollment-resend`…). */
  actions: string[];
  /**
   * What can start from here: `recover-password` (password recovery), `enroll-profile`
   * (self-service registration), `unlock-account` (self-service unlock).
   */
  enabledFeatures: string[];
  context: TransactionContext;
  /** On FAILURE: why (e.g. the token exchange failed). */
  error?: GatehouseError;
  /** HTTP status of the last IDX answer. */
  httpStatus?: number;
  /**
   * Seconds to wait before trying again, from the last IDX answer's `Retry-After` (a 429 names
   * it); absent when the answer had none.
   */
  retryAfterSeconds?: number;
  /** The last IDX response as received. */
  rawIdxResponse?: IdxResponse;
}
