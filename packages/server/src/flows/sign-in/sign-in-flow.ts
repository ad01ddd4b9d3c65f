import { EngineError } from '../../errors.js';
import { loginKey } from '../../identity/users.js';
import type { RequestInfo } from '../../request-info.js';
import type { UsersStore } from '../../storage/users-store.js';
import type { ChallengeSteps } from '../shared/challenge-steps.js';
import { choiceOf, shownUser } from '../shared/choices.js';
import { isAt, startOver } from '../shared/entry.js';
import { type Flow, type FlowAction, type IdentifyInput, type SelectInput, Step } from '../shared/flow.js';
import { type FlowOutcome, rejected } from '../shared/flow-outcome.js';
import type { FlowState } from '../shared/flow-state.js';
import { type FlowView, type StepView, terminalStep } from '../shared/flow-view.js';
import type { Progress } from '../shared/progress.js';
import type { Requirements } from '../shared/requirements.js';
import type { TransactionWriter } from '../shared/transaction-writer.js';

export interface SignInFlowDeps {
  users: UsersStore;
  writer: TransactionWriter;
  requirements: Requirements;
  steps: ChallengeSteps;
  progress: Progress;
}

const ACTIONS: Readonly<Record<string, readonly FlowAction[]>> = {
  [Step.identify]: ['identify'],
  [Step.select]: ['select'],
  [Step.challenge]: ['select', 'answer', 'resend'],
};

/**
 * Signing in: identify → (select → challenge)* → complete, as the app's policy requires. The
 * identify form also asks for the first authenticator when it needs no challenge (one-step).
 */
export class SignInFlow implements Flow {
  readonly name = 'sign-in';

  constructor(private readonly deps: SignInFlowDeps) {}

  allows(step: string, action: FlowAction): boolean {
    return ACTIONS[step]?.includes(action) ?? false;
  }

  view(state: FlowState): Omit<FlowView, 'offers'> {
    const recoverable = this.deps.requirements.recoverable(state.app.policy);
    const step = terminalStep(state.transaction) ?? this.step(state);
    // "Forgot?" is offered on the identify form and at the challenge of what can be recovered.
    const recoverHere =
      step.name === 'identify' || (step.name === 'challenge' && step.authenticator.key === recoverable?.key);
    return {
      flow: this.name,
      step,
      user: shownUser(state),
      recoverable: recoverable && recoverHere ? choiceOf(recoverable, state) : null,
      recovering: null,
    };
  }

  /** Back to signing in from a sign-up's profile form ("Already have an account?"). */
  offeredFrom(state: FlowState): boolean {
    return isAt(state, 'registration', Step.profile);
  }

  enter(state: FlowState): Promise<FlowOutcome> {
    if (!this.offeredFrom(state)) throw new EngineError('STEP_NOT_ALLOWED');
    return startOver(this.deps.writer, state, this.name, Step.identify);
  }

  private step(state: FlowState): StepView {
    switch (state.transaction.step) {
      case Step.identify: {
        const asked = this.deps.requirements.withIdentifier(state.app.policy);
        return { name: 'identify', withIdentifier: asked ? choiceOf(asked, state) : null };
      }
      case Step.select:
        return { name: 'select', options: this.offered(state).map((a) => choiceOf(a, state)) };
      case Step.challenge:
        return this.deps.steps.view(state, this.offered(state));
      default:
        throw new EngineError('FLOW_EXPIRED', { detail: `A sign-in has no step ${state.transaction.step}.` });
    }
  }

  async identify(state: FlowState, input: IdentifyInput, request: RequestInfo): Promise<FlowOutcome> {
    const user = await this.deps.users.findByLoginKey(loginKey(input.identifier));
    const identified: FlowState = {
      ...state,
      user,
      transaction: { ...state.transaction, userId: user?.id ?? null, identifier: input.identifier },
    };
    const asked = this.deps.requirements.withIdentifier(state.app.policy);
    if (!asked) return this.deps.progress.advance(identified, []);
    if (!input.answer) throw new EngineError('INPUT_REQUIRED', { field: 'answer' });
    const context = this.deps.steps.context(identified, 'sign-in', request);
    const result = await asked.verifier.verify(context, input.answer);
    if (!result.ok) {
      // On the identify form a wrong answer reads the same as an unknown or locked account.
      const error =
        result.error.code === 'RATE_LIMITED' ? result.error : new EngineError('AUTHENTICATION_FAILED');
      return rejected(state, error);
    }
    return this.deps.progress.advance(identified, [asked.key]);
  }

  select(state: FlowState, input: SelectInput, request: RequestInfo): Promise<FlowOutcome> {
    return this.deps.steps.select(state, input.key, this.offered(state), 'sign-in', request);
  }

  answer(state: FlowState, answer: string, request: RequestInfo): Promise<FlowOutcome> {
    return this.deps.steps.answer(state, answer, 'sign-in', request, (proven, authenticator) =>
      this.deps.progress.advance(proven, [...proven.transaction.verified, authenticator.key]),
    );
  }

  resend(state: FlowState, request: RequestInfo): Promise<FlowOutcome> {
    return this.deps.steps.resend(state, 'sign-in', request);
  }

  /** What is left to prove, each a choice. */
  private offered(state: FlowState) {
    return this.deps.requirements.pending(state.app.policy, state.transaction.verified);
  }
}
