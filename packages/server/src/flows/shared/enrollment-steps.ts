import type { Answer, Authenticator, ChallengePurpose } from '../../authenticators/authenticator.js';
import type { AuthenticatorRegistry } from '../../authenticators/registry.js';
import { EngineError } from '../../errors.js';
import type { RequestInfo } from '../../request-info.js';
import type { ChallengeSteps } from './challenge-steps.js';
import { presentationContext } from './challenge-steps.js';
import { choiceOf } from './choices.js';
import { Step } from './flow.js';
import { type FlowOutcome, next, rejected } from './flow-outcome.js';
import type { FlowState } from './flow-state.js';
import type { StepView } from './flow-view.js';
import type { TransactionWriter } from './transaction-writer.js';

export interface EnrollmentStepsDeps {
  registry: AuthenticatorRegistry;
  writer: TransactionWriter;
  steps: ChallengeSteps;
}

/** What may be set up at an enrollment step, as the flow decides it. */
export interface EnrollmentOffer {
  options: Authenticator[];
  /** Everything in `options` may be skipped. */
  optional: boolean;
  /** What the user has set up already (shown beside the options). */
  enrolled: Authenticator[];
}

/**
 * Choose an authenticator to set up, set it up (the code that proves an address, a password, an
 * app's first code, a passkey), have its code sent again: the same at sign-up and in a sign-in
 * that needs what the user lacks. A flow says what is offered and what a set-up leads to.
 */
export class EnrollmentSteps {
  constructor(private readonly deps: EnrollmentStepsDeps) {}

  /** Starts setting up the chosen authenticator, which must be one of `offer.options`. */
  async select(
    state: FlowState,
    key: string | null,
    offer: EnrollmentOffer,
    purpose: ChallengePurpose,
    request: RequestInfo,
  ): Promise<FlowOutcome> {
    const authenticator = offer.options.find((a) => a.key === key);
    if (!authenticator?.enroller) throw new EngineError('AUTHENTICATOR_NOT_AVAILABLE');
    // Choosing the one being set up again starts it over (a new code, within the sender's throttle).
    const result = await authenticator.enroller.begin(this.deps.steps.context(state, purpose, request));
    if (!result.ok) return rejected(state, result.error);
    const moved = await this.deps.writer.update(state, {
      step: Step.enroll,
      authenticatorKey: authenticator.key,
    });
    return next(moved);
  }

  /** Sets the current authenticator up from the answer; a success goes to `enrolled`. */
  async answer(
    state: FlowState,
    answer: Answer,
    purpose: ChallengePurpose,
    request: RequestInfo,
    enrolled: (state: FlowState, authenticator: Authenticator) => Promise<FlowOutcome>,
  ): Promise<FlowOutcome> {
    const current = this.current(state);
    if (!current.enroller) throw new EngineError('STEP_NOT_ALLOWED');
    const result = await current.enroller.enroll(this.deps.steps.context(state, purpose, request), answer);
    if (result.ok) return enrolled(state, current);
    if (result.final) return rejected(await this.deps.writer.fail(state), result.error);
    return rejected(state, result.error);
  }

  /** Moves to choosing what to set up next, with `verified` as the transaction's proofs. */
  async choose(state: FlowState, verified: string[]): Promise<FlowOutcome> {
    const moved = await this.deps.writer.update(state, {
      step: Step.enrollSelect,
      authenticatorKey: null,
      verified,
    });
    return next(moved);
  }

  /** The step as shown: the list to choose from, or the authenticator being set up. */
  async view(state: FlowState, offer: EnrollmentOffer, purpose: ChallengePurpose): Promise<StepView> {
    const { options, optional } = offer;
    const enrolled = offer.enrolled.map((a) => choiceOf(a, state));
    if (state.transaction.step === Step.enrollSelect)
      return { name: 'enroll-select', options: options.map((a) => choiceOf(a, state)), enrolled, optional };
    const current = this.current(state);
    return {
      name: 'enroll',
      authenticator: choiceOf(current, state),
      rules: current.enroller?.rules ?? null,
      others: options.filter((a) => a.key !== current.key).map((a) => choiceOf(a, state)),
      enrolled,
      optional,
      presentation: (await current.presentation?.(presentationContext(state, purpose), 'enroll')) ?? null,
    };
  }

  /** The authenticator being set up. */
  current(state: FlowState): Authenticator {
    const key = state.transaction.authenticatorKey;
    const authenticator = key ? this.deps.registry.find(key) : null;
    if (!authenticator) throw new EngineError('STEP_NOT_ALLOWED');
    return authenticator;
  }
}
