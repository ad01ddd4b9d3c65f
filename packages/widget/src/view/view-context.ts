import type { EnvelopeAction, EnvelopeRemediation } from '@gatehouse/protocol';
import type { InputValues } from '../core/form-values.js';
import type { Step } from '../core/step.js';
import type { Translator } from '../i18n/translator.js';

/** What a view may ask the widget to do; every call goes through the flow driver. */
export interface ViewActions {
  /** Posts a remediation with the values the user entered (dotted names). */
  submit(remediation: EnvelopeRemediation, inputs: InputValues): void;
  /** Posts an action (`recover`, `resend`) of the step. */
  invoke(action: EnvelopeAction): void;
  /** "Back to sign in": drops the transaction and starts a new one. */
  restart(): void;
}

export interface ViewContext extends ViewActions {
  t: Translator;
  step: Step;
  /** Epoch ms from which "Send again" may be used (email challenge). */
  resendAvailableAt: number;
  /** Clock used by countdowns (`Date.now` in production). */
  now(): number;
  /** State a view keeps across re-renders of the same step (e.g. the code input was revealed). */
  memory: Record<string, unknown>;
  /** The `homeUri` option: where the pages that end the flow in this tab link onward. */
  homeUri?: string | undefined;
}

/** A rendered view: its element, where focus goes when it appears, and cleanup for its timers. */
export interface RenderedView {
  el: HTMLElement;
  /** The element to focus when the step is new (first input or the heading). */
  focus?: HTMLElement | null | undefined;
  /** The first element holding an error, to focus after a failed submit. */
  firstError?: HTMLElement | null | undefined;
  /** Announced to screen readers at once (assertive). */
  errors: string[];
  /** Announced politely (e.g. "We sent a new email"). */
  notices?: string[];
  dispose?: () => void;
}
