import type { IdxError } from '../errors.js';
import type { App } from '../storage/apps-store.js';
import type { Transaction } from '../storage/transactions-store.js';
import type { User } from '../storage/users-store.js';

/** What an authenticator is told about the request it serves. */
export interface AuthenticatorContext {
  transaction: Transaction;
  app: App;
  /** null when the identifier matched no user: the authenticator must then answer as for a real one. */
  user: User | null;
  identifier: string;
  ip: string | null;
  userAgent: string | null;
  /** Preferred locale of the request (Accept-Language), for emails. */
  locale: string;
}

/** A user's enrolment of an authenticator, as shown to the client. */
export interface Enrollment {
  id: string;
  /** Display-safe profile (e.g. the masked email address). */
  profile?: Record<string, string>;
}

export type VerifyOutcome =
  | { ok: true }
  | {
      ok: false;
      error: IdxError;
      /** The form field the message belongs to (top-level when absent). */
      field?: string;
      /** The challenge is over (too many attempts): the transaction ends. */
      fatal?: boolean;
    };

/**
 * How a user proves who they are (a strategy). Flows ask it to challenge and verify; it owns its
 * credentials and never changes the flow's state itself.
 */
export interface Authenticator {
  /** Domain type, also the `amr`-ish name recorded on the transaction: `password`, `email`. */
  readonly type: string;
  /** Authentication method reference recorded in the ID token (`pwd`, `email`, …). */
  readonly amr: string;
  /** Stable authenticator id sent to clients and posted back by them. */
  readonly id: string;
  readonly displayName: string;
  /** The user's enrolment; for an unknown user a plausible one derived from the identifier. */
  enrollment(user: User | null, identifier: string): Enrollment;
  /** Starts a challenge (sends a code, …); a no-op for knowledge factors. */
  challenge(ctx: AuthenticatorContext): Promise<void>;
  /** Checks the answer. Never reveals whether the user exists. */
  verify(ctx: AuthenticatorContext, passcode: string): Promise<VerifyOutcome>;
  /** Sends the challenge again (absent for factors with nothing to send). */
  resend?(ctx: AuthenticatorContext): Promise<void>;
  /** When set, clients poll the challenge at this interval (ms) to learn another tab finished. */
  readonly pollIntervalMs?: number;
}
