import type { Answer, Authenticator } from '../../authenticators/authenticator.js';
import { EngineError } from '../../errors.js';
import { loginKey } from '../../identity/users.js';
import type { RequestInfo } from '../../request-info.js';
import type { ChallengeSteps } from '../shared/challenge-steps.js';
import { choiceOf, shownUser } from '../shared/choices.js';
import type { EnrollmentOffer, EnrollmentSteps } from '../shared/enrollment-steps.js';
import { isAt, startOver } from '../shared/entry.js';
import { type Flow, type FlowAction, type IdentifyInput, type SelectInput, Step } from '../shared/flow.js';
import { type FlowOutcome, rejected } from '../shared/flow-outcome.js';
import type { FlowState, UserLookup } from '../shared/flow-state.js';
import { type FlowView, type StepView, terminalStep } from '../shared/flow-view.js';
import type { Progress } from '../shared/progress.js';
import type { Requirements } from '../shared/requirements.js';
import type { TransactionWriter } from '../shared/transaction-writer.js';

export interface SignInFlowDeps {
  lookup: UserLookup;
  writer: TransactionWriter;
  requirements: Requirements;
  steps: ChallengeSteps;
  enrollment: EnrollmentSteps;
  progress: Progress;
}

const ACTIONS: Readonly<Record<string, readonly FlowAction[]>> = {
  [Step.identify]: ['identify'],
  [Step.select]: ['select'],
  [Step.challenge]: ['select', 'answer', 'resend'],
  [Step.enrollSelect]: ['select', 'skip'],
  [Step.enroll]: ['select', 'answer', 'resend', 'skip'],
};

/**
 * Signing in: identify → (select → challenge)* → complete, as the app's policy requires. The
 * identify form also asks for the first authenticator when it needs no challenge (one-step). Once
 * the user proved something, a requirement they hold nothing for is set up on the way
 * (enroll-select → enroll); right after such a set-up the policy's other authenticators are offered,
 * optionally.
 */
export class SignInFlow implements Flow {
  readonly name = 'sign-in';

  constructor(private readonly deps: SignInFlowDeps) {}

  allows(step: string, action: FlowAction): boolean {
    return ACTIONS[step]?.includes(action) ?? false;
  }

