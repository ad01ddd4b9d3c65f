import {
  type IdxAuthenticator,
  type IdxField,
  type IdxForm,
  type IdxResponse,
  Remediation,
} from '@gatehouse/protocol';
import type { AuthenticatorChoice, FlowView } from '../../flows/shared/flow-view.js';
import { wireAuthenticator } from './authenticator-wire.js';
import type { IdxMessageRef } from './engine-errors.js';
import { array, credentialsField, type FormBuilder, messagesFor, withMessages } from './idx-forms.js';

/**
 * The remediations and authenticator objects of a step (docs/protocol/idx-protocol.md §6–§7): what the client
 * may do next and what it is about. Writes into `response`; returns the remediations.
 */
export function serializeStep(
  view: FlowView,
  messages: IdxMessageRef[],
  form: FormBuilder,
  response: IdxResponse,
): IdxForm[] {
  const { step } = view;
  const fieldMessages = (field: string) => messagesFor(messages.filter((m) => m.field === field));
  const passcodeMessages = fieldMessages('credentials.passcode');
  switch (step.name) {
    case 'identify': {
      const fields: IdxField[] = [
        withMessages({ name: 'identifier', label: 'Username', required: true }, fieldMessages('identifier')),
      ];
      if (step.withIdentifier)
        fields.push(credentialsField(passcodeField(step.withIdentifier), passcodeMessages));
      const name = view.flow === 'recovery' ? Remediation.identifyRecovery : Remediation.identify;
      if (view.recoverable) {
        // "Forgot password?" on the identify page (auth-js: currentAuthenticator-recover).
        response.currentAuthenticator = {
          type: 'object',
          value: { ...authenticatorObject(view.recoverable), recover: form('recover', '/recover', []) },
        };
      }
      return [form(name, '/identify', fields)];
    }
    case 'select':
      response.authenticators = array(step.options.map(authenticatorObject));
      response.authenticatorEnrollments = array(step.options.map(enrollmentObject));
      return [selectForm(step.options, form)];
    case 'challenge': {
      const { authenticator, others } = step;
      const remediations = [
        form(
          Remediation.challengeAuthenticator,
          '/challenge/answer',
          [credentialsField(passcodeField(authenticator), passcodeMessages)],
          { relatesTo: ['$.currentAuthenticatorEnrollment'] },
        ),
      ];
      if (others.length) remediations.push(selectForm(others, form));
      const current = enrollmentObject(authenticator);
      if (view.recoverable?.key === authenticator.key) current.recover = form('recover', '/recover', []);
      if (authenticator.resendable) current.resend = form('resend', '/challenge/resend', []);
      if (authenticator.pollIntervalMs !== null)
        current.poll = form('poll', '/challenge/poll', [], { refresh: authenticator.pollIntervalMs });
      response.currentAuthenticatorEnrollment = { type: 'object', value: current };
      const all = [authenticator, ...others];
      response.authenticators = array(all.map(authenticatorObject));
      response.authenticatorEnrollments = array(all.map(enrollmentObject));
      return remediations;
    }
    case 'reset': {
      const newPassword = { name: 'passcode', label: 'New password', secret: true };
      const current: IdxAuthenticator = authenticatorObject(step.authenticator);
      if (step.rules) {
        const { historyCount, minScore, ...complexity } = step.rules;
        current.settings = { complexity, age: { minAgeMinutes: 0, historyCount } };
        // Beside `complexity`, not in it: Okta's widget renders every member of `complexity` by name
        // and fails on one it does not know (docs/adr/0009-password-strength.md).
        if (minScore > 0) current.settings.strength = { minScore };
      }
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
    case 'continued-elsewhere':
    case 'ended':
      return [];
  }
}

function passcodeField(choice: AuthenticatorChoice): IdxField {
  return choice.answer === 'secret'
    ? { name: 'passcode', label: choice.displayName, secret: true }
    : { name: 'passcode', label: 'Enter code' };
}

function selectForm(options: AuthenticatorChoice[], form: FormBuilder): IdxForm {
  return form(Remediation.selectAuthenticatorAuthenticate, '/challenge', [
    {
      name: 'authenticator',
      type: 'object',
      options: options.map((choice, i) => {
        const wire = wireAuthenticator(choice.key);
        return {
          label: choice.displayName,
          value: {
            form: {
              value: [
                { name: 'id', required: true, value: wire.id, mutable: false },
                { name: 'methodType', required: false, value: wire.methods[0], mutable: false },
              ],
            },
          },
          relatesTo: `$.authenticatorEnrollments.value[${i}]`,
        };
      }),
    },
  ]);
}

export function authenticatorObject(choice: AuthenticatorChoice): IdxAuthenticator {
  const wire = wireAuthenticator(choice.key);
  return {
    type: wire.type,
    key: wire.key,
    id: wire.id,
    displayName: choice.displayName,
    methods: wire.methods.map((type) => ({ type })),
  };
}

function enrollmentObject(choice: AuthenticatorChoice): IdxAuthenticator {
  return {
    ...authenticatorObject(choice),
    id: choice.enrollment.id,
    ...(choice.enrollment.profile ? { profile: choice.enrollment.profile } : {}),
  };
}
