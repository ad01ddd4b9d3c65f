import type { Answer, Authenticator } from '../../authenticators/authenticator.js';
import type { Clock } from '../../clock.js';
import { EngineError } from '../../errors.js';
import { isAutoLocked } from '../../identity/lockout.js';
import { loginKey } from '../../identity/users.js';
import type { RequestInfo } from '../../request-info.js';
import type { EventsStore } from '../../storage/events-store.js';
import type { UsersStore } from '../../storage/users-store.js';
import type { ChallengeSteps } from '../shared/challenge-steps.js';
import { choiceOf, shownUser } from '../shared/choices.js';
import { atSignInIdentify, startOver } from '../shared/entry.js';
import { type Flow, type FlowAction, type SelectInput, Step } from '../shared/flow.js';
import { type FlowOutcome, next } from '../shared/flow-outcome.js';
import type { FlowState, UserLookup } from '../shared/flow-state.js';
import { type FlowView, type StepView, terminalStep } from '../shared/flow-view.js';
import type { Progress } from '../shared/progress.js';
import type { Requirements } from '../shared/requirements.js';
import type { TransactionWriter } from '../shared/transaction-writer.js';

export interface UnlockFlowDeps {
  users: UsersStore;
  lookup: UserLookup;
  events: EventsStore;
  requirements: Requirements;
  steps: ChallengeSteps;
  progress: Progress;
  writer: TransactionWriter;
  clock: Clock;
}

const ACTIONS: Readonly<Record<string, readonly FlowAction[]>> = {
  [Step.unlock]: ['select'],
  [Step.challenge]: ['select', 'answer', 'resend'],
};

/**
 * Self-service unlock: who, and how they prove it (one form) → the challenge → unlocked. Lifts the
 * lock that wrong passwords put on an account (not an administrator's). Only a locked account is
 * sent a code; an unknown account, or one that is not locked, gets the same answers and no email
 * (an unknown address may get the unknown-recipient notice, when the operator turned it on).
 * Ends on "unlocked", or, where the app's policy says so, goes on signing in with the proof counted.
 */
export class UnlockFlow implements Flow {
  readonly name = 'unlock';

  constructor(private readonly deps: UnlockFlowDeps) {}

  allows(step: string, action: FlowAction): boolean {
    return ACTIONS[step]?.includes(action) ?? false;
  }

  async view(state: FlowState): Promise<Omit<FlowView, 'offers'>> {
    return {
      flow: this.name,
      step: terminalStep(state.transaction) ?? (await this.step(state)),
      user: shownUser(state),
      recoverable: null,
      recovering: null,
    };
  }

  /** "Unlock account?" on a sign-in's identify form, when the app allows it. */
  offeredFrom(state: FlowState): boolean {
    return atSignInIdentify(state) && state.app.policy.selfServiceUnlock;
  }

  enter(state: FlowState): Promise<FlowOutcome> {
    if (!state.app.policy.selfServiceUnlock) throw new EngineError('UNLOCK_NOT_ALLOWED');
    if (!this.offeredFrom(state)) throw new EngineError('STEP_NOT_ALLOWED');
    return startOver(this.deps.writer, state, this.name, Step.unlock);
  }

  private async step(state: FlowState): Promise<StepView> {
    const proving = this.deps.requirements.provingRecovery();
    switch (state.transaction.step) {
      case Step.unlock:
        return { name: 'unlock', options: proving.map((a) => choiceOf(a, state)) };
      case Step.challenge:
        return this.deps.steps.view(state, proving, 'unlock');
      case Step.unlocked:
        return { name: 'unlocked' };
    }
    throw new EngineError('FLOW_EXPIRED', { detail: `An unlock has no step ${state.transaction.step}.` });
  }

  identify(): Promise<FlowOutcome> {
    throw new EngineError('STEP_NOT_ALLOWED');
  }

  /** The identifier and the authenticator, on one form; at the challenge, another authenticator. */
  async select(state: FlowState, input: SelectInput, request: RequestInfo): Promise<FlowOutcome> {
    const proving = this.deps.requirements.provingRecovery();
    if (state.transaction.step !== Step.unlock)
      return this.deps.steps.select(state, input.key, proving, 'unlock', request, {
        quiet: this.unreachable(state),
      });
    const identifier = input.identifier?.trim();
    if (!identifier) throw new EngineError('INPUT_REQUIRED', { field: 'identifier' });
    const { user, held } = await this.deps.lookup.byLoginKey(loginKey(identifier));
    const identified: FlowState = {
      ...state,
      user,
      held,
      transaction: { ...state.transaction, userId: user?.id ?? null, identifier },
    };
    const outcome = await this.deps.steps.select(identified, input.key, proving, 'unlock', request, {
      patch: { userId: user?.id ?? null, identifier },
      quiet: this.unreachable(identified),
    });
    // Refused (throttled): the form again, with no one named.
    return outcome.kind === 'rejected' ? { ...outcome, state } : outcome;
  }

  answer(state: FlowState, answer: Answer, request: RequestInfo): Promise<FlowOutcome> {
    return this.deps.steps.answer(state, answer, 'unlock', request, (proven, authenticator) =>
      this.unlock(proven, authenticator, request),
    );
  }

  resend(state: FlowState, request: RequestInfo): Promise<FlowOutcome> {
    return this.deps.steps.resend(state, 'unlock', request, { quiet: this.unreachable(state) });
  }

  private async unlock(
    state: FlowState,
    authenticator: Authenticator,
    request: RequestInfo,
  ): Promise<FlowOutcome> {
    const { users, events, clock, writer, progress } = this.deps;
    const { user } = state;
    if (user && this.locked(state)) {
      await users.resetFailedAttempts(user.id, clock.now());
      await events.record(
        {
          type: 'user.account.unlock',
          userId: user.id,
          appId: state.app.id,
          ip: request.ip,
          data: { by: 'self-service' },
        },
        clock.now(),
      );
    }
    if (state.app.policy.signInAfterUnlock && user?.status === 'ACTIVE') {
      const unlocked = { ...state, user: { ...user, failedAttempts: 0, lockedUntil: null } };
      const outcome = await progress.advance(unlocked, [authenticator.key], { flow: 'sign-in' });
      return outcome.kind === 'next' ? { ...outcome, notice: 'ACCOUNT_UNLOCKED' } : outcome;
    }
    const done = await writer.update(state, { step: Step.unlocked, authenticatorKey: null });
    return next(done);
  }

  /** An account that is not locked gets nothing (an unknown address may get the unknown-recipient notice). */
  private unreachable(state: FlowState): boolean {
    return state.user !== null && !this.locked(state);
  }

  private locked(state: FlowState): boolean {
    return state.user !== null && isAutoLocked(state.user, this.deps.clock.now());
  }
}
