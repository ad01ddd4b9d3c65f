import type { IdxResponse } from '@gatehouse/protocol';
import { decodeJwt } from 'jose';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, mailbox } from '../email/email-helpers.js';
import { IdxConversation, type Interaction, postJson } from '../support/idx-client.js';
import { defaultTestDatabase, startTestServer, type TestServer } from '../support/test-server.js';
import { appCode, sharedSecretOf, toNextStep, wrongCode } from '../support/totp.js';

/**
 * The authenticator app (`google_otp`, TOTP) over raw IDX: set up during a sign-in the policy
 * requires it for, then asked for at the next sign-in; wrong, replayed and raced codes, and the
 * attempt caps (docs/protocol/idx-protocol-2.md §5.1–§5.3, §8).
 */

const names = (body: IdxResponse) => body.remediation?.value.map((f) => f.name) ?? [];
const messageKeys = (body: IdxResponse) => [
  ...(body.messages?.value.map((m) => m.i18n.key) ?? []),
  ...(body.remediation?.value.flatMap((f) =>
    f.value.flatMap((v) => [
      ...(v.messages?.value.map((m) => m.i18n.key) ?? []),
      ...(v.form?.value.flatMap((w) => w.messages?.value.map((m) => m.i18n.key) ?? []) ?? []),
    ]),
  ) ?? []),
];
const optionIds = (body: IdxResponse, form: string) =>
  body.remediation?.value
    .find((f) => f.name === form)
    ?.value.find((f) => f.name === 'authenticator')
    ?.options?.map((o) => ({
      label: o.label,
      relatesTo: o.relatesTo,
      id: (o.value as { form: { value: Array<{ name: string; value: string }> } }).form.value.find(
        (f) => f.name === 'id',
      )!.value,
    }));

