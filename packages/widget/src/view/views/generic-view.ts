/**
 * Any remediation the widget has no purpose-built view for: every visible field with its label,
 * secrets as password inputs, booleans as checkboxes, options as radio buttons (with the
 * authenticator they relate to), nested `credentials.*` fields, and the messages of each.
 */
import type { EnvelopeField, EnvelopeOption, EnvelopeRemediation } from '@gatehouse/protocol';
import { choiceValue } from '../../core/form-values.js';
import { h, uniqueId } from '../dom.js';
import { CheckboxControl, type Control, FieldControl, kindOf } from '../form-kit.js';
import { backToSignIn, formView } from '../form-view.js';
import type { RenderedView, ViewContext } from '../view-context.js';

/** Radio buttons for a field with options; the chosen option's value is posted. */
class ChoiceControl {
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

function controlFor(field: EnvelopeField, ctx: ViewContext): Control {
  const kind = kindOf(field);
  const label = field.label ?? field.name;
  if (kind === 'choice') return new ChoiceControl(field, ctx);
  if (kind === 'boolean') return new CheckboxControl(field.name, label, field.value === true);
  const control = new FieldControl(
    field.name,
    ctx.t,
    {
      label,
      type: kind === 'secret' ? 'password' : 'text',
      autocomplete: kind === 'secret' ? 'current-password' : 'off',
      revealable: kind === 'secret',
    },
    field.messages,
    field.required === true,
  );
  if (typeof field.value === 'string') control.input.value = field.value;
  if (field.maxLength) control.input.maxLength = field.maxLength;
  return control;
}

export function genericView(ctx: ViewContext, remediation: EnvelopeRemediation): RenderedView {
  const controls = remediation.fields.map((f) => controlFor(f, ctx));
  return formView({
    ctx,
    remediation,
    title: ctx.step.app?.label || ctx.t.t('primaryauth.title'),
    subtitle: remediation.name.replace(/-/g, ' '),
    controls,
    submitLabel: ctx.t.t('oform.submit'),
    links: ctx.step.cancel ? [backToSignIn(ctx)] : [],
  });
}
