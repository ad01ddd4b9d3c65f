import type { IdxResponse } from '@gatehouse/protocol';

/** One IDX answer as the widget needs it. */
export interface IdxReply {
  status: number;
  body: IdxResponse;
  /** From `Retry-After`, when the server throttled the request. */
  retryAfterSeconds?: number | undefined;
}

/** What `showSignIn()` resolves with (the shape Okta's widget integrators know: `res.tokens`). */
export interface SignInResult {
  status: 'SUCCESS';
  tokens: {
    accessToken: { accessToken: string; expiresAt: number; scopes: string[]; tokenType: string };
    idToken?: { idToken: string; claims: Record<string, unknown> };
    refreshToken?: { refreshToken: string };
  };
}

/** Where the widget opens: sign-in, "Reset your password", the sign-up form, the unlock form. */
export type FlowName = 'default' | 'resetPassword' | 'signup' | 'unlockAccount';

/** The actions of a step the widget can invoke by name. */
export type ActionName = 'resend' | 'poll' | 'recover';

/**
 * Everything the widget needs from a client library, in its own words. `core/client.ts`
 * implements it with `@gatehouse/sdk`; the rest of the widget knows nothing else.
 */
export interface WidgetClient {
  /** Starts a new interaction (PKCE, `/v1/interact`, `/introspect`) and saves it. */
  start(flow: FlowName): Promise<IdxReply>;
  /** Whether a transaction with an interaction handle is saved for `state` (this browser, any tab). */
  hasSavedTransaction(state: string): boolean;
  /** Continues the transaction saved for `state` (introspect by interaction handle). */
  resume(state: string): Promise<IdxReply>;
  /** Answers a remediation of the current step with wire values (`{credentials: {passcode}}`). */
  submit(step: string, values: Record<string, unknown>): Promise<IdxReply>;
  /** Runs an action of the current step. */
  action(name: ActionName): Promise<IdxReply>;
  /** Cancels the current transaction at the server (best effort) and forgets it. */
  cancel(): Promise<void>;
  /** Exchanges the interaction code for tokens (PKCE verifier from the saved transaction). */
  exchange(interactionCode: string): Promise<SignInResult>;
  /** `{redirectUri}?interaction_code=…&state=…` for `showSignInAndRedirect()`. */
  redirectUrl(interactionCode: string): string;
  /** Forgets the current transaction. */
  clear(): void;
}