for (const database of new Set([defaultTestDatabase(), 'postgres' as const])) {
  describe(`authenticator app (google_otp) over IDX (${database})`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({
        database,
        config: { rateLimits: { failedOtpPerUser: { limit: 1000 } } },
      });
    });
    afterAll(() => server.close());

    const now = () => server.clock.now();
    /** Moves the test clock to a new time step, so the app shows a code not used before. */
    const nextStep = () => server.clock.advance(toNextStep(now()));

    async function passwordStep(clientId: string, login: string, password: string) {
      const idx = new IdxConversation(server.url, clientId);
      const interaction = await idx.interact();
      await idx.introspect(interaction.interactionHandle);
      const res = await idx.submit('identify', { identifier: login, credentials: { passcode: password } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return { idx, interaction, res };
    }

    async function tokens(idx: IdxConversation, interaction: Interaction) {
      const res = await idx.exchange(interaction, idx.interactionCode());
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return decodeJwt(res.body.id_token as string);
    }

    /**
     * Signs in with the password to an app that requires the authenticator app and sets it up;
     * returns its secret (the clock is then past the proving step) and an app with `factors`.
     */
    async function enrolledUser(factors = 'password,google_otp') {
      const { app: setUpApp } = await server.createApp({ policy: { factors: 'password,google_otp' } });
      const { app } =
        factors === 'password,google_otp'
          ? { app: setUpApp }
          : await server.createApp({ policy: { factors } });
      const { user, password } = await server.createUser();
      const { idx, interaction, res } = await passwordStep(setUpApp.clientId, user.login, password);
      const [option] = optionIds(res.body, 'select-authenticator-enroll')!;
      const setUp = await idx.submit('select-authenticator-enroll', { authenticator: { id: option!.id } });
      const secret = sharedSecretOf(setUp.body);
      const done = await idx.submit('enroll-authenticator', {
        credentials: { passcode: appCode(secret, now()) },
      });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      await tokens(idx, interaction);
      nextStep();
      return { app, user, password, secret };
    }

    /** A new sign-in up to the app's code: password, then the app chosen. */
    async function atChallenge(clientId: string, login: string, password: string) {
      const { idx, interaction, res } = await passwordStep(clientId, login, password);
      const google = optionIds(res.body, 'select-authenticator-authenticate')!.find(
        (o) => o.label === 'Google Authenticator',
      )!;
      const challenge = await idx.submit('select-authenticator-authenticate', {
        authenticator: { id: google.id },
      });
      expect(challenge.status, JSON.stringify(challenge.body)).toBe(200);
      return { idx, interaction, challenge };
    }

    it('a user without the app sets it up after the password (QR code, shared secret, first code), then signs in with it', async () => {
      const { app } = await server.createApp({ policy: { factors: 'password,google_otp' } });
      const { user, password } = await server.createUser();
      const { idx, interaction, res } = await passwordStep(app.clientId, user.login, password);
      expect(names(res.body)).toEqual(['select-authenticator-enroll']);
      expect(res.body.authenticators?.value.map((a) => [a.key, a.type])).toEqual([['google_otp', 'app']]);
      const options = optionIds(res.body, 'select-authenticator-enroll')!;
      expect(options).toEqual([
        { label: 'Google Authenticator', relatesTo: '$.authenticators.value[0]', id: 'autGoogleOtp' },
      ]);

      const setUp = await idx.submit('select-authenticator-enroll', {
        authenticator: { id: 'autGoogleOtp' },
      });
      expect(setUp.status).toBe(200);
      expect(names(setUp.body)).toEqual(['enroll-authenticator', 'select-authenticator-enroll']);
      const current = setUp.body.currentAuthenticator!.value;
      expect(current).toMatchObject({ key: 'google_otp', type: 'app', id: 'autGoogleOtp' });
      const contextual = current.contextualData as { qrcode: { href: string; method: string; type: string } };
      expect(contextual.qrcode).toMatchObject({ method: 'embedded', type: 'image/png' });
      expect(contextual.qrcode.href).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
      const secret = sharedSecretOf(setUp.body);
      expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits, base32
      // The QR code is the otpauth URI: issuer the organisation, label the user's login.
      const uri = `otpauth://totp/Gatehouse:${encodeURIComponent(user.login)}?issuer=Gatehouse&secret=${secret}&algorithm=SHA1&digits=6&period=30`;
      const expected = await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 200 });
      expect(contextual.qrcode.href).toBe(expected);
      // The answer form (docs/protocol/idx-protocol-2.md §5.2).
      const form = setUp.body.remediation!.value[0]!;
      expect(form.relatesTo).toEqual(['$.currentAuthenticator']);
      expect(form.value[0]!.form!.value.map((f) => f.name)).toEqual(['passcode']);

      // Nothing is stored before the first code, and a wrong one stores nothing either.
      const wrong = await idx.submit('enroll-authenticator', {
        credentials: { passcode: wrongCode(secret, now()) },
      });
      expect(wrong.status).toBe(401);
      expect(messageKeys(wrong.body)).toContain('api.authn.error.PASSCODE_INVALID');
      expect(await server.services.storage.enrollments.listByUser(user.id)).toEqual([]);

      const done = await idx.submit('enroll-authenticator', {
        credentials: { passcode: appCode(secret, now()) },
      });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      const claims = await tokens(idx, interaction);
      expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));

      const [enrollment] = await server.services.storage.enrollments.listByUser(user.id);
      expect(enrollment).toMatchObject({ authenticatorKey: 'google_otp', name: 'Google Authenticator' });
      expect(enrollment!.id).toMatch(/^uft/);
      const events = await server.services.storage.events.listForUser(user.id);
      expect(events.map((e) => e.type)).toContain('user.mfa.factor.activate');

      // The next sign-in asks for a code from the app, on the user's enrollment.
      nextStep();
      const {
        idx: again,
        interaction: second,
        res: afterPassword,
      } = await passwordStep(app.clientId, user.login, password);
      expect(names(afterPassword.body)).toEqual(['select-authenticator-authenticate']);
      expect(optionIds(afterPassword.body, 'select-authenticator-authenticate')).toEqual([
        {
          label: 'Google Authenticator',
          relatesTo: '$.authenticatorEnrollments.value[0]',
          id: 'autGoogleOtp',
        },
      ]);
      const challenge = await again.submit('select-authenticator-authenticate', {
        authenticator: { id: 'autGoogleOtp' },
      });
      // Nothing else to verify with: no "Verify with something else" list.
      expect(names(challenge.body)).toEqual(['challenge-authenticator']);
      expect(challenge.body.remediation!.value[0]!.relatesTo).toEqual(['$.currentAuthenticatorEnrollment']);
      expect(challenge.body.currentAuthenticatorEnrollment?.value).toMatchObject({
        key: 'google_otp',
        id: enrollment!.id,
      });
      // The same shape as the id shown for a user without an app (see the per-account test below).
      expect(enrollment!.id).toMatch(/^uft[A-Za-z0-9]{17}$/);
      expect(challenge.body.currentAuthenticatorEnrollment?.value.contextualData).toBeUndefined();
      expect(challenge.body.currentAuthenticatorEnrollment?.value.resend).toBeUndefined();
      const signedIn = await again.submit('challenge-authenticator', {
        credentials: { passcode: appCode(secret, now()) },
      });
      expect(signedIn.status, JSON.stringify(signedIn.body)).toBe(200);
      expect((await tokens(again, second)).amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
    });

    it('the secret is sealed in the database: no plaintext in the enrollment or the events', async () => {
      const { user, secret } = await enrolledUser();
      const [stored] = await server.services.storage.enrollments.listByUser(user.id);
      expect(stored!.secret).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
      const row = JSON.stringify(await server.services.storage.enrollments.listByUser(user.id));
      expect(row).not.toContain(secret);
      expect(row.toLowerCase()).not.toContain(secret.toLowerCase());
      // The set-up record of the transaction held it sealed too, and no event mentions it.
      const events = JSON.stringify(await server.services.storage.events.listForUser(user.id));
      expect(events).not.toContain(secret);
    });

    it('a code within ±1 step is accepted; two steps away it is not', async () => {
      const { app, user, password, secret } = await enrolledUser();
      nextStep(); // the step before now was not used yet
      const { idx } = await atChallenge(app.clientId, user.login, password);
      const tooOld = await idx.submit('challenge-authenticator', {
        credentials: { passcode: appCode(secret, now() - 60_000) },
      });
      expect(tooOld.status).toBe(401);
      const previous = await idx.submit('challenge-authenticator', {
        credentials: { passcode: appCode(secret, now() - 30_000) },
      });
      expect(previous.status, JSON.stringify(previous.body)).toBe(200);
      expect(previous.body.successWithInteractionCode).toBeDefined();
    });

    it('a wrong code is a field error (401) and the same form stays; the right one then signs in', async () => {
      const { app, user, password, secret } = await enrolledUser();
      const { idx, interaction } = await atChallenge(app.clientId, user.login, password);
      const wrong = await idx.submit('challenge-authenticator', {
        credentials: { passcode: wrongCode(secret, now()) },
      });
      expect(wrong.status).toBe(401);
      expect(messageKeys(wrong.body)).toContain('authfactor.challenge.soft_token.invalid_passcode');
      expect(names(wrong.body)[0]).toBe('challenge-authenticator');
      const garbage = await idx.submit('challenge-authenticator', { credentials: { passcode: 'abcdef' } });
      expect(garbage.status).toBe(401);
      const ok = await idx.submit('challenge-authenticator', {
        credentials: { passcode: appCode(secret, now()) },
      });
      expect(ok.status).toBe(200);
      await tokens(idx, interaction);
    });

    it('each code works once: the code that set the app up, and a code already used, are refused in a new transaction', async () => {
      const { app } = await server.createApp({ policy: { factors: 'password,google_otp' } });
      const { user, password } = await server.createUser();
      const { idx, res } = await passwordStep(app.clientId, user.login, password);
      const [option] = optionIds(res.body, 'select-authenticator-enroll')!;
      const setUp = await idx.submit('select-authenticator-enroll', { authenticator: { id: option!.id } });
      const secret = sharedSecretOf(setUp.body);
      const proving = appCode(secret, now());
      expect((await idx.submit('enroll-authenticator', { credentials: { passcode: proving } })).status).toBe(
        200,
      );

      const first = await atChallenge(app.clientId, user.login, password);
      const replayed = await first.idx.submit('challenge-authenticator', {
        credentials: { passcode: proving },
      });
      expect(replayed.status).toBe(401);
      expect(messageKeys(replayed.body)).toContain('authfactor.challenge.soft_token.used_passcode');

      nextStep();
      const fresh = appCode(secret, now());
      const accepted = await first.idx.submit('challenge-authenticator', {
        credentials: { passcode: fresh },
      });
      expect(accepted.status).toBe(200);
      const second = await atChallenge(app.clientId, user.login, password);
      const again = await second.idx.submit('challenge-authenticator', { credentials: { passcode: fresh } });
      expect(again.status).toBe(401);
      expect(messageKeys(again.body)).toContain('authfactor.challenge.soft_token.used_passcode');
      // An older code of the window is refused too once a later step was used.
      const older = await second.idx.submit('challenge-authenticator', {
        credentials: { passcode: appCode(secret, now() - 30_000) },
      });
      expect(older.status).toBe(401);
      expect(messageKeys(older.body)).toContain('authfactor.challenge.soft_token.used_passcode');
    });

    it('the same code posted in parallel from two transactions signs in exactly once', async () => {
      const { app, user, password, secret } = await enrolledUser();
      const sessions = await Promise.all(
        Array.from({ length: 6 }, () => atChallenge(app.clientId, user.login, password)),
      );
      const code = appCode(secret, now());
      const answers = await Promise.all(
        sessions.map(({ idx }) => idx.submit('challenge-authenticator', { credentials: { passcode: code } })),
      );
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([200, 401, 401, 401, 401, 401]);
      for (const refused of answers.filter((a) => a.status === 401))
        expect(messageKeys(refused.body)).toContain('authfactor.challenge.soft_token.used_passcode');
    });

    it('the last wrong code a transaction allows ends it; choosing the app again earns no more guesses', async () => {
      const { app, user, password, secret } = await enrolledUser('password,email|google_otp');
      const { idx } = await atChallenge(app.clientId, user.login, password);
      const wrong = wrongCode(secret, now());
      for (let i = 1; i <= 3; i++) {
        const res = await idx.submit('challenge-authenticator', { credentials: { passcode: wrong } });
        expect(res.status).toBe(401);
      }
      // Switching to email and back keeps the count.
      const emailId = optionIds(idx.last!.body, 'select-authenticator-authenticate')!.find(
        (o) => o.label === 'Email',
      )!.id;
      expect(
        (await idx.submit('select-authenticator-authenticate', { authenticator: { id: emailId } })).status,
      ).toBe(200);
      expect(
        (await idx.submit('select-authenticator-authenticate', { authenticator: { id: 'autGoogleOtp' } }))
          .status,
      ).toBe(200);
      const fourth = await idx.submit('challenge-authenticator', { credentials: { passcode: wrong } });
      expect(fourth.status).toBe(401);
      const last = await idx.submit('challenge-authenticator', { credentials: { passcode: wrong } });
      expect(last.status).toBe(429);
      expect(messageKeys(last.body)).toContain('gatehouse.challenge.too_many_attempts');
      expect(names(last.body)).toEqual([]);
      // The transaction is over: even the right code cannot finish it.
      const after = await postJson(`${server.url}/idp/idx/challenge/answer`, {
        credentials: { passcode: appCode(secret, now()) },
        stateHandle: last.body.stateHandle,
      });
      expect(after.status).toBe(401);
      expect(messageKeys(after.body)).toContain('idx.session.expired');
    });

    it('both second factors are offered to a user who holds both (password,email|google_otp)', async () => {
      const { app, user, password } = await enrolledUser('password,email|google_otp');
      const { res } = await passwordStep(app.clientId, user.login, password);
      expect(names(res.body)).toEqual(['select-authenticator-authenticate']);
      const options = optionIds(res.body, 'select-authenticator-authenticate')!;
      expect(options.map((o) => o.label).sort()).toEqual(['Email', 'Google Authenticator']);
      expect(res.body.authenticatorEnrollments?.value.map((e) => e.key).sort()).toEqual([
        'google_otp',
        'okta_email',
      ]);
    });

    it('a user who holds email is not made to set up the app (password,email|google_otp)', async () => {
      const { app } = await server.createApp({ policy: { factors: 'password,email|google_otp' } });
      const { user, password } = await server.createUser();
      const { res } = await passwordStep(app.clientId, user.login, password);
      // The user holds email: it is challenged, nothing must be set up.
      expect(names(res.body)).toEqual(['select-authenticator-authenticate']);
      expect(optionIds(res.body, 'select-authenticator-authenticate')!.map((o) => o.label)).toEqual([
        'Email',
      ]);
    });
  });
}

