/**
 * The SDK against a running Gatehouse with self-service unlock (docs/protocol/idx-protocol-2.md §4):
 * `idx.unlockAccount()` for a user locked by wrong passwords, ending on the "unlocked" terminal or
 * (signInAfterUnlock) going on to sign in; an unknown account gets the same answers and no code;
 * an app without unlock refuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppPolicyInput } from '../../../server/src/apps/app-service.js';
import { startTestServer, type TestServer } from '../../../server/test/support/test-server.js';
import { IdxError } from '../../src/index.js';
import {
  createTestApp,
  keysOf,
  latestMail,
  magicLinkOf,
  recordingFetch,
  sdkClient,
} from '../support/gatehouse.js';

const UNLOCK: AppPolicyInput = { factors: 'password', identifierFirst: false, selfServiceUnlock: true };

describe('SDK self-service unlock against Gatehouse', () => {
  let server: TestServer;
  let app: Awaited<ReturnType<typeof createTestApp>>['app'];
  beforeAll(async () => {
    server = await startTestServer({ config: { lockout: { maxFailedAttempts: 3 } } });
    ({ app } = await createTestApp(server, UNLOCK));
  });
  afterAll(() => server?.close());

  /** A user locked by three wrong passwords through the SDK. */
  async function lockedUser() {
    const { user, password } = await server.createUser();
    for (let i = 0; i < 3; i++) {
      const tx = await sdkClient(server, app).idx.authenticate({
        username: user.login,
        password: `wrong-${i}`,
      });
      expect(tx.httpStatus).toBe(401);
    }
    const locked = await sdkClient(server, app).idx.authenticate({ username: user.login, password });
    expect(locked.status).toBe('PENDING');
    expect(keysOf(locked)).toEqual(['errors.E0000004']);
    return { user, password };
  }

  it('unlockAccount() alone: the form (username + authenticator), then the code → TERMINAL "unlocked"; the password works again', async () => {
    const { user, password } = await lockedUser();
    const wire = recordingFetch();
    const auth = sdkClient(server, app, undefined, { fetch: wire.fetch });
    const form = await auth.idx.unlockAccount();
    expect(form.status).toBe('PENDING');
    expect(form.nextStep?.name).toBe('select-authenticator-unlock-account');
    expect(form.nextStep?.inputs.map((i) => [i.name, i.path, i.required])).toEqual([
      ['username', 'identifier', true],
      ['authenticator', 'authenticator', true],
    ]);
    expect(form.nextStep?.options).toEqual([{ label: 'Email', value: 'okta_email' }]);
    expect(wire.calls.filter((c) => c.includes('/idp/idx/'))).toEqual([
      'POST /idp/idx/introspect',
      'POST /idp/idx/unlock-account',
    ]);

    const challenge = await auth.idx.proceed({ username: user.login, authenticator: 'okta_email' });
    expect(JSON.parse(wire.bodies.at(-1) as string)).toEqual({
      identifier: user.login,
      authenticator: { id: expect.any(String) },
      stateHandle: expect.stringMatching(/^02/),
    });
    expect(challenge.nextStep).toMatchObject({
      name: 'challenge-authenticator',
      authenticator: { key: 'okta_email' },
      inputs: [{ name: 'verificationCode' }],
    });
    const mail = await latestMail(server, user.email);
    expect(mail.subject).toMatch(/unlock/i);
    const { otp } = magicLinkOf(mail);
    const wrong = await auth.idx.proceed({ verificationCode: otp === '000000' ? '111111' : '000000' });
    expect(wrong.httpStatus).toBe(401);
    expect(keysOf(wrong)).toEqual(['api.authn.error.PASSCODE_INVALID']);
    const unlocked = await auth.idx.proceed({ verificationCode: otp });
    expect(unlocked.status).toBe('TERMINAL');
    expect(unlocked.messages).toEqual([
      {
        message: 'Your account is now unlocked!',
        key: 'oie.selfservice.unlock_user.success.message',
        class: 'INFO',
      },
    ]);
    expect(auth.idx.canProceed()).toBe(false);
    const signIn = await sdkClient(server, app).idx.authenticate({ username: user.login, password });
    expect(signIn.status).toBe('SUCCESS');
  });

  it('unlockAccount({ username, authenticator }) goes straight to the code', async () => {
    const { user } = await lockedUser();
    const auth = sdkClient(server, app);
    const challenge = await auth.idx.unlockAccount({ username: user.login, authenticator: 'okta_email' });
    expect(challenge.status).toBe('PENDING');
    expect(challenge.nextStep?.name).toBe('challenge-authenticator');
    const { otp } = magicLinkOf(await latestMail(server, user.email));
    expect((await auth.idx.proceed({ verificationCode: otp })).status).toBe('TERMINAL');
  });

  it('the unlock link in the same storage: handleEmailVerifyCallback ends on "unlocked"', async () => {
    const { user } = await lockedUser();
    const auth = sdkClient(server, app);
    await auth.idx.unlockAccount({ username: user.login, authenticator: 'okta_email' });
    const { search } = magicLinkOf(await latestMail(server, user.email));
    const done = await sdkClient(server, app, auth.storage).idx.handleEmailVerifyCallback(search);
    expect(done.status).toBe('TERMINAL');
    expect(keysOf(done)).toEqual(['oie.selfservice.unlock_user.success.message']);
  });

  it('an unknown account gets the same steps and answers, and no email', async () => {
    const unknown = `nobody-${Date.now()}@example.com`;
    const auth = sdkClient(server, app);
    const challenge = await auth.idx.unlockAccount({ username: unknown, authenticator: 'okta_email' });
    expect(challenge.status).toBe('PENDING');
    expect(challenge.httpStatus).toBe(200);
    expect(challenge.nextStep).toMatchObject({
      name: 'challenge-authenticator',
      authenticator: { key: 'okta_email' },
      canResend: true,
    });
    const guess = await auth.idx.proceed({ verificationCode: '123456' });
    expect(guess.status).toBe('PENDING');
    expect(guess.httpStatus).toBe(401);
    expect(keysOf(guess)).toEqual(['api.authn.error.PASSCODE_INVALID']);
    const res = await fetch(`${server.url}/dev/mailbox/api/messages?to=${encodeURIComponent(unknown)}`);
    expect(await res.json()).toEqual([]);
  });

  it('with signInAfterUnlock the code leads on to signing in, with the INFO message', async () => {
    const { app: landing } = await createTestApp(server, {
      ...UNLOCK,
      identifierFirst: true,
      signInAfterUnlock: true,
    });
    const { user, password } = await lockedUser();
    const auth = sdkClient(server, landing);
    await auth.idx.unlockAccount({ username: user.login, authenticator: 'okta_email' });
    const next = await auth.idx.proceed({
      verificationCode: magicLinkOf(await latestMail(server, user.email)).otp,
    });
    expect(next.status).toBe('PENDING');
    expect(next.nextStep?.name).toBe('select-authenticator-authenticate');
    expect(next.messages).toEqual([
      expect.objectContaining({
        key: 'oie.selfservice.unlock_user.landing.to.app.success.message',
        class: 'INFO',
      }),
    ]);
    await auth.idx.proceed({ authenticator: 'okta_password' });
    const done = await auth.idx.proceed({ password });
    expect(done.status).toBe('SUCCESS');
    expect(done.tokens?.claims?.sub).toBe(user.id);
  });

  it('an app without unlock: IdxError idx_unlock_unavailable', async () => {
    const { app: closed } = await createTestApp(server, { factors: 'password', identifierFirst: false });
    const auth = sdkClient(server, closed);
    const error = await auth.idx.unlockAccount().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdxError);
    expect(error).toMatchObject({ code: 'idx_unlock_unavailable' });
    expect((error as Error).message).toMatch(/not supported based on your current org configuration\.$/);
    expect(auth.idx.canProceed()).toBe(false);
  });
});
