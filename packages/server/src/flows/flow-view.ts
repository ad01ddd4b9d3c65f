import type { IdxErrorId } from '@gatehouse/protocol';
import type { Enrollment } from '../authenticators/authenticator.js';
import type { App } from '../storage/apps-store.js';
import type { Transaction } from '../storage/transactions-store.js';

/** An authenticator as the user may choose or answer it. */
export interface AuthenticatorChoice {
  type: string;
  id: string;
  displayName: string;
  enrollment: Enrollment;
  /** The challenge can be sent again (a `resend` action is offered). */
  canResend: boolean;
  /** Clients should poll the challenge at this interval; null: no polling. */
  pollIntervalMs: number | null;
}

export type StepView =
  | { name: 'identify'; withPassword: boolean; recoverable: boolean }
  | { name: 'select-authenticator'; options: AuthenticatorChoice[] }
  | {
      name: 'challenge';
      authenticator: AuthenticatorChoice;
      others: AuthenticatorChoice[];
      recoverable: boolean;
    }
  | { name: 'reset-password'; complexity: PasswordComplexity }
  | { name: 'success'; interactionCode: string }
  | { name: 'terminal' };

/** The password rules shown on the new-password form. */
export interface PasswordComplexity {
  minLength: number;
  minLowerCase: number;
  minUpperCase: number;
  minNumber: number;
  minSymbol: number;
  excludeUsername: boolean;
  excludeAttributes: string[];
  historyCount: number;
}

export interface FlowMessage {
  id: IdxErrorId;
  params?: string[] | undefined;
  /** Dotted path of the form field the message belongs to; top-level when absent. */
  field?: string | undefined;
}

/** What the user should see next; the IDX serializer turns it into the wire envelope. */
export interface FlowView {
  transaction: Transaction;
  stateHandle: string;
  app: App;
  /** The user being signed in as shown to the client (an unknown identifier gets a derived id). */
  user: { id: string; identifier: string } | null;
  step: StepView;
  messages: FlowMessage[];
  status: number;
  /** Seconds a throttled client should wait (sent as `Retry-After`). */
  retryAfterSeconds?: number | undefined;
}