describe('authenticator app: wrong codes per account across transactions', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      config: { rateLimits: { failedOtpPerUser: { limit: 4, windowSeconds: 900 } } },
    });
  });
  afterAll(() => server.close());

  it('parallel guessing from several transactions is bounded per account (429), for a known and an unknown account alike', async () => {
    const { app } = await server.createApp({ policy: { factors: 'google_otp', identifierFirst: true } });
    const { user } = await server.createUser();
    const statuses: Record<string, number[]> = {};
    for (const identifier of [user.login, 'nobody@example.com']) {
      const sessions = await Promise.all(
        Array.from({ length: 3 }, async () => {
          const idx = new IdxConversation(server.url, app.clientId);
          await idx.introspect((await idx.interact()).interactionHandle);
          const identified = await idx.submit('identify', { identifier });
          expect(names(identified.body)).toEqual(['select-authenticator-authenticate']);
          const challenge = await idx.submit('select-authenticator-authenticate', {
            authenticator: { id: 'autGoogleOtp' },
          });
          expect(challenge.status).toBe(200);
          return { idx, challenge };
        }),
      );
      // Before any proof, a user with or without the app (or no account) sees the same challenge.
      const shape = (body: IdxResponse) => ({
        names: names(body),
        keys: body.currentAuthenticatorEnrollment?.value.key,
        id: /^uft[A-Za-z0-9]{17}$/.test(body.currentAuthenticatorEnrollment?.value.id ?? ''),
      });
      expect(shape(sessions[0]!.challenge.body)).toEqual({
        names: ['challenge-authenticator'],
        keys: 'google_otp',
        id: true,
      });
      statuses[identifier] = [];
      for (let round = 0; round < 2; round++)
        for (const { idx } of sessions) {
          const res = await idx.submit('challenge-authenticator', { credentials: { passcode: '000000' } });
          statuses[identifier]!.push(res.status);
        }
    }
    expect(statuses[user.login]).toEqual([401, 401, 401, 401, 429, 429]);
    expect(statuses['nobody@example.com']).toEqual(statuses[user.login]);
  });
});