  async view(state: FlowState): Promise<Omit<FlowView, 'offers'>> {
    const recoverable = this.deps.requirements.recoverable(state.app.policy);
    const step = terminalStep(state.transaction) ?? (await this.step(state));
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

  private async step(state: FlowState): Promise<StepView> {
    switch (state.transaction.step) {
      case Step.identify: {
        const asked = this.deps.requirements.withIdentifier(state.app.policy);
        return { name: 'identify', withIdentifier: asked ? choiceOf(asked, state) : null };
      }
      case Step.select:
        return { name: 'select', options: this.offered(state).map((a) => choiceOf(a, state)) };
      case Step.challenge:
        return this.deps.steps.view(state, this.offered(state), 'sign-in');
      case Step.enrollSelect:
      case Step.enroll:
        return this.deps.enrollment.view(state, this.offer(state), 'sign-in');
      default:
        throw new EngineError('FLOW_EXPIRED', { detail: `A sign-in has no step ${state.transaction.step}.` });
    }
  }

  async identify(state: FlowState, input: IdentifyInput, request: RequestInfo): Promise<FlowOutcome> {
    const { user, held } = await this.deps.lookup.byLoginKey(loginKey(input.identifier));
    const rememberMe = input.rememberMe === true;
    const identified: FlowState = {
      ...state,
      user,
      held,
      transaction: {
        ...state.transaction,
        userId: user?.id ?? null,
        identifier: input.identifier,
        rememberMe,
      },
    };
    const asked = this.deps.requirements.withIdentifier(state.app.policy);
    if (!asked) return this.deps.progress.advance(identified, [], { rememberMe });
    if (!input.answer) throw new EngineError('INPUT_REQUIRED', { field: 'answer' });
    const context = this.deps.steps.context(identified, 'sign-in', request);
    const result = await asked.verifier.verify(context, input.answer);
    if (!result.ok) {
      // On the identify form a wrong answer reads the same as an unknown or locked account.
      const error =
        result.error.code === 'RATE_LIMITED' ? result.error : new EngineError('AUTHENTICATION_FAILED');
      return rejected(state, error);
    }
    return this.deps.progress.advance(identified, [asked.key], { rememberMe });
  }

  select(state: FlowState, input: SelectInput, request: RequestInfo): Promise<FlowOutcome> {
    if (this.enrolling(state))
      return this.deps.enrollment.select(state, input.key, this.offer(state), 'sign-in', request);
    return this.deps.steps.select(state, input.key, this.offered(state), 'sign-in', request);
  }

  answer(state: FlowState, answer: Answer, request: RequestInfo): Promise<FlowOutcome> {
    if (this.enrolling(state))
      return this.deps.enrollment.answer(state, answer, 'sign-in', request, (set, authenticator) =>
        this.afterEnrollment(set, authenticator),
      );
    return this.deps.steps.answer(state, answer, 'sign-in', request, (proven, authenticator) =>
      this.deps.progress.advance(proven, [...proven.transaction.verified, authenticator.key]),
    );
  }

  resend(state: FlowState, request: RequestInfo): Promise<FlowOutcome> {
    return this.deps.steps.resend(state, 'sign-in', request);
  }

  /** Leaves the optional set-ups out: signed in with what was proven. */
  async skip(state: FlowState): Promise<FlowOutcome> {
    if (!this.offer(state).optional)
      throw new EngineError('STEP_NOT_ALLOWED', { detail: 'What is left to set up is required.' });
    return this.deps.progress.complete(state, state.transaction.verified);
  }

  /**
   * A set-up proves the authenticator too. On to what the policy still needs; with nothing left,
   * the policy's other authenticators are offered (optional) before the sign-in completes.
   */
  private async afterEnrollment(state: FlowState, authenticator: Authenticator): Promise<FlowOutcome> {
    const refreshed: FlowState = { ...state, held: await this.deps.lookup.held(state.user) };
    const proven = [...refreshed.transaction.verified, authenticator.key];
    const { requirements } = this.deps;
    if (requirements.pending(refreshed.app.policy, proven).length > 0)
      return this.deps.progress.advance(refreshed, proven);
    if (
      refreshed.user &&
      requirements.optional(refreshed.app.policy, refreshed.user, refreshed.held).length > 0
    )
      return this.deps.enrollment.choose(refreshed, proven);
    return this.deps.progress.complete(refreshed, proven);
  }

  private enrolling(state: FlowState): boolean {
    const { step } = state.transaction;
    return step === Step.enrollSelect || step === Step.enroll;
  }

  /**
   * What is left to prove, each a choice: before any proof all of it (held or not, so accounts
   * cannot be told apart), after one only what the user holds.
   */
  private offered(state: FlowState): Authenticator[] {
    const { requirements } = this.deps;
    const { verified } = state.transaction;
    if (verified.length === 0 || !state.user) return requirements.pending(state.app.policy, verified);
    return requirements.held(state.app.policy, verified, state.user, state.held);
  }

  /** What to set up: what a requirement needs and the user lacks, or else (optional) the policy's others. */
  private offer(state: FlowState): EnrollmentOffer {
    const { user } = state;
    if (!user) throw new EngineError('STEP_NOT_ALLOWED');
    const { requirements } = this.deps;
    const { policy } = state.app;
    const enrolled = requirements.enrolled(user, state.held);
    const required = requirements.toEnroll(policy, state.transaction.verified, user, state.held);
    if (required.length > 0) return { options: required, optional: false, enrolled };
    return { options: requirements.optional(policy, user, state.held), optional: true, enrolled };
  }
}
