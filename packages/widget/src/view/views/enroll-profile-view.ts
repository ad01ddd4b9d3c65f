/**
 * `enroll-profile`: the sign-up form, built from the server's `userProfile` fields
 * (docs/protocol/idx-protocol-2.md §3.2) — Okta's base attributes under the widget's own labels
 * unless the server marks its label `customLabel`, custom ones under the server's; "Optional"
 * under the label of what is not required; booleans as checkboxes; `maxLength` on the input; the
 * server's field errors under their inputs. "Already have an account?" posts `select-identify`
 * (back to the sign-in form).
 */
import type { EnvelopeField, EnvelopeRemediation } from '@gatehouse/protocol';
import { controlFor, type FieldPresentation } from '../field-controls.js';
import { CheckboxControl, linkButton } from '../form-kit.js';
import { backToSignIn, formView } from '../form-view.js';
import type { RenderedView, ViewContext } from '../view-context.js';

const PROFILE = 'userProfile';

/** Okta's base attributes the widget labels itself (`oie.user.profile.*`), with their autofill hint. */
const BASE_ATTRIBUTES: Record<string, FieldPresentation & { key: string }> = {
  firstName: { key: 'oie.user.profile.firstname', autocomplete: 'given-name' },
  lastName: { key: 'oie.user.profile.lastname', autocomplete: 'family-name' },
  email: { key: 'oie.user.profile.primary.email', autocomplete: 'email', type: 'email' },
};

/** The attributes whose label the server wants shown as it is (`customLabel: true`). */
function customLabels(remediation: EnvelopeRemediation): Set<string> {
  const profile = remediation.raw.value.find((f) => f.name === PROFILE)?.form?.value ?? [];
  return new Set(profile.filter((f) => f.customLabel === true).map((f) => `${PROFILE}.${f.name}`));
}

function presentation(ctx: ViewContext, field: EnvelopeField, custom: Set<string>): FieldPresentation {
  const attribute = field.name.startsWith(`${PROFILE}.`) ? field.name.slice(PROFILE.length + 1) : '';
  const { key, ...base } = Object.hasOwn(BASE_ATTRIBUTES, attribute) ? BASE_ATTRIBUTES[attribute]! : {};
  return {
    ...base,
    ...(key && !(custom.has(field.name) && field.label) ? { label: ctx.t.t(key) } : {}),
    hint:
      field.required === true || field.type === 'boolean' ? undefined : ctx.t.t('oie.form.field.optional'),
  };
}

export function enrollProfileView(ctx: ViewContext, remediation: EnvelopeRemediation): RenderedView {
  const { t, step } = ctx;
  const typed = ctx.memory.lastInputs as Record<string, unknown> | undefined;
  const custom = customLabels(remediation);
  const controls = remediation.fields.map((field) => {
    const control = controlFor(field, ctx, presentation(ctx, field, custom));
    // Text inputs get back what was typed from the form view; a checkbox from here.
    if (control instanceof CheckboxControl && typed && field.name in typed)
      control.input.checked = typed[field.name] === true;
    return control;
  });
  const signIn = step.remediations.find((r) => r.name === 'select-identify');
  return formView({
    ctx,
    remediation,
    className: 'gh-view--enroll-profile',
    title: t.t('oie.registration.form.title'),
    subtitle: t.t('gh.registration.subtitle'),
    controls,
    submitLabel: t.t('oie.registration.form.submit'),
    links: signIn
      ? [linkButton(t.t('haveaccount'), () => ctx.submit(signIn, {}), 'gh-link--sign-in')]
      : step.cancel
        ? [backToSignIn(ctx)]
        : [],
  });
}