describe('authenticator app at sign-up (password,google_otp with registration)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('a newcomer proves the email, chooses a password, then sets the app up before the first tokens', async () => {
    const { app } = await server.createApp({
      policy: { factors: 'password,google_otp', registration: true },
    });
    const idx = new IdxConversation(server.url, app.clientId);
    const interaction = await idx.interact();
    await idx.introspect(interaction.interactionHandle);
    await idx.submit('select-enroll-profile', {});
    const email = 'app-at-sign-up@example.com';
    const first = await idx.submit('enroll-profile', {
      userProfile: { firstName: 'T', lastName: 'O', email },
    });
    expect(first.body.authenticators?.value.map((a) => a.key)).toEqual(['okta_email']);
    await idx.submit('select-authenticator-enroll', { authenticator: { id: 'autEmail' } });
    const [mail] = await mailbox(server, email);
    const afterEmail = await idx.submit('enroll-authenticator', { credentials: { passcode: codeOf(mail!) } });
    // Both requirements are left: either may be set up first.
    expect(afterEmail.body.authenticators?.value.map((a) => a.key)).toEqual(['okta_password', 'google_otp']);
    await idx.submit('select-authenticator-enroll', { authenticator: { id: 'autPassword' } });
    const afterPassword = await idx.submit('enroll-authenticator', {
      credentials: { passcode: 'Plum-Orchard-Lantern-42' },
    });
    expect(names(afterPassword.body)).toEqual(['select-authenticator-enroll']);
    expect(afterPassword.body.authenticators?.value.map((a) => a.key)).toEqual(['google_otp']);
    const setUp = await idx.submit('select-authenticator-enroll', { authenticator: { id: 'autGoogleOtp' } });
    const secret = sharedSecretOf(setUp.body);
    const done = await idx.submit('enroll-authenticator', {
      credentials: { passcode: appCode(secret, server.clock.now()) },
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const tokens = await idx.exchange(interaction, idx.interactionCode());
    expect(tokens.status).toBe(200);
    const user = await server.services.storage.users.findByEmail(email);
    expect(user?.status).toBe('ACTIVE');
    expect(
      (await server.services.storage.enrollments.listByUser(user!.id)).map((e) => e.authenticatorKey),
    ).toEqual(['google_otp']);
  });
});
