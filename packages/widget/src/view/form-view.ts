import type { EnvelopeMessage, EnvelopeRemediation } from '@gatehouse/protocol';
import { retryWaitOf } from '../core/retry-wait.js';
import type { Translator } from '../i18n/translator.js';
import { type Child, h } from './dom.js';
import {
  banner,
  type Control,
  FieldControl,
  heading,
  linkButton,
  primaryButton,
  readValues,
  validateRequired,
} from './form-kit.js';
import { retryCountdown } from './retry-countdown.js';
import type { RenderedView, ViewContext } from './view-context.js';

export interface FormViewSpec {
  ctx: ViewContext;
  remediation: EnvelopeRemediation;
  title: string;
  subtitle?: string | Child[] | undefined;
  /** Content between the heading and the form (e.g. the email instructions). */
  intro?: Child[];
  controls: Control[];
  /** Content inside the form after the controls (e.g. a password checklist). */
  extra?: Child[];
  submitLabel: string;
  /** Links under the form (forgot password, back to sign in). */
  links?: Child[];
  /** Extra client-side checks; returns the control to focus when one fails. */
  validate?: () => FieldControl | null;
  /** Where focus goes when the step is new (default: the first input). */
  focus?: HTMLElement | null;
  /** Set to false to render the form hidden until something reveals it. */
  formHidden?: boolean;
  className?: string;
}

export interface FormView extends RenderedView {
  form: HTMLFormElement;
}

const fieldsOf = (controls: Control[]) => controls.filter((c) => c instanceof FieldControl);

/**
 * The form-level messages of a step as the banner shows them, plus a summary for field errors on
 * a form of several fields. A form of one field gets no summary: the error under its only input
 * says it all, and a banner beside it would say the same thing twice.
 */
export function bannerMessages(
  t: Translator,
  messages: EnvelopeMessage[],
  controls: Control[],
): Array<{ text: string; level: EnvelopeMessage['level'] }> {
  const list = messages.map((m) => ({ text: t.message(m), level: m.level }));
  const fields = fieldsOf(controls);
  const fieldErrors = fields.some((c) => c.hasError());
  if (fieldErrors && fields.length > 1 && !list.some((m) => m.level === 'error'))
    list.unshift({ text: t.t('oform.errorbanner.title'), level: 'error' });
  return list;
}

/** A heading, the banner, a form of controls with a primary button, and links. */
export function formView(spec: FormViewSpec): FormView {
  const { ctx, controls } = spec;
  const { t } = ctx;
  // The same step back with errors keeps what the user typed; secrets only after a throttled
  // submit (429), whose password the server refused without judging it.
  const previous = ctx.memory.lastInputs as Record<string, unknown> | undefined;
  const keepSecrets = retryWaitOf(ctx.memory) !== undefined;
  for (const control of controls) {
    if (!(control instanceof FieldControl) || control.input.value) continue;
    if (control.input.type === 'password' && !keepSecrets) continue;
    const value = previous?.[control.name];
    if (typeof value === 'string') control.input.value = value;
  }
  const messages = bannerMessages(t, ctx.step.messages, controls);
  const bannerEl = banner(messages);
  const submit = primaryButton(spec.submitLabel);
  const countdown = retryCountdown(ctx, [submit]);
  const form = h(
    'form',
    {
      class: 'gh-form',
      attrs: { novalidate: true, 'data-se': spec.remediation.name, hidden: spec.formHidden },
    },
    controls.map((c) => c.el),
    spec.extra ?? [],
    submit,
    countdown?.el,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    // Enter in a field while the wait runs (a disabled default button already blocks most).
    if (submit.disabled) return;
    for (const control of controls) if (control instanceof FieldControl) control.setError(null);
    const invalid = validateRequired(controls, t) ?? spec.validate?.() ?? null;
    if (invalid) {
      invalid.input.focus();
      return;
    }
    ctx.submit(spec.remediation, readValues(controls));
  });
  const head = heading(spec.title, spec.subtitle);
  const el = h(
    'div',
    { class: `gh-view ${spec.className ?? ''}`.trim() },
    head,
    bannerEl,
    spec.intro ?? [],
    form,
    spec.links?.length ? h('div', { class: 'gh-links' }, spec.links) : null,
  );
  const firstInvalid = controls.find((c) => c instanceof FieldControl && c.hasError()) as
    | FieldControl
    | undefined;
  const firstInput = controls.find((c) => c instanceof FieldControl) as FieldControl | undefined;
  return {
    el,
    form,
    focus: spec.focus === undefined ? (firstInput?.input ?? head.querySelector('h2')) : spec.focus,
    firstError: firstInvalid?.input ?? (messages.some((m) => m.level === 'error') ? bannerEl : null),
    errors: errorsToAnnounce(messages, controls),
    notices: messages.filter((m) => m.level === 'info').map((m) => m.text),
    dispose: countdown?.dispose,
  };
}

/** What screen readers hear at once: the banner's errors, else the errors under the fields. */
function errorsToAnnounce(
  messages: Array<{ text: string; level: EnvelopeMessage['level'] }>,
  controls: Control[],
): string[] {
  const banner = messages.filter((m) => m.level !== 'info').map((m) => m.text);
  if (banner.length) return banner;
  return fieldsOf(controls)
    .map((c) => c.errorText())
    .filter((text): text is string => Boolean(text));
}

/** "Back to sign in" (shown on every step after the first). */
export function backToSignIn(ctx: ViewContext): HTMLButtonElement {
  return linkButton(ctx.t.t('goback'), () => ctx.restart(), 'gh-link--back');
}
