import type {
  Answer,
  Authenticator,
  AuthenticatorContext,
  ChallengePurpose,
  PresentationContext,
} from '../../authenticators/authenticator.js';
import type { AuthenticatorRegistry } from '../../authenticators/registry.js';
import { EngineError } from '../../errors.js';
import type { RequestInfo } from '../../request-info.js';
import type { TransactionPatch } from '../../storage/transactions-store.js';
import { choiceOf } from './choices.js';
import { Step } from './flow.js';
import { type FlowOutcome, next, rejected } from './flow-outcome.js';
import type { FlowState } from './flow-state.js';
import type { StepView } from './flow-view.js';
import type { TransactionWriter } from './transaction-writer.js';

export interface ChallengeStepsDeps {
  registry: AuthenticatorRegistry;
  writer: TransactionWriter;
}

/**
 * Choose an authenticator, answer its challenge, have it sent again: the same in every flow that
 * proves who the user is. A flow says which authenticators it offers and what a proof leads to.
 */
export class ChallengeSteps {
  constructor(private readonly deps: ChallengeStepsDeps) {}

  /**
   * Starts a challenge of the chosen authenticator, which must be one of `offered`. `patch` is
   * written with the move (who the user is, when the same form names them); `quiet`: nothing is
   * sent (the flow knows the user may not be reached here).
   */
  async select(
    state: FlowState,
    key: string | null,
    offered: Authenticator[],
    purpose: ChallengePurpose,
    request: RequestInfo,
    options: { patch?: TransactionPatch; quiet?: boolean } = {},
  ): Promise<FlowOutcome> {
    const authenticator = offered.find((a) => a.key === key);
    if (!authenticator) throw new EngineError('AUTHENTICATOR_NOT_AVAILABLE');
    // The current challenge is sent again with resend (throttled), not by choosing it once more.
    if (state.transaction.step === Step.challenge && state.transaction.authenticatorKey === key)
      throw new EngineError('STEP_NOT_ALLOWED', { detail: 'This authenticator is already challenged.' });
    const context = { ...this.context(state, purpose, request), quiet: options.quiet };
    const result = await authenticator.verifier.challenge(context);
    if (!result.ok) return rejected(state, result.error);
    const moved = await this.deps.writer.update(state, {
      ...options.patch,
      step: Step.challenge,
      authenticatorKey: authenticator.key,
    });
    return next(moved);
  }

  /**
   * Checks the answer to the current challenge. A proof goes to `proven`; the last wrong answer a
   * challenge allows ends the transaction.
   */
  async answer(
    state: FlowState,
    answer: Answer,
    purpose: ChallengePurpose,
    request: RequestInfo,
    proven: (state: FlowState, authenticator: Authenticator) => Promise<FlowOutcome>,
  ): Promise<FlowOutcome> {
    const authenticator = this.current(state);
    const result = await authenticator.verifier.verify(this.context(state, purpose, request), answer);
    if (result.ok) return proven(state, authenticator);
    if (result.final) return rejected(await this.deps.writer.fail(state), result.error);
    return rejected(state, result.error);
  }

  /** Sends the current challenge again, within the authenticator's throttle. */
  async resend(
    state: FlowState,
    purpose: ChallengePurpose,
    request: RequestInfo,
    options: { quiet?: boolean } = {},
  ): Promise<FlowOutcome> {
    const authenticator = this.current(state);
    if (!authenticator.verifier.resendable) throw new EngineError('STEP_NOT_ALLOWED');
    const context = { ...this.context(state, purpose, request), quiet: options.quiet };
    const result = await authenticator.verifier.resend(context);
    return result.ok ? next(state) : rejected(state, result.error);
  }

  /** The challenge as shown: the authenticator challenged, and the other `offered` ones to switch to. */
  async view(state: FlowState, offered: Authenticator[], purpose: ChallengePurpose): Promise<StepView> {
    const current = this.current(state);
    return {
      name: 'challenge',
      authenticator: choiceOf(current, state),
      others: offered.filter((a) => a.key !== current.key).map((a) => choiceOf(a, state)),
      presentation: (await current.presentation?.(presentationContext(state, purpose), 'challenge')) ?? null,
    };
  }

  /** The authenticator the transaction is challenging. */
  current(state: FlowState): Authenticator {
    const key = state.transaction.authenticatorKey;
    const authenticator = key ? this.deps.registry.find(key) : null;
    if (!authenticator) throw new EngineError('STEP_NOT_ALLOWED');
    return authenticator;
  }

  context(state: FlowState, purpose: ChallengePurpose, request: RequestInfo): AuthenticatorContext {
    return { ...presentationContext(state, purpose), request };
  }
}

/** What an authenticator is told about the transaction when its step is shown. */
export function presentationContext(state: FlowState, purpose: ChallengePurpose): PresentationContext {
  return {
    transaction: state.transaction,
    app: state.app,
    user: state.user,
    held: state.held,
    identifier: state.transaction.identifier ?? '',
    purpose,
  };
}
