import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdxConversation } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('email sign-in over raw IDX (smoke)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('identify → select Email → code from the dev mailbox → token', async () => {
    const { app } = await server.createApp({
      policy: { factors: 'email', identifierFirst: true, selfServiceRecovery: true },
    });
    const { user } = await server.createUser();
    const idx = new IdxConversation(server.url, app.clientId);
    const interaction = await idx.interact();
    await idx.introspect(interaction.interactionHandle);
    const select = await idx.submit('identify', { identifier: user.login });
    expect(select.status).toBe(200);
    const option = select.body.remediation!.value[0]!.value[0]!.options![0]!;
    const id = (option.value as { form: { value: Array<{ name: string; value: string }> } }).form.value.find(
      (f) => f.name === 'id',
    )!.value;
    const challenge = await idx.submit('select-authenticator-authenticate', { authenticator: { id } });
    expect(challenge.status).toBe(200);
    expect(challenge.body.currentAuthenticatorEnrollment?.value.key).toBe('okta_email');
    expect(challenge.body.currentAuthenticatorEnrollment?.value.resend?.href).toMatch(
      /\/idp\/idx\/challenge\/resend$/,
    );
    const mail = (await (
      await fetch(`${server.url}/dev/mailbox/api/messages?to=${encodeURIComponent(user.email)}`)
    ).json()) as Array<{
      text: string;
      html: string;
      subject: string;
    }>;
    expect(mail).toHaveLength(1);
    const otp = /\b(\d{6})\b/.exec(mail[0]!.subject)![1]!;
    expect(mail[0]!.text).toContain(`otp=${otp}&state=${interaction.state}`);
    const wrong = await idx.submit('challenge-authenticator', {
      credentials: { passcode: otp === '000000' ? '111111' : '000000' },
    });
    expect(wrong.status).toBe(401);
    const done = await idx.submit('challenge-authenticator', { credentials: { passcode: otp } });
    expect(done.status).toBe(200);
    const tokens = await idx.exchange(interaction, idx.interactionCode());
    expect(tokens.status).toBe(200);
  });
});
