import type { FetchLike } from '../http.js';
import type { ClientCredentials } from '../oauth/client-auth.js';
import type { AuthStorage } from '../storage/auth-storage.js';
import type { Flow, IdxSavedTransaction, IdxTransaction, SavedTransaction, Tokens } from '../types.js';

/** What the IDX API needs from its client. */
export interface IdxHost {
  readonly issuer: string;
  readonly redirectUri: string;
  readonly scopes: string[];
  readonly credentials: ClientCredentials;
  readonly fetch: FetchLike;
  readonly interactUrl: string;
  readonly introspectUrl: string;
  readonly storage: AuthStorage;
  now(): number;
  /** Discovery (issuer and PKCE checks) before the first interaction. */
  prepare(): Promise<unknown>;
  /** Exchanges an interaction code, validates the tokens and stores them. */
  exchangeAndStore(transaction: SavedTransaction, interactionCode: string): Promise<Tokens>;
}

export interface StartOptions {
  flow?: Flow;
  /** Your own `state` (default: 43 random characters). */
  state?: string;
}

export interface ProceedOptions {
  /** The remediation to answer (`identify`, `challenge-authenticator`…); default: the one the values fit. */
  step?: string;
  /** An action instead of a remediation: `resend`, `poll`, `recover`, or a full name. */
  action?: string;
  /** Same as `action: 'resend'`. */
  resend?: boolean;
  /** Same as `step: 'skip'`: leave what is optional unset (`nextStep.canSkip`). */
  skip?: boolean;
  /** Continue the transaction saved under this `state` instead of the current one. */
  state?: string;
  /** false: on success return `interactionCode` and keep the transaction, without calling `/token`. */
  exchangeCodeForTokens?: boolean;
  /** Input values: `username`, `password`, `verificationCode`, `authenticator`, wire paths… */
  [value: string]: unknown;
}

/** A sign-up's values: profile attributes by name (`firstName`, `lastName`, `email`, custom ones). */
export interface RegisterValues {
  firstName?: string;
  lastName?: string;
  email?: string;
  /** What to set up first (`okta_email`). */
  authenticator?: string;
  [attribute: string]: unknown;
}

export interface IdxApi {
  start(options?: StartOptions): Promise<IdxTransaction>;
  proceed(values?: ProceedOptions): Promise<IdxTransaction>;
  cancel(options?: { state?: string }): Promise<IdxTransaction>;
  authenticate(values: {
    username: string;
    password?: string;
    authenticator?: string;
  }): Promise<IdxTransaction>;
  recoverPassword(values?: { username?: string; authenticator?: string }): Promise<IdxTransaction>;
  /**
   * Self-service registration: throws `idx_registration_unavailable` when the server offers no
   * sign-up here; with profile values (`firstName`, `lastName`, `email`, custom attributes) fills
   * the profile, with `authenticator` (`okta_email`) picks what to set up first.
   */
  register(values?: RegisterValues): Promise<IdxTransaction>;
  /**
   * Self-service unlock: throws `idx_unlock_unavailable` when the server offers none here; with
   * `username` and `authenticator` (`okta_email`) asks for the code.
   */
  unlockAccount(values?: { username?: string; authenticator?: string }): Promise<IdxTransaction>;
  isEmailVerifyCallback(search: string): boolean;
  parseEmailVerifyCallback(search: string): { otp: string; state: string };
  /** Whether this storage holds transaction meta for `state` (or a current one), with or without an interaction handle. No network. */
  canProceed(options?: { state?: string }): boolean;
  handleEmailVerifyCallback(search: string): Promise<IdxTransaction>;
  isInteractionCodeRedirect(url: string): boolean;
  handleInteractionCodeRedirect(url: string): Promise<Tokens>;
  getSavedTransaction(state?: string): IdxSavedTransaction | undefined;
  clearTransaction(state?: string): void;
}
