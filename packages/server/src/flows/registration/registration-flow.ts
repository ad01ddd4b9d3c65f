import type { Answer, Authenticator } from '../../authenticators/authenticator.js';
import type { AuthenticatorRegistry } from '../../authenticators/registry.js';
import type { Clock } from '../../clock.js';
import { EngineError } from '../../errors.js';
import type { SignUps } from '../../identity/sign-ups.js';
import { type Limit, overLimit, type RateLimiter } from '../../rate-limits/rate-limiter.js';
import type { RequestInfo } from '../../request-info.js';
import type { RegistrationPolicy } from '../../storage/apps-store.js';
import type { EventsStore } from '../../storage/events-store.js';
import type { UsersStore } from '../../storage/users-store.js';
import type { ChallengeSteps } from '../shared/challenge-steps.js';
import { shownUser } from '../shared/choices.js';
import type { EnrollmentOffer, EnrollmentSteps } from '../shared/enrollment-steps.js';
import { atSignInIdentify, startOver } from '../shared/entry.js';
import { type Flow, type FlowAction, type ProfileInput, type SelectInput, Step } from '../shared/flow.js';
import { type FlowOutcome, next, rejected } from '../shared/flow-outcome.js';
import type { FlowState } from '../shared/flow-state.js';
import { type FlowView, type StepView, terminalStep } from '../shared/flow-view.js';
import type { Progress } from '../shared/progress.js';
import type { Requirements } from '../shared/requirements.js';
import type { TransactionWriter } from '../shared/transaction-writer.js';
import { readProfileValues } from './profile-values.js';

export interface RegistrationFlowDeps {
  signUps: SignUps;
  users: UsersStore;
  events: EventsStore;
  registry: AuthenticatorRegistry;
  requirements: Requirements;
  steps: ChallengeSteps;
  enrollment: EnrollmentSteps;
  progress: Progress;
  writer: TransactionWriter;
  limiter: RateLimiter;
  limits: { registrationPerIp: Limit; registrationPerEmail: Limit };
  clock: Clock;
}

const ACTIONS: Readonly<Record<string, readonly FlowAction[]>> = {
  [Step.profile]: ['profile'],
  [Step.enrollSelect]: ['select', 'skip'],
  [Step.enroll]: ['select', 'answer', 'resend', 'skip'],
};

/**
 * Self-service registration: profile → (choose → set up)* → complete. The profile makes a `STAGED`
 * account; the newcomer proves their email address first, then sets up what the app's policy
 * requires, then may set up or skip its other authenticators; then the account is `ACTIVE` and
 * signed in. Entered from a sign-in's identify form ("Sign up").
 *
 * An address that has an account: with `existingEmail: reveal` the profile is refused on its email
 * (Okta's answer); by default the sign-up carries on without an account behind it (nothing can be
 * set up: no code reaches the registrant) and the owner is emailed instead, so the registrant
 * cannot tell.
 */
export class RegistrationFlow implements Flow {
  readonly name = 'registration';

  constructor(private readonly deps: RegistrationFlowDeps) {}

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

  /** "Sign up" on a sign-in's identify form, when the app allows it. */
  offeredFrom(state: FlowState): boolean {
    return atSignInIdentify(state) && state.app.policy.registration !== null;
  }

  enter(state: FlowState): Promise<FlowOutcome> {
    if (!state.app.policy.registration) throw new EngineError('REGISTRATION_NOT_ALLOWED');
    if (!this.offeredFrom(state)) throw new EngineError('STEP_NOT_ALLOWED');
    return startOver(this.deps.writer, state, this.name, Step.profile);
  }

  private async step(state: FlowState): Promise<StepView> {
    const { step } = state.transaction;
    if (step === Step.profile) return { name: 'profile', attributes: this.policy(state).profile };
    if (step === Step.enrollSelect || step === Step.enroll)
      return this.deps.enrollment.view(state, this.offer(state), 'registration');
    throw new EngineError('FLOW_EXPIRED', { detail: `A registration has no step ${step}.` });
  }

  identify(): Promise<FlowOutcome> {
    throw new EngineError('STEP_NOT_ALLOWED');
  }

