import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdxConversation, postJson } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  action,
  answer,
  emailApp,
  latestCode,
  mailbox,
  messageKeys,
  optionId,
  startEmailSignIn,
} from './email-helpers.js';

describe('email challenge: resend and poll (docs/protocol/idx-protocol.md §7.7, docs/security.md E6)', () => {
  let server: TestServer;
  let clientId: string;

  beforeAll(async () => {
    server = await startTestServer({
      config: {
        // The per-transaction throttle is under test here; the address and IP caps must not mask it.
        rateLimits: {
          emailPerRecipient: { limit: 100 },
          challengePerIp: { limit: 1000 },
          answerPerIp: { limit: 1000 },
        },
      },
    });
    clientId = (await emailApp(server)).clientId;
  });
  afterAll(() => server?.close());

  it('resend within 30 s → 429 tooManyRequests with Retry-After; after 31 s the same code is sent again and works', async () => {
    const { user } = await server.createUser();
    const { challenge } = await startEmailSignIn(server, clientId, user.login);
    const code = await latestCode(server, user.email);

    const early = await action(challenge.body, 'resend');
    expect(early.status).toBe(429);
    expect(messageKeys(early.body)).toEqual(['tooManyRequests']);
    expect(early.body.version).toBe('1.0.0');
    const retryAfter = Number(early.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(await mailbox(server, user.email)).toHaveLength(1);

    server.clock.advance(31_000);
    const resent = await action(challenge.body, 'resend');
    expect(resent.status).toBe(200);
    // The same envelope as the challenge (the widget ignores identical responses).
    expect(resent.body.stateHandle).toBe(challenge.body.stateHandle);
    expect(resent.body.remediation!.value[0]!.name).toBe('challenge-authenticator');
    expect(resent.body.currentAuthenticatorEnrollment).toEqual(challenge.body.currentAuthenticatorEnrollment);
    const messages = await mailbox(server, user.email);
    expect(messages).toHaveLength(2);
    expect(await latestCode(server, user.email)).toBe(code);
    expect((await answer(resent.body, code)).status).toBe(200);
  });

  it('at most five emails per transaction: the sixth → 429; re-selecting Email does not bypass it', async () => {
    const { user } = await server.createUser();
    const { idx, select, challenge } = await startEmailSignIn(server, clientId, user.login);
    for (let send = 2; send <= 5; send++) {
      server.clock.advance(31_000);
      const resent = await action(challenge.body, 'resend');
      expect(resent.status, `send ${send}`).toBe(200);
    }
    expect(await mailbox(server, user.email)).toHaveLength(5);

    server.clock.advance(31_000);
    const sixth = await action(challenge.body, 'resend');
    expect(sixth.status).toBe(429);
    expect(messageKeys(sixth.body)).toEqual(['tooManyRequests']);
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await mailbox(server, user.email)).toHaveLength(5);

    // Posting the select form again at the challenge step is not allowed.
    const reselect = await postJson(`${server.url}/idp/idx/challenge`, {
      authenticator: { id: optionId(select.body, 'Email') },
      stateHandle: challenge.body.stateHandle,
    });
    expect(reselect.status).toBe(400);
    expect(messageKeys(reselect.body)).toEqual(['gatehouse.step.not_allowed']);

    // Cancel and start over in the same interaction: the sends are still counted.
    const canceled = await postJson(challenge.body.cancel!.href, { stateHandle: challenge.body.stateHandle });
    expect(canceled.status).toBe(200);
    expect(canceled.body.stateHandle).not.toBe(challenge.body.stateHandle);
    idx.last = canceled;
    const again = await idx.submit('identify', { identifier: user.login });
    expect(again.status).toBe(200);
    const rechallenge = await idx.submit('select-authenticator-authenticate', {
      authenticator: { id: optionId(again.body, 'Email') },
    });
    expect(rechallenge.status).toBe(429);
    expect(messageKeys(rechallenge.body)).toEqual(['tooManyRequests']);
    expect(await mailbox(server, user.email)).toHaveLength(5);
  });

  it('resend is refused before the challenge step and after the code was used', async () => {
    const { user } = await server.createUser();
    const idx = new IdxConversation(server.url, clientId);
    const interaction = await idx.interact();
    await idx.introspect(interaction.interactionHandle);
    const select = await idx.submit('identify', { identifier: user.login });
    const early = await postJson(`${server.url}/idp/idx/challenge/resend`, {
      stateHandle: select.body.stateHandle,
    });
    expect(early.status).toBe(400);
    expect(messageKeys(early.body)).toEqual(['gatehouse.step.not_allowed']);
    expect(await mailbox(server, user.email)).toHaveLength(0);

    const { challenge } = await startEmailSignIn(server, clientId, user.login);
    expect((await answer(challenge.body, await latestCode(server, user.email))).status).toBe(200);
    server.clock.advance(31_000);
    const late = await action(challenge.body, 'resend');
    expect(late.status).toBe(401);
    expect(messageKeys(late.body)).toEqual(['idx.session.expired']);
    expect(await mailbox(server, user.email)).toHaveLength(1);
  });

  it('poll while pending returns the challenge envelope and neither sends email nor uses attempts', async () => {
    const { user } = await server.createUser();
    const { challenge } = await startEmailSignIn(server, clientId, user.login);
    const code = await latestCode(server, user.email);
    for (let i = 0; i < 6; i++) {
      const poll = await action(challenge.body, 'poll');
      expect(poll.status).toBe(200);
      expect(poll.body.stateHandle).toBe(challenge.body.stateHandle);
      expect(poll.body.remediation!.value[0]!.name).toBe('challenge-authenticator');
      expect(poll.body.currentAuthenticatorEnrollment?.value.key).toBe('okta_email');
      expect(poll.body.currentAuthenticatorEnrollment?.value.poll?.refresh).toBe(4000);
      expect(poll.body.successWithInteractionCode).toBeUndefined();
    }
    expect(await mailbox(server, user.email)).toHaveLength(1);
    // Six polls did not count as answers (five would have ended the challenge).
    expect((await answer(challenge.body, code)).status).toBe(200);
  });

  it('after another tab answered the code, poll tells this tab the flow continued there (terminal INFO)', async () => {
    const { user } = await server.createUser();
    const { interaction, challenge } = await startEmailSignIn(server, clientId, user.login);
    const code = await latestCode(server, user.email);

    // The magic link opened in a new tab of the same browser: introspect by interaction handle, then answer.
    const other = new IdxConversation(server.url, clientId);
    const intro = await other.introspect(interaction.interactionHandle);
    expect(intro.status).toBe(200);
    expect(intro.body.remediation!.value[0]!.name).toBe('challenge-authenticator');
    const done = await other.submit('challenge-authenticator', { credentials: { passcode: code } });
    expect(done.status).toBe(200);
    const interactionCode = other.interactionCode();

    const poll = await action(challenge.body, 'poll');
    expect(poll.status).toBe(200);
    expect(poll.body.version).toBe('1.0.0');
    expect(poll.body.messages?.value).toEqual([
      expect.objectContaining({
        class: 'INFO',
        i18n: expect.objectContaining({ key: 'idx.transferred.to.new.tab' }),
      }),
    ]);
    expect(poll.body.remediation).toBeUndefined();
    expect(poll.body.successWithInteractionCode).toBeUndefined();
    expect(JSON.stringify(poll.body)).not.toContain(interactionCode);

    // The original tab cannot act any more.
    const late = await answer(challenge.body, code);
    expect(late.status).toBe(401);
    expect(messageKeys(late.body)).toEqual(['idx.session.expired']);

    const tokens = await other.exchange(interaction, interactionCode);
    expect(tokens.status).toBe(200);

    // Once the code is redeemed, a new tab gets nothing from the interaction handle; the polling tab
    // is still told where the flow went (never a success), until the transaction itself expires.
    const third = new IdxConversation(server.url, clientId);
    const reintro = await third.introspect(interaction.interactionHandle);
    expect(reintro.status).toBe(401);
    expect(messageKeys(reintro.body)).toEqual(['idx.session.expired']);
    const after = await action(challenge.body, 'poll');
    expect(after.status).toBe(200);
    expect(messageKeys(after.body)).toEqual(['idx.transferred.to.new.tab']);
    expect(after.body.successWithInteractionCode).toBeUndefined();
    expect(after.body.remediation).toBeUndefined();
    server.clock.advance(31 * 60_000);
    const expired = await action(challenge.body, 'poll');
    expect(expired.status).toBe(401);
    expect(messageKeys(expired.body)).toEqual(['idx.session.expired']);
  });
});
