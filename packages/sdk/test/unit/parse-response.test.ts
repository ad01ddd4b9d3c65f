/**
 * Parsing real IDX envelopes captured from Gatehouse (test/fixtures/idx) into what apps see:
 * steps with friendly inputs, options by authenticator key, messages with i18n keys, actions.
 */

import { type EnvelopeRemediation, readEnvelope } from '@gatehouse/protocol';
import { describe, expect, it } from 'vitest';
import { planNextStep } from '../../src/idx/auto-remediate.js';
import { parseIdxResponse } from '../../src/idx/parse-response.js';
import { buildBody } from '../../src/idx/request-body.js';
import { resolveJsonPath } from '../../src/index.js';
import { fixture } from '../support/fixtures.js';

const parse = (name: string) => parseIdxResponse(fixture(name).body);

describe('parseIdxResponse on captured envelopes', () => {
  it('one-step identify: username + secret password, recover feature, cancel action', () => {
    const parsed = parse('identify-one-step');
    expect(parsed.terminal).toBe(false);
    expect(parsed.steps).toHaveLength(1);
    expect(parsed.steps[0]).toEqual({
      name: 'identify',
      inputs: [
        {
          name: 'username',
          path: 'identifier',
          type: 'string',
          label: 'Username',
          required: true,
          secret: false,
        },
        {
          name: 'password',
          path: 'credentials.passcode',
          type: 'string',
          label: 'Password',
          required: true,
          secret: true,
        },
      ],
      actions: [],
      canResend: false,
      canSkip: false,
    });
    expect(parsed.actions.sort()).toEqual(['cancel', 'currentAuthenticator-recover']);
    expect(parsed.enabledFeatures).toEqual(['recover-password']);
    expect(parsed.context).toMatchObject({ stateHandle: '02stateHandle', intent: 'LOGIN', recovery: false });
    expect(parsed.messages).toEqual([]);
  });

  it('identifier-first identify asks for the username only', () => {
    expect(parse('identify-identifier-first').steps[0]?.inputs.map((i) => i.name)).toEqual(['username']);
  });

  it('select: options resolved through relatesTo to authenticator keys', () => {
    const parsed = parse('select-after-identify');
    const step = parsed.steps[0]!;
    expect(step.name).toBe('select-authenticator-authenticate');
    expect(step.options).toEqual([
      { label: 'Password', value: 'okta_password' },
      { label: 'Email', value: 'okta_email' },
    ]);
    expect(step.inputs).toEqual([
      {
        name: 'authenticator',
        path: 'authenticator',
        type: 'string',
        required: true,
        secret: false,
        options: step.options,
      },
    ]);
    expect(parsed.context.user?.identifier).toBe('ada@example.com');
  });

  it('email challenge: the enrollment (masked address), a verificationCode input, resend and poll', () => {
    const step = parse('challenge-email').steps[0]!;
    expect(step.authenticator).toMatchObject({
      key: 'okta_email',
      type: 'email',
      profile: { email: 'a***a@example.com' },
    });
    expect(step.inputs).toEqual([
      {
        name: 'verificationCode',
        path: 'credentials.passcode',
        type: 'string',
        label: 'Enter code',
        required: true,
        secret: false,
      },
    ]);
    expect(step.actions.sort()).toEqual(['poll', 'resend']);
    expect(step.canResend).toBe(true);
  });

  it('password challenge: a password input and the recover action; a second remediation offered', () => {
    const parsed = parse('challenge-password');
    expect(parsed.steps.map((s) => s.name)).toEqual([
      'challenge-authenticator',
      'select-authenticator-authenticate',
    ]);
    expect(parsed.steps[0]?.inputs[0]).toMatchObject({ name: 'password', secret: true });
    expect(parsed.steps[0]?.actions).toEqual(['recover']);
    expect(parsed.enabledFeatures).toEqual(['recover-password']);
  });

  it('errors: top-level keys, and field-level keys tied to the friendly input name', () => {
    expect(parse('identify-one-step-error').messages).toEqual([
      { message: 'Authentication failed', key: 'errors.E0000004', class: 'ERROR' },
    ]);
    expect(parse('challenge-password-error').messages.map((m) => m.key)).toEqual(['incorrectPassword']);
    expect(parse('challenge-email-error').messages).toEqual([
      {
        message: 'Invalid code. Try again.',
        key: 'api.authn.error.PASSCODE_INVALID',
        class: 'ERROR',
        field: 'verificationCode',
      },
    ]);
    const reset = parse('reset-authenticator-error').messages[0]!;
    expect(reset).toMatchObject({ key: 'password.passwordRequirementsNotMet', field: 'password' });
    expect(reset.params).toEqual([expect.stringContaining('15 characters')]);
  });

  it('recovery steps: recovery context, identify-recovery, reset with complexity', () => {
    expect(parse('identify-recovery').steps[0]?.name).toBe('identify-recovery');
    const select = parse('select-recovery');
    expect(select.context.recovery).toBe(true);
    expect(select.steps[0]?.options).toEqual([{ label: 'Email', value: 'okta_email' }]);
    expect(parse('challenge-email-recovery').steps[0]?.actions).not.toContain('recover');
    const reset = parse('reset-authenticator');
    expect(reset.steps[0]?.name).toBe('reset-authenticator');
    expect(reset.steps[0]?.inputs[0]).toMatchObject({
      name: 'password',
      label: 'New password',
      secret: true,
    });
    expect(reset.context.passwordComplexity).toMatchObject({ minLength: 15, excludeUsername: true });
  });

  it('success carries the interaction code and is not terminal', () => {
    const parsed = parse('success');
    expect(parsed.terminal).toBe(false);
    expect(parsed.interactionCode).toMatch(/^[\w-]{20,}$/);
    expect(parsed.steps).toEqual([]);
    expect(parsed.actions).toEqual([]);
  });

  it('terminal envelopes: session expired, transferred to a new tab', () => {
    const expired = parse('session-expired');
    expect(expired.terminal).toBe(true);
    expect(expired.messages).toEqual([
      expect.objectContaining({ key: 'idx.session.expired', class: 'ERROR' }),
    ]);
    const transferred = parse('transferred');
    expect(transferred.terminal).toBe(true);
    expect(transferred.messages).toEqual([
      expect.objectContaining({ key: 'idx.transferred.to.new.tab', class: 'INFO' }),
    ]);
  });

  it('cancel answers a fresh identify', () => {
    expect(parse('cancel').steps[0]?.name).toBe('identify');
  });
});

