import { type IdxField, type IdxForm, type IdxResponse, Remediation } from '@gatehouse/protocol';
import type { AuthenticatorChoice, FlowView, StepView } from '../../flows/shared/flow-view.js';
import type { ProfileAttribute } from '../../storage/apps-store.js';
import type { RelatesTo } from './authenticator-objects.js';
import {
  answerFields,
  authenticatorObject,
  authenticatorOptions,
  describeAuthenticators,
  withPresentation,
  withRules,
} from './authenticator-objects.js';
import type { IdxMessageRef } from './engine-errors.js';
import { credentialsField, type FormBuilder, messagesFor, withMessages } from './idx-forms.js';

type EnrollmentStep = Extract<StepView, { name: 'profile' | 'enroll-select' | 'enroll' }>;

/** Labels Okta's widget translates itself unless told otherwise (`customLabel`). */
const BASE_LABELS: Readonly<Record<string, string>> = {
  firstName: 'First name',
  lastName: 'Last name',
  email: 'Email',
};

/**
 * The steps of a sign-up (docs/protocol/idx-protocol-2.md §2–§3): the profile form with "Already
 * have an account?", choosing what to set up (with `skip` when all of it is optional), and setting
 * one up (`enroll-authenticator` relating to `currentAuthenticator`, then the list again).
 */
export function serializeEnrollmentStep(
  view: FlowView,
  step: EnrollmentStep,
  messages: IdxMessageRef[],
  form: FormBuilder,
  response: IdxResponse,
): IdxForm[] {
  switch (step.name) {
    case 'profile': {
      const fields = step.attributes.map((attribute) =>
        withMessages(
          profileField(attribute),
          messagesFor(messages.filter((m) => m.field === `userProfile.${attribute.name}`)),
        ),
      );
      const remediations = [
        form(Remediation.enrollProfile, '/enroll/new', [{ name: 'userProfile', form: { value: fields } }]),
      ];
      if (view.offers.includes('sign-in'))
        remediations.push(form(Remediation.selectIdentify, '/identify/select', []));
      return remediations;
    }
    case 'enroll-select': {
      const relatesTo = describeAuthenticators(response, step.options, step.enrolled);
      return withSkip([selectEnrollForm(step.options, relatesTo, form)], step.optional, form);
    }
    case 'enroll': {
      const { authenticator } = step;
      const current = withPresentation(
        withRules(authenticatorObject(authenticator), step.rules),
        authenticator,
        step.presentation,
        'enroll',
      );
      if (authenticator.resendable) current.resend = form('resend', '/challenge/resend', []);
      if (authenticator.pollIntervalMs !== null)
        current.poll = form('poll', '/challenge/poll', [], { refresh: authenticator.pollIntervalMs });
      response.currentAuthenticator = { type: 'object', value: current };
      response.enrollmentAuthenticator = { type: 'object', value: current };
      const all = [authenticator, ...step.others];
      const relatesTo = describeAuthenticators(response, all, step.enrolled);
      const passcode = messagesFor(messages.filter((m) => m.field === 'credentials.passcode'));
      const enroll = form(
        Remediation.enrollAuthenticator,
        '/challenge/answer',
        [credentialsField(answerFields(authenticator, 'enroll'), passcode)],
        { relatesTo: ['$.currentAuthenticator'] },
      );
      // The list again: the widget's "Return to authenticator list".
      return withSkip([enroll, selectEnrollForm(all, relatesTo, form)], step.optional, form);
    }
  }
}

function profileField(attribute: ProfileAttribute): IdxField {
  const field: IdxField = { name: attribute.name, label: attribute.label, required: attribute.required };
  if (attribute.type === 'boolean') field.type = 'boolean';
  else if (attribute.required) field.minLength = 1;
  if (attribute.maxLength !== undefined) field.maxLength = attribute.maxLength;
  const base = BASE_LABELS[attribute.name];
  if (base !== undefined && base !== attribute.label) field.customLabel = true;
  return field;
}

function selectEnrollForm(options: AuthenticatorChoice[], relatesTo: RelatesTo, form: FormBuilder): IdxForm {
  return form(Remediation.selectAuthenticatorEnroll, '/credential/enroll', [
    authenticatorOptions(options, relatesTo),
  ]);
}

/** `skip` when everything left is optional (a sibling remediation, never alone). */
function withSkip(remediations: IdxForm[], optional: boolean, form: FormBuilder): IdxForm[] {
  if (optional) remediations.push(form(Remediation.skip, '/skip', []));
  return remediations;
}
