import type { AuthenticatorRegistry } from '../../authenticators/registry.js';
import type { Clock } from '../../clock.js';
import { EngineError } from '../../errors.js';
import type { TransactionPatch } from '../../storage/transactions-store.js';
import { Step } from './flow.js';
import type { FlowOutcome } from './flow-outcome.js';
import type { FlowState } from './flow-state.js';
import type { Requirements } from './requirements.js';
import type { TransactionWriter } from './transaction-writer.js';

export interface ProgressDeps {
  registry: AuthenticatorRegistry;
  requirements: Requirements;
  writer: TransactionWriter;
  clock: Clock;
}

/** After a proof: on to what the app's sign-in policy still requires, or the sign-in is complete. */
export class Progress {
  constructor(private readonly deps: ProgressDeps) {}

  /**
   * `proven` is every authenticator key proven so far; `patch` what else the step changes (it is
   * written with the move, in one update). On to choosing what to prove next; or, once something is
   * proven, to setting up what the policy needs and the user lacks; or complete.
   */
  async advance(state: FlowState, proven: string[], patch: TransactionPatch = {}): Promise<FlowOutcome> {
    const { requirements, writer } = this.deps;
    const pending = requirements.pending(state.app.policy, proven);
    if (pending.length === 0)
      return this.complete({ ...state, transaction: { ...state.transaction, ...patch } }, proven);
    // Before a proof every pending authenticator is offered, held or not: nothing may tell accounts
    // apart. After one, a requirement the user holds nothing for is set up first.
    const { user } = state;
    const enroll =
      user !== null &&
      proven.length > 0 &&
      requirements.toEnroll(state.app.policy, proven, user, state.held).length > 0;
    const { userId, identifier } = state.transaction;
    const moved = await writer.update(state, {
      userId,
      identifier,
      ...patch,
      verified: proven,
      step: enroll ? Step.enrollSelect : Step.select,
      authenticatorKey: null,
    });
    return { kind: 'next', state: moved };
  }

  /** The user proved everything; the transaction is returned as it completes, not yet written. */
  complete(state: FlowState, proven: string[]): FlowOutcome {
    const { user } = state;
    if (!user) throw new EngineError('STEP_NOT_ALLOWED');
    const transaction = {
      ...state.transaction,
      verified: proven,
      step: Step.complete,
      authenticatorKey: null,
    };
    const authenticators = [...new Set(proven)].map((key) => this.deps.registry.get(key));
    const amr = authenticators.map((a) => a.amr);
    // Two or more factors proven, not counting low-assurance ones (email): multiple-factor (RFC 8176).
    if (authenticators.filter((a) => !a.lowAssurance).length >= 2) amr.push('mfa');
    return {
      kind: 'completed',
      state: { ...state, transaction },
      authentication: { user, factors: proven, amr, at: this.deps.clock.now() },
    };
  }
}
