import {
  type IdxAuthenticator,
  type IdxField,
  type IdxForm,
  type IdxResponse,
  Remediation,
} from '@gatehouse/protocol';
import type { AuthenticatorChoice, FlowView } from '../../flows/shared/flow-view.js';
import {
  answerFields,
  authenticatorObject,
  authenticatorOptions,
  describeAuthenticators,
  enrollmentObject,
  type RelatesTo,
  withPresentation,
  withRules,
} from './authenticator-objects.js';
import type { IdxMessageRef } from './engine-errors.js';
import { array, credentialsField, type FormBuilder, messagesFor, withMessages } from './idx-forms.js';
import { serializeEnrollmentStep } from './serialize-enrollment.js';

/**
 * The remediations and authenticator objects of a step (docs/protocol/idx-protocol.md §6–§7): what the client
 * may do next and what it is about. Writes into `response`; returns the remediations.
 */
export function serializeStep(
  view: FlowView,
  messages: IdxMessageRef[],
  form: FormBuilder,
  response: IdxResponse,
  /**
   * A hosted sign-in (ADR 0012): the identify form offers "Keep me signed in" (`rememberMe`) and
   * starts filled with the app's `login_hint`.
   */
  hosted: { loginHint: string | null } | null = null,
): IdxForm[] {
  const { step } = view;
  const fieldMessages = (field: string) => messagesFor(messages.filter((m) => m.field === field));
  const passcodeMessages = fieldMessages('credentials.passcode');
  switch (step.name) {
    case 'identify': {
      const hint = hosted?.loginHint ? { value: hosted.loginHint } : {};
      const fields: IdxField[] = [
        withMessages(
          { name: 'identifier', label: 'Username', required: true, ...hint },
          fieldMessages('identifier'),
        ),
      ];
      if (step.withIdentifier)
        fields.push(credentialsField(answerFields(step.withIdentifier, 'challenge'), passcodeMessages));
      if (hosted !== null && view.flow === 'sign-in')
        fields.push({ name: 'rememberMe', type: 'boolean', label: 'Keep me signed in', required: false });
      const name = view.flow === 'recovery' ? Remediation.identifyRecovery : Remediation.identify;
      if (view.recoverable) {
        // "Forgot password?" on the identify page (auth-js: currentAuthenticator-recover).
        response.currentAuthenticator = {
          type: 'object',
          value: { ...authenticatorObject(view.recoverable), recover: form('recover', '/recover', []) },
        };
      }
      // "Sign up" and "Unlock account?" (field-less forms beside identify; docs/protocol/idx-protocol-2.md §3.1, §4.1).
      const remediations = [form(name, '/identify', fields)];
      if (view.offers.includes('registration'))
        remediations.push(form(Remediation.selectEnrollProfile, '/enroll', []));
      if (view.offers.includes('unlock'))
        remediations.push(form(Remediation.unlockAccount, '/unlock-account', []));
      return remediations;
    }
    case 'profile':
    case 'enroll-select':
    case 'enroll':
      return serializeEnrollmentStep(view, step, messages, form, response);
    case 'unlock': {
      // One form: who, and how they prove it; options point at id-less enrollment placeholders
      // (docs/protocol/idx-protocol-2.md §4.2).
      response.authenticators = array(step.options.map(authenticatorObject));
      response.authenticatorEnrollments = array(
        step.options.map((choice) => {
          const { id: _, ...placeholder } = authenticatorObject(choice);
          return placeholder as IdxAuthenticator;
        }),
      );
      const identifier = withMessages(
        { name: 'identifier', label: 'Username', required: true },
        fieldMessages('identifier'),
      );
      return [
        form(Remediation.selectAuthenticatorUnlockAccount, '/challenge', [
          identifier,
          authenticatorOptions(step.options, (_choice, i) => `$.authenticatorEnrollments.value[${i}]`),
        ]),
      ];
    }
    case 'select': {
      const relatesTo = describeAuthenticators(response, step.options, 'choices');
      return [selectForm(step.options, relatesTo, form)];
    }
    case 'challenge': {
      const { authenticator, others, presentation } = step;
      const all = [authenticator, ...others];
      const relatesTo = describeAuthenticators(response, all, 'choices');
      // A public-key challenge relates to the authenticator (the user may hold several keys), the
      // others to the enrollment (docs/protocol/idx-protocol-2.md §2.4).
      const publicKey = authenticator.answer === 'public-key';
      const current = withPresentation(
        publicKey ? authenticatorObject(authenticator) : enrollmentObject(authenticator),
        authenticator,
        presentation,
        'challenge',
      );
      if (view.recoverable?.key === authenticator.key) current.recover = form('recover', '/recover', []);
      if (authenticator.resendable) current.resend = form('resend', '/challenge/resend', []);
      if (authenticator.pollIntervalMs !== null)
        current.poll = form('poll', '/challenge/poll', [], { refresh: authenticator.pollIntervalMs });
      const relation = publicKey ? '$.currentAuthenticator' : '$.currentAuthenticatorEnrollment';
      if (publicKey) response.currentAuthenticator = { type: 'object', value: current };
      else response.currentAuthenticatorEnrollment = { type: 'object', value: current };
      const remediations = [
        form(
          Remediation.challengeAuthenticator,
          '/challenge/answer',
          [credentialsField(answerFields(authenticator, 'challenge'), passcodeMessages)],
          { relatesTo: [relation] },
        ),
      ];
      if (others.length)
        remediations.push(selectForm(others, (choice) => relatesTo(choice, all.indexOf(choice)), form));
      return remediations;
    }
    case 'reset': {
      const newPassword = { name: 'passcode', label: 'New password', secret: true };
      const current = withRules(authenticatorObject(step.authenticator), step.rules);
      response.currentAuthenticator = { type: 'object', value: current };
      return [
        form(
          Remediation.resetAuthenticator,
          '/challenge/answer',
          [credentialsField(newPassword, passcodeMessages)],
          {
            relatesTo: ['$.currentAuthenticator'],
          },
        ),
      ];
    }
    case 'unlocked':
    case 'continued-elsewhere':
    case 'ended':
      return [];
  }
}

function selectForm(options: AuthenticatorChoice[], relatesTo: RelatesTo, form: FormBuilder): IdxForm {
  return form(Remediation.selectAuthenticatorAuthenticate, '/challenge', [
    authenticatorOptions(options, relatesTo),
  ]);
}