describe('relatesTo paths', () => {
  const root = { a: { value: [{ key: 'x' }, { key: 'y' }] } };
  it('resolves $.member.value[n] and nothing fancier', () => {
    expect(resolveJsonPath(root, '$.a.value[1]')).toEqual({ key: 'y' });
    expect(resolveJsonPath(root, '$.a.value[2]')).toBeUndefined();
    expect(resolveJsonPath(root, '$.a.value[*]')).toBeUndefined();
    expect(resolveJsonPath(root, 'a.value[0]')).toBeUndefined();
    expect(resolveJsonPath(root, '$..key')).toBeUndefined();
  });
});

describe('request bodies (docs/protocol/idx-protocol.md §6.3)', () => {
  const form = (name: string, remediation: string) =>
    readEnvelope(fixture(name).body).remediations.find((r) => r.name === remediation)!;
  const build = (remediation: EnvelopeRemediation, values: Record<string, unknown>) =>
    buildBody(remediation, values);

  it('identify: friendly names map onto wire fields, stateHandle is always sent', () => {
    const identify = form('identify-one-step', 'identify');
    expect(build(identify, { username: 'ada', password: 'pw' })).toEqual({
      body: { identifier: 'ada', credentials: { passcode: 'pw' }, stateHandle: '02stateHandle' },
      used: ['username', 'password'],
      missing: [],
    });
    expect(build(identify, { username: 'ada' }).missing).toEqual(['password']);
    // Raw wire shapes are accepted as they are.
    expect(build(identify, { identifier: 'ada', credentials: { passcode: 'pw' } }).body).toEqual({
      identifier: 'ada',
      credentials: { passcode: 'pw' },
      stateHandle: '02stateHandle',
    });
  });

  it("select: by key, by authenticator id or verbatim object; only the option's required fields", () => {
    const select = form('select-after-identify', 'select-authenticator-authenticate');
    expect(build(select, { authenticator: 'okta_email' }).body).toEqual({
      authenticator: { id: 'autEmail' },
      stateHandle: '02stateHandle',
    });
    expect(build(select, { authenticator: 'autPassword' }).body.authenticator).toEqual({
      id: 'autPassword',
    });
    expect(
      build(select, { authenticator: { id: 'autEmail', methodType: 'email' } }).body.authenticator,
    ).toEqual({
      id: 'autEmail',
      methodType: 'email',
    });
    expect(() => build(select, { authenticator: 'okta_verify' })).toThrow(/No authenticator option/);
  });

  it('email challenge: verificationCode, otp and passcode all become credentials.passcode', () => {
    const challenge = form('challenge-email', 'challenge-authenticator');
    for (const key of ['verificationCode', 'otp', 'passcode'])
      expect(build(challenge, { [key]: '123456' }).body).toEqual({
        credentials: { passcode: '123456' },
        stateHandle: '02stateHandle',
      });
  });
});

