import type { IdxResponse } from '@gatehouse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppPolicyInput } from '../../src/apps/app-service.js';
import { codeOf, mailbox } from '../email/email-helpers.js';
import { IdxConversation } from '../support/idx-client.js';
import { defaultTestDatabase, startTestServer, type TestServer } from '../support/test-server.js';

const names = (body: IdxResponse) => body.remediation?.value.map((f) => f.name) ?? [];
const emailOptionId = (body: IdxResponse) =>
  (
    body.remediation!.value[0]!.value.find((f) => f.name === 'authenticator')!.options![0]!.value as {
      form: { value: Array<{ value: string }> };
    }
  ).form.value[0]!.value;

/** The parts of a response that may not tell accounts apart (ids and handles aside). */
const shape = (res: { status: number; body: IdxResponse }) => ({
  status: res.status,
  remediations: names(res.body),
  current: res.body.currentAuthenticatorEnrollment?.value.key,
  actions: Object.keys(res.body.currentAuthenticatorEnrollment?.value ?? {}).sort(),
  messages: res.body.messages?.value.map((m) => m.i18n.key),
});

for (const database of new Set([defaultTestDatabase(), 'postgres' as const])) {
  describe(`self-service account unlock over IDX (${database})`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({
        database,
        config: { lockout: { maxFailedAttempts: 3 }, email: { notifyUnknownRecipients: true } },
      });
    });
    afterAll(() => server.close());

    const mailTo = (to: string) => mailbox(server, to);

    async function page(policy: AppPolicyInput) {
      const { app } = await server.createApp({ policy });
      const idx = new IdxConversation(server.url, app.clientId);
      const interaction = await idx.interact();
      const first = await idx.introspect(interaction.interactionHandle);
      return { app, idx, interaction, first };
    }

    /** A user locked by wrong passwords, through the sign-in form. */
    async function lockedUser() {
      const { user, password } = await server.createUser();
      for (let i = 0; i < 3; i++) {
        const { idx } = await page({ selfServiceUnlock: true });
        const res = await idx.submit('identify', {
          identifier: user.login,
          credentials: { passcode: 'wrong-guess' },
        });
        expect(res.status).toBe(401);
      }
      const locked = await server.services.storage.users.findById(user.id);
      expect(locked!.lockedUntil).toBeGreaterThan(server.clock.now());
      return { user, password };
    }

    /** Unlock → identifier and Email → the challenge. */
    async function askUnlock(identifier: string, policy: AppPolicyInput = { selfServiceUnlock: true }) {
      const { idx, interaction, first } = await page(policy);
      expect(names(first.body)).toContain('unlock-account');
      const form = await idx.submit('unlock-account', {});
      const challenge = await idx.submit('select-authenticator-unlock-account', {
        identifier,
        authenticator: { id: emailOptionId(form.body), methodType: 'email' },
      });
      return { idx, interaction, form, challenge };
    }

    it('a locked user unlocks with the emailed code and ends on "unlocked"; the password works again', async () => {
      const { user, password } = await lockedUser();
      const { idx, form, challenge } = await askUnlock(user.login);
      expect(names(form.body)).toEqual(['select-authenticator-unlock-account']);
      const fields = form.body.remediation!.value[0]!.value.map((f) => f.name);
      expect(fields).toEqual(['identifier', 'authenticator', 'stateHandle']);
      expect(form.body.authenticatorEnrollments?.value[0]).toMatchObject({ key: 'okta_email' });
      expect(form.body.authenticatorEnrollments?.value[0]).not.toHaveProperty('id');
      expect(form.body.user).toBeUndefined();

      expect(challenge.status).toBe(200);
      expect(names(challenge.body)).toEqual(['challenge-authenticator']);
      const [mail] = await mailTo(user.email);
      expect(mail!.subject).toMatch(/unlock/i);
      const wrong = await idx.submit('challenge-authenticator', { credentials: { passcode: '000000' } });
      expect(wrong.status).toBe(401);
      const unlocked = await idx.submit('challenge-authenticator', {
        credentials: { passcode: codeOf(mail!) },
      });
      expect(unlocked.status).toBe(200);
      expect(unlocked.body.remediation).toBeUndefined();
      expect(unlocked.body.successWithInteractionCode).toBeUndefined();
      expect(unlocked.body.messages?.value).toEqual([
        {
          message: 'Your account is now unlocked!',
          i18n: { key: 'oie.selfservice.unlock_user.success.message' },
          class: 'INFO',
        },
      ]);
      expect(unlocked.body.cancel).toBeDefined();
      // A reload shows the same end.
      const again = await idx.introspect((await idx.interact()).interactionHandle);
      expect(again.status).toBe(200);

      const after = await server.services.storage.users.findById(user.id);
      expect(after).toMatchObject({ failedAttempts: 0, lockedUntil: null, status: 'ACTIVE' });
      const { idx: signIn } = await page({ selfServiceUnlock: true });
      const ok = await signIn.submit('identify', {
        identifier: user.login,
        credentials: { passcode: password },
      });
      expect(ok.status).toBe(200);
      expect(ok.body.successWithInteractionCode).toBeDefined();
    });

    it('unknown and not-locked accounts get the same answers as a locked one, and no code', async () => {
      const { user: locked } = await lockedUser();
      const { user: active } = await server.createUser();
      const unknown = `nobody-${database}@example.com`;
      const answers = [];
      for (const identifier of [locked.login, active.login, unknown]) {
        const { idx, challenge } = await askUnlock(identifier);
        const wrong = await idx.submit('challenge-authenticator', { credentials: { passcode: '000000' } });
        answers.push({ challenge: shape(challenge), wrong: shape(wrong) });
      }
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[2]).toEqual(answers[0]);
      expect(await mailTo(locked.email)).toHaveLength(1);
      expect(await mailTo(active.email)).toHaveLength(0);
      // An address no account uses gets the unknown-recipient notice (turned on here), never a code.
      const notices = await mailTo(unknown);
      expect(notices).toHaveLength(1);
      expect(notices[0]!.text).not.toMatch(/\b\d{6}\b/);
      expect((await server.services.storage.users.findById(active.id))?.status).toBe('ACTIVE');
    });

    it('with signInAfterUnlock the proof counts and signing in goes on, with the INFO message', async () => {
      const policy = { selfServiceUnlock: true, signInAfterUnlock: true, identifierFirst: true };
      const { user, password } = await lockedUser();
      const { idx, interaction } = await askUnlock(user.login, policy);
      const [mail] = await mailTo(user.email);
      const next = await idx.submit('challenge-authenticator', { credentials: { passcode: codeOf(mail!) } });
      expect(next.status).toBe(200);
      expect(next.body.messages?.value[0]?.i18n.key).toBe(
        'oie.selfservice.unlock_user.landing.to.app.success.message',
      );
      expect(next.body.messages?.value[0]?.class).toBe('INFO');
      expect(names(next.body)).toEqual(['select-authenticator-authenticate']);
      const id = emailOptionId(next.body);
      const challenge = await idx.submit('select-authenticator-authenticate', { authenticator: { id } });
      expect(challenge.body.currentAuthenticatorEnrollment?.value.key).toBe('okta_password');
      const done = await idx.submit('challenge-authenticator', { credentials: { passcode: password } });
      expect(done.status).toBe(200);
      const tokens = await idx.exchange(interaction, idx.interactionCode());
      expect(tokens.status).toBe(200);
    });

    it("an administrator's lock is not lifted: no code, the account stays locked", async () => {
      const { user } = await server.createUser();
      await server.services.users.setStatus(user, 'LOCKED_OUT');
      const { idx, challenge } = await askUnlock(user.login);
      expect(challenge.status).toBe(200);
      expect(await mailTo(user.email)).toHaveLength(0);
      await idx.submit('challenge-authenticator', { credentials: { passcode: '123456' } });
      expect((await server.services.storage.users.findById(user.id))?.status).toBe('LOCKED_OUT');
    });

    it('unlock off: no link, and /unlock-account is refused with oie.selfservice.user.unlock.not.allowed', async () => {
      const { first } = await page({});
      expect(names(first.body)).toEqual(['identify']);
      const res = await fetch(`${server.url}/idp/idx/unlock-account`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ stateHandle: first.body.stateHandle }),
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as IdxResponse).messages?.value[0]?.i18n.key).toBe(
        'oie.selfservice.user.unlock.not.allowed',
      );
    });

    it('the unlock form without an identifier, or with an authenticator as a string, is a 400 in IDX form', async () => {
      const { idx, first } = await page({ selfServiceUnlock: true });
      expect(first.status).toBe(200);
      const form = await idx.submit('unlock-account', {});
      const href = idx.form('select-authenticator-unlock-account').href;
      const post = (body: unknown) =>
        fetch(href, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const noIdentifier = await post({
        authenticator: { id: emailOptionId(form.body) },
        stateHandle: form.body.stateHandle,
      });
      expect(noIdentifier.status).toBe(400);
      expect(((await noIdentifier.json()) as IdxResponse).messages?.value[0]?.class).toBe('ERROR');
      const asString = await post({
        identifier: 'x@example.com',
        authenticator: 'okta_email',
        stateHandle: form.body.stateHandle,
      });
      expect(asString.status).toBe(400);
    });
  });
}
