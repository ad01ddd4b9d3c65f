import type { IdxResponse } from '@gatehouse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/storage/apps-store.js';
import { type MailboxMessage, mailbox, wrongCode } from '../email/email-helpers.js';
import { openVerifyPage, revealCode } from '../support/email-verify-page.js';
import { type HttpResult, IdxConversation, postJson } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  atPasswordChallenge,
  EMAIL_ONLY,
  type Entry,
  IDENTIFIER_FIRST,
  latestResetCode,
  ONE_STEP,
  oneStepSignIn,
  passcodeMessages,
  postRecoverTo,
  type Recovery,
  ROOMY_LIMITS,
  recoverActions,
  recoverToReset,
  remediationNames,
  resetMailParts,
  resetMails,
  selectEmail,
  startRecovery,
  submitNewPassword,
  topKeys,
} from './recovery-helpers.js';

/** What goes wrong in a recovery: unknown accounts, bad codes, bad passwords, a policy that forbids it. */

const RECOVERY_TTL_MS = 900_000;
const MASKED = /^[^*@]\*\*\*[^*@]?@[a-z0-9.-]+$/;

/** Every JSON path of a value (array indexes kept), for comparing the shape of two envelopes. */
function paths(value: unknown, prefix = '$'): string[] {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((v, i) => paths(v, `${prefix}[${i}]`))];
  if (value && typeof value === 'object')
    return [prefix, ...Object.entries(value).flatMap(([k, v]) => paths(v, `${prefix}.${k}`))];
  return [`${prefix}:${typeof value}`];
}

/** What a client could compare between a real and an unknown account. */
function shape(res: HttpResult<IdxResponse>) {
  return {
    status: res.status,
    paths: paths(res.body).sort(),
    remediations: remediationNames(res.body),
    keys: topKeys(res.body),
    fieldKeys: res.body.remediation ? passcodeMessages(res.body).map((m) => m.i18n.key) : [],
    userId: /^00u[0-9a-f]{17}$/.test(res.body.user?.value.id ?? `00u${'0'.repeat(17)}`),
    enrollmentId: /^eae[A-Za-z0-9]{17}$/.test(
      res.body.currentAuthenticatorEnrollment?.value.id ??
        res.body.authenticatorEnrollments?.value[0]?.id ??
        `eae${'0'.repeat(17)}`,
    ),
  };
}

async function allMessages(server: TestServer): Promise<MailboxMessage[]> {
  return (await (await fetch(`${server.url}/dev/mailbox/api/messages`)).json()) as MailboxMessage[];
}

/** The reasons listed by a refused new password (400, field message on credentials.passcode). */
function expectRefused(res: HttpResult<IdxResponse>, stateHandle: string): string {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.stateHandle).toBe(stateHandle);
  expect(remediationNames(res.body)).toEqual(['reset-authenticator']);
  expect(res.body.messages).toBeUndefined();
  const messages = passcodeMessages(res.body);
  expect(messages).toHaveLength(1);
  expect(messages[0]!.i18n.key).toBe('password.passwordRequirementsNotMet');
  expect(messages[0]!.class).toBe('ERROR');
  const params = messages[0]!.i18n.params as string[];
  expect(params).toHaveLength(1);
  expect(messages[0]!.message).toBe(`Password requirements were not met. ${params[0]}`);
  return params[0]!;
}

