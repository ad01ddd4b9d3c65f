/**
 * Any remediation the widget has no purpose-built view for: every visible field with its label,
 * secrets as password inputs, booleans as checkboxes, options as radio buttons (with the
 * authenticator they relate to), nested `credentials.*` fields, and the messages of each. Fields a
 * program fills (hidden, without a value: a WebAuthn answer) are never shown as inputs.
 */
import type { EnvelopeRemediation } from '@gatehouse/protocol';
import { controlFor } from '../field-controls.js';
import { backToSignIn, formView } from '../form-view.js';
import type { RenderedView, ViewContext } from '../view-context.js';

export function genericView(ctx: ViewContext, remediation: EnvelopeRemediation): RenderedView {
  const controls = remediation.fields.filter((f) => !f.programmatic).map((f) => controlFor(f, ctx));
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
