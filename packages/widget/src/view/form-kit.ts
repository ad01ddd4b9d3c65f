/**
 * Building blocks shared by the views: labelled inputs with their error text, the error banner,
 * headings, buttons and link-styled buttons. Every input has a `<label>`; an error is tied to its
 * input with `aria-describedby` and `aria-invalid`.
 */
import type { EnvelopeField, EnvelopeMessage, EnvelopeRemediation } from '@gatehouse/protocol';
import type { InputValues } from '../core/form-values.js';
import type { Translator } from '../i18n/translator.js';
import { type Child, h, replaceChildren, uniqueId } from './dom.js';

export interface InputOptions {
  label: string;
  type?: 'text' | 'password' | 'email';
  autocomplete?: string;
  inputmode?: string;
  /** Hint shown under the label and read with the input. */
  hint?: string;
  /** Secret fields get a "Show password" toggle. */
  revealable?: boolean;
}

/** One labelled input bound to a form field (dotted name) with a place for its error. */
export class FieldControl {
  readonly el: HTMLElement;
  readonly input: HTMLInputElement;
  private readonly error: HTMLElement;
  private readonly describedBy: string[];

  constructor(
    readonly name: string,
    private readonly t: Translator,
    options: InputOptions,
    messages: EnvelopeMessage[] = [],
    readonly required = false,
  ) {
    const id = uniqueId('input');
    const errorId = `${id}-error`;
    this.describedBy = [];
    const hint = options.hint
      ? h('p', { class: 'gh-hint', attrs: { id: `${id}-hint` } }, options.hint)
      : null;
    if (hint) this.describedBy.push(`${id}-hint`);
    this.input = h('input', {
      class: 'gh-input',
      attrs: {
        id,
        name,
        type: options.type ?? 'text',
        autocomplete: options.autocomplete ?? 'off',
        inputmode: options.inputmode,
        autocapitalize: options.type === 'password' ? undefined : 'none',
        spellcheck: 'false',
        'aria-required': required ? 'true' : undefined,
      },
    });
    this.error = h('p', { class: 'gh-field-error', attrs: { id: errorId, hidden: true } });
    const reveal = options.revealable ? this.revealButton() : null;
    this.el = h(
      'div',
      { class: 'gh-field' },
      h('label', { class: 'gh-label', attrs: { for: id } }, options.label),
      hint,
      h('div', { class: reveal ? 'gh-input-row' : 'gh-input-wrap' }, this.input, reveal),
      this.error,
    );
    this.input.setAttribute('aria-describedby', this.describedBy.join(' ') || errorId);
    const texts = messages.map((m) => t.message(m));
    this.setError(texts.length ? texts.join(' ') : null);
  }

  value(): string {
    return this.input.value;
  }

  /** Adds an element (by id) to what the input's description reads. */
  describeWith(id: string): void {
    this.describedBy.push(id);
    this.setError(this.hasError() ? (this.error.textContent ?? '') : null);
  }

  hasError(): boolean {
    return this.input.getAttribute('aria-invalid') === 'true';
  }

  /** The error shown under the input, if any. */
  errorText(): string | null {
    return this.hasError() ? (this.error.textContent ?? '') : null;
  }

  setError(text: string | null): void {
    if (text) {
      replaceChildren(this.error, text);
      this.error.hidden = false;
      this.input.setAttribute('aria-invalid', 'true');
      this.input.setAttribute('aria-describedby', [...this.describedBy, this.error.id].join(' '));
      this.el.classList.add('gh-field--invalid');
    } else {
      replaceChildren(this.error);
      this.error.hidden = true;
      this.input.removeAttribute('aria-invalid');
      this.input.setAttribute('aria-describedby', this.describedBy.join(' ') || this.error.id);
      this.el.classList.remove('gh-field--invalid');
    }
  }

