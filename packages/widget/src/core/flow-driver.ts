/**
 * The widget's controller: starts or resumes a transaction, posts what the views submit, follows
 * the server's answer (next step, errors kept on the current form, terminal pages), polls the
 * email challenge while the page is visible, and finishes with tokens or a redirect.
 */
import type { IdxResponse } from '@gatehouse/protocol';
import {
  type Action,
  isIdxResponse,
  parseStep,
  type Remediation,
  type Step,
  type StepMessage,
} from './envelope.js';
import { buildBody, type InputValues } from './form-values.js';
import type { ActionName, FlowName, IdxReply, SignInResult, WidgetClient } from './widget-client.js';

export const SESSION_EXPIRED_KEY = 'idx.session.expired';
export const OTP_IN_ORIGINAL_TAB_KEY = 'idx.enter.otp.in.original.tab';
export const LINK_INVALID_KEY = 'gh.link.invalid';

/** How the driver shows things; implemented by the widget shell. */
export interface Presenter {
  /** Shows a step; `fresh` when it is a new step (focus moves to it) rather than the same one with errors. */
  show(step: Step, fresh: boolean): void;
  /** The interaction code arrived (`done` once tokens are in hand). */
  showSuccess(step: Step, done: boolean): void;
  setBusy(busy: boolean): void;
}

export interface DriverOptions {
  flow: FlowName;
  otp?: string | undefined;
  state?: string | undefined;
  /** Navigate to the redirect URI with the interaction code instead of exchanging it. */
  redirect: boolean;
  /**
   * The app's server started the interaction (option `interactionHandle`): only it can start
   * another one. "Back to sign in" cancels, which puts the same interaction back at identify;
   * when there is nothing to cancel (it ended or expired) the page is reloaded instead.
   */
  serverStarted?: boolean;
  /** Reloads the page (replaced in tests); default `location.reload()`. */
  reload?: () => void;
  /** Seconds before "Send again" may be used. */
  resendIntervalSeconds: number;
  onSuccess(result: SignInResult): void;
  /** Navigates the page (replaced in tests). */
  navigate(url: string): void;
  now?: () => number;
}

const OTP_PATTERN = /^[A-Za-z0-9]{4,12}$/;
const STATE_PATTERN = /^[A-Za-z0-9._~-]{8,512}$/;

const synthetic = (key: string, message: string, params: unknown[] = [], level = 'ERROR'): IdxResponse =>
  ({
    version: '1.0.0',
    messages: { type: 'array', value: [{ message, i18n: { key, params }, class: level }] },
  }) as IdxResponse;

const ACTIONS: readonly string[] = ['resend', 'poll', 'recover'] satisfies ActionName[];
const isActionName = (name: string): name is ActionName => ACTIONS.includes(name);

/** The body without `stateHandle`: the client adds the one of the transaction it holds. */
function withoutStateHandle(body: Record<string, unknown>): Record<string, unknown> {
  const { stateHandle: _omitted, ...rest } = body;
  return rest;
}

/** The identity of a step for "is this the same screen?" (poll answers, resend, errors). */
export function stepIdentity(step: Step): string {
  const first = step.remediations[0];
  if (step.interactionCode) return 'success';
  if (!first) return `terminal:${step.messages.map((m) => m.key).join(',')}`;
  const key = first.authenticator?.key ?? step.authenticator?.key ?? '';
  return `${first.name}:${key}:${step.recovery ? 'recovery' : ''}`;
}

export class FlowDriver {
  current: Step | null = null;
  /** Memory views keep across re-renders of the same step. */
  memory: Record<string, unknown> = {};
  resendAvailableAt = 0;
  private busy = false;
  private generation = 0;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  private readonly now: () => number;
  private readonly onVisibility = () => this.schedulePoll(500);

