/**
 * The SDK against a running Gatehouse, self-service password recovery via email (flow 2,
 * docs/protocol/idx-protocol.md §8.2): recoverPassword → Email → code (typed, or the reset link in another
 * tab) → new password → signed in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../server/test/support/test-server.js';
import { browserStorage } from '../../src/index.js';
import { createTestApp, keysOf, latestMail, magicLinkOf, sdkClient } from '../support/gatehouse.js';
import { FakeWebStorage } from '../support/web-storage.js';

const ONE_STEP = { factors: 'password', identifierFirst: false, selfServiceRecovery: true } as const;
const NEW_PASSWORD = 'a brand new passphrase for the sdk 42';

describe('SDK password recovery against Gatehouse', () => {
  let server: TestServer;
  let app: Awaited<ReturnType<typeof createTestApp>>['app'];
  beforeAll(async () => {
    server = await startTestServer();
    ({ app } = await createTestApp(server, ONE_STEP));
  });
  afterAll(() => server?.close());

  it('recoverPassword({ username }) → Email → code → reset (policy error, then OK) → SUCCESS', async () => {
    const { user, password } = await server.createUser();
    const auth = sdkClient(server, app);
    const select = await auth.idx.recoverPassword({ username: user.login });
    expect(select.status).toBe('PENDING');
    expect(select.context.recovery).toBe(true);
    expect(select.nextStep?.name).toBe('select-authenticator-authenticate');
    expect(select.nextStep?.options).toEqual([{ label: 'Email', value: 'okta_email' }]);

    const challenge = await auth.idx.proceed({ authenticator: 'okta_email' });
    expect(challenge.nextStep?.authenticator?.key).toBe('okta_email');
    expect(challenge.nextStep?.actions).not.toContain('recover');
    const mail = await latestMail(server, user.email);
    const reset = await auth.idx.proceed({ verificationCode: magicLinkOf(mail).otp });
    expect(reset.status).toBe('PENDING');
    expect(reset.nextStep?.name).toBe('reset-authenticator');
    expect(reset.nextStep?.inputs.find((i) => i.name === 'password')).toMatchObject({
      path: 'credentials.passcode',
      label: 'New password',
      secret: true,
      required: true,
    });
    expect(reset.context.passwordComplexity).toMatchObject({ minLength: 15 });

    const weak = await auth.idx.proceed({ password: 'short' });
    expect(weak.status).toBe('PENDING');
    expect(weak.httpStatus).toBe(400);
    expect(weak.messages[0]).toMatchObject({ key: 'password.passwordRequirementsNotMet', field: 'password' });
    expect(weak.messages[0]?.params).toEqual([expect.stringContaining('15')]);

    const done = await auth.idx.proceed({ password: NEW_PASSWORD });
    expect(done.status).toBe('SUCCESS');
    expect(done.tokens?.claims?.sub).toBe(user.id);

    // The new password signs in; the old one does not.
    const again = sdkClient(server, app);
    expect((await again.idx.authenticate({ username: user.login, password })).status).toBe('PENDING');
    expect((await again.idx.authenticate({ username: user.login, password: NEW_PASSWORD })).status).toBe(
      'SUCCESS',
    );
  });

  it('the reset link opened in another tab continues the recovery there (shared storage)', async () => {
    const { user } = await server.createUser();
    const local = new FakeWebStorage();
    const firstTab = sdkClient(
      server,
      app,
      browserStorage({ sessionStorage: new FakeWebStorage(), localStorage: local }),
    );
    await firstTab.idx.recoverPassword({ username: user.login });
    await firstTab.idx.proceed({ authenticator: 'okta_email' });
    const { search, state } = magicLinkOf(await latestMail(server, user.email));

    const secondTab = sdkClient(
      server,
      app,
      browserStorage({ sessionStorage: new FakeWebStorage(), localStorage: local }),
    );
    expect(secondTab.idx.canProceed({ state })).toBe(true);
    const reset = await secondTab.idx.handleEmailVerifyCallback(search);
    expect(reset.status).toBe('PENDING');
    expect(reset.nextStep?.name).toBe('reset-authenticator');
    // The second tab now owns the transaction: proceed() without a state continues it.
    const done = await secondTab.idx.proceed({ password: NEW_PASSWORD });
    expect(done.status).toBe('SUCCESS');
    expect(done.tokens?.claims?.sub).toBe(user.id);
  });

  it('recoverPassword() without a username stops at identify-recovery', async () => {
    const auth = sdkClient(server, app);
    const tx = await auth.idx.recoverPassword();
    expect(tx.status).toBe('PENDING');
    expect(tx.nextStep?.name).toBe('identify-recovery');
    expect(tx.nextStep?.inputs.map((i) => i.name)).toEqual(['username']);
    expect(keysOf(tx)).toEqual([]);
  });
});
