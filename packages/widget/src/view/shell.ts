/**
 * The widget's frame: header (logo), two live regions (errors assertive, status polite), the
 * current view. Renders steps, moves focus to the new step or the first error, announces errors
 * and emits `ready` / `afterRender` / `afterError`.
 */
import type { Presenter } from '../core/driver-options.js';
import { readStep, type Step } from '../core/step.js';
import type { Emitter, RenderContext } from '../events.js';
import type { Translator } from '../i18n/translator.js';
import { h, replaceChildren } from './dom.js';
import { renderStep, viewName } from './render-step.js';
import type { RenderedView, ViewActions, ViewContext } from './view-context.js';
import { loadingView, successView } from './views/terminal-view.js';

export interface ShellOptions {
  t: Translator;
  emitter: Emitter;
  logo?: string | undefined;
  brandName?: string | undefined;
  brandColors: Record<string, string>;
  autoFocus: boolean;
  /** Where "Flow continued in a new tab" links onward (the `homeUri` option). */
  homeUri?: string | undefined;
  actions: ViewActions;
  /** The driver's per-step memory and resend clock. */
  state: () => { memory: Record<string, unknown>; resendAvailableAt: number };
  now: () => number;
}

export class Shell implements Presenter {
  readonly root: HTMLElement;
  private readonly body: HTMLElement;
  private readonly alert: HTMLElement;
  private readonly status: HTMLElement;
  private view: RenderedView | null = null;
  private rendered = 0;
  private announceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: ShellOptions) {
    const { t } = options;
    this.alert = h('div', {
      class: 'gh-sr-only',
      attrs: { 'aria-live': 'assertive', 'aria-atomic': 'true' },
    });
    this.status = h('div', {
      class: 'gh-sr-only',
      attrs: { role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' },
    });
    this.body = h('div', { class: 'gh-body' });
    const logo = options.logo
      ? h('img', { class: 'gh-logo', attrs: { src: options.logo, alt: options.brandName ?? '' } })
      : options.brandName
        ? h('p', { class: 'gh-brand-name' }, options.brandName)
        : null;
    this.root = h(
      'div',
      { class: 'gh-widget', attrs: { lang: t.language, 'data-gh-widget': '' } },
      h(
        'section',
        { class: 'gh-card', attrs: { 'aria-label': t.t('primaryauth.title') } },
        logo ? h('header', { class: 'gh-header' }, logo) : null,
        this.alert,
        this.status,
        this.body,
      ),
    );
    for (const [name, value] of Object.entries(options.brandColors)) this.root.style.setProperty(name, value);
  }

  /** Shown until the first answer from the server arrives. */
  showLoading(): void {
    this.mount(loadingView(this.context(readStep({ version: '1.0.0' }))), null, false);
  }

  show(step: Step, fresh: boolean): void {
    const ctx = this.context(step);
    this.mount(renderStep(ctx), step, fresh);
  }

  showSuccess(step: Step, done: boolean): void {
    this.mount(successView(this.context(step), done), step, true);
  }

  setBusy(busy: boolean): void {
    this.root.setAttribute('aria-busy', String(busy));
    this.root.classList.toggle('gh-busy', busy);
  }

  dispose(): void {
    this.view?.dispose?.();
    if (this.announceTimer) clearTimeout(this.announceTimer);
    this.root.remove();
  }

  private context(step: Step): ViewContext {
    const state = this.options.state();
    return {
      ...this.options.actions,
      t: this.options.t,
      step,
      memory: state.memory,
      resendAvailableAt: state.resendAvailableAt,
      now: this.options.now,
      homeUri: this.options.homeUri,
    };
  }

  private mount(view: RenderedView, step: Step | null, fresh: boolean): void {
    this.view?.dispose?.();
    this.view = view;
    const name = step ? viewName({ step }) : 'loading';
    this.root.setAttribute('data-gh-view', name);
    replaceChildren(this.body, view.el);
    if (!step) return;
    const first = this.rendered === 0;
    this.rendered++;
    if (!first || this.options.autoFocus) {
      const target = fresh ? (view.focus ?? view.firstError) : (view.firstError ?? view.focus);
      target?.focus();
    }
    this.announce(view);
    const context: RenderContext = {
      controller: name,
      formName: step.interactionCode ? 'success' : (step.remediations[0]?.name ?? 'terminal'),
      authenticatorKey: step.remediations[0]?.authenticator?.key ?? step.authenticator?.key,
      messageKeys: step.messages.map((m) => m.key).filter((k): k is string => Boolean(k)),
    };
    if (first) this.options.emitter.emit('ready', context);
    this.options.emitter.emit('afterRender', context);
    if (view.errors.length) {
      const keys = [...step.messages, ...(step.remediations[0]?.fields.flatMap((f) => f.messages) ?? [])]
        .map((m) => m.key)
        .filter((k): k is string => Boolean(k));
      this.options.emitter.emit('afterError', context, { message: view.errors.join(' '), keys });
    }
  }

  /** Live regions announce changes: empty them first so a repeated message is read again. */
  private announce(view: RenderedView): void {
    replaceChildren(this.alert);
    replaceChildren(this.status);
    if (this.announceTimer) clearTimeout(this.announceTimer);
    const errors = view.errors.join(' ');
    const notices = (view.notices ?? []).join(' ');
    if (!errors && !notices) return;
    this.announceTimer = setTimeout(() => {
      if (errors) replaceChildren(this.alert, errors);
      if (notices) replaceChildren(this.status, notices);
    }, 100);
  }
}
