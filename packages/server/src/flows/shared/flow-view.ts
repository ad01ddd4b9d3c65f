import type {
  AnswerKind,
  Enrollment,
  Presentation,
  SecretRules,
} from '../../authenticators/authenticator.js';
import type { FlowNotice } from '../../errors.js';
import type { ProfileAttribute } from '../../storage/apps-store.js';
import type { FlowName, Transaction } from '../../storage/transactions-store.js';

/** An authenticator as the user may choose or answer it. */
export interface AuthenticatorChoice {
  key: string;
  displayName: string;
  enrollment: Enrollment;
  answer: AnswerKind;
  resendable: boolean;
  /** Clients should poll the challenge at this interval; null: no polling. */
  pollIntervalMs: number | null;
}

/** The step to show, in the engine's words; the protocol edge decides how it reads on the wire. */
export type StepView =
  | {
      name: 'identify';
      /** Asked on the same form as the identifier (one-step sign-in); null: the identifier alone. */
      withIdentifier: AuthenticatorChoice | null;
    }
  | { name: 'select'; options: AuthenticatorChoice[] }
  | {
      name: 'challenge';
      authenticator: AuthenticatorChoice;
      others: AuthenticatorChoice[];
      /** What the client needs to answer (WebAuthn options, …); null: nothing. */
      presentation: Presentation | null;
    }
  | { name: 'reset'; authenticator: AuthenticatorChoice; rules: SecretRules | null }
  /** Sign-up: the profile form. */
  | { name: 'profile'; attributes: ProfileAttribute[] }
  /**
   * Choose what to set up next (`options`), with what is set up already (`enrolled`); `optional`:
   * everything left may be skipped. At sign-up, or in a sign-in that needs what the user lacks.
   */
  | {
      name: 'enroll-select';
      options: AuthenticatorChoice[];
      enrolled: AuthenticatorChoice[];
      optional: boolean;
    }
  /** Set one authenticator up (prove the address, choose the password, scan a QR code, make a passkey). */
  | {
      name: 'enroll';
      authenticator: AuthenticatorChoice;
      rules: SecretRules | null;
      /** The other choices, to go back to. */
      others: AuthenticatorChoice[];
      enrolled: AuthenticatorChoice[];
      optional: boolean;
      /** What the client needs to set it up (a QR code and secret, WebAuthn options); null: nothing. */
      presentation: Presentation | null;
    }
  /** Unlock: who, and how they prove it. */
  | { name: 'unlock'; options: AuthenticatorChoice[] }
  /** Unlock: done, the account is unlocked. */
  | { name: 'unlocked' }
  /** Another tab or client finished the transaction. */
  | { name: 'continued-elsewhere' }
  /** Nothing more can happen in this transaction (it failed). */
  | { name: 'ended' };

/** The user being signed in, as shown to the client. */
export interface ShownUser {
  /** The user's id; for an identifier that matched no account, a derived id of the same shape. */
  id: string;
  identifier: string;
}

export interface FlowView {
  flow: FlowName;
  step: StepView;
  user: ShownUser | null;
  /** The flows the user may turn to from this step (a "forgot password?", a sign-up, an unlock, back to sign in). */
  offers: FlowName[];
  /** What a recovery would reset ("forgot your password?"), when the app has one. */
  recoverable: AuthenticatorChoice | null;
  /** During a recovery: the authenticator being recovered. */
  recovering: AuthenticatorChoice | null;
  /** Something to tell the user beside the step. */
  notice?: FlowNotice | undefined;
}

/** The step of a transaction that is over: finished elsewhere, or failed. null while it is active. */
export function terminalStep(transaction: Transaction): StepView | null {
  if (transaction.status === 'completed') return { name: 'continued-elsewhere' };
  if (transaction.status !== 'active') return { name: 'ended' };
  return null;
}
