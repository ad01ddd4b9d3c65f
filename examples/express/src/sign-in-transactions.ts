/**
 * What the sample keeps about sign-ins besides the SDK's own transactions. The SDK starts each
 * interaction on the server (`idx.start()`: `/v1/interact` with PKCE and a nonce) and saves its meta —
 * state, verifier, nonce, interaction handle — in the user's session through `serverSessionStorage`
 * (docs/protocol/idx-protocol.md §8.6): the session holding a transaction for a `state` is what "same
 * browser" means for magic links (docs/security.md F2), and the verifier never reaches the browser. Here:
 * the formats checked before a link's values are used, and the magic link waiting for the /login page.
 */
export type WidgetFlow = 'default' | 'resetPassword';

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

/** The SDK's flow for the widget's. */
export const SDK_FLOW = { default: 'default', resetPassword: 'recoverPassword' } as const;
