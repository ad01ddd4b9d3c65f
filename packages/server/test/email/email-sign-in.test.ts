import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdxConversation, postJson } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  action,
  answer,
  emailApp,
  HIGH_STEP_LIMITS,
  latestCode,
  mailbox,
  messageKeys,
  passcodeFieldKeys,
  startEmailSignIn,
  wrongCode,
} from './email-helpers.js';

const PASSCODE_INVALID = 'api.authn.error.PASSCODE_INVALID';

describe('email sign-in: typed one-time code (issue #3, docs/security.md E1, E3, E4, E7, E8)', () => {
  let server: TestServer;
  let clientId: string;

  beforeAll(async () => {
    server = await startTestServer({
      config: {
        email: { otpTtlSeconds: 60 },
        // This file is about codes, not throttles: the per-IP caps must not interfere.
        rateLimits: HIGH_STEP_LIMITS,
      },
    });
    clientId = (await emailApp(server)).clientId;
  });
  afterAll(() => server?.close());

  it('the code typed in the same transaction signs in, and the interaction code is exchanged for tokens', async () => {
    const { user } = await server.createUser();
    const { idx, interaction, challenge } = await startEmailSignIn(server, clientId, user.login);
    expect(challenge.status).toBe(200);
    const code = await latestCode(server, user.email);
    // The store keeps a seed, never the code; events do not carry it either (docs/security.md E7, M1).
    const { db } = server.services.storage.handle;
    const stored = JSON.stringify([
      await db.selectFrom('email_challenges').selectAll().execute(),
      await db.selectFrom('events').selectAll().execute(),
    ]);
    expect(stored).toContain(user.id);
    expect(stored).not.toContain(code);
    const done = await idx.submit('challenge-authenticator', { credentials: { passcode: code } });
    expect(done.status).toBe(200);
    expect(done.body.successWithInteractionCode?.name).toBe('issue');
    const tokens = await idx.exchange(interaction, idx.interactionCode());
    expect(tokens.status).toBe(200);
    expect(tokens.body.token_type).toBe('Bearer');
    const claims = decodeJwt(tokens.body.id_token as string);
    expect(claims.sub).toBe(user.id);
    expect(claims.nonce).toBe(interaction.nonce);
    // Email is a single, low-assurance factor: nothing claims MFA (docs/security.md E1).
    expect(claims.amr).toEqual(['email']);
  });

  it('the challenge envelope: email enrolment object, masked address, resend and poll actions with absolute hrefs', async () => {
    // Signs in with a login that is not the address: the envelope must not reveal the address.
    const { user } = await server.createUser({ login: 'jdoe-envelope', email: 'jane.doe@example.com' });
    const { challenge } = await startEmailSignIn(server, clientId, user.login);
    expect(challenge.status).toBe(200);
    const body = challenge.body;
    expect(body.version).toBe('1.0.0');
    expect(body.intent).toBe('LOGIN');
    expect(typeof body.stateHandle).toBe('string');

    const first = body.remediation!.value[0]!;
    expect(first.name).toBe('challenge-authenticator');
    expect(first.href).toBe(`${server.url}/idp/idx/challenge/answer`);
    expect(first.relatesTo).toEqual(['$.currentAuthenticatorEnrollment']);
    const credentials = first.value.find((f) => f.name === 'credentials')!;
    expect(credentials.type).toBe('object');
    expect(credentials.form!.value[0]).toMatchObject({ name: 'passcode', label: 'Enter code' });
    expect(credentials.form!.value[0]!.secret).toBeUndefined();

    const enrollment = body.currentAuthenticatorEnrollment!;
    expect(enrollment.type).toBe('object');
    expect(enrollment.value.key).toBe('okta_email');
    expect(enrollment.value.type).toBe('email');
    expect(enrollment.value.profile?.email).toBe('j***e@example.com');
    expect(JSON.stringify(body)).not.toContain('jane.doe@');

    const resend = enrollment.value.resend!;
    expect(resend).toMatchObject({
      name: 'resend',
      method: 'POST',
      href: `${server.url}/idp/idx/challenge/resend`,
    });
    expect(resend.value.find((f) => f.name === 'stateHandle')?.value).toBe(body.stateHandle);
    const poll = enrollment.value.poll!;
    expect(poll).toMatchObject({
      name: 'poll',
      method: 'POST',
      refresh: 4000,
      href: `${server.url}/idp/idx/challenge/poll`,
    });
    expect(new URL(poll.href).origin).toBe(server.url);
    expect(body.cancel?.href).toBe(`${server.url}/idp/idx/cancel`);

    // The code travels by email only.
    const code = await latestCode(server, user.email);
    expect(JSON.stringify(body)).not.toContain(code);
  });

  it('a wrong code gets 401 with PASSCODE_INVALID on credentials.passcode (challenge form first); the right one then works', async () => {
    const { user } = await server.createUser();
    const { idx, interaction, challenge } = await startEmailSignIn(server, clientId, user.login);
    const code = await latestCode(server, user.email);
    const wrong = await answer(challenge.body, wrongCode(code));
    expect(wrong.status).toBe(401);
    expect(wrong.body.version).toBe('1.0.0');
    expect(wrong.body.remediation!.value[0]!.name).toBe('challenge-authenticator');
    expect(passcodeFieldKeys(wrong.body)).toEqual([PASSCODE_INVALID]);
    const message = wrong.body.remediation!.value[0]!.value.find((f) => f.name === 'credentials')!.form!
      .value[0]!.messages!.value[0]!;
    expect(message.class).toBe('ERROR');
    expect(wrong.body.currentAuthenticatorEnrollment?.value.key).toBe('okta_email');
    expect(wrong.body.stateHandle).toBe(challenge.body.stateHandle);

    const right = await answer(wrong.body, code);
    expect(right.status).toBe(200);
    idx.last = right;
    expect((await idx.exchange(interaction, idx.interactionCode())).status).toBe(200);
  });

  it('an expired code gets 401 PASSCODE_INVALID; resend then issues a new code that works', async () => {
    const { user } = await server.createUser();
    const { challenge } = await startEmailSignIn(server, clientId, user.login);
    const oldCode = await latestCode(server, user.email);
    server.clock.advance(61_000);
    const expired = await answer(challenge.body, oldCode);
    expect(expired.status).toBe(401);
    expect(passcodeFieldKeys(expired.body)).toEqual([PASSCODE_INVALID]);

    const resent = await action(challenge.body, 'resend');
    expect(resent.status).toBe(200);
    expect(resent.body.currentAuthenticatorEnrollment?.value.key).toBe('okta_email');
    const messages = await mailbox(server, user.email);
    expect(messages).toHaveLength(2);
    const newCode = await latestCode(server, user.email);
    // A fresh code (equal only by a one-in-a-million coincidence of two random seeds).
    expect(newCode).not.toBe(oldCode);
    expect((await answer(resent.body, oldCode)).status).toBe(401);
    const done = await answer(resent.body, newCode);
    expect(done.status).toBe(200);
    expect(done.body.successWithInteractionCode).toBeDefined();
  });

  it('five wrong answers end the challenge and the transaction; even the right code is then refused', async () => {
    const { user } = await server.createUser();
    const { interaction, challenge } = await startEmailSignIn(server, clientId, user.login);
    const code = await latestCode(server, user.email);
    for (let i = 1; i <= 4; i++) {
      const wrong = await answer(challenge.body, wrongCode(code, i));
      expect(wrong.status).toBe(401);
      expect(passcodeFieldKeys(wrong.body)).toEqual([PASSCODE_INVALID]);
    }
    const fifth = await answer(challenge.body, wrongCode(code, 5));
    expect(fifth.status).toBeGreaterThanOrEqual(400);
    expect(fifth.status).toBeLessThan(500);
    expect(messageKeys(fifth.body)).toEqual(['gatehouse.challenge.too_many_attempts']);
    expect(fifth.body.remediation).toBeUndefined();
    expect(fifth.body.currentAuthenticatorEnrollment).toBeUndefined();

    const correct = await answer(challenge.body, code);
    expect(correct.status).toBe(401);
    expect(messageKeys(correct.body)).toEqual(['idx.session.expired']);
    expect(correct.body.successWithInteractionCode).toBeUndefined();

    // The interaction is dead: no new tab, resend or poll revives it.
    const fresh = new IdxConversation(server.url, clientId);
    const intro = await fresh.introspect(interaction.interactionHandle);
    expect(intro.status).toBe(401);
    expect(messageKeys(intro.body)).toEqual(['idx.session.expired']);
    expect((await action(challenge.body, 'resend')).status).toBe(401);
    expect((await action(challenge.body, 'poll')).status).toBe(401);
  });

  it('accepts exactly six ASCII digits (spaces removed): longer, shorter, full-width and suffixed codes are refused', async () => {
    const { user } = await server.createUser();
    const { challenge } = await startEmailSignIn(server, clientId, user.login);
    const code = await latestCode(server, user.email);
    const fullWidth = [...code].map((d) => String.fromCharCode(0xff10 + Number(d))).join('');
    for (const bad of [`${code}7`, code.slice(0, 5), fullWidth, `${code}abc`]) {
      const res = await answer(challenge.body, bad);
      expect(res.status, JSON.stringify(bad)).toBe(401);
      expect(passcodeFieldKeys(res.body)).toEqual([PASSCODE_INVALID]);
    }
    const spaced = await answer(challenge.body, `${code.slice(0, 3)} ${code.slice(3)}`);
    expect(spaced.status).toBe(200);
    expect(spaced.body.successWithInteractionCode).toBeDefined();
  });

  it('a code with a trailing newline, or a space-separated extra digit, is refused', async () => {
    const { user } = await server.createUser();
    const { challenge } = await startEmailSignIn(server, clientId, user.login);
    const code = await latestCode(server, user.email);
    expect((await answer(challenge.body, `${code}\n`)).status).toBe(401);
    expect((await answer(challenge.body, ` ${code}1`)).status).toBe(401);
    expect((await answer(challenge.body, code)).status).toBe(200);
  });

  it('a code only works in the transaction that requested it (docs/security.md E3)', async () => {
    const { user } = await server.createUser();
    const t1 = await startEmailSignIn(server, clientId, user.login);
    const code1 = await latestCode(server, user.email);
    const t2 = await startEmailSignIn(server, clientId, user.login);
    const code2 = await latestCode(server, user.email);
    expect(code2).not.toBe(code1);

    const crossed = await answer(t2.challenge.body, code1);
    expect(crossed.status).toBe(401);
    expect(passcodeFieldKeys(crossed.body)).toEqual([PASSCODE_INVALID]);
    expect((await answer(t1.challenge.body, code2)).status).toBe(401);
    // Each transaction still takes its own code.
    expect((await answer(t2.challenge.body, code2)).status).toBe(200);
    expect((await answer(t1.challenge.body, code1)).status).toBe(200);
  });

  it('a code cannot be used twice: not again in its transaction, not in a new one', async () => {
    const { user } = await server.createUser();
    const { idx, interaction, challenge } = await startEmailSignIn(server, clientId, user.login);
    const code = await latestCode(server, user.email);
    const done = await answer(challenge.body, code);
    expect(done.status).toBe(200);

    const again = await answer(challenge.body, code);
    expect(again.status).toBe(401);
    expect(messageKeys(again.body)).toEqual(['idx.session.expired']);
    expect(again.body.successWithInteractionCode).toBeUndefined();

    idx.last = done;
    expect((await idx.exchange(interaction, idx.interactionCode())).status).toBe(200);

    const next = await startEmailSignIn(server, clientId, user.login);
    const replay = await answer(next.challenge.body, code);
    expect(replay.status).toBe(401);
    expect(passcodeFieldKeys(replay.body)).toEqual([PASSCODE_INVALID]);
  });

  it('answering before any challenge, or with the wrong body, is refused without consuming the challenge', async () => {
    const { user } = await server.createUser();
    const idx = new IdxConversation(server.url, clientId);
    const interaction = await idx.interact();
    await idx.introspect(interaction.interactionHandle);
    const select = await idx.submit('identify', { identifier: user.login });
    const early = await postJson(`${server.url}/idp/idx/challenge/answer`, {
      credentials: { passcode: '123456' },
      stateHandle: select.body.stateHandle,
    });
    expect(early.status).toBe(400);
    expect(messageKeys(early.body)).toEqual(['gatehouse.step.not_allowed']);

    const { challenge } = await startEmailSignIn(server, clientId, user.login);
    const numeric = await postJson(`${server.url}/idp/idx/challenge/answer`, {
      credentials: { passcode: 123456 },
      stateHandle: challenge.body.stateHandle,
    });
    expect(numeric.status).toBe(400);
    expect((await answer(challenge.body, await latestCode(server, user.email))).status).toBe(200);
  });
});