  private revealButton(): HTMLButtonElement {
    const button = h('button', {
      class: 'gh-reveal',
      attrs: { type: 'button', 'aria-pressed': 'false', 'aria-controls': this.input.id },
    });
    const update = (shown: boolean) => {
      this.input.type = shown ? 'text' : 'password';
      button.setAttribute('aria-pressed', String(shown));
      replaceChildren(button, this.t.t(shown ? 'gh.password.hide' : 'gh.password.show'));
    };
    button.addEventListener('click', () => update(this.input.type === 'password'));
    update(false);
    return button;
  }
}

/** A checkbox bound to a boolean field. */
export class CheckboxControl {
  readonly el: HTMLElement;
  readonly input: HTMLInputElement;
  constructor(
    readonly name: string,
    label: string,
    checked: boolean,
  ) {
    const id = uniqueId('check');
    this.input = h('input', { attrs: { id, name, type: 'checkbox' } });
    this.input.checked = checked;
    this.el = h(
      'div',
      { class: 'gh-field gh-field--checkbox' },
      this.input,
      h('label', { attrs: { for: id } }, label),
    );
  }
  value(): boolean {
    return this.input.checked;
  }
}

/** Anything the form reads a value from. */
export interface Control {
  readonly el: HTMLElement;
  readonly name: string;
  value(): unknown;
}

export function heading(text: string, subtitle?: string | Child[]): HTMLElement {
  return h(
    'div',
    { class: 'gh-heading' },
    h('h2', { class: 'gh-title', attrs: { tabindex: '-1' } }, text),
    subtitle ? h('p', { class: 'gh-subtitle' }, subtitle) : null,
  );
}

export function primaryButton(label: string, type: 'submit' | 'button' = 'submit'): HTMLButtonElement {
  return h('button', { class: 'gh-button gh-button--primary', attrs: { type } }, label);
}

/** A control that looks like a link but is a button: it acts, it does not navigate. */
export function linkButton(label: string, onClick: () => void, extraClass = ''): HTMLButtonElement {
  return h(
    'button',
    { class: `gh-link ${extraClass}`.trim(), attrs: { type: 'button' }, on: { click: () => onClick() } },
    label,
  );
}

/** The banner listing form-level messages, styled by the most severe one. */
export function banner(
  messages: Array<{ text: string; level: EnvelopeMessage['level'] }>,
): HTMLElement | null {
  if (!messages.length) return null;
  const level = messages.some((m) => m.level === 'error')
    ? 'error'
    : messages.some((m) => m.level === 'warning')
      ? 'warning'
      : 'info';
  return h(
    'div',
    { class: `gh-banner gh-banner--${level}`, attrs: { tabindex: '-1' } },
    messages.map((m) => h('p', null, m.text)),
  );
}

/** Replaces `{0}` in a translation by a node (e.g. a bold email address), keeping the rest as text. */
export function withNode(text: string, node: Node): Child[] {
  const at = text.indexOf('{0}');
  if (at < 0) return [text];
  return [text.slice(0, at), node, text.slice(at + 3)];
}

/** Reads the controls into dotted input values. */
export function readValues(controls: Control[]): InputValues {
  const values: InputValues = {};
  for (const control of controls) values[control.name] = control.value();
  return values;
}

/**
 * Client-side checks before posting: required inputs not blank. Returns the first invalid
 * control (to focus) or null.
 */
export function validateRequired(controls: Control[], t: Translator): FieldControl | null {
  let first: FieldControl | null = null;
  for (const control of controls) {
    if (!(control instanceof FieldControl)) continue;
    if (control.required && control.value().trim() === '') {
      control.setError(t.t('model.validation.field.blank'));
      first ??= control;
    }
  }
  return first;
}

/** The field of a remediation by dotted name. */
export function fieldOf(
  remediation: EnvelopeRemediation | undefined,
  name: string,
): EnvelopeField | undefined {
  return remediation?.fields.find((f) => f.name === name);
}

export type FieldKind = 'text' | 'secret' | 'boolean' | 'choice';

/** How a field is rendered: radio buttons for options, a password input, a checkbox, or text. */
export function kindOf(field: EnvelopeField): FieldKind {
  if (field.options?.length) return 'choice';
  if (field.secret) return 'secret';
  return field.type === 'boolean' ? 'boolean' : 'text';
}
