import type { Answer, Authenticator } from '../../authenticators/authenticator.js';
import { EngineError } from '../../errors.js';
import type { AccountSessions } from '../../identity/account-sessions.js';
import { loginKey } from '../../identity/users.js';
import type { RequestInfo } from '../../request-info.js';
import type { ChallengeSteps } from '../shared/challenge-steps.js';
import { choiceOf, shownUser } from '../shared/choices.js';
import { type Flow, type FlowAction, type IdentifyInput, type SelectInput, Step } from '../shared/flow.js';
import { type FlowOutcome, next, rejected } from '../shared/flow-outcome.js';
import type { FlowState, UserLookup } from '../shared/flow-state.js';
import { type FlowView, type StepView, terminalStep } from '../shared/flow-view.js';
import type { Progress } from '../shared/progress.js';
import type { Requirements } from '../shared/requirements.js';
import type { TransactionWriter } from '../shared/transaction-writer.js';

export interface RecoveryFlowDeps {
  lookup: UserLookup;
  requirements: Requirements;
  steps: ChallengeSteps;
  progress: Progress;
  writer: TransactionWriter;
  sessions: AccountSessions;
}

const ACTIONS: Readonly<Record<string, readonly FlowAction[]>> = {
  [Step.identify]: ['identify'],
  [Step.select]: ['select'],
  [Step.challenge]: ['select', 'answer', 'resend'],
  [Step.reset]: ['answer'],
};

/**
 * Recovering what the user forgot (their password): identify → prove who they are with an
 * authenticator that serves recovery (email) → choose a new one → on to whatever else the app's
 * sign-in policy requires, or signed in. Entered from a sign-in ("Forgot password?").
 */
export class RecoveryFlow implements Flow {
  readonly name = 'recovery';

  constructor(private readonly deps: RecoveryFlowDeps) {}

  allows(step: string, action: FlowAction): boolean {
    return ACTIONS[step]?.includes(action) ?? false;
  }

  async view(state: FlowState): Promise<Omit<FlowView, 'offers'>> {
    const recovering = this.deps.requirements.recoverable(state.app.policy);
    return {
      flow: this.name,
      step: terminalStep(state.transaction) ?? (await this.step(state, recovering)),
      user: shownUser(state),
      recoverable: null,
      recovering: recovering ? choiceOf(recovering, state) : null,
    };
  }

  private async step(state: FlowState, recovering: Authenticator | null): Promise<StepView> {
    const proving = this.deps.requirements.provingRecovery();
    switch (state.transaction.step) {
      case Step.identify:
        return { name: 'identify', withIdentifier: null };
      case Step.select:
        return { name: 'select', options: proving.map((a) => choiceOf(a, state)) };
      case Step.challenge:
        return this.deps.steps.view(state, proving, 'recovery');
      case Step.reset:
        if (recovering?.enroller)
          return {
            name: 'reset',
            authenticator: choiceOf(recovering, state),
            rules: recovering.enroller.rules,
          };
        break;
    }
    throw new EngineError('FLOW_EXPIRED', { detail: `A recovery has no step ${state.transaction.step}.` });
  }

  /** "Forgot password?" on a sign-in's identify form, or at the challenge of what can be recovered. */
  async enter(state: FlowState): Promise<FlowOutcome> {
    const { transaction } = state;
    if (transaction.flow === this.name) throw new EngineError('STEP_NOT_ALLOWED');
    const recovering = this.deps.requirements.recoverable(state.app.policy);
    if (!recovering) throw new EngineError('RECOVERY_NOT_ALLOWED');
    const atChallenge =
      transaction.step === Step.challenge && transaction.authenticatorKey === recovering.key;
    if (transaction.step !== Step.identify && !atChallenge) throw new EngineError('STEP_NOT_ALLOWED');
    const entered = await this.deps.writer.update(state, {
      flow: this.name,
      // From the challenge the user is known: straight on to choosing how to prove who they are.
      step: atChallenge ? Step.select : Step.identify,
      authenticatorKey: null,
      verified: [],
    });
    return next(entered);
  }

  async identify(state: FlowState, input: IdentifyInput): Promise<FlowOutcome> {
    const { user, held } = await this.deps.lookup.byLoginKey(loginKey(input.identifier));
    const identified = await this.deps.writer.update(state, {
      userId: user?.id ?? null,
      identifier: input.identifier,
      verified: [],
      step: Step.select,
      authenticatorKey: null,
    });
    return next({ ...identified, user, held });
  }

  async select(state: FlowState, input: SelectInput, request: RequestInfo): Promise<FlowOutcome> {
    const proving = this.deps.requirements.provingRecovery();
    const outcome = await this.deps.steps.select(state, input.key, proving, 'recovery', request);
    if (outcome.kind === 'next' && state.user)
      await this.deps.sessions.endOtherRecoveries(state.user, state.transaction.id);
    return outcome;
  }

  answer(state: FlowState, answer: Answer, request: RequestInfo): Promise<FlowOutcome> {
    if (state.transaction.step === Step.reset) return this.reset(state, answer, request);
    return this.deps.steps.answer(state, answer, 'recovery', request, async (proven, authenticator) => {
      if (!proven.user) throw new EngineError('STEP_NOT_ALLOWED');
      const moved = await this.deps.writer.update(proven, {
        verified: [...proven.transaction.verified, authenticator.key],
        step: Step.reset,
        authenticatorKey: null,
      });
      return next(moved);
    });
  }

  resend(state: FlowState, request: RequestInfo): Promise<FlowOutcome> {
    return this.deps.steps.resend(state, 'recovery', request);
  }

  /** The new secret (policy and history checked), then on as the sign-in policy requires. */
  private async reset(state: FlowState, answer: Answer, request: RequestInfo): Promise<FlowOutcome> {
    const { requirements, writer, progress, sessions } = this.deps;
    const { user, transaction } = state;
    const recovering = requirements.recoverable(state.app.policy);
    const proof = transaction.verified.filter((key) =>
      requirements.provingRecovery().some((a) => a.key === key),
    );
    // An account suspended or locked by an administrator since the code was sent keeps its password.
    if (!user || user.status !== 'ACTIVE' || !recovering?.enroller || proof.length === 0)
      throw new EngineError('STEP_NOT_ALLOWED');
    // Claim the step first (its proof is withdrawn until the secret is set): of two concurrent
    // submissions only one may change it, the other finds no proof.
    const claimed = await writer.update(state, {
      verified: transaction.verified.filter((key) => !proof.includes(key)),
    });
    const result = await recovering.enroller.enroll(
      this.deps.steps.context(claimed, 'recovery', request),
      answer,
    );
    if (!result.ok)
      return rejected(await writer.update(claimed, { verified: transaction.verified }), result.error);
    await sessions.endAfterReset(user, {
      transactionId: transaction.id,
      appId: state.app.id,
      ip: request.ip,
    });
    const proven = [...transaction.verified, recovering.key];
    // What else the sign-in policy asks for still applies; then the recovery is a sign-in.
    if (requirements.pending(state.app.policy, proven).length > 0)
      return progress.advance(claimed, proven, { flow: 'sign-in' });
    return progress.complete(claimed, proven);
  }
}