describe('auto-remediation plan', () => {
  it('identify with password when the form asks for it; not without one', () => {
    const body = fixture('identify-one-step').body;
    expect(planNextStep(body, { username: 'ada', password: 'pw' })).toEqual({
      step: 'identify',
      values: { username: 'ada', password: 'pw' },
      uses: ['username', 'password'],
    });
    expect(planNextStep(body, { username: 'ada' })).toBeNull();
    expect(
      planNextStep(fixture('identify-identifier-first').body, { username: 'ada', password: 'pw' }),
    ).toEqual({
      step: 'identify',
      values: { username: 'ada' },
      uses: ['username'],
    });
  });

  it('selects Password when a password is at hand, the named authenticator otherwise', () => {
    const body = fixture('select-after-identify').body;
    expect(planNextStep(body, { password: 'pw' })?.values).toEqual({ authenticator: 'okta_password' });
    expect(planNextStep(body, { password: 'pw', passwordSelected: true })).toBeNull();
    expect(planNextStep(body, { authenticator: 'okta_email' })?.values).toEqual({
      authenticator: 'okta_email',
    });
    expect(planNextStep(body, {})).toBeNull();
  });

  it('answers a password challenge with the password and an email challenge only with a code', () => {
    expect(planNextStep(fixture('challenge-password').body, { password: 'pw' })?.values).toEqual({
      password: 'pw',
    });
    expect(planNextStep(fixture('challenge-email').body, { password: 'pw' })).toBeNull();
    expect(planNextStep(fixture('challenge-email').body, { verificationCode: '1' })?.step).toBe(
      'challenge-authenticator',
    );
    expect(planNextStep(fixture('reset-authenticator').body, { newPassword: 'n' })?.values).toEqual({
      password: 'n',
    });
  });
});

