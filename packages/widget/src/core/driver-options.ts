/** What the flow driver is given: how to show things, and how this widget was started. */
import type { Step } from './step.js';
import type { FlowName, SignInResult } from './widget-client.js';

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