  constructor(
    private readonly client: WidgetClient,
    private readonly presenter: Presenter,
    private readonly options: DriverOptions,
  ) {
    this.now = options.now ?? Date.now;
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  /** First screen: a magic link (`otp` + `state`), else a new transaction. */
  async begin(): Promise<void> {
    const { otp, state } = this.options;
    if (otp !== undefined) return this.beginFromMagicLink(otp, state);
    await this.run(() => this.client.start(this.options.flow), { fresh: true, startFlow: this.options.flow });
  }

  private async beginFromMagicLink(otp: string, state: string | undefined): Promise<void> {
    if (!OTP_PATTERN.test(otp) || !state || !STATE_PATTERN.test(state)) {
      this.display(synthetic(LINK_INVALID_KEY, 'This sign-in link is not valid.'), true);
      return;
    }
    if (!this.client.hasSavedTransaction(state)) {
      // Another browser or device (or too late): never sign in here, show the code to type there.
      this.display(
        synthetic(
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

  submit(remediation: Remediation, inputs: InputValues): void {
    if (this.busy) return;
    // Kept so the form shows what was typed when the server sends it back with errors.
    this.memory.lastInputs = inputs;
    void this.run(
      () => this.client.submit(remediation.name, withoutStateHandle(buildBody(remediation, inputs))),
      {
        fresh: false,
      },
    );
  }

  invoke(action: Action): void {
    if (this.busy || !isActionName(action.name)) return;
    const name = action.name;
    const resend = name === 'resend';
    void this.run(() => this.client.action(name), { fresh: !resend, resend });
  }

  /** "Back to sign in": the old transaction is canceled (best effort) and forgotten; a new one starts. */
  restart(): void {
    if (this.busy) return;
    const cancel = Boolean(this.current?.cancel);
    this.stopPolling();
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
    this.stopPolling();
    document.removeEventListener('visibilitychange', this.onVisibility);
  }

  private async run(
    request: () => Promise<IdxReply>,
    how: { fresh: boolean; resend?: boolean; autoAnswer?: string; startFlow?: FlowName; poll?: boolean },
  ): Promise<void> {
    this.busy = true;
    this.presenter.setBusy(true);
    const generation = ++this.generation;
    this.stopPolling();
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
    const step = parseStep(reply.body);

    // The magic link in this browser: answer the email challenge with the link's code.
    if (how.autoAnswer !== undefined) {
      const challenge = step.remediations.find((r) => r.name === 'challenge-authenticator');
      // Only an email challenge takes the link's code (never a password field).
      const email = (challenge?.authenticator?.key ?? step.authenticator?.key) === 'okta_email';
      if (reply.status < 400 && challenge && email) {
        const code = how.autoAnswer;
        const body = withoutStateHandle(buildBody(challenge, { 'credentials.passcode': code }));
        await this.run(() => this.client.submit(challenge.name, body), { fresh: true });
        return;
      }
    }
    // flow 'resetPassword': go straight to "Reset your password".
    if (how.startFlow === 'resetPassword' && reply.status < 400) {
      const recover = step.authenticator?.recover;
      if (step.remediations[0]?.name === 'identify' && recover) {
        await this.run(() => this.client.action('recover'), { fresh: true });
        return;
      }
      if (step.remediations[0]?.name === 'identify') {
        step.messages.push({
          message: 'Password reset is not available here.',
          key: 'gh.error.reset.unavailable',
          params: [],
          level: 'warning',
        });
      }
    }
    this.handle(reply, step, how);
  }

  private handle(
    reply: IdxReply,
    step: Step,
    how: { fresh: boolean; resend?: boolean; poll?: boolean },
  ): void {
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
        // An error about the request, not a new state: keep the form, show the message (§8.5).
        this.redisplay(step.messages);
        return;
      }
      this.client.clear();
      this.display(reply.body, true);
      return;
    }
    if (how.resend) {
      if (reply.status < 400) {
        this.resendAvailableAt = this.now() + this.options.resendIntervalSeconds * 1000;
        step.messages.push({
          message: 'We sent a new email.',
          key: 'gh.email.resent',
          params: [],
          level: 'info',
        });
      } else if (reply.status === 429) {
        const seconds = reply.retryAfterSeconds ?? this.options.resendIntervalSeconds;
        this.resendAvailableAt = this.now() + seconds * 1000;
      }
    }
    this.display(reply.body, how.fresh, step);
  }

  /** Re-renders the current step with other form-level messages (field messages cleared). */
  private redisplay(messages: StepMessage[]): void {
    if (!this.current) return;
    const step = parseStep(this.current.raw);
    step.messages = messages;
    this.current = step;
    this.presenter.show(step, false);
    this.afterShow(step);
  }

  private display(body: IdxResponse, fresh: boolean, parsed?: Step): void {
    const step = parsed ?? parseStep(body);
    const same = this.current !== null && stepIdentity(this.current) === stepIdentity(step);
    if (!same) {
      this.memory = {};
      if (step.remediations[0]?.name === 'challenge-authenticator' && step.authenticator?.resend)
        this.resendAvailableAt = this.now() + this.options.resendIntervalSeconds * 1000;
    }
    this.current = step;
    this.presenter.show(step, fresh || !same);
    this.afterShow(step);
  }

  private afterShow(step: Step): void {
    if (step.remediations[0] && step.authenticator?.poll)
      this.schedulePoll(step.authenticator.poll.refresh ?? 4000);
  }

  private showError(error: unknown): void {
    const network = error instanceof TypeError;
    // The user sees a generic message; the developer gets the reason.
    if (!network) console.error('SignInWidget:', error);
    const message: StepMessage = network
      ? { message: 'Network error', key: 'gh.error.network', params: [], level: 'error' }
      : {
          message: error instanceof Error ? error.message : String(error),
          key: 'gh.error.unexpected',
          params: [],
          level: 'error',
        };
    if (this.current && !this.current.terminal && !this.current.interactionCode) {
      this.redisplay([message]);
      return;
    }
    this.display(synthetic(message.key!, message.message), true);
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

  // Polling (idx-protocol.md §7.7): only while the page is visible, one request at a time.
  private schedulePoll(delayMs: number): void {
    this.stopPolling();
    const step = this.current;
    const poll = step?.authenticator?.poll;
    if (!step || !poll || step.terminal || this.disposed) return;
    if (document.visibilityState !== 'visible') return;
    this.pollTimer = setTimeout(() => void this.pollOnce(step, poll), delayMs);
  }

  private stopPolling(): void {
    if (this.pollTimer !== undefined) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }

  private async pollOnce(step: Step, poll: Action): Promise<void> {
    if (this.busy || this.current !== step || document.visibilityState !== 'visible') return;
    const generation = this.generation;
    let reply: IdxReply;
    try {
      reply = await this.client.action('poll');
    } catch {
      this.schedulePoll(poll.refresh ?? 4000);
      return;
    }
    // Something else happened meanwhile (a submit, a restart): this answer is stale.
    if (this.disposed || this.busy || generation !== this.generation || this.current !== step) return;
    if (!isIdxResponse(reply.body)) return this.schedulePoll(poll.refresh ?? 4000);
    const next = parseStep(reply.body);
    if (reply.status === 429) return this.schedulePoll(60_000);
    if (reply.status < 400 && stepIdentity(next) === stepIdentity(step) && next.messages.length === 0) {
      this.schedulePoll(poll.refresh ?? 4000);
      return;
    }
    this.handle(reply, next, { fresh: true, poll: true });
  }
}
