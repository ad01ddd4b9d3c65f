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
  complete: 'complete',
} as const;
export type StepName = (typeof Step)[keyof typeof Step];

/** What a client can ask a flow to do at a step. */
export type FlowAction = 'identify' | 'select' | 'answer' | 'resend';

export interface IdentifyInput {
  identifier: string;
  /** The answer asked together with the identifier (one-step sign-in), when the form has one. */
  answer?: string | undefined;
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
  /** What the transaction shows at its current step. */
  view(state: FlowState): FlowView;
  identify(state: FlowState, input: IdentifyInput, request: RequestInfo): Promise<FlowOutcome>;
  /** The user picks the authenticator (registry key) to prove; null: one the server does not know. */
  select(state: FlowState, key: string | null, request: RequestInfo): Promise<FlowOutcome>;
  answer(state: FlowState, answer: string, request: RequestInfo): Promise<FlowOutcome>;
  resend(state: FlowState, request: RequestInfo): Promise<FlowOutcome>;
  /** Takes over a transaction of another flow (a "forgot password?" from sign-in); absent: cannot be entered. */
  enter?(state: FlowState): Promise<FlowOutcome>;
}
