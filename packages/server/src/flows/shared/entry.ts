import type { FlowName } from '../../storage/transactions-store.js';
import type { StepName } from './flow.js';
import { Step } from './flow.js';
import { type FlowOutcome, next } from './flow-outcome.js';
import { anonymous, type FlowState } from './flow-state.js';
import type { TransactionWriter } from './transaction-writer.js';

/** Whether the transaction is live at `step` of `flow` (where another flow may be offered). */
export function isAt(state: FlowState, flow: FlowName, step: StepName): boolean {
  const { transaction } = state;
  return transaction.status === 'active' && transaction.flow === flow && transaction.step === step;
}

/** A sign-in's identify form: where sign-up and unlock are offered. */
export function atSignInIdentify(state: FlowState): boolean {
  return isAt(state, 'sign-in', Step.identify);
}

/** The transaction moves to `step` of `flow` with nobody identified and nothing proven. */
export async function startOver(
  writer: TransactionWriter,
  state: FlowState,
  flow: FlowName,
  step: StepName,
): Promise<FlowOutcome> {
  const moved = await writer.update(state, {
    flow,
    step,
    userId: null,
    identifier: null,
    authenticatorKey: null,
    verified: [],
  });
  return next(anonymous(moved));
}
