import type { IdxAuthenticator, IdxField, IdxResponse } from '@gatehouse/protocol';
import type { Presentation, SecretRules } from '../../authenticators/authenticator.js';
import type { AuthenticatorChoice } from '../../flows/shared/flow-view.js';
import { contextualData, wireAuthenticator } from './authenticator-wire.js';
import { array } from './idx-forms.js';

/** An authenticator as the clients know it (`authenticators`, `currentAuthenticator`): the `aut…` id. */
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

/**
 * The user's enrollments of an authenticator (`authenticatorEnrollments`): one, or for public-key
 * credentials one per key, with its `credentialId` and transports (an array: auth-js 8 ignores a
 * string; docs/protocol/idx-protocol-2.md §2.5, §6.4).
 */
export function enrollmentObjects(choice: AuthenticatorChoice): IdxAuthenticator[] {
  const base = authenticatorObject(choice);
  const { enrollment } = choice;
  if (enrollment.keys)
    return enrollment.keys.map((key) => ({
      ...base,
      id: key.id,
      displayName: key.name,
      credentialId: key.credentialId,
      ...(key.transports.length ? { transports: key.transports } : {}),
    }));
  return [{ ...base, id: enrollment.id, ...(enrollment.profile ? { profile: enrollment.profile } : {}) }];
}

/** The first enrollment object of a choice (the current one of a challenge). */
export function enrollmentObject(choice: AuthenticatorChoice): IdxAuthenticator {
  return enrollmentObjects(choice)[0]!;
}

/** Where a choose-one form's options point (`relatesTo`), by choice. */
export type RelatesTo = (choice: AuthenticatorChoice, index: number) => string;

/**
 * Writes `authenticators` (the choices) and `authenticatorEnrollments` (what the user holds) of a
 * step; returns where an option of each choice relates: its first enrollment, or for public-key
 * credentials and set-ups the authenticator (docs/protocol/idx-protocol-2.md §5.1, §7).
 */
export function describeAuthenticators(
  response: IdxResponse,
  choices: AuthenticatorChoice[],
  enrollments: AuthenticatorChoice[] | 'choices',
): RelatesTo {
  response.authenticators = array(choices.map(authenticatorObject));
  const held = enrollments === 'choices' ? choices : enrollments;
  const objects: IdxAuthenticator[] = [];
  const first = new Map<string, number>();
  for (const choice of held) {
    first.set(choice.key, objects.length);
    objects.push(...enrollmentObjects(choice));
  }
  response.authenticatorEnrollments = array(objects);
  return (choice, index) => {
    const at = first.get(choice.key);
    if (enrollments === 'choices' && choice.answer !== 'public-key' && at !== undefined)
      return `$.authenticatorEnrollments.value[${at}]`;
    return `$.authenticators.value[${index}]`;
  };
}

/** The `authenticator` field of a form that chooses one: each option posts the authenticator's id. */
export function authenticatorOptions(options: AuthenticatorChoice[], relatesTo: RelatesTo): IdxField {
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
        relatesTo: relatesTo(choice, i),
      };
    }),
  };
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

/** An authenticator object with what the client needs to answer it (`contextualData`), if anything. */
export function withPresentation(
  object: IdxAuthenticator,
  choice: AuthenticatorChoice,
  presentation: Presentation | null,
  stage: 'challenge' | 'enroll',
): IdxAuthenticator {
  if (presentation) object.contextualData = contextualData(choice.key, stage, presentation);
  return object;
}

/** The `credentials` fields of a challenge (`challenge`) or a set-up (`enroll`) of this authenticator. */
export function answerFields(choice: AuthenticatorChoice, stage: 'challenge' | 'enroll'): IdxField[] {
  const hidden = (name: string, label: string): IdxField => ({ name, label, required: true, visible: false });
  if (choice.answer === 'public-key')
    return stage === 'enroll'
      ? [
          hidden('attestation', 'Attestation'),
          hidden('clientData', 'Client Data'),
          // Not in Okta's form, but its clients send it (docs/protocol/idx-protocol-2.md §6.2): declared
          // so that clients posting only declared fields (ours) send the transports too.
          { ...hidden('transports', 'Transports'), required: false },
        ]
      : [
          hidden('authenticatorData', 'Authenticator Data'),
          hidden('clientData', 'Client Data'),
          hidden('signatureData', 'Signature Data'),
        ];
  if (choice.answer === 'secret')
    return stage === 'enroll'
      ? [{ name: 'passcode', label: `Enter ${choice.displayName.toLowerCase()}`, secret: true }]
      : [{ name: 'passcode', label: choice.displayName, secret: true }];
  return [{ name: 'passcode', label: 'Enter code' }];
}
