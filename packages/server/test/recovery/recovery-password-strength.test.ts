import type { IdxResponse } from '@gatehouse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/storage/apps-store.js';
import type { HttpResult } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  ONE_STEP,
  oneStepSignIn,
  passcodeMessages,
  ROOMY_LIMITS,
  recoverToReset,
  remediationNames,
  submitNewPassword,
} from './recovery-helpers.js';

/**
 * Predictable passwords are refused at reset (issue 13, item 5): long enough and not on the
 * common-password list, but easy to guess (a repeated character, a digit run, a keyboard row).
 */
const PREDICTABLE: Array<[password: string, reason: RegExp]> = [
  ['aaaaaaaaaaaaaaa', /Repeated characters like "aaa" are easy to guess/],
  ['123456789012345', /similar to a commonly used password/],
  ['qwertyuiopasdfgh', /similar to a commonly used password/],
];
const STRONG = 'violet-Kq7-lantern-orbit-9';

function refusedReason(res: HttpResult<IdxResponse>): string {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(remediationNames(res.body)).toEqual(['reset-authenticator']);
  const [message, ...more] = passcodeMessages(res.body);
  expect(more).toEqual([]);
  expect(message?.i18n.key).toBe('password.passwordRequirementsNotMet');
  return String(message?.i18n.params?.[0]);
}

describe('recovery: the new password must be hard to guess', () => {
  let server: TestServer;
  let app: App;
  beforeAll(async () => {
    server = await startTestServer({ config: { rateLimits: ROOMY_LIMITS } });
    app = (await server.createApp({ policy: ONE_STEP })).app;
  });
  afterAll(() => server.close());

  it('refuses aaaaaaaaaaaaaaa, 123456789012345 and qwertyuiopasdfgh with the reason, then accepts a strong one', async () => {
    const { user, password: old } = await server.createUser();
    const rec = await recoverToReset(server, app, user.login, user.email);
    for (const [weak, reason] of PREDICTABLE) {
      const params = refusedReason(await submitNewPassword(rec, weak));
      expect(params, weak).toMatch(/^Is hard to guess: /);
      expect(params, weak).toMatch(reason);
    }
    const done = await submitNewPassword(rec, STRONG);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.successWithInteractionCode).toBeDefined();

    for (const [weak] of PREDICTABLE)
      expect((await oneStepSignIn(server, app, user.login, weak)).res.status, weak).toBe(401);
    expect((await oneStepSignIn(server, app, user.login, old)).res.status).toBe(401);
    const signIn = await oneStepSignIn(server, app, user.login, STRONG);
    expect(signIn.res.body.successWithInteractionCode, JSON.stringify(signIn.res.body)).toBeDefined();
  });

  it("counts the user's names and the app's name as known words", async () => {
    const named = (await server.createApp({ name: 'Quintessa Harborview', policy: ONE_STEP })).app;
    const { user } = await server.createUser({ firstName: 'Zenobia', lastName: 'Marchetti' });
    const rec = await recoverToReset(server, named, user.login, user.email);
    const params = refusedReason(await submitNewPassword(rec, 'quintessaharborview'));
    expect(params).toMatch(/Your name, username, email address and the name of this service/);
  });

  it('states the rule beside settings.complexity, where the Okta widget does not read it', async () => {
    const { user } = await server.createUser();
    const { reset } = await recoverToReset(server, app, user.login, user.email);
    const settings = reset.body.currentAuthenticator?.value.settings;
    expect(settings?.strength).toEqual({ minScore: 3 });
    expect(Object.keys(settings?.complexity ?? {}).sort()).toEqual([
      'excludeAttributes',
      'excludeUsername',
      'minLength',
      'minLowerCase',
      'minNumber',
      'minSymbol',
      'minUpperCase',
    ]);
  });
});