  /** The profile form: checked, rate-limited, then the account is staged (or the owner told). */
  async profile(state: FlowState, input: ProfileInput, request: RequestInfo): Promise<FlowOutcome> {
    const policy = this.policy(state);
    const read = readProfileValues(policy.profile, input);
    // Refused with the form again, the message on the attribute's field.
    if (!read.ok) return rejected(state, read.error);
    const { values } = read;
    const { limiter, limits } = this.deps;
    const refused =
      (await overLimit(limiter, `registration:ip:${request.ip ?? 'unknown'}`, limits.registrationPerIp)) ??
      (await overLimit(
        limiter,
        `registration:email:${values.email.toLowerCase()}`,
        limits.registrationPerEmail,
      ));
    if (refused) return rejected(state, refused);
    const staging = await this.deps.signUps.stage(values, { appId: state.app.id, ip: request.ip });
    if (staging.kind === 'exists' && policy.existingEmail === 'reveal') {
      const label = policy.profile.find((a) => a.name === 'email')?.label ?? 'Email';
      return rejected(state, new EngineError('ACCOUNT_EXISTS', { field: 'profile.email', params: [label] }));
    }
    // An existing account stays out of the transaction: the sign-up goes on with no one behind it.
    const user = staging.kind === 'staged' ? staging.user : null;
    const moved = await this.deps.writer.update(state, {
      step: Step.enrollSelect,
      userId: user?.id ?? null,
      identifier: values.email,
      authenticatorKey: null,
      verified: [],
    });
    return next({ ...moved, user, held: [] });
  }

  /** Starts setting up the chosen authenticator (sends the code that proves the address, …). */
  select(state: FlowState, input: SelectInput, request: RequestInfo): Promise<FlowOutcome> {
    return this.deps.enrollment.select(state, input.key, this.offer(state), 'registration', request);
  }

  /** The code, the new password, …: the authenticator is set up, then on to what is left. */
  answer(state: FlowState, answer: Answer, request: RequestInfo): Promise<FlowOutcome> {
    return this.deps.enrollment.answer(state, answer, 'registration', request, (enrolled, authenticator) =>
      this.advance(enrolled, [...enrolled.transaction.verified, authenticator.key]),
    );
  }

  resend(state: FlowState, request: RequestInfo): Promise<FlowOutcome> {
    return this.deps.steps.resend(state, 'registration', request);
  }

  /** Leaves out what is optional: the sign-up is complete. */
  async skip(state: FlowState): Promise<FlowOutcome> {
    const { verified } = state.transaction;
    if (!this.deps.requirements.enrollment(state.app.policy, verified).optional)
      throw new EngineError('STEP_NOT_ALLOWED', { detail: 'What is left to set up is required.' });
    return this.complete(state, verified);
  }

  private advance(state: FlowState, enrolled: string[]): Promise<FlowOutcome> {
    const { options } = this.deps.requirements.enrollment(state.app.policy, enrolled);
    if (options.length === 0) return this.complete(state, enrolled);
    return this.deps.enrollment.choose(state, enrolled);
  }

  /** What a sign-up offers now: the email, then what the policy requires, then the rest (optional). */
  private offer(state: FlowState): EnrollmentOffer {
    const { verified } = state.transaction;
    const { options, optional } = this.deps.requirements.enrollment(state.app.policy, verified);
    const enrolled = verified
      .map((key) => this.deps.registry.find(key))
      .filter((a): a is Authenticator => a !== null);
    return { options, optional, enrolled };
  }

  /** The account is active (a concurrent sign-up of the same owner may have activated it) and signed in. */
  private async complete(state: FlowState, enrolled: string[]): Promise<FlowOutcome> {
    const { users, events, clock } = this.deps;
    if (!state.user) throw new EngineError('STEP_NOT_ALLOWED');
    const activated = await users.activate(state.user.id, clock.now());
    const user = await users.findById(state.user.id);
    if (!user || user.status !== 'ACTIVE') throw new EngineError('FLOW_EXPIRED');
    if (activated)
      await events.record(
        {
          type: 'user.lifecycle.activate',
          userId: user.id,
          appId: state.app.id,
          data: { by: 'self-service' },
        },
        clock.now(),
      );
    return this.deps.progress.complete({ ...state, user }, enrolled);
  }

  private policy(state: FlowState): RegistrationPolicy {
    const { registration } = state.app.policy;
    if (!registration) throw new EngineError('REGISTRATION_NOT_ALLOWED');
    return registration;
  }
}
