import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdxConversation, postJson } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  HIGH_STEP_LIMITS,
  latestCode,
  mailbox,
  messageKeys,
  optionId,
  PASSWORD_EMAIL_POLICY,
} from './email-helpers.js';

describe('password+email policy (password first, then an email code)', () => {
  let server: TestServer;
  let clientId: string;

  beforeAll(async () => {
    server = await startTestServer({
      config: { rateLimits: HIGH_STEP_LIMITS },
    });
    clientId = (await server.createApp({ policy: PASSWORD_EMAIL_POLICY })).app.clientId;
  });
  afterAll(() => server?.close());

  async function identified(login: string, password: string) {
    const idx = new IdxConversation(server.url, clientId);
    const interaction = await idx.interact();
    const intro = await idx.introspect(interaction.interactionHandle);
    expect(intro.status).toBe(200);
    // One-step identify: the form asks for the password too.
    const identify = idx.form('identify');
    expect(identify.value.map((f) => f.name)).toEqual(['identifier', 'credentials', 'stateHandle']);
    const res = await idx.submit('identify', { identifier: login, credentials: { passcode: password } });
    return { idx, interaction, res };
  }

  it('identify with password → select Email → code → success; the ID token amr is ["pwd","email"]', async () => {
    const { user, password } = await server.createUser();
    const { idx, interaction, res } = await identified(user.login, password);
    expect(res.status).toBe(200);
    expect(res.body.remediation!.value.map((f) => f.name)).toEqual(['select-authenticator-authenticate']);
    const labels = idx
      .form('select-authenticator-authenticate')
      .value.find((f) => f.name === 'authenticator')!.options!;
    expect(labels.map((o) => o.label)).toEqual(['Email']);
    expect(res.body.successWithInteractionCode).toBeUndefined();
    expect(await mailbox(server, user.email)).toHaveLength(0);

    const challenge = await idx.submit('select-authenticator-authenticate', {
      authenticator: { id: optionId(res.body, 'Email') },
    });
    expect(challenge.status).toBe(200);
    expect(challenge.body.currentAuthenticatorEnrollment?.value.key).toBe('okta_email');
    const code = await latestCode(server, user.email);
    const done = await idx.submit('challenge-authenticator', { credentials: { passcode: code } });
    expect(done.status).toBe(200);
    const tokens = await idx.exchange(interaction, idx.interactionCode());
    expect(tokens.status).toBe(200);
    const claims = decodeJwt(tokens.body.id_token as string);
    expect(claims.sub).toBe(user.id);
    expect(claims.amr).toEqual(['pwd', 'email']);
  });

  it('the password step alone never yields an interaction code, and the email step cannot be skipped', async () => {
    const { user, password } = await server.createUser();
    const { res } = await identified(user.login, password);
    expect(res.status).toBe(200);
    const skip = await postJson(`${server.url}/idp/idx/challenge/answer`, {
      credentials: { passcode: password },
      stateHandle: res.body.stateHandle,
    });
    expect(skip.status).toBe(400);
    expect(messageKeys(skip.body)).toEqual(['gatehouse.step.not_allowed']);
    const password2 = await postJson(`${server.url}/idp/idx/challenge`, {
      authenticator: { id: 'autPassword' },
      stateHandle: res.body.stateHandle,
    });
    expect(password2.status).toBe(400);
    expect(password2.body.successWithInteractionCode).toBeUndefined();
  });

  it('a wrong password or an unknown user gets the same 401 and no email is sent', async () => {
    const { user } = await server.createUser();
    const wrong = await identified(user.login, 'not-the-password-at-all');
    const unknown = await identified('nobody@example.com', 'not-the-password-at-all');
    for (const { res } of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.body.remediation!.value[0]!.name).toBe('identify');
      expect(messageKeys(res.body)).toEqual(['errors.E0000004']);
    }
    expect(await mailbox(server, user.email)).toHaveLength(0);
    expect(await mailbox(server, 'nobody@example.com')).toHaveLength(0);
  });
});
