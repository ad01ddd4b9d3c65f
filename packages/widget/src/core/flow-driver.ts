/**
 * The widget's controller: starts or resumes a transaction, posts what the views submit, follows
 * the server's answer (next step, errors kept on the current form, terminal pages), polls the
 * email challenge while the page is visible, and finishes with tokens or a redirect.
 */
import {
  type EnvelopeAction,
  type EnvelopeMessage,
  type EnvelopeRemediation,
  type IdxResponse,
  isIdxEnvelope,
} from '@gatehouse/protocol';
import type { DriverOptions, Presenter } from './driver-options.js';
import { followUpOf, withoutStateHandle } from './follow-ups.js';
import { buildBody, type InputValues } from './form-values.js';
import {
  errorMessage,
  LINK_INVALID_KEY,
  localEnvelope,
  OTP_IN_ORIGINAL_TAB_KEY,
  resentMessage,
  SESSION_EXPIRED_KEY,
  stepIdentity,
} from './local-steps.js';
import { PollTimer } from './poll-timer.js';
import { recordSubmitAnswer, withKnownWait } from './retry-wait.js';
import { readStep, type Step } from './step.js';
import type { ActionName, FlowName, IdxReply, WidgetClient } from './widget-client.js';

const OTP_PATTERN = /^[A-Za-z0-9]{4,12}$/;
const STATE_PATTERN = /^[A-Za-z0-9._~-]{8,512}$/;

const ACTIONS: readonly string[] = ['resend', 'poll', 'recover'] satisfies ActionName[];
const isActionName = (name: string): name is ActionName => ACTIONS.includes(name);

export class FlowDriver {
  current: Step | null = null;
  /** Memory views keep across re-renders of the same step. */
  memory: Record<string, unknown> = {};
  resendAvailableAt = 0;
  private busy = false;
  private generation = 0;
  private disposed = false;
  private readonly now: () => number;
  private readonly poller = new PollTimer(
    () => this.pollTarget(),
    ({ step, poll }) => void this.pollOnce(step, poll),
  );

