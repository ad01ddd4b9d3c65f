import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdxConversation, postJson } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

async function latestCode(server: TestServer, to: string): Promise<string> {
  const res = await fetch(`${server.url}/dev/mailbox/api/messages?to=${encodeURIComponent(to)}`);
  const [latest] = (await res.json()) as Array<{ text: string }>;
  return /\b(\d{6})\b/.exec(latest!.text)![1]!;
}

describe('password recovery over raw IDX (smoke)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('recover → identify-recovery → Email → code → new password → signed in; old password fails', async () => {
    const { app } = await server.createApp();
    const { user, password } = await server.createUser();
    const idx = new IdxConversation(server.url, app.clientId);
    const interaction = await idx.interact();
    const intro = await idx.introspect(interaction.interactionHandle);
    const recover = intro.body.currentAuthenticator?.value.recover;
    expect(recover?.href).toMatch(/\/idp\/idx\/recover$/);
    idx.last = await postJson(recover!.href, { stateHandle: intro.body.stateHandle });
    expect(idx.last.body.remediation?.value.map((r) => r.name)).toEqual(['identify-recovery']);
    const select = await idx.submit('identify-recovery', { identifier: user.login });
    expect(select.body.recoveryAuthenticator?.value.key).toBe('okta_password');
    const challenge = await idx.submit('select-authenticator-authenticate', {
      authenticator: { id: 'autEmail' },
    });
    expect(challenge.status).toBe(200);
    expect(challenge.body.currentAuthenticatorEnrollment?.value.recover).toBeUndefined();
    const reset = await idx.submit('challenge-authenticator', {
      credentials: { passcode: await latestCode(server, user.email) },
    });
    expect(reset.body.remediation?.value[0]?.name).toBe('reset-authenticator');
    expect(reset.body.currentAuthenticator?.value.settings?.complexity?.minLength).toBe(15);
    const weak = await idx.submit('reset-authenticator', { credentials: { passcode: 'short' } });
    expect(weak.status).toBe(400);
    const reused = await idx.submit('reset-authenticator', { credentials: { passcode: password } });
    expect(reused.status).toBe(400);
    const done = await idx.submit('reset-authenticator', {
      credentials: { passcode: 'a brand new passphrase 42' },
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect((await idx.exchange(interaction, idx.interactionCode())).status).toBe(200);

    const again = new IdxConversation(server.url, app.clientId);
    const i2 = await again.interact();
    await again.introspect(i2.interactionHandle);
    expect(
      (await again.submit('identify', { identifier: user.login, credentials: { passcode: password } }))
        .status,
    ).toBe(401);
    expect(
      (
        await again.submit('identify', {
          identifier: user.login,
          credentials: { passcode: 'a brand new passphrase 42' },
        })
      ).status,
    ).toBe(200);
  });
});
