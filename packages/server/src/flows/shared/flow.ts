import type { Answer } from '../../authenticators/authenticator.js';
import type { RequestInfo } from '../../request-info.js';
import type { FlowName } from '../../storage/transactions-store.js';
import type { FlowOutcome } from './flow-outcome.js';
import type { FlowState } from './flow-state.js';
import type { FlowView } from './flow-view.js';

/** The steps a transaction moves through; each flow uses some of them. */
export const Step = {
  identify: 'identify',
  select: 'select',
  challenge: 'challenge',
  reset: 'reset',
  profile: 'profile',
  enrollSelect: 'enroll-select',
  enroll: 'enroll',
  unlock: 'unlock',
  unlocked: 'unlocked',
  complete: 'complete',
} as const;
export type StepName = (typeof Step)[keyof typeof Step];

/** What a client can ask a flow to do at a step. */
export type FlowAction = 'identify' | 'select' | 'answer' | 'resend' | 'profile' | 'skip';

/** The authenticator chosen (registry key; null: one the server does not know), and for an unlock, who. */
export interface SelectInput {
  key: string | null;
  identifier?: string | undefined;
}

/** Sign-up values by profile attribute; what a client sends (strings, booleans) is checked by the flow. */
export type ProfileInput = Record<string, unknown>;

export interface IdentifyInput {
  identifier: string;
  /** The answer asked together with the identifier (one-step sign-in), when the form has one. */
  answer?: string | undefined;
  /** "Keep me signed in": a hosted sign-in's SSO session lasts longer (ADR 0012). */
  rememberMe?: boolean | undefined;
}

/**
 * The contract of a flow (what the user is doing: signing in, recovering a password). A flow owns
 * the transaction's state and moves it between steps; it proves nothing itself, it asks
 * authenticators from the registry. It answers in outcomes, never in wire shapes or statuses.
 */
export interface Flow {
  readonly name: FlowName;
  /** Whether the flow accepts `action` at `step`; the engine refuses the rest before calling it. */
  allows(step: string, action: FlowAction): boolean;
  /** What the transaction shows at its current step (the engine adds what else is on offer there). */
  view(state: FlowState): Promise<Omit<FlowView, 'offers'>>;
  identify(state: FlowState, input: IdentifyInput, request: RequestInfo): Promise<FlowOutcome>;
  /** The user picks the authenticator to prove or set up. */
  select(state: FlowState, input: SelectInput, request: RequestInfo): Promise<FlowOutcome>;
  answer(state: FlowState, answer: Answer, request: RequestInfo): Promise<FlowOutcome>;
  resend(state: FlowState, request: RequestInfo): Promise<FlowOutcome>;
  /** Sign-up: the profile form. */
  profile?(state: FlowState, values: ProfileInput, request: RequestInfo): Promise<FlowOutcome>;
  /** Leaves the optional set-ups out. */
  skip?(state: FlowState): Promise<FlowOutcome>;
  /** Takes over a transaction of another flow (a "forgot password?" from sign-in); absent: cannot be entered. */
  enter?(state: FlowState): Promise<FlowOutcome>;
  /** Whether this flow may be entered from `state` (the offer shown to the user there). */
  offeredFrom?(state: FlowState): boolean;
}