describe('recovery failures', () => {
  let server: TestServer;
  let oneStep: App;
  let identifierFirst: App;

  beforeAll(async () => {
    server = await startTestServer({ config: { rateLimits: ROOMY_LIMITS } });
    oneStep = (await server.createApp({ policy: ONE_STEP })).app;
    identifierFirst = (await server.createApp({ policy: IDENTIFIER_FIRST })).app;
  });
  afterAll(() => server?.close());

  describe('an unknown account', () => {
    /** Recovery → select → Email, for one identifier. */
    async function walk(app: App, identifier: string, entry: Entry) {
      const rec = await startRecovery(server, app, identifier, entry);
      const challenge = await selectEmail(rec);
      return { rec, challenge };
    }

    it.each<{ entry: Entry; label: string }>([
      { entry: 'identify', label: 'identify page' },
      { entry: 'password-challenge', label: 'password challenge' },
    ])('from the $label: the same answers as a real account, and no email', async ({ entry }) => {
      const app = entry === 'identify' ? oneStep : identifierFirst;
      const { user } = await server.createUser({ login: `real.${entry}@example.com` });
      const unknownAddress = `nobody.${entry}@example.com`;
      const before = (await allMessages(server)).length;

      const known = await walk(app, user.login, entry);
      const sent = await resetMails(server, user.email);
      expect(sent).toHaveLength(1);
      const otp = resetMailParts(sent[0]!).otp;
      const unknown = await walk(app, unknownAddress, entry);
      // A wrong code for the real account, any code for the unknown one: the same refusal.
      const knownAnswer = await known.rec.idx.submit('challenge-authenticator', {
        credentials: { passcode: wrongCode(otp) },
      });
      const unknownAnswer = await unknown.rec.idx.submit('challenge-authenticator', {
        credentials: { passcode: otp },
      });

      const steps = (w: typeof known, answer: HttpResult<IdxResponse>) => ({
        entry: w.rec.entry,
        recovered: w.rec.recovered,
        select: w.rec.select,
        challenge: w.challenge,
        answer,
      });
      const k = steps(known, knownAnswer);
      const u = steps(unknown, unknownAnswer);
      for (const name of Object.keys(k) as Array<keyof typeof k>) {
        expect(shape(u[name]), name).toEqual(shape(k[name]));
      }
      expect(u.select.status).toBe(200);
      expect(u.challenge.status).toBe(200);
      expect(u.answer.status).toBe(401);
      expect(shape(u.answer).fieldKeys).toEqual(['api.authn.error.PASSCODE_INVALID']);
      expect(u.answer.body.messages).toEqual(k.answer.body.messages);
      expect(passcodeMessages(u.answer.body)).toEqual(passcodeMessages(k.answer.body));
      // The masked addresses have the same shape; the unknown one is derived from what was typed.
      const maskedKnown = k.challenge.body.currentAuthenticatorEnrollment!.value.profile!.email!;
      const maskedUnknown = u.challenge.body.currentAuthenticatorEnrollment!.value.profile!.email!;
      expect(maskedKnown).toMatch(MASKED);
      expect(maskedUnknown).toMatch(MASKED);
      expect(maskedKnown).toBe(`r***${user.login.split('@')[0]!.at(-1)}@example.com`);
      expect(maskedUnknown).toBe(`n***${entry.at(-1)}@example.com`);
      expect(u.select.body.recoveryAuthenticator).toEqual(k.select.body.recoveryAuthenticator);
      expect(u.challenge.body.user?.value.identifier).toBe(unknownAddress);

      // Nothing was sent to the unknown address, nothing at all besides the real account's mail.
      expect(await resetMails(server, unknownAddress)).toEqual([]);
      expect((await allMessages(server)).length).toBe(before + 1);
    });

    it('an unknown account can never reach the new-password step', async () => {
      const rec = await startRecovery(server, oneStep, 'ghost@example.com');
      await selectEmail(rec);
      for (const code of ['000000', '123456', '999999']) {
        const res = await rec.idx.submit('challenge-authenticator', { credentials: { passcode: code } });
        expect(res.status).toBe(401);
        expect(remediationNames(res.body)).toEqual(['challenge-authenticator']);
      }
      // Posting a "new password" directly is refused: the step is the challenge.
      const direct = await postJson(`${server.url}/idp/idx/challenge/answer`, {
        stateHandle: rec.select.body.stateHandle,
        credentials: { passcode: 'a perfectly fine new password' },
      });
      expect(direct.status).toBe(401);
      expect(passcodeMessages(direct.body).map((m) => m.i18n.key)).toEqual([
        'api.authn.error.PASSCODE_INVALID',
      ]);
    });

    it('an account suspended after its code was verified keeps its password', async () => {
      const { user, password } = await server.createUser();
      const rec = await recoverToReset(server, oneStep, user.login, user.email);
      await server.services.users.setStatus(user, 'SUSPENDED');
      const refused = await submitNewPassword(rec, 'set while suspended, refused');
      expect(refused.status).toBe(400);
      expect(topKeys(refused.body)).toEqual(['gatehouse.step.not_allowed']);
      await server.services.users.setStatus(user, 'ACTIVE');
      expect((await oneStepSignIn(server, oneStep, user.login, password)).res.status).toBe(200);
      expect(
        (await oneStepSignIn(server, oneStep, user.login, 'set while suspended, refused')).res.status,
      ).toBe(401);
      const events = await server.services.storage.events.listForUser(user.id);
      expect(events.filter((e) => e.type === 'user.account.reset_password')).toEqual([]);
    });

    it('a suspended account gets the same answers and no email', async () => {
      const { user } = await server.createUser();
      await server.services.users.setStatus(user, 'SUSPENDED');
      const rec = await startRecovery(server, oneStep, user.login);
      expect(rec.select.status).toBe(200);
      const challenge = await selectEmail(rec);
      expect(challenge.status).toBe(200);
      expect(remediationNames(challenge.body)).toEqual(['challenge-authenticator']);
      expect(await resetMails(server, user.email)).toEqual([]);
    });
  });

  describe('wrong, expired and exhausted codes', () => {
    it('a wrong code → 401 PASSCODE_INVALID on the field; then the right code → reset-authenticator', async () => {
      const { user } = await server.createUser();
      const rec = await startRecovery(server, oneStep, user.login);
      await selectEmail(rec);
      const code = await latestResetCode(server, user.email);
      const wrong = await rec.idx.submit('challenge-authenticator', {
        credentials: { passcode: wrongCode(code) },
      });
      expect(wrong.status).toBe(401);
      expect(remediationNames(wrong.body)).toEqual(['challenge-authenticator']);
      expect(passcodeMessages(wrong.body).map((m) => m.i18n.key)).toEqual([
        'api.authn.error.PASSCODE_INVALID',
      ]);
      expect(wrong.body.recoveryAuthenticator?.value.key).toBe('okta_password');
      expect(recoverActions(wrong.body)).toEqual([]);

      const right = await rec.idx.submit('challenge-authenticator', { credentials: { passcode: code } });
      expect(right.status).toBe(200);
      expect(remediationNames(right.body)).toEqual(['reset-authenticator']);
    });

    it('the code lives 15 minutes (longer than a sign-in code): still good after 10 minutes', async () => {
      const { user } = await server.createUser();
      const rec = await startRecovery(server, oneStep, user.login);
      await selectEmail(rec);
      const code = await latestResetCode(server, user.email);
      server.clock.advance(600_000);
      const res = await rec.idx.submit('challenge-authenticator', { credentials: { passcode: code } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(remediationNames(res.body)).toEqual(['reset-authenticator']);
    });

    it('an expired code → 401; resend gives a new code that works, the old one stays dead', async () => {
      const { user } = await server.createUser();
      const rec = await startRecovery(server, oneStep, user.login);
      const challenge = await selectEmail(rec);
      const oldCode = await latestResetCode(server, user.email);
      server.clock.advance(RECOVERY_TTL_MS + 1_000);

      const expired = await rec.idx.submit('challenge-authenticator', { credentials: { passcode: oldCode } });
      expect(expired.status).toBe(401);
      expect(passcodeMessages(expired.body).map((m) => m.i18n.key)).toEqual([
        'api.authn.error.PASSCODE_INVALID',
      ]);
      expect(remediationNames(expired.body)).toEqual(['challenge-authenticator']);

      const resend = challenge.body.currentAuthenticatorEnrollment!.value.resend!;
      const resent = await postJson(resend.href, { stateHandle: challenge.body.stateHandle });
      expect(resent.status, JSON.stringify(resent.body)).toBe(200);
      expect(remediationNames(resent.body)).toEqual(['challenge-authenticator']);
      const mails = await resetMails(server, user.email);
      expect(mails).toHaveLength(2);
      const newCode = resetMailParts(mails[0]!).otp;
      expect(newCode).not.toBe(oldCode);

      rec.idx.last = resent;
      const stale = await rec.idx.submit('challenge-authenticator', { credentials: { passcode: oldCode } });
      expect(stale.status).toBe(401);
      const ok = await rec.idx.submit('challenge-authenticator', { credentials: { passcode: newCode } });
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      expect(remediationNames(ok.body)).toEqual(['reset-authenticator']);
    });

    it('five wrong codes end the transaction; the right code is refused afterwards', async () => {
      const { user } = await server.createUser();
      const rec = await startRecovery(server, oneStep, user.login);
      await selectEmail(rec);
      const code = await latestResetCode(server, user.email);
      const stateHandle = rec.select.body.stateHandle!;
      for (let i = 1; i <= 4; i++) {
        const wrong = await rec.idx.submit('challenge-authenticator', {
          credentials: { passcode: wrongCode(code, i) },
        });
        expect(wrong.status, `attempt ${i}`).toBe(401);
      }
      const fifth = await rec.idx.submit('challenge-authenticator', {
        credentials: { passcode: wrongCode(code, 5) },
      });
      expect(fifth.status).toBe(429);
      expect(topKeys(fifth.body)).toEqual(['gatehouse.challenge.too_many_attempts']);
      expect(fifth.body.remediation).toBeUndefined();

      const late = await postJson(`${server.url}/idp/idx/challenge/answer`, {
        stateHandle,
        credentials: { passcode: code },
      });
      expect(late.status).toBe(401);
      expect(topKeys(late.body)).toEqual(['idx.session.expired']);
      expect((await rec.idx.introspect(rec.interaction.interactionHandle)).status).toBe(401);
    });
  });

  describe('the new password', () => {
    it('too short, containing the login, or on the common list → 400 with the reasons; then a good one works', async () => {
      const { user } = await server.createUser({ login: 'marguerite@example.com' });
      const rec = await recoverToReset(server, oneStep, user.login, user.email);
      const stateHandle = rec.reset.body.stateHandle!;

      const short = expectRefused(await submitNewPassword(rec, 'short 1'), stateHandle);
      expect(short).toContain('At least 15 characters');
      expect(short).not.toContain('username');

      const withLogin = expectRefused(
        await submitNewPassword(rec, 'MARGUERITE loves long walks'),
        stateHandle,
      );
      expect(withLogin).toBe('Does not contain part of your username');

      const withName = expectRefused(
        await submitNewPassword(rec, 'a long phrase for test users'),
        stateHandle,
      );
      expect(withName).toBe('Does not contain your first name');

      const common = expectRefused(await submitNewPassword(rec, '1qaz2wsx3edc4rfv'), stateHandle);
      expect(common).toBe('Is not a commonly used password');

      const both = expectRefused(await submitNewPassword(rec, 'marguerite'), stateHandle);
      expect(both.split('; ')).toEqual(['At least 15 characters', 'Does not contain part of your username']);

      const ok = await submitNewPassword(rec, 'a violet harbour at midnight');
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      expect(ok.body.successWithInteractionCode).toBeDefined();
    });

    it('the current password and an earlier one (two recoveries in a row) are refused by the history', async () => {
      const { user, password: first } = await server.createUser();
      const one = await recoverToReset(server, oneStep, user.login, user.email);
      const history = "Password can't be the same as your last 4 passwords";
      expect(expectRefused(await submitNewPassword(one, first), one.reset.body.stateHandle!)).toBe(history);
      const second = 'second secret passphrase here';
      expect((await submitNewPassword(one, second)).status).toBe(200);

      server.clock.advance(1_000);
      const two = await recoverToReset(server, oneStep, user.login, user.email);
      const sh = two.reset.body.stateHandle!;
      expect(expectRefused(await submitNewPassword(two, first), sh)).toBe(history);
      expect(expectRefused(await submitNewPassword(two, second), sh)).toBe(history);
      const third = 'third secret passphrase here';
      expect((await submitNewPassword(two, third)).status).toBe(200);
      expect((await oneStepSignIn(server, oneStep, user.login, third)).res.status).toBe(200);
    });

    it('the history holds exactly the last 4 passwords (current included)', async () => {
      const { user, password: p1 } = await server.createUser();
      const set = async (password: string) => {
        server.clock.advance(1_000);
        await server.services.users.setPassword(await server.services.users.getByLogin(user.login), password);
      };
      await set('passphrase number two here');
      await set('passphrase number three here');
      await set('passphrase number four here');
      const rec = await recoverToReset(server, oneStep, user.login, user.email);
      const refused = expectRefused(await submitNewPassword(rec, p1), rec.reset.body.stateHandle!);
      expect(refused).toBe("Password can't be the same as your last 4 passwords");

      // One more change pushes the first password out of the last four: it is accepted again.
      await set('passphrase number five here');
      const again = await recoverToReset(server, oneStep, user.login, user.email);
      const ok = await submitNewPassword(again, p1);
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      expect((await oneStepSignIn(server, oneStep, user.login, p1)).res.status).toBe(200);
    });
  });

  describe('single use', () => {
    it('after the reset the code cannot be answered again (the transaction is over)', async () => {
      const { user } = await server.createUser();
      const rec = await recoverToReset(server, oneStep, user.login, user.email);
      const stateHandle = rec.reset.body.stateHandle!;
      expect((await submitNewPassword(rec, 'a quiet lake in november')).status).toBe(200);
      for (const passcode of [rec.code, 'another new passphrase!']) {
        const again = await postJson(`${server.url}/idp/idx/challenge/answer`, {
          stateHandle,
          credentials: { passcode },
        });
        expect(again.status).toBe(401);
        expect(topKeys(again.body)).toEqual(['idx.session.expired']);
      }
      expect((await oneStepSignIn(server, oneStep, user.login, 'another new passphrase!')).res.status).toBe(
        401,
      );
    });

    it('at the reset step the code is not a proof any more (it would be a new password, refused)', async () => {
      const { user } = await server.createUser();
      const rec = await recoverToReset(server, oneStep, user.login, user.email);
      const again = await postJson(`${server.url}/idp/idx/challenge/answer`, {
        stateHandle: rec.reset.body.stateHandle,
        credentials: { passcode: rec.code },
      });
      expect(again.status).toBe(400);
      expect(remediationNames(again.body)).toEqual(['reset-authenticator']);
    });

    it("one recovery's code does not work in another recovery of the same user", async () => {
      const { user } = await server.createUser();
      const a = await startRecovery(server, oneStep, user.login);
      await selectEmail(a);
      const codeA = await latestResetCode(server, user.email);
      const b = await startRecovery(server, oneStep, user.login);
      await selectEmail(b);
      const codeB = await latestResetCode(server, user.email);
      const inB = await b.idx.submit('challenge-authenticator', {
        credentials: { passcode: codeA === codeB ? wrongCode(codeB) : codeA },
      });
      expect(inB.status).toBe(401);
      const ok = await b.idx.submit('challenge-authenticator', { credentials: { passcode: codeB } });
      expect(remediationNames(ok.body)).toEqual(['reset-authenticator']);
    });

    it('a sign-in email code does not open a recovery (purpose binding)', async () => {
      const emailApp = (await server.createApp({ policy: EMAIL_ONLY })).app;
      const { user } = await server.createUser();
      const idx = new IdxConversation(server.url, emailApp.clientId);
      const interaction = await idx.interact();
      await idx.introspect(interaction.interactionHandle);
      await idx.submit('identify', { identifier: user.login });
      await idx.submit('select-authenticator-authenticate', { authenticator: { id: 'autEmail' } });
      const [signInMail] = await mailbox(server, user.email);
      const signInCode = /[?&]otp=(\d{6})/.exec(signInMail!.text)![1]!;

      const rec = await startRecovery(server, oneStep, user.login);
      await selectEmail(rec);
      const resetCode = await latestResetCode(server, user.email);
      const res = await rec.idx.submit('challenge-authenticator', {
        credentials: { passcode: signInCode === resetCode ? wrongCode(resetCode) : signInCode },
      });
      expect(res.status).toBe(401);
      expect(remediationNames(res.body)).toEqual(['challenge-authenticator']);
    });
  });

  describe('the magic link', () => {
    it("Gatehouse's /email/verify (app without an email-verify URI): GET offers a button, the POST shows the code, nothing is consumed", async () => {
      const { app } = await server.createApp({ policy: ONE_STEP, emailVerifyUri: undefined });
      expect(app.emailVerifyUri).toBeNull();
      const { user } = await server.createUser();
      const rec = await startRecovery(server, app, user.login);
      await selectEmail(rec);
      const [mail] = await resetMails(server, user.email);
      const { otp, link } = resetMailParts(mail!);
      expect(`${link.origin}${link.pathname}`).toBe(`${server.url}/email/verify`);
      expect(link.searchParams.get('state')).toBe(rec.interaction.state);

      for (let i = 0; i < 3; i++) {
        const page = await openVerifyPage(link);
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        expect(page.headers.get('cache-control')).toMatch(/no-store/);
        expect(page.headers.get('referrer-policy')).toBe('no-referrer');
        expect(page.text).not.toContain(otp);
      }
      expect(await revealCode(link, otp)).toContain(otp);
      // The transaction is still at the challenge and the code still works.
      const intro = await rec.idx.introspect(rec.interaction.interactionHandle);
      expect(remediationNames(intro.body)).toEqual(['challenge-authenticator']);
      const res = await rec.idx.submit('challenge-authenticator', { credentials: { passcode: otp } });
      expect(res.status).toBe(200);
      expect(remediationNames(res.body)).toEqual(['reset-authenticator']);
    });
  });

  describe('recovery turned off', () => {
    let noRecovery: App;
    let noRecoveryIdFirst: App;
    let emailOnly: App;
    beforeAll(async () => {
      noRecovery = (await server.createApp({ policy: { ...ONE_STEP, selfServiceRecovery: false } })).app;
      noRecoveryIdFirst = (
        await server.createApp({ policy: { ...IDENTIFIER_FIRST, selfServiceRecovery: false } })
      ).app;
      emailOnly = (await server.createApp({ policy: EMAIL_ONLY })).app;
    });

    async function expectForbidden(stateHandle: string) {
      const res = await postRecoverTo(server, stateHandle);
      expect(res.status).toBe(403);
      expect(topKeys(res.body)).toEqual(['oie.selfservice.reset.password.not.allowed']);
      expect(res.body.remediation).toBeUndefined();
      expect(res.body.messages?.value[0]?.class).toBe('ERROR');
    }

    it('selfServiceRecovery: false → no recover action; POST /recover → 403; sign-in still works', async () => {
      const { user, password } = await server.createUser();
      const idx = new IdxConversation(server.url, noRecovery.clientId);
      const interaction = await idx.interact();
      const intro = await idx.introspect(interaction.interactionHandle);
      expect(remediationNames(intro.body)).toEqual(['identify']);
      expect(recoverActions(intro.body)).toEqual([]);
      expect(intro.body.currentAuthenticator).toBeUndefined();
      await expectForbidden(intro.body.stateHandle!);
      expect(await resetMails(server, user.email)).toEqual([]);
      // The refusal changed nothing: the same state handle signs in.
      const done = await idx.submit('identify', {
        identifier: user.login,
        credentials: { passcode: password },
      });
      expect(done.status).toBe(200);
    });

    it('selfServiceRecovery: false, identifier first → no recover on the password challenge; 403', async () => {
      const { user } = await server.createUser();
      const { challenge } = await atPasswordChallenge(server, noRecoveryIdFirst, user.login);
      expect(recoverActions(challenge.body)).toEqual([]);
      await expectForbidden(challenge.body.stateHandle!);
    });

    it('an email-only policy has no recovery (no password to reset): no recover action; 403', async () => {
      const idx = new IdxConversation(server.url, emailOnly.clientId);
      const interaction = await idx.interact();
      const intro = await idx.introspect(interaction.interactionHandle);
      expect(recoverActions(intro.body)).toEqual([]);
      await expectForbidden(intro.body.stateHandle!);
    });

    it('recover from a step that does not offer it (a select list) → 400 step not allowed', async () => {
      const { user } = await server.createUser();
      const idx = new IdxConversation(server.url, identifierFirst.clientId);
      const interaction = await idx.interact();
      await idx.introspect(interaction.interactionHandle);
      const select = await idx.submit('identify', { identifier: user.login });
      expect(recoverActions(select.body)).toEqual([]);
      const res = await postRecoverTo(server, select.body.stateHandle);
      expect(res.status).toBe(400);
      expect(topKeys(res.body)).toEqual(['gatehouse.step.not_allowed']);
    });
  });
});

describe('recovery for unknown addresses with email.notifyUnknownRecipients', () => {
  let server: TestServer;
  let app: App;
  beforeAll(async () => {
    server = await startTestServer({
      config: { rateLimits: ROOMY_LIMITS, email: { notifyUnknownRecipients: true } },
    });
    app = (await server.createApp({ policy: ONE_STEP })).app;
  });
  afterAll(() => server?.close());

  it('the typed address gets a notice with no code and no link; the envelopes stay the same', async () => {
    const { user } = await server.createUser();
    const known: Recovery = await startRecovery(server, app, user.login);
    const knownChallenge = await selectEmail(known);
    const address = 'stranger@example.org';
    const unknown = await startRecovery(server, app, address);
    const unknownChallenge = await selectEmail(unknown);
    expect(unknownChallenge.status).toBe(knownChallenge.status);
    expect(paths(unknownChallenge.body).sort()).toEqual(paths(knownChallenge.body).sort());

    const mails = await mailbox(server, address);
    expect(mails).toHaveLength(1);
    const [notice] = mails;
    expect(notice!.to).toBe(address);
    expect(notice!.subject).toMatch(/password reset request$/);
    expect(notice!.text).toContain('no code was sent');
    for (const part of [notice!.text, notice!.html, notice!.subject]) {
      expect(part).not.toMatch(/(?<!\d)\d{6}(?!\d)/);
      expect(part).not.toMatch(/otp=|state=|https?:\/\//);
      expect(part).not.toContain(unknown.interaction.state);
    }
    // The answer for the unknown address is the same refusal as any wrong code.
    const answer = await unknown.idx.submit('challenge-authenticator', {
      credentials: { passcode: '123456' },
    });
    expect(answer.status).toBe(401);
  });

  it('an identifier that is not an address gets no email at all', async () => {
    const before = (await allMessages(server)).length;
    const rec = await startRecovery(server, app, 'just-a-username');
    const challenge = await selectEmail(rec);
    expect(challenge.status).toBe(200);
    expect((await allMessages(server)).length).toBe(before);
  });
});
