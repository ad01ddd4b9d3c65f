import {
  type IdxAuthenticator,
  type IdxField,
  type IdxForm,
  type IdxResponse,
  Remediation,
} from '@gatehouse/protocol';
import type { SecretRules } from '../../authenticators/authenticator.js';
import type { AuthenticatorChoice, FlowView } from '../../flows/shared/flow-view.js';
import { wireAuthenticator } from './authenticator-wire.js';
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
          authenticatorOptions(step.options, '$.authenticatorEnrollments'),
        ]),
      ];
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

/** An authenticator object with the rules a new secret must follow, as `settings` (password). */
export function withRules(object: IdxAuthenticator, rules: SecretRules | null): IdxAuthenticator {
  if (!rules) return object;
  const { historyCount, minScore, ...complexity } = rules;
  object.settings = { complexity, age: { minAgeMinutes: 0, historyCount } };
  // Beside `complexity`, not in it: Okta's widget renders every member of `complexity` by name
  // and fails on one it does not know (docs/adr/0009-password-strength.md).
  if (minScore > 0) object.settings.strength = { minScore };
  return object;
}

export function passcodeField(choice: AuthenticatorChoice): IdxField {
  return choice.answer === 'secret'
    ? { name: 'passcode', label: choice.displayName, secret: true }
    : { name: 'passcode', label: 'Enter code' };
}

function selectForm(options: AuthenticatorChoice[], form: FormBuilder): IdxForm {
  return form(Remediation.selectAuthenticatorAuthenticate, '/challenge', [
    authenticatorOptions(options, '$.authenticatorEnrollments'),
  ]);
}

/**
 * The `authenticator` field of a form that chooses one: each option posts the authenticator's id
 * and relates to the object at the same index of `relatesTo` (the user's enrollments, or the
 * authenticators to set up).
 */
export function authenticatorOptions(options: AuthenticatorChoice[], relatesTo: string): IdxField {
  return {
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
        relatesTo: `${relatesTo}.value[${i}]`,
      };
    }),
  };
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

export function enrollmentObject(choice: AuthenticatorChoice): IdxAuthenticator {
  return {
    ...authenticatorObject(choice),
    id: choice.enrollment.id,
    ...(choice.enrollment.profile ? { profile: choice.enrollment.profile } : {}),
  };
}
