/**
 * The server side of "remediation mode" (idx-protocol.md §8.6): the app makes the `state` and
 * the PKCE pair, keeps the verifier in the user's session, and gives the widget only the
 * challenge. The session holding a transaction for a `state` is what "same browser" means for
 * magic links (security F2); the verifier never reaches the browser.
 */
import { randomBytes } from 'node:crypto';
import { createPkce, SHARED_TRANSACTION_TTL_MS } from '@gatehouse/sdk';
import type { Session, SessionData } from 'express-session';

export type WidgetFlow = 'default' | 'resetPassword';

export interface PendingSignIn {
  state: string;
  codeVerifier: string;
  codeChallenge: string;
  flow: WidgetFlow;
  /** Epoch milliseconds. */
  createdAt: number;
}

declare module 'express-session' {
  interface SessionData {
    /** Sign-ins started in this browser, by `state`. */
    signIns?: Record<string, PendingSignIn>;
    /** A magic link opened in this browser, waiting for the /login page to hand it to the widget. */
    magicLink?: { state: string; otp: string };
  }
}

type AppSession = Session & Partial<SessionData>;

/** Formats accepted before a value is used at all (security F6). */
export const OTP_PATTERN = /^\d{6}$/;
export const STATE_PATTERN = /^[A-Za-z0-9_-]{22,128}$/;

/** Open sign-ins kept per session (a user reloading /login makes new ones; the oldest go). */
const MAX_PENDING = 5;

function pending(session: AppSession, now: number): Record<string, PendingSignIn> {
  const map: Record<string, PendingSignIn> = {};
  for (const [state, entry] of Object.entries(session.signIns ?? {}))
    if (entry && now - entry.createdAt <= SHARED_TRANSACTION_TTL_MS) map[state] = entry;
  return map;
}

/** Starts a sign-in: a fresh `state` (256 bits) and PKCE pair, saved in the session. */
export async function beginSignIn(
  session: AppSession,
  flow: WidgetFlow,
  now = Date.now(),
): Promise<PendingSignIn> {
  const { codeVerifier, codeChallenge } = await createPkce();
  const signIn: PendingSignIn = {
    state: randomBytes(32).toString('base64url'),
    codeVerifier,
    codeChallenge,
    flow,
    createdAt: now,
  };
  const kept = Object.values(pending(session, now))
    .sort((a, b) => b.createdAt - a.createdAt)
    .slice(0, MAX_PENDING - 1);
  session.signIns = Object.fromEntries([...kept, signIn].map((entry) => [entry.state, entry]));
  return signIn;
}

/** The sign-in this session started with `state` — the server's `canProceed({ state })`. */
export function findSignIn(session: AppSession, state: string, now = Date.now()): PendingSignIn | undefined {
  if (!STATE_PATTERN.test(state)) return undefined;
  const map = pending(session, now);
  return Object.hasOwn(map, state) ? map[state] : undefined;
}

export function forgetSignIn(session: AppSession, state: string): void {
  if (session.signIns && Object.hasOwn(session.signIns, state)) delete session.signIns[state];
}