  constructor(
    private readonly client: WidgetClient,
    private readonly presenter: Presenter,
    private readonly options: DriverOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** First screen: a magic link (`otp` + `state`), else a new transaction. */
  async begin(): Promise<void> {
    const { otp, state } = this.options;
    if (otp !== undefined) return this.beginFromMagicLink(otp, state);
    await this.run(() => this.client.start(this.options.flow), { fresh: true, startFlow: this.options.flow });
  }

  private async beginFromMagicLink(otp: string, state: string | undefined): Promise<void> {
    if (!OTP_PATTERN.test(otp) || !state || !STATE_PATTERN.test(state)) {
      this.display(localEnvelope(LINK_INVALID_KEY, 'This sign-in link is not valid.'), true);
      return;
    }
    if (!this.client.hasSavedTransaction(state)) {
      // Another browser or device (or too late): never sign in here, show the code to type there.
      this.display(
        localEnvelope(
          OTP_IN_ORIGINAL_TAB_KEY,
          'Enter the OTP in your original browser or device.',
          [otp],
          'INFO',
        ),
        true,
      );
      return;
    }
    await this.run(() => this.client.resume(state), { fresh: true, autoAnswer: otp });
  }

  submit(remediation: EnvelopeRemediation, inputs: InputValues): void {
    if (this.busy) return;
    // Kept so the form shows what was typed when the server sends it back with errors.
    this.memory.lastInputs = inputs;
    void this.run(
      () => this.client.submit(remediation.name, withoutStateHandle(buildBody(remediation, inputs))),
      { fresh: false, submit: true, submitted: remediation.name },
    );
  }

  invoke(action: EnvelopeAction): void {
    if (this.busy || !isActionName(action.name)) return;
    const name = action.name;
    const resend = name === 'resend';
    void this.run(() => this.client.action(name), { fresh: !resend, resend });
  }

  /** "Back to sign in": the old transaction is canceled (best effort) and forgotten; a new one starts. */
  restart(): void {
    if (this.busy) return;
    const cancel = Boolean(this.current?.cancel);
    this.poller.stop();
    if (this.options.serverStarted && !cancel) {
      this.client.clear();
      (this.options.reload ?? (() => window.location.reload()))();
      return;
    }
    void this.run(
      async () => {
        // Cancelling at the server ends the old challenge: its magic link stops working.
        if (cancel) await this.client.cancel().catch(() => undefined);
        this.client.clear();
        return this.client.start('default');
      },
      { fresh: true },
    );
  }

  dispose(): void {
    this.disposed = true;
    this.poller.dispose();
  }

  private async run(
    request: () => Promise<IdxReply>,
    how: {
      fresh: boolean;
      submit?: boolean;
      resend?: boolean;
      autoAnswer?: string;
      startFlow?: FlowName;
      poll?: boolean;
      submitted?: string;
    },
  ): Promise<void> {
    this.busy = true;
    this.presenter.setBusy(true);
    const generation = ++this.generation;
    this.poller.stop();
    let reply: IdxReply;
    try {
      reply = await request();
    } catch (error) {
      if (this.disposed || generation !== this.generation) return;
      this.busy = false;
      this.presenter.setBusy(false);
      this.showError(error);
      return;
    }
    if (this.disposed || generation !== this.generation) return;
    this.busy = false;
    this.presenter.setBusy(false);
    const step = readStep(reply.body);
    const next = followUpOf(step, reply, how);
    if (next && 'submit' in next)
      // Posted for the user, but a submit all the same: a 429 holds the form it answers with.
      await this.run(() => this.client.submit(next.submit, next.body), { fresh: true, submit: true });
    else if (next) await this.run(() => this.client.action(next.action), { fresh: true });
    else this.handle(reply, step, how);
  }

  private handle(
    reply: IdxReply,
    step: Step,
    how: { fresh: boolean; submit?: boolean; resend?: boolean; poll?: boolean },
  ): void {
    // A submit's answer: 429 holds the form's button for Retry-After seconds (core/retry-wait.ts).
    const submitted = how.submit ? reply : undefined;
    step.messages = withKnownWait(step.messages, reply);
    const expired = step.messages.some((m) => m.key === SESSION_EXPIRED_KEY);
    if (expired) {
      this.client.clear();
      this.display(reply.body, true);
      return;
    }
    if (step.interactionCode) {
      void this.finish(step);
      return;
    }
    if (reply.status >= 400 && step.remediations.length === 0) {
      if (!reply.body.stateHandle && this.current && !this.current.terminal) {
        // An error about the request, not a new state: keep the form, show the message
        // (docs/protocol/idx-protocol.md §8.5).
        this.redisplay(step.messages, submitted);
        return;
      }
      this.client.clear();
      this.display(reply.body, true);
      return;
    }
    if (how.resend) {
      if (reply.status < 400) {
        this.resendAvailableAt = this.now() + this.options.resendIntervalSeconds * 1000;
        step.messages.push(resentMessage());
      } else if (reply.status === 429) {
        const seconds = reply.retryAfterSeconds ?? this.options.resendIntervalSeconds;
        this.resendAvailableAt = this.now() + seconds * 1000;
      }
    }
    this.display(reply.body, how.fresh, step, submitted);
  }

  /** Re-renders the current step with other form-level messages (field messages cleared). */
  private redisplay(messages: EnvelopeMessage[], submitted?: IdxReply): void {
    if (!this.current) return;
    const step = readStep(this.current.raw);
    step.messages = messages;
    if (submitted) recordSubmitAnswer(this.memory, submitted, this.now());
    this.current = step;
    this.presenter.show(step, false);
    this.afterShow(step);
  }

  private display(body: IdxResponse, fresh: boolean, parsed?: Step, submitted?: IdxReply): void {
    const step = parsed ?? readStep(body);
    const same = this.current !== null && stepIdentity(this.current) === stepIdentity(step);
    if (!same) {
      this.memory = {};
      // A new email challenge (or email enrollment) just sent its email: "Send again" waits.
      if (step.remediations[0] && step.authenticator?.actions.has('resend'))
        this.resendAvailableAt = this.now() + this.options.resendIntervalSeconds * 1000;
    }
    if (submitted) recordSubmitAnswer(this.memory, submitted, this.now());
    this.current = step;
    this.presenter.show(step, fresh || !same);
    this.afterShow(step);
  }

  private afterShow(step: Step): void {
    const poll = step.authenticator?.actions.get('poll');
    if (step.remediations[0] && poll) this.poller.arm(poll.refresh ?? 4000);
  }

  private showError(error: unknown): void {
    const message = errorMessage(error);
    if (this.current && !this.current.terminal && !this.current.interactionCode) {
      this.redisplay([message]);
      return;
    }
    this.display(localEnvelope(message.key!, message.message), true);
  }

  private async finish(step: Step): Promise<void> {
    this.current = step;
    this.presenter.show(step, true);
    const code = step.interactionCode!;
    if (this.options.redirect) {
      this.options.navigate(this.client.redirectUrl(code));
      return;
    }
    try {
      const result = await this.client.exchange(code);
      this.client.clear();
      if (this.disposed) return;
      this.presenter.showSuccess(step, true);
      this.options.onSuccess(result);
    } catch (error) {
      if (this.disposed) return;
      this.current = null;
      this.showError(error);
    }
  }

  /** The step to poll and its `poll` action, while the current step has one. */
  private pollTarget(): { step: Step; poll: EnvelopeAction } | undefined {
    const step = this.current;
    const poll = step?.authenticator?.actions.get('poll');
    return step && poll && !step.terminal && !this.disposed ? { step, poll } : undefined;
  }

  // Polling (docs/protocol/idx-protocol.md §7.7): one request at a time, its answer dropped when stale.
  private async pollOnce(step: Step, poll: EnvelopeAction): Promise<void> {
    if (this.busy || this.current !== step || document.visibilityState !== 'visible') return;
    const generation = this.generation;
    let reply: IdxReply;
    try {
      reply = await this.client.action('poll');
    } catch {
      this.poller.arm(poll.refresh ?? 4000);
      return;
    }
    // Something else happened meanwhile (a submit, a restart): this answer is stale.
    if (this.disposed || this.busy || generation !== this.generation || this.current !== step) return;
    if (!isIdxEnvelope(reply.body)) return this.poller.arm(poll.refresh ?? 4000);
    const next = readStep(reply.body);
    if (reply.status === 429) return this.poller.arm(60_000);
    if (reply.status < 400 && stepIdentity(next) === stepIdentity(step) && next.messages.length === 0) {
      this.poller.arm(poll.refresh ?? 4000);
      return;
    }
    this.handle(reply, next, { fresh: true, poll: true });
  }
}
