/**
 * The request bodies of the IDX endpoints as the clients send them (docs/protocol/idx-protocol.md §7), and
 * their JSON schemas: types are checked, never coerced; unknown members are ignored.
 */

export interface StateHandleBody {
  stateHandle: string;
}

export interface IntrospectBody {
  interactionHandle?: string;
  stateToken?: string;
  stateHandle?: string;
}

export interface IdentifyBody extends StateHandleBody {
  identifier: string;
  credentials?: { passcode?: string };
  rememberMe?: boolean;
}

export interface ChallengeBody extends StateHandleBody {
  authenticator: { id: string };
  /** Who, on the unlock form (`select-authenticator-unlock-account`). */
  identifier?: string;
}

export interface EnrollProfileBody extends StateHandleBody {
  /** Sign-up values by profile attribute (`enroll-profile`); absent: nothing filled in. */
  userProfile?: Record<string, string | boolean>;
}

export interface AnswerBody extends StateHandleBody {
  /**
   * A typed `passcode`, or a WebAuthn response: `clientData` with `attestation` (registration) or
   * `authenticatorData` and `signatureData` (assertion), base64 (docs/protocol/idx-protocol-2.md §6.2, §6.5).
   */
  credentials: Partial<Record<(typeof PUBLIC_KEY_FIELDS)[number] | 'passcode', string>>;
}

/** The members of a WebAuthn answer, as the clients post them. */
export const PUBLIC_KEY_FIELDS = [
  'clientData',
  'attestation',
  'authenticatorData',
  'signatureData',
  'userHandle',
  'transports',
  'clientExtensions',
] as const;

const handle = { type: 'string', minLength: 1, maxLength: 512 } as const;
const authenticator = {
  type: 'object',
  required: ['id'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 128 },
    methodType: { type: 'string' },
    enrollmentId: { type: 'string' },
  },
} as const;
const passcode = { type: 'string', minLength: 1, maxLength: 1024 } as const;
/** A WebAuthn member: base64 of at most 64 KiB (attestation objects carry certificates). */
const publicKeyField = { type: 'string', minLength: 1, maxLength: 65536 } as const;

export const IdxBodySchemas = {
  stateHandle: {
    type: 'object',
    required: ['stateHandle'],
    properties: { stateHandle: handle },
  },
  introspect: {
    type: 'object',
    properties: { interactionHandle: handle, stateToken: handle, stateHandle: handle },
  },
  identify: {
    type: 'object',
    required: ['stateHandle', 'identifier'],
    properties: {
      stateHandle: handle,
      identifier: { type: 'string', minLength: 1, maxLength: 256 },
      credentials: { type: 'object', properties: { passcode } },
      rememberMe: { type: 'boolean' },
    },
  },
  challenge: {
    type: 'object',
    required: ['stateHandle', 'authenticator'],
    properties: {
      stateHandle: handle,
      authenticator,
      identifier: { type: 'string', maxLength: 256 },
    },
  },
  enrollProfile: {
    type: 'object',
    required: ['stateHandle'],
    properties: {
      stateHandle: handle,
      userProfile: {
        type: 'object',
        maxProperties: 100,
        propertyNames: { maxLength: 100 },
        additionalProperties: { anyOf: [{ type: 'string', maxLength: 2000 }, { type: 'boolean' }] },
      },
    },
  },
  answer: {
    type: 'object',
    required: ['stateHandle', 'credentials'],
    properties: {
      stateHandle: handle,
      credentials: {
        type: 'object',
        properties: {
          passcode,
          ...Object.fromEntries(PUBLIC_KEY_FIELDS.map((name) => [name, publicKeyField])),
        },
      },
    },
  },
} as const;
