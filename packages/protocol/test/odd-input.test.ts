/**
 * What the reader does with input no well-behaved server sends (read-envelope.ts says it): it
 * never throws; what is not an object reads as an empty, terminal envelope; members of the wrong
 * shape are left out.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildRequestBody, type IdxForm, readEnvelope } from '../src/index.js';
import { allRecorded } from './support/envelopes.js';

const form = (value: unknown[], extra: Record<string, unknown> = {}) => ({
  rel: ['create-form'],
  name: 'identify',
  href: 'https://idp.example/idp/idx/identify',
  value,
  ...extra,
});
const withRemediation = (...forms: unknown[]) => ({
  version: '1.0.0',
  remediation: { type: 'array', value: forms },
});

describe('odd input', () => {
  it.each([null, undefined, 'x', 42, true, [], [{ version: '1.0.0' }]])(
    '%j reads as an empty, terminal envelope',
    (body) => {
      const envelope = readEnvelope(body);
      expect(envelope).toMatchObject({ remediations: [], messages: [], terminal: true, raw: body });
      expect(envelope.actions.size).toBe(0);
      expect(envelope.interactionCode).toBeUndefined();
    },
  );

  it('does not check the version (isIdxEnvelope does)', () => {
    expect(readEnvelope({ version: '2.0', remediation: { value: [form([])] } }).remediations).toHaveLength(1);
  });

  it('skips remediations that are not forms: no rel, no href, no list of fields', () => {
    const { remediations } = readEnvelope(
      withRemediation(
        form([]),
        { ...form([]), rel: undefined },
        { ...form([]), href: 42 },
        { ...form([]), value: { name: 'x' } },
        'identify',
        null,
      ),
    );
    expect(remediations).toHaveLength(1);
    expect(readEnvelope({ remediation: 'identify' }).remediations).toEqual([]);
    expect(readEnvelope({ remediation: { type: 'array', value: { 0: form([]) } } }).remediations).toEqual([]);
  });

  it('skips fields without a name, options and messages that are not objects', () => {
    const [remediation] = readEnvelope(
      withRemediation(
        form([
          null,
          'identifier',
          { label: 'no name' },
          { name: 42 },
          {
            name: 'choice',
            options: [null, 'x', { label: 1, value: 'v', relatesTo: 7 }],
            messages: { type: 'array', value: [null, 'oops', { i18n: 'x', class: 'fatal', message: 3 }] },
          },
          { name: 'plain', options: 'not a list', messages: 'not a list', type: 'date', secret: 'yes' },
        ]),
      ),
    ).remediations;
    expect(remediation?.fields.map((f) => f.name)).toEqual(['choice', 'plain']);
    const [choice, plain] = remediation?.fields ?? [];
    expect(choice?.options).toEqual([{ label: '', value: 'v', authenticator: undefined }]);
    // An unknown class is an error; a message without text or key still reads.
    expect(choice?.messages).toEqual([
      { message: '', key: undefined, params: undefined, level: 'error', field: 'choice' },
    ]);
    expect(plain).toMatchObject({ type: 'string', secret: false, options: undefined, messages: [] });
  });

  it('relatesTo that leads nowhere, is malformed or reaches past own members resolves to no authenticator', () => {
    for (const relatesTo of [
      ['$.nothing'],
      ['$.authenticators.value[9]'],
      '$.authenticators.value[*]',
      '$..key',
      'authenticators.value[0]',
      ['$.constructor'],
      ['$.__proto__'],
      [42],
      [],
      { path: '$.authenticators' },
    ]) {
      const envelope = readEnvelope({
        ...withRemediation(form([], { relatesTo })),
        authenticators: { type: 'array', value: [{ key: 'okta_email' }] },
      });
      expect(envelope.remediations[0]?.authenticator, JSON.stringify(relatesTo)).toBeUndefined();
    }
  });

  it('an authenticator object with odd members keeps what it can', () => {
    const envelope = readEnvelope({
      currentAuthenticator: {
        type: 'object',
        value: {
          key: 7,
          profile: 'x',
          settings: [],
          recover: { rel: ['create-form'], href: '/r', value: [] },
        },
      },
      currentAuthenticatorEnrollment: { type: 'object', value: 'not an object' },
      recoveryAuthenticator: 'password',
    });
    expect(envelope.currentAuthenticator).toMatchObject({ key: '', profile: undefined, settings: undefined });
    // A form without a name is named after the member it was found under.
    expect(envelope.currentAuthenticator?.actions.get('recover')?.name).toBe('recover');
    expect(envelope.actions.has('currentAuthenticator-recover')).toBe(true);
    expect(envelope.currentAuthenticatorEnrollment).toBeUndefined();
    expect(envelope.recoveryAuthenticator).toBeUndefined();
  });

  it('user, app and the interaction code only when they have the right shape', () => {
    const envelope = readEnvelope({
      user: { type: 'object', value: { id: 5 } },
      app: { value: null },
      successWithInteractionCode: form([{ name: 'interaction_code', value: 12 }]),
      stateHandle: 5,
    });
    expect(envelope.user).toEqual({ id: '', identifier: '' });
    expect(envelope.app).toBeUndefined();
    expect(envelope.interactionCode).toBeUndefined();
    expect(envelope.stateHandle).toBeUndefined();
    expect(envelope.terminal).toBe(true);
  });

  it('stops at four levels of nesting and at cycles (objects that are not JSON)', () => {
    const deep = (level: number): Record<string, unknown> =>
      level === 0 ? { name: 'leaf' } : { name: `l${level}`, form: { value: [deep(level - 1)] } };
    expect(readEnvelope(withRemediation(form([deep(3)]))).remediations[0]?.fields[0]?.name).toBe(
      'l3.l2.l1.leaf',
    );
    expect(readEnvelope(withRemediation(form([deep(6)]))).remediations[0]?.fields).toEqual([]);
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.form = { value: [cyclic] };
    const looping = form([cyclic]);
    expect(readEnvelope(withRemediation(looping)).remediations[0]?.fields).toEqual([]);
    expect(buildRequestBody(looping as IdxForm, { 'loop.loop': 'x' })).toEqual({});
  });

  it('never throws on any JSON, nor on recorded envelopes with members replaced by any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        readEnvelope(body);
      }),
      { numRuns: 500 },
    );
    const recorded = allRecorded().map(([, body]) => body as unknown as Record<string, unknown>);
    fc.assert(
      fc.property(
        fc.constantFrom(...recorded),
        fc.constantFrom(...new Set(recorded.flatMap((body) => Object.keys(body)))),
        fc.jsonValue(),
        (body, member, value) => {
          const envelope = readEnvelope({ ...body, [member]: value });
          for (const remediation of envelope.remediations) buildRequestBody(remediation.raw, { x: value });
        },
      ),
      { numRuns: 500 },
    );
  });
});
