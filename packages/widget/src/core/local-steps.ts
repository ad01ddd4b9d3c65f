/**
 * Steps the widget tells apart or makes itself: the identity of a step ("is this the same
 * screen?") and the envelopes of pages no server sent (an invalid link, the code to type in the
 * original tab, a network error).
 */
import type { EnvelopeMessage, IdxMessageClass, IdxResponse } from '@gatehouse/protocol';
import type { Step } from './step.js';

export const SESSION_EXPIRED_KEY = 'idx.session.expired';
export const OTP_IN_ORIGINAL_TAB_KEY = 'idx.enter.otp.in.original.tab';
export const LINK_INVALID_KEY = 'gh.link.invalid';

/** A terminal envelope with one message, for a page the widget shows on its own. */
export const localEnvelope = (
  key: string,
  message: string,
  params: unknown[] = [],
  level: IdxMessageClass = 'ERROR',
): IdxResponse => ({
  version: '1.0.0',
  messages: { type: 'array', value: [{ message, i18n: { key, params }, class: level }] },
});

/** The identity of a step for "is this the same screen?" (poll answers, resend, errors). */
export function stepIdentity(step: Step): string {
  const first = step.remediations[0];
  if (step.interactionCode) return 'success';
  if (!first) return `terminal:${step.messages.map((m) => m.key).join(',')}`;
  const key = first.authenticator?.key ?? step.authenticator?.key ?? '';
  return `${first.name}:${key}:${step.recovery ? 'recovery' : ''}`;
}

/** A message of the widget's own (not from the server), shown like a server's. */
const localMessage = (key: string, message: string, level: EnvelopeMessage['level']): EnvelopeMessage => ({
  message,
  key,
  params: [],
  level,
});

export const resentMessage = () => localMessage('gh.email.resent', 'We sent a new email.', 'info');

/** The flows the server may not offer for an app, with what the widget says then (English fallback). */
const UNAVAILABLE = {
  resetPassword: ['gh.error.reset.unavailable', 'Password reset is not available here.'],
  signup: ['gh.error.signup.unavailable', 'Sign-up is not available here.'],
  unlockAccount: ['gh.error.unlock.unavailable', 'Account unlock is not available here.'],
} as const;

/** The flow the page asked for is not offered by the server: the sign-in form says so. */
export function flowUnavailableMessage(flow: keyof typeof UNAVAILABLE): EnvelopeMessage {
  const [key, text] = UNAVAILABLE[flow];
  return localMessage(key, text, 'warning');
}

/** What the user sees when a request fails: a network error, else a generic one (the developer gets the reason). */
export function errorMessage(error: unknown): EnvelopeMessage {
  if (error instanceof TypeError) return localMessage('gh.error.network', 'Network error', 'error');
  console.error('SignInWidget:', error);
  const text = error instanceof Error ? error.message : String(error);
  return localMessage('gh.error.unexpected', text, 'error');
}