describe('sign-up and unlock envelopes (captured from Gatehouse)', () => {
  it('identify offers sign-up and unlock as enabled features', () => {
    const parsed = parse('identify-sign-up');
    expect(parsed.steps.map((s) => s.name)).toEqual(['identify', 'select-enroll-profile', 'unlock-account']);
    expect(parsed.enabledFeatures.sort()).toEqual(['enroll-profile', 'recover-password', 'unlock-account']);
    expect(parse('identify-one-step').enabledFeatures).toEqual(['recover-password']);
  });

  it('enroll-profile: flat attribute names, required as each attribute says (userProfile itself is not)', () => {
    const [profile, back] = parse('enroll-profile').steps;
    expect(profile?.inputs.map((i) => [i.name, i.path, i.label, i.required])).toEqual([
      ['firstName', 'userProfile.firstName', 'First name', true],
      ['lastName', 'userProfile.lastName', 'Last name', true],
      ['email', 'userProfile.email', 'Email', true],
      ['favoriteColor', 'userProfile.favoriteColor', 'Favorite color', false],
    ]);
    expect(back?.name).toBe('select-identify');
  });

  it('a taken email (reveal mode) is a message on the email input', () => {
    expect(parse('enroll-profile-error').messages).toEqual([
      {
        message: 'A user with this Email already exists',
        key: 'registration.error.notUniqueWithinOrg',
        params: ['Email'],
        class: 'ERROR',
        field: 'email',
      },
    ]);
  });

  it('enrollment steps: the choice by key, the email code, and canSkip only when skip is offered', () => {
    const select = parse('select-enroll-email').steps[0]!;
    expect(select).toMatchObject({ name: 'select-authenticator-enroll', canSkip: false });
    expect(select.options).toEqual([{ label: 'Email', value: 'okta_email' }]);
    const email = parse('enroll-email').steps[0]!;
    expect(email).toMatchObject({
      name: 'enroll-authenticator',
      authenticator: { key: 'okta_email' },
      inputs: [{ name: 'verificationCode', path: 'credentials.passcode', required: true }],
      canResend: true,
    });
    const optional = parse('select-enroll-optional');
    expect(optional.steps.map((s) => [s.name, s.canSkip])).toEqual([
      ['select-authenticator-enroll', true],
      ['skip', true],
    ]);
    expect(optional.steps[0]?.options).toEqual([{ label: 'Password', value: 'okta_password' }]);
  });

  it('unlock form: username and the authenticator choice', () => {
    const step = parse('unlock-account').steps[0]!;
    expect(step.name).toBe('select-authenticator-unlock-account');
    expect(step.inputs.map((i) => [i.name, i.required])).toEqual([
      ['username', true],
      ['authenticator', true],
    ]);
    expect(step.options).toEqual([{ label: 'Email', value: 'okta_email' }]);
  });

  it('request bodies: flat profile values nest under userProfile (empty optional ones left out); unlock by key', () => {
    const profile = readEnvelope(fixture('enroll-profile').body).remediations[0]!;
    expect(buildBody(profile, { firstName: 'Ada', lastName: 'L', email: 'ada@example.com' })).toEqual({
      body: {
        userProfile: { firstName: 'Ada', lastName: 'L', email: 'ada@example.com' },
        stateHandle: '02stateHandle',
      },
      used: ['firstName', 'lastName', 'email'],
      missing: [],
    });
    expect(buildBody(profile, { firstName: 'Ada' }).missing).toEqual(['lastName', 'email']);
    const unlock = readEnvelope(fixture('unlock-account').body).remediations[0]!;
    expect(buildBody(unlock, { username: 'ada@example.com', authenticator: 'okta_email' }).body).toEqual({
      identifier: 'ada@example.com',
      authenticator: { id: 'autEmail' },
      stateHandle: '02stateHandle',
    });
  });

  it('auto-remediation: the profile once complete, the named authenticator, the code, the unlock form', () => {
    const values = { firstName: 'Ada', lastName: 'L', email: 'ada@example.com', authenticator: 'okta_email' };
    expect(planNextStep(fixture('enroll-profile').body, values)).toEqual({
      step: 'enroll-profile',
      values,
      uses: ['firstName', 'lastName', 'email'],
    });
    expect(
      planNextStep(fixture('enroll-profile').body, { firstName: 'Ada', authenticator: 'okta_email' }),
    ).toBeNull();
    expect(planNextStep(fixture('select-enroll-email').body, { authenticator: 'okta_email' })).toMatchObject({
      step: 'select-authenticator-enroll',
      uses: ['authenticator'],
    });
    expect(planNextStep(fixture('enroll-email').body, { verificationCode: '123456' })).toMatchObject({
      step: 'enroll-authenticator',
      values: { verificationCode: '123456' },
    });
    expect(planNextStep(fixture('enroll-email').body, { password: 'pw' })).toBeNull();
    expect(planNextStep(fixture('select-enroll-optional').body, {})).toBeNull();
    expect(
      planNextStep(fixture('unlock-account').body, { username: 'ada', authenticator: 'okta_email' }),
    ).toMatchObject({ step: 'select-authenticator-unlock-account', uses: ['username', 'authenticator'] });
    expect(planNextStep(fixture('unlock-account').body, { username: 'ada' })).toBeNull();
    // Field-less steps (sign-up and unlock links, skip) are never taken on their own.
    expect(planNextStep(fixture('identify-sign-up').body, { password: 'pw' })).toBeNull();
  });
});

describe('parseIdxResponse on an authenticator that needs data to answer', () => {
  const totpEnroll = {
    version: '1.0.0',
    stateHandle: '02s',
    remediation: {
      type: 'array',
      value: [
        {
          rel: ['create-form'],
          name: 'enroll-authenticator',
          relatesTo: ['$.currentAuthenticator'],
          href: 'http://localhost/idp/idx/challenge/answer',
          method: 'POST',
          value: [
            { name: 'credentials', type: 'object', required: true, form: { value: [{ name: 'passcode' }] } },
            { name: 'stateHandle', value: '02s', visible: false, mutable: false },
          ],
        },
      ],
    },
    currentAuthenticator: {
      type: 'object',
      value: {
        key: 'google_otp',
        type: 'app',
        id: 'autGoogleOtp',
        displayName: 'Google Authenticator',
        methods: [{ type: 'otp' }],
        contextualData: {
          qrcode: { method: 'embedded', href: 'data:image/png;base64,AA' },
          sharedSecret: 'JBSW',
        },
      },
    },
  };

  it("the step's authenticator carries its contextualData (QR code and shared secret) and asks for a code", () => {
    const [step] = parseIdxResponse(totpEnroll as never).steps;
    expect(step?.authenticator?.contextualData).toEqual(totpEnroll.currentAuthenticator.value.contextualData);
    expect(step?.inputs.map((i) => i.name)).toEqual(['verificationCode']);
  });
});
