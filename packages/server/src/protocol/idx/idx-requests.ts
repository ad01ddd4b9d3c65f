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
  credentials: { passcode: string };
}

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
      credentials: { type: 'object', required: ['passcode'], properties: { passcode } },
    },
  },
} as const;
