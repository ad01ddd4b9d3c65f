/** Request bodies (docs/protocol/idx-protocol.md §6.3) from recorded Gatehouse forms. */
import { describe, expect, it } from 'vitest';
import { buildRequestBody, readEnvelope } from '../src/index.js';
import { oktaEnrollProfile, recorded } from './support/envelopes.js';

const remediation = (body: unknown, index = 0) => readEnvelope(body).remediations[index]!.raw;

describe('buildRequestBody', () => {
  it('re-nests dotted inputs and always sends the immutable stateHandle', () => {
    expect(
      buildRequestBody(remediation(recorded('identify-password')), {
        identifier: 'ada',
        'credentials.passcode': 'pw',
      }),
    ).toEqual({ identifier: 'ada', credentials: { passcode: 'pw' }, stateHandle: '02stateHandle' });
  });

  it('leaves out what was not given (an empty nested object too) and what the form does not declare', () => {
    const identify = remediation(recorded('identify-password'));
    expect(
      buildRequestBody(identify, { identifier: 'ada', 'credentials.passcode': undefined, extra: 1 }),
    ).toEqual({ identifier: 'ada', stateHandle: '02stateHandle' });
  });

  it('an action posts its fixed fields only', () => {
    const envelope = readEnvelope(recorded('challenge-email'));
    expect(buildRequestBody(envelope.cancel!.raw)).toEqual({ stateHandle: '02stateHandle' });
    expect(buildRequestBody(envelope.actions.get('currentAuthenticatorEnrollment-poll')!.raw)).toEqual({
      stateHandle: '02stateHandle',
    });
  });

  it('hidden and immutable fields are sent as the server wrote them, whatever the inputs say', () => {
    const select = remediation(recorded('select-authenticator'));
    expect(buildRequestBody(select, { authenticator: { id: 'autEmail' }, stateHandle: 'forged' })).toEqual({
      authenticator: { id: 'autEmail' },
      stateHandle: '02stateHandle',
    });
  });

  it('a profile form without `type: object` nests too', () => {
    expect(
      buildRequestBody(remediation(oktaEnrollProfile), {
        'userProfile.firstName': 'Ada',
        'userProfile.newsletter': false,
      }),
    ).toEqual({ userProfile: { firstName: 'Ada', newsletter: false }, stateHandle: '02abc' });
  });
});
