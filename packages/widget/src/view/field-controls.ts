/**
 * A control for any field the server describes: options as radio buttons (with the
 * authenticator they relate to), booleans as checkboxes, secrets as password inputs, the rest as
 * text — labelled, with the server's default value, `maxLength` and the field's own messages.
 * Used by the generic renderer and the sign-up form.
 */
import type { EnvelopeField, EnvelopeOption } from '@gatehouse/protocol';
import { choiceValue } from '../core/form-values.js';
import { h, uniqueId } from './dom.js';
import { CheckboxControl, type Control, FieldControl, type InputOptions, kindOf } from './form-kit.js';
import type { ViewContext } from './view-context.js';

/** Radio buttons for a field with options; the chosen option's value is posted. */
export class ChoiceControl {
  readonly el: HTMLElement;
  private readonly inputs: HTMLInputElement[] = [];
  private readonly options: EnvelopeOption[];
  constructor(
    readonly field: EnvelopeField,
    ctx: ViewContext,
  ) {
    this.options = field.options ?? [];
    const group = uniqueId('choice');
    const errors = field.messages.map((m) => ctx.t.message(m));
    const errorId = `${group}-error`;
    this.el = h(
      'fieldset',
      {
        class: 'gh-field gh-fieldset',
        attrs: {
          'aria-describedby': errors.length ? errorId : undefined,
          'aria-invalid': errors.length ? 'true' : undefined,
        },
      },
      h('legend', { class: 'gh-label' }, field.label ?? field.name),
      this.options.map((option, index) => {
        const id = `${group}-${index}`;
        const input = h('input', { attrs: { id, type: 'radio', name: group, value: String(index) } });
        this.inputs.push(input);
        const description = option.authenticator?.profile?.email;
        return h(
          'div',
          { class: 'gh-radio' },
          input,
          h(
            'label',
            { attrs: { for: id } },
            option.label,
            description ? h('span', { class: 'gh-muted' }, ` (${description})`) : null,
          ),
        );
      }),
      errors.length ? h('p', { class: 'gh-field-error', attrs: { id: errorId } }, errors.join(' ')) : null,
    );
  }
  get name(): string {
    return this.field.name;
  }
  value(): unknown {
    const chosen = this.inputs.findIndex((i) => i.checked);
    const option = this.options[chosen];
    return option ? choiceValue(option) : undefined;
  }
}

/** How a view may present a field differently from the server's own words. */
export type FieldPresentation = Partial<Pick<InputOptions, 'label' | 'autocomplete' | 'hint' | 'type'>>;

export function controlFor(field: EnvelopeField, ctx: ViewContext, shown: FieldPresentation = {}): Control {
  const kind = kindOf(field);
  const label = shown.label ?? field.label ?? field.name;
  if (kind === 'choice') return new ChoiceControl(field, ctx);
  if (kind === 'boolean') return new CheckboxControl(field.name, label, field.value === true);
  const control = new FieldControl(
    field.name,
    ctx.t,
    {
      label,
      type: kind === 'secret' ? 'password' : (shown.type ?? 'text'),
      autocomplete: kind === 'secret' ? 'current-password' : (shown.autocomplete ?? 'off'),
      revealable: kind === 'secret',
      hint: shown.hint,
    },
    field.messages,
    field.required === true,
  );
  if (typeof field.value === 'string') control.input.value = field.value;
  if (field.maxLength) control.input.maxLength = field.maxLength;
  return control;
}
