import type { EngineError, FlowNotice } from '../../errors.js';
import type { User } from '../../storage/users-store.js';
import type { FlowState } from './flow-state.js';
import type { FlowView } from './flow-view.js';

/** Who signed in and how, once a flow is complete. */
export interface Authentication {
  user: User;
  /** Authenticator keys proven, in order. */
  factors: string[];
  /** Their authentication method references. */
  amr: string[];
  at: number;
}

/**
 * What a flow's step ends in. `next`: the transaction moved on (or stayed) and shows its current
 * step. `rejected`: the step refused the input; the transaction shows its current step (the same
 * form again, or nothing more once it failed) with the error. `completed`: the user is signed in;
 * `state.transaction` is the transaction as it completes, for the edge to persist together with
 * what it hands out (an interaction code) in one commit.
 */
export type FlowOutcome =
  | { kind: 'next'; state: FlowState; notice?: FlowNotice | undefined }
  | { kind: 'rejected'; state: FlowState; error: EngineError }
  | { kind: 'completed'; state: FlowState; authentication: Authentication };

/** An outcome with the view of the state it left, as the engine hands it to a protocol edge. */
export type FlowResult =
  | { kind: 'next'; state: FlowState; view: FlowView }
  | { kind: 'rejected'; state: FlowState; view: FlowView; error: EngineError }
  | { kind: 'completed'; state: FlowState; authentication: Authentication };

export function next(state: FlowState, notice?: FlowNotice): FlowOutcome {
  return notice ? { kind: 'next', state, notice } : { kind: 'next', state };
}

export function rejected(state: FlowState, error: EngineError): FlowOutcome {
  return { kind: 'rejected', state, error };
}
