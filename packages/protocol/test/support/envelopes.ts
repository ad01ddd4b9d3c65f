/**
 * Envelopes for the reader's tests: the ones recorded from a running Gatehouse (the SDK's and
 * the widget's fixtures), and Okta-shaped ones written after the captures docs/protocol/idx-protocol.md and
 * docs/protocol/idx-protocol-2.md describe (select-authenticator-enroll, authenticator-verification-data,
 * enroll-profile), for shapes Gatehouse does not send.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { IdxResponse } from '../../src/index.js';

const SDK_FIXTURES = new URL('../../../sdk/test/fixtures/idx/', import.meta.url);
const WIDGET_FIXTURES = new URL('../../../widget/test/fixtures/', import.meta.url);

/** A recorded envelope by name (the widget's fixtures, else the SDK's). */
export function recorded(name: string): IdxResponse {
  const dir = readdirSync(WIDGET_FIXTURES).includes(`${name}.json`) ? WIDGET_FIXTURES : SDK_FIXTURES;
  return JSON.parse(readFileSync(new URL(`${name}.json`, dir), 'utf8')).body;
}

/** Every recorded envelope, as `[source/name, body]`. */
export function allRecorded(): Array<[string, IdxResponse]> {
  return [SDK_FIXTURES, WIDGET_FIXTURES].flatMap((dir) =>
    readdirSync(dir)
      .filter((file) => file.endsWith('.json'))
      .map((file): [string, IdxResponse] => [
        `${dir.pathname.includes('/sdk/') ? 'sdk' : 'widget'}/${file}`,
        JSON.parse(readFileSync(new URL(file, dir), 'utf8')).body,
      ]),
  );
}

const IDX = 'https://idp.example/idp/idx';
const stateHandle = { name: 'stateHandle', required: true, value: '02abc', visible: false, mutable: false };
const form = (name: string, path: string, value: unknown[], extra: Record<string, unknown> = {}) => ({
  rel: ['create-form'],
  name,
  href: `${IDX}${path}`,
  method: 'POST',
  produces: 'application/ion+json; okta-version=1.0.0',
  accepts: 'application/json; okta-version=1.0.0',
  ...extra,
  value: [...value, stateHandle],
});
const authenticatorOption = (label: string, path: string, id: string, methodType: string) => ({
  label,
  relatesTo: path,
  value: {
    form: {
      value: [
        { name: 'id', required: true, value: id, mutable: false },
        { name: 'methodType', required: false, value: methodType, mutable: false },
      ],
    },
  },
});
const envelope = (members: Record<string, unknown>) => ({
  version: '1.0.0',
  stateHandle: '02abc',
  expiresAt: '2030-01-01T00:00:00.000Z',
  intent: 'LOGIN',
  app: { type: 'object', value: { name: 'oidc_client', label: 'Shop', id: '0oa1' } },
  cancel: form('cancel', '/cancel', []),
  ...members,
});

/**
 * docs/protocol/idx-protocol-2.md §2.1: options point into `$.authenticators` (string `relatesTo`), with
 * `skip`.
 */
export const oktaSelectEnroll = envelope({
  remediation: {
    type: 'array',
    value: [
      form('select-authenticator-enroll', '/credential/enroll', [
        {
          name: 'authenticator',
          type: 'object',
          options: [
            authenticatorOption('Email', '$.authenticators.value[0]', 'autEmail', 'email'),
            authenticatorOption('Google Authenticator', '$.authenticators.value[1]', 'autTotp', 'otp'),
          ],
        },
      ]),
      form('skip', '/skip', []),
    ],
  },
  authenticators: {
    type: 'array',
    value: [
      {
        type: 'email',
        key: 'okta_email',
        id: 'autEmail',
        displayName: 'Email',
        methods: [{ type: 'email' }],
      },
      {
        type: 'app',
        key: 'google_otp',
        id: 'autTotp',
        displayName: 'Google Authenticator',
        methods: [{ type: 'otp' }],
      },
    ],
  },
  authenticatorEnrollments: { type: 'array', value: [] },
  user: { type: 'object', value: { id: '00u1', identifier: 'new@example.com' } },
});

/**
 * docs/protocol/idx-protocol.md §7.4: a nested `authenticator` object whose `methodType` has options;
 * resend but no poll.
 */
export const oktaVerificationData = envelope({
  remediation: {
    type: 'array',
    value: [
      form(
        'authenticator-verification-data',
        '/challenge',
        [
          {
            name: 'authenticator',
            label: 'Email',
            form: {
              value: [
                { name: 'id', required: true, value: 'eaeEnroll', mutable: false },
                {
                  name: 'methodType',
                  type: 'string',
                  required: true,
                  options: [{ label: 'Email', value: 'email' }],
                },
              ],
            },
          },
        ],
        { relatesTo: ['$.currentAuthenticatorEnrollment'] },
      ),
    ],
  },
  currentAuthenticatorEnrollment: {
    type: 'object',
    value: {
      type: 'email',
      key: 'okta_email',
      id: 'eaeEnroll',
      displayName: 'Email',
      methods: [{ type: 'email' }],
      profile: { email: 'n***w@example.com' },
      contextualData: { useEmailMagicLink: false },
      resend: form('resend', '/challenge/resend', []),
    },
  },
  user: { type: 'object', value: { id: '00u1', identifier: 'new@example.com' } },
});

/**
 * docs/protocol/idx-protocol-2.md §3.2: `userProfile` nests its form without `type: 'object'`; a warning with
 * params; a `poll` with `refresh` on a wrapper that is not an authenticator.
 */
export const oktaEnrollProfile = envelope({
  remediation: {
    type: 'array',
    value: [
      form('enroll-profile', '/enroll/new', [
        {
          name: 'userProfile',
          form: {
            value: [
              { name: 'firstName', label: 'First name', required: true, minLength: 1, maxLength: 50 },
              { name: 'lastName', label: 'Last name', required: true, minLength: 1, maxLength: 50 },
              { name: 'email', label: 'Email', required: true },
              { name: 'newsletter', label: 'Send me news', type: 'boolean' },
            ],
          },
        },
      ]),
      form('select-identify', '/identify/select', []),
    ],
  },
  messages: {
    type: 'array',
    value: [
      {
        message: 'Your password expires in 3 days.',
        i18n: { key: 'password.expiring.soon', params: [3] },
        class: 'WARNING',
      },
    ],
  },
  enrollmentLink: {
    type: 'object',
    value: { poll: form('poll', '/enroll/poll', [], { refresh: 2000 }) },
  },
});
