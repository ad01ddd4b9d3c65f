import type { Clock } from '../../clock.js';
import { EngineError } from '../../errors.js';
import type { TransactionPatch, TransactionsStore } from '../../storage/transactions-store.js';
import type { FlowState } from './flow-state.js';

export interface TransactionWriterDeps {
  transactions: TransactionsStore;
  clock: Clock;
}

/** Moves a transaction on, compare-and-set: of two requests racing on one step, one wins. */
export class TransactionWriter {
  constructor(private readonly deps: TransactionWriterDeps) {}

  async update(state: FlowState, patch: TransactionPatch): Promise<FlowState> {
    const updated = await this.deps.transactions.update(state.transaction, patch);
    if (!updated)
      throw new EngineError('STEP_NOT_ALLOWED', {
        detail: 'The transaction was changed by another request.',
      });
    return { ...state, transaction: updated };
  }

  /** Ends the transaction as failed: nothing more can happen in it. */
  fail(state: FlowState): Promise<FlowState> {
    return this.update(state, { status: 'failed', completedAt: this.deps.clock.now() });
  }
}
