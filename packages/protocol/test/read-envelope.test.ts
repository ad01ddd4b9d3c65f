/**
 * The envelope reader on envelopes recorded from Gatehouse, and on Okta-shaped ones for what
 * Gatehouse does not send (odd input: odd-input.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { isIdxEnvelope, readEnvelope } from '../src/index.js';
import {
  allRecorded,
  oktaEnrollProfile,
  oktaSelectEnroll,
  oktaVerificationData,
  recorded,
} from './support/envelopes.js';

const read = (name: string) => readEnvelope(recorded(name));

describe('readEnvelope on envelopes recorded from Gatehouse', () => {
  it('one-step identify: dotted nested input, hidden stateHandle left out, recover and cancel actions', () => {
    const envelope = read('identify-password');
    expect(envelope).toMatchObject({ stateHandle: '02stateHandle', intent: 'LOGIN', terminal: false });
    const [identify] = envelope.remediations;
    expect(identify?.name).toBe('identify');
    expect(identify?.fields).toEqual([
      expect.objectContaining({
        name: 'identifier',
        label: 'Username',
        type: 'string',
        required: true,
        secret: false,
      }),
      expect.objectContaining({
        name: 'credentials.passcode',
        label: 'Password',
        required: undefined,
        parent: { name: 'credentials', required: true },
        secret: true,
      }),
    ]);
    expect([...envelope.actions.keys()].sort()).toEqual(['cancel', 'currentAuthenticator-recover']);
    expect(envelope.cancel?.raw.href).toMatch(/\/idp\/idx\/cancel$/);
    expect(envelope.currentAuthenticator).toMatchObject({ key: 'okta_password', type: 'password' });
    expect(envelope.currentAuthenticator?.actions.get('recover')?.name).toBe('recover');
    expect(envelope.app).toEqual({ id: '0oaTestClient', label: 'Example App' });
    expect(envelope.messages).toEqual([]);
  });

  it('select: option-level relatesTo strings resolve into authenticatorEnrollments', () => {
    const [select] = read('select-authenticator').remediations;
    const options = select?.fields[0]?.options ?? [];
    expect(options.map((o) => [o.label, o.authenticator?.key, o.authenticator?.type])).toEqual([
      ['Password', 'okta_password', 'password'],
      ['Email', 'okta_email', 'email'],
    ]);
    expect(options[1]?.authenticator?.profile).toEqual({ email: expect.stringContaining('@example.com') });
    // The option's value is kept as sent: the consumer decides what choosing it posts.
    expect(options[1]?.value).toEqual({
      form: { value: expect.arrayContaining([expect.objectContaining({ name: 'id' })]) },
    });
    expect(select?.authenticator).toBeUndefined();
  });

  it('email challenge: remediation-level relatesTo to the enrollment wrapper, with resend and poll (refresh)', () => {
    const envelope = read('challenge-email');
    const [challenge] = envelope.remediations;
    expect(challenge?.authenticator).toMatchObject({
      key: 'okta_email',
      id: 'eaeEnrollment',
      displayName: 'Email',
    });
    expect([...(challenge?.authenticator?.actions.keys() ?? [])]).toEqual(['resend', 'poll']);
    expect(challenge?.authenticator?.actions.get('poll')?.refresh).toBe(4000);
    expect(challenge?.authenticator?.actions.get('resend')?.refresh).toBeUndefined();
    expect([...envelope.actions.keys()]).toEqual([
      'currentAuthenticatorEnrollment-resend',
      'currentAuthenticatorEnrollment-poll',
      'cancel',
    ]);
    expect(envelope.currentAuthenticatorEnrollment?.key).toBe('okta_email');
    expect(envelope.currentAuthenticator).toBeUndefined();
    expect(envelope.user).toEqual({ id: '00uUser', identifier: 'ada.lovelace@example.com' });
  });

  it('field-level messages: on the field (dotted name) and listed on the remediation', () => {
    const [challenge] = read('challenge-email-error').remediations;
    const message = {
      message: 'Invalid code. Try again.',
      key: 'api.authn.error.PASSCODE_INVALID',
      params: undefined,
      level: 'error',
      field: 'credentials.passcode',
    };
    expect(challenge?.fields[0]?.messages).toEqual([message]);
    expect(challenge?.messages).toEqual([message]);
  });

  it('top-level messages keep their i18n params; the reset step has its password rules and recovery', () => {
    const envelope = read('reset-authenticator-error');
    const [reset] = envelope.remediations;
    expect(reset?.fields[0]?.messages[0]).toMatchObject({
      key: 'password.passwordRequirementsNotMet',
      params: [expect.stringContaining('15 characters')],
      level: 'error',
    });
    expect(reset?.authenticator?.settings?.complexity).toMatchObject({
      minLength: 15,
      excludeUsername: true,
    });
    expect(envelope.recoveryAuthenticator).toMatchObject({ type: 'password', key: 'okta_password' });
  });

  it('success: the interaction code, no remediation, not terminal', () => {
    const envelope = read('success');
    expect(envelope.interactionCode).toBe('interaction-code');
    expect(envelope.remediations).toEqual([]);
    expect(envelope.terminal).toBe(false);
  });

  it('terminal pages: no remediation, messages with their level', () => {
    expect(read('session-expired')).toMatchObject({
      terminal: true,
      messages: [{ key: 'idx.session.expired', level: 'error' }],
    });
    expect(read('transferred')).toMatchObject({
      terminal: true,
      messages: [{ key: 'idx.transferred.to.new.tab', level: 'info' }],
    });
  });

  // Okta's keys: okta_password, okta_email, and its own names for an authenticator app and WebAuthn.
  const OKTA_KEY = /^(okta_\w+|google_otp|webauthn)$/;
  it.each(allRecorded())('%s: every relatesTo resolves and every input has a dotted name', (_name, body) => {
    const envelope = readEnvelope(body);
    expect(isIdxEnvelope(body)).toBe(true);
    for (const [index, remediation] of envelope.remediations.entries()) {
      const relatesTo = body.remediation?.value[index]?.relatesTo;
      if (relatesTo) expect(remediation.authenticator?.key).toMatch(OKTA_KEY);
      for (const field of remediation.fields) {
        expect(field.name).toMatch(/^\w+(\.\w+)?$/);
        for (const option of field.options ?? []) expect(option.authenticator?.key).toMatch(OKTA_KEY);
      }
    }
  });
});

describe('readEnvelope on Okta-shaped envelopes', () => {
  it('select-authenticator-enroll: options relate into $.authenticators; skip is a remediation', () => {
    const envelope = readEnvelope(oktaSelectEnroll);
    expect(envelope.remediations.map((r) => r.name)).toEqual(['select-authenticator-enroll', 'skip']);
    const options = envelope.remediations[0]?.fields[0]?.options;
    expect(options?.map((o) => o.authenticator?.key)).toEqual(['okta_email', 'google_otp']);
    expect(envelope.remediations[1]?.fields).toEqual([]);
    expect([...envelope.actions.keys()]).toEqual(['cancel']);
  });

  it('authenticator-verification-data: a choice inside a nested object, its immutable id left out', () => {
    const envelope = readEnvelope(oktaVerificationData);
    const [step] = envelope.remediations;
    expect(step?.fields).toEqual([
      expect.objectContaining({
        name: 'authenticator.methodType',
        required: true,
        parent: { name: 'authenticator', required: false },
        options: [{ label: 'Email', value: 'email', authenticator: undefined }],
      }),
    ]);
    expect(step?.authenticator?.contextualData).toEqual({ useEmailMagicLink: false });
    expect([...(step?.authenticator?.actions.keys() ?? [])]).toEqual(['resend']);
  });

  it('enroll-profile: a nested form without `type: object` is flattened too; labels, lengths, checkbox', () => {
    const envelope = readEnvelope(oktaEnrollProfile);
    const [profile, selectIdentify] = envelope.remediations;
    expect(profile?.fields.map((f) => [f.name, f.type, f.required])).toEqual([
      ['userProfile.firstName', 'string', true],
      ['userProfile.lastName', 'string', true],
      ['userProfile.email', 'string', true],
      ['userProfile.newsletter', 'boolean', undefined],
    ]);
    expect(profile?.fields[0]).toMatchObject({ label: 'First name', maxLength: 50 });
    expect(selectIdentify?.name).toBe('select-identify');
    expect(envelope.messages).toEqual([
      {
        message: 'Your password expires in 3 days.',
        key: 'password.expiring.soon',
        params: [3],
        level: 'warning',
        field: undefined,
      },
    ]);
    // A form inside any `{type: 'object'}` member is an action named `<member>-<name>`.
    expect(envelope.actions.get('enrollmentLink-poll')).toMatchObject({ name: 'poll', refresh: 2000 });
    expect(envelope.user).toBeUndefined();
  });
});
