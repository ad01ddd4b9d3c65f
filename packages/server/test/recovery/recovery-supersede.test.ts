import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  ONE_STEP,
  ROOMY_LIMITS,
  resetMailParts,
  resetMails,
  selectEmail,
  startRecovery,
} from './recovery-helpers.js';

// docs/security.md H2: a recovery code dies when a newer one is issued or the password changes by any path.
describe('recovery codes are superseded', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { rateLimits: ROOMY_LIMITS } });
  });
  afterAll(() => server.close());

  it('a second recovery for the same user ends the first: its code no longer works', async () => {
    const { app } = await server.createApp({ policy: ONE_STEP });
    const { user } = await server.createUser();
    const first = await startRecovery(server, app, user.login);
    expect((await selectEmail(first)).status).toBe(200);
    const { otp: firstCode } = resetMailParts((await resetMails(server, user.email))[0]!);

    server.clock.advance(31_000);
    const second = await startRecovery(server, app, user.login);
    expect((await selectEmail(second)).status).toBe(200);

    const stale = await first.idx.submit('challenge-authenticator', { credentials: { passcode: firstCode } });
    expect(stale.status).toBe(401);
    expect(stale.body.messages?.value[0]?.i18n.key).toBe('idx.session.expired');
    const { otp: secondCode } = resetMailParts((await resetMails(server, user.email))[0]!);
    const reset = await second.idx.submit('challenge-authenticator', {
      credentials: { passcode: secondCode },
    });
    expect(reset.body.remediation?.value[0]?.name).toBe('reset-authenticator');
  });

  it('a password set by an administrator ends the recovery in progress', async () => {
    const { app } = await server.createApp({ policy: ONE_STEP });
    const { user } = await server.createUser();
    const recovery = await startRecovery(server, app, user.login);
    expect((await selectEmail(recovery)).status).toBe(200);
    const { otp } = resetMailParts((await resetMails(server, user.email))[0]!);

    await server.services.users.setPassword(user, 'set by the administrator 2026');
    const stale = await recovery.idx.submit('challenge-authenticator', { credentials: { passcode: otp } });
    expect(stale.status).toBe(401);
    expect(stale.body.messages?.value[0]?.i18n.key).toBe('idx.session.expired');
  });
});
