/**
 * Hidden fields without a value are filled by a program: the WebAuthn answer of Okta's
 * `enroll-authenticator` (docs/protocol/idx-protocol-2.md §6.1).
 */
import { describe, expect, it } from 'vitest';
import { buildRequestBody, readEnvelope } from '../src/index.js';

const webauthnEnroll = {
  version: '1.0.0',
  stateHandle: '02s',
  remediation: {
    type: 'array',
    value: [
      {
        rel: ['create-form'],
        name: 'enroll-authenticator',
        href: 'http://localhost/idp/idx/challenge/answer',
        method: 'POST',
        value: [
          {
            name: 'credentials',
            type: 'object',
            required: true,
            form: {
              value: [
                { name: 'attestation', label: 'Attestation', required: true, visible: false },
                { name: 'clientData', label: 'Client Data', required: true, visible: false },
                { name: 'fixed', visible: false, value: 'kept' },
              ],
            },
          },
          { name: 'stateHandle', required: true, value: '02s', visible: false, mutable: false },
        ],
      },
    ],
  },
};

describe('programmatic fields', () => {
  const [enroll] = readEnvelope(webauthnEnroll).remediations;

  it('are inputs marked programmatic; hidden fields with a value and the stateHandle are not inputs', () => {
    expect(enroll!.fields.map((f) => [f.name, f.programmatic, f.required])).toEqual([
      ['credentials.attestation', true, true],
      ['credentials.clientData', true, true],
    ]);
  });

  it('take their inputs in the request body; a hidden value goes as sent', () => {
    expect(
      buildRequestBody(enroll!.raw, { 'credentials.attestation': 'o2Nm', 'credentials.clientData': 'eyJ0' }),
    ).toEqual({
      credentials: { attestation: 'o2Nm', clientData: 'eyJ0', fixed: 'kept' },
      stateHandle: '02s',
    });
  });
});
