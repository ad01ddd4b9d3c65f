/**
 * What the sample keeps about sign-ins besides the SDK's own transactions. The SDK starts each
 * interaction on the server (`idx.start()`: `/v1/interact` with PKCE and a nonce) and saves its meta —
 * state, verifier, nonce, interaction handle — in the user's session through `serverSessionStorage`
 * (docs/protocol/idx-protocol.md §8.6): the session holding a transaction for a `state` is what "same
 * browser" means for magic links (docs/security.md F2), and the verifier never reaches the browser. Here:
 * the formats checked before a link's values are used, and the magic link waiting for the /login page.
 */
/**
 * The widget's `flow` option: what the page opens on (packages/widget/README.md, options table;
 * `signup` and `unlockAccount` only when the app's policy offers them, docs/guides/registration.md
 * and docs/guides/account-unlock.md).
 */
export type WidgetFlow = 'default' | 'resetPassword' | 'signup' | 'unlockAccount';

declare module 'express-session' {
  interface SessionData {
    /**
     * A sign-in of this session to continue on the next /login page: a magic link opened in this
     * browser (`otp`), or an `interaction_required` redirect.
     */
    resumeSignIn?: { state: string; otp?: string };
  }
}

/** Formats accepted before a value is used at all (docs/security.md F6). */
export const OTP_PATTERN = /^\d{6}$/;
export const STATE_PATTERN = /^[A-Za-z0-9_-]{22,128}$/;

/** The SDK's flow for the widget's (saved with the transaction, so a magic link reopens the same one). */
export const SDK_FLOW = {
  default: 'default',
  resetPassword: 'recoverPassword',
  signup: 'register',
  unlockAccount: 'unlockAccount',
} as const;

/** The widget's flow for a saved SDK transaction's. */
export function widgetFlowOf(sdkFlow: string | undefined): WidgetFlow {
  const found = (Object.keys(SDK_FLOW) as WidgetFlow[]).find((flow) => SDK_FLOW[flow] === sdkFlow);
  return found ?? 'default';
}
