import type { IdxResponse } from '@gatehouse/protocol';
import {
  base64ToBytes,
  buildCredentialCreationOptions,
  buildCredentialRequestOptions,
  bytesToBase64,
  credentialOptionsFrom,
  getAssertion,
  getAttestation,
  knownCredentials,
} from '@gatehouse/sdk/webauthn';
import { describe, expect, it } from 'vitest';

const bytes = (...values: number[]) => new Uint8Array(values);
const buffer = (...values: number[]) => bytes(...values).buffer;

// Okta's enrollment options (docs/protocol/idx-protocol-2.md §6.1), with the members a browser must not get.
const activationData = {
  rp: { name: 'Gatehouse' },
  user: { id: 'AQID_w', name: 'ada@example.com', displayName: 'Ada' },
  pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
  challenge: '-_8',
  attestation: 'none',
  authenticatorSelection: { userVerification: 'required', residentKey: 'preferred' },
  u2fParams: { appid: 'http://localhost:8080' },
  extensions: { appid: 'http://localhost:8080' },
  excludeCredentials: [{ type: 'public-key', id: 'ignored' }],
};

describe('WebAuthn encodings', () => {
  it('decodes base64url and standard base64, padded or not, to the same bytes', () => {
    for (const text of ['-_8', '+/8=', '+/8']) expect([...base64ToBytes(text)]).toEqual([251, 255]);
  });

  it('encodes answers as standard base64 with padding, from a buffer or a view', () => {
    expect(bytesToBase64(buffer(251, 255))).toBe('+/8=');
    expect(bytesToBase64(new Uint8Array([0, 251, 255, 0]).subarray(1, 3))).toBe('+/8=');
  });
});

describe('options for navigator.credentials', () => {
  const known = [
    { credentialId: 'AQI', transports: ['internal', 'hybrid'] },
    { credentialId: 'AwQ', transports: undefined },
  ];

  it('creation options: challenge and user handle as bytes, known credentials excluded, no extensions or u2fParams', () => {
    const options = buildCredentialCreationOptions(activationData, known);
    expect([...new Uint8Array(options.challenge as ArrayBuffer)]).toEqual([251, 255]);
    expect([...new Uint8Array(options.user.id as ArrayBuffer)]).toEqual([1, 2, 3, 255]);
    expect(options.user.name).toBe('ada@example.com');
    expect(options.authenticatorSelection).toEqual({
      userVerification: 'required',
      residentKey: 'preferred',
    });
    expect(options.attestation).toBe('none');
    expect(
      options.excludeCredentials?.map((c) => [[...new Uint8Array(c.id as ArrayBuffer)], c.transports]),
    ).toEqual([
      [
        [1, 2],
        ['internal', 'hybrid'],
      ],
      [[3, 4], undefined],
    ]);
    expect(Object.keys(options)).not.toContain('extensions');
    expect(Object.keys(options)).not.toContain('u2fParams');
  });

  it('request options: challenge as bytes, the user verification asked, the known credentials allowed', () => {
    const options = buildCredentialRequestOptions(
      { challenge: 'AQID', userVerification: 'preferred', extensions: { appid: 'x' } },
      known,
    );
    expect([...new Uint8Array(options.challenge as ArrayBuffer)]).toEqual([1, 2, 3]);
    expect(options.userVerification).toBe('preferred');
    expect(options.allowCredentials).toHaveLength(2);
    expect(Object.keys(options)).not.toContain('extensions');
  });

  it('reads the step from an IDX response: creation at an enrollment, request at a challenge, nothing elsewhere', () => {
    const enrollments = {
      type: 'array',
      value: [
        { key: 'okta_email', type: 'email', id: 'e1', displayName: 'Email', methods: [] },
        {
          key: 'webauthn',
          type: 'security_key',
          id: 'w1',
          displayName: 'Laptop',
          methods: [],
          credentialId: 'AQI',
          transports: ['internal'],
        },
      ],
    };
    const current = (contextualData: Record<string, unknown>, key = 'webauthn') => ({
      type: 'object',
      value: {
        key,
        type: 'security_key',
        id: 'autWebauthn',
        displayName: 'Passkey',
        methods: [],
        contextualData,
      },
    });
    const enroll = {
      authenticatorEnrollments: enrollments,
      currentAuthenticator: current({ activationData }),
    };
    expect(knownCredentials(enroll as unknown as IdxResponse)).toEqual([
      { credentialId: 'AQI', transports: ['internal'] },
    ]);
    const created = credentialOptionsFrom(enroll as unknown as IdxResponse);
    expect(created && 'create' in created && created.create.excludeCredentials).toHaveLength(1);
    const challenge = {
      authenticatorEnrollments: enrollments,
      currentAuthenticator: current({ challengeData: { challenge: 'AQID' } }),
    };
    const asked = credentialOptionsFrom(challenge as unknown as IdxResponse);
    expect(asked && 'get' in asked && asked.get.allowCredentials).toHaveLength(1);
    const otp = { currentAuthenticator: current({ qrcode: {} }, 'google_otp') };
    expect(credentialOptionsFrom(otp as unknown as IdxResponse)).toBeUndefined();
  });
});

describe('the credential back as the answer', () => {
  it('an attestation: client data and attestation object in standard base64, transports as a JSON list', () => {
    const credential = {
      response: {
        clientDataJSON: buffer(123, 125),
        attestationObject: buffer(251, 255),
        getTransports: () => ['internal'],
      },
    } as unknown as PublicKeyCredential;
    expect(getAttestation(credential)).toEqual({
      clientData: 'e30=',
      attestation: '+/8=',
      transports: '["internal"]',
    });
  });

  it('an assertion: client data, authenticator data, signature and the user handle when there is one', () => {
    const response = {
      clientDataJSON: buffer(123, 125),
      authenticatorData: buffer(1),
      signature: buffer(251, 255),
      userHandle: null,
    };
    expect(getAssertion({ response } as unknown as PublicKeyCredential)).toEqual({
      clientData: 'e30=',
      authenticatorData: 'AQ==',
      signatureData: '+/8=',
    });
    const withHandle = { response: { ...response, userHandle: buffer(7) } } as unknown as PublicKeyCredential;
    expect(getAssertion(withHandle).userHandle).toBe('Bw==');
  });
});
