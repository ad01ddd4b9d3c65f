/**
 * Password recovery driven by the real `@okta/okta-auth-js` (8.0.1 in legacy mode, and 7.14.5, the
 * version the widget pins), unmodified, in Node: `idx.recoverPassword()`, the email code or the magic
 * link, the new password, then sign-in (docs/protocol/idx-protocol.md §8.2). The client is the judge.
 */
import type { IdxMessage, IdxTransaction, OktaAuth } from '@okta/okta-auth-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/storage/apps-store.js';
import {
  expectValidTokens,
  type LoadOktaAuth,
  loadAuthJs7,
  loadAuthJs8,
  memoryStorage,
  newAuthClient,
  type OktaAuthClass,
} from '../interop/auth-js-scenarios.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  IDENTIFIER_FIRST,
  ONE_STEP,
  RESET_SUBJECT,
  ROOMY_LIMITS,
  resetMailParts,
  resetMails,
} from './recovery-helpers.js';

type Storage = ReturnType<typeof memoryStorage>;

/** A client on the given storage (two clients on one storage are one browser session). */
function authClient(Ctor: OktaAuthClass, server: TestServer, clientId: string, storage: Storage): OktaAuth {
  return newAuthClient(Ctor, server, clientId, { storage });
}

function messageKeys(tx: IdxTransaction): string[] {
  return (tx.messages ?? []).map((m: IdxMessage) => m.i18n?.key);
}

function expectRecoverySelect(tx: IdxTransaction) {
  expect(tx.status, JSON.stringify(tx.messages)).toBe('PENDING');
  expect(tx.messages).toBeUndefined();
  expect(tx.nextStep?.name).toBe('select-authenticator-authenticate');
  const choice = tx.nextStep?.inputs?.find((i) => i.name === 'authenticator');
  expect(choice?.options).toEqual([{ label: 'Email', value: 'okta_email' }]);
  const recovery = (tx.context as { recoveryAuthenticator?: { value?: { key?: string } } })
    .recoveryAuthenticator;
  expect(recovery?.value?.key).toBe('okta_password');
  // Nothing offers to start the recovery again from inside it.
  expect(tx.availableSteps?.map((s) => s.name) ?? []).not.toContain('currentAuthenticator-recover');
  expect(tx.enabledFeatures ?? []).not.toContain('recover-password');
}

function expectEmailChallenge(tx: IdxTransaction) {
  expect(tx.status, JSON.stringify(tx.messages)).toBe('PENDING');
  expect(tx.messages).toBeUndefined();
  expect(tx.nextStep?.name).toBe('challenge-authenticator');
  expect(tx.nextStep?.authenticator?.key).toBe('okta_email');
  expect(tx.nextStep?.inputs?.map((i) => i.name)).toEqual(['verificationCode']);
  expect(tx.nextStep?.canResend).toBe(true);
}

function expectResetStep(tx: IdxTransaction, server: TestServer) {
  expect(tx.status, JSON.stringify(tx.messages)).toBe('PENDING');
  expect(tx.nextStep?.name).toBe('reset-authenticator');
  expect(tx.nextStep?.authenticator?.key).toBe('okta_password');
  expect(tx.nextStep?.inputs?.map((i) => i.name)).toEqual(['password']);
  const settings = tx.nextStep?.authenticator?.settings as
    | { complexity?: { minLength?: number }; age?: { historyCount?: number } }
    | undefined;
  expect(settings?.complexity?.minLength).toBe(server.services.config.passwordPolicy.minLength);
  expect(settings?.age?.historyCount).toBe(server.services.config.passwordPolicy.historyCount);
}

function describeRecoveryInterop(label: string, load: LoadOktaAuth, version: string) {
  describe(`${label}: password recovery against Gatehouse`, () => {
    let server: TestServer;
    let Ctor: OktaAuthClass;
    let oneStep: App;
    let identifierFirst: App;

    beforeAll(async () => {
      Ctor = await load();
      server = await startTestServer({ config: { rateLimits: ROOMY_LIMITS } });
      oneStep = (await server.createApp({ policy: ONE_STEP })).app;
      identifierFirst = (await server.createApp({ policy: IDENTIFIER_FIRST })).app;
    });
    afterAll(() => server?.close());

    const client = (app: App = oneStep, storage: Storage = memoryStorage()) =>
      authClient(Ctor, server, app.clientId, storage);

    /** The newest recovery email to `to`: its code and the `?otp&state` search of its link. */
    async function resetMail(to: string, count = 1) {
      const mails = await resetMails(server, to);
      expect(mails).toHaveLength(count);
      expect(mails[0]!.subject).toMatch(RESET_SUBJECT);
      const { otp, link } = resetMailParts(mails[0]!);
      return { otp, search: link.search, state: link.searchParams.get('state')! };
    }

    /** Sign-in with the new password works (SUCCESS, verified tokens); the old one fails. */
    async function expectPasswordChanged(
      app: App,
      user: { id: string; login: string },
      oldPassword: string,
      newPassword: string,
    ) {
      const fresh = client(app);
      const ok = await fresh.idx.authenticate({ username: user.login, password: newPassword });
      expect(ok.status, JSON.stringify(ok.messages)).toBe('SUCCESS');
      await expectValidTokens(fresh, server, { clientId: app.clientId, userId: user.id }, ok.tokens);

      const stale = await client(app).idx.authenticate({ username: user.login, password: oldPassword });
      expect(stale.status).toBe('PENDING');
      expect(stale.tokens).toBeUndefined();
      expect(messageKeys(stale)).toEqual(app === oneStep ? ['errors.E0000004'] : ['incorrectPassword']);
    }

    it(`0. the client under test is auth-js ${version}`, () => {
      expect(client()._oktaUserAgent.getVersion()).toBe(version);
    });

    it('1. recoverPassword({ username }) → Email → code → new password → SUCCESS; then the new password signs in', async () => {
      const { user, password } = await server.createUser();
      const c = client();

      const selecting = await c.idx.recoverPassword({ username: user.login });
      expectRecoverySelect(selecting);
      expect(selecting.context.user?.value).toMatchObject({ identifier: user.login });
      expect(await resetMails(server, user.email)).toEqual([]);

      const challenged = await c.idx.proceed({ authenticator: 'okta_email' });
      expectEmailChallenge(challenged);
      const { otp, state } = await resetMail(user.email);
      expect(state).toBe(challenged.meta?.state);

      const resetting = await c.idx.proceed({ verificationCode: otp });
      expectResetStep(resetting, server);
      expect(resetting.messages).toBeUndefined();

      const newPassword = 'recovered with auth-js just now';
      const done = await c.idx.proceed({ password: newPassword });
      expect(done.status, JSON.stringify(done.messages)).toBe('SUCCESS');
      const { idToken } = await expectValidTokens(
        c,
        server,
        { clientId: oneStep.clientId, userId: user.id, nonce: challenged.meta?.nonce },
        done.tokens,
      );
      expect(idToken.claims.amr).toEqual(['email', 'pwd']);
      expect(c.idx.canProceed()).toBe(false);

      await expectPasswordChanged(oneStep, user, password, newPassword);
    });

    it('2. recoverPassword() without a username → identify-recovery; proceed({ username }) → … → SUCCESS', async () => {
      const { user, password } = await server.createUser();
      const c = client();

      const identifying = await c.idx.recoverPassword();
      expect(identifying.status).toBe('PENDING');
      expect(identifying.messages).toBeUndefined();
      expect(identifying.nextStep?.name).toBe('identify-recovery');
      expect(identifying.nextStep?.inputs?.map((i) => i.name)).toEqual(['username']);

      const selecting = await c.idx.proceed({ username: user.login });
      expectRecoverySelect(selecting);
      const challenged = await c.idx.proceed({ authenticator: 'okta_email' });
      expectEmailChallenge(challenged);
      const { otp } = await resetMail(user.email);
      expectResetStep(await c.idx.proceed({ verificationCode: otp }), server);

      const newPassword = 'typed the username afterwards';
      const done = await c.idx.proceed({ password: newPassword });
      expect(done.status, JSON.stringify(done.messages)).toBe('SUCCESS');
      await expectValidTokens(
        c,
        server,
        { clientId: oneStep.clientId, userId: user.id, nonce: challenged.meta?.nonce },
        done.tokens,
      );
      await expectPasswordChanged(oneStep, user, password, newPassword);
    });

    it('3. the magic link: handleEmailVerifyCallback(search) with the same storage → reset-authenticator → SUCCESS', async () => {
      const { user, password } = await server.createUser();
      const storage = memoryStorage();
      const c = client(oneStep, storage);
      expectRecoverySelect(await c.idx.recoverPassword({ username: user.login }));
      const challenged = await c.idx.proceed({ authenticator: 'okta_email' });
      expectEmailChallenge(challenged);
      const { search, otp, state } = await resetMail(user.email);

      // The app's callback route: a new client on the session's storage takes the link.
      const callback = client(oneStep, storage);
      expect(callback.idx.isEmailVerifyCallback(search)).toBe(true);
      expect(callback.idx.parseEmailVerifyCallback(search)).toEqual({ otp, state });
      expect(callback.idx.canProceed({ state })).toBe(true);
      const resetting = await callback.idx.handleEmailVerifyCallback(search);
      expect(resetting).toBeDefined();
      expectResetStep(resetting!, server);
      expect(resetting!.meta?.interactionHandle).toBe(challenged.meta?.interactionHandle);

      const newPassword = 'opened the link in my mail';
      const done = await callback.idx.proceed({ password: newPassword });
      expect(done.status, JSON.stringify(done.messages)).toBe('SUCCESS');
      await expectValidTokens(
        callback,
        server,
        { clientId: oneStep.clientId, userId: user.id, nonce: challenged.meta?.nonce },
        done.tokens,
      );
      // The link cannot be replayed: the session's transaction is gone.
      expect(callback.idx.canProceed({ state })).toBe(false);
      await expect(callback.idx.handleEmailVerifyCallback(search)).rejects.toMatchObject({
        name: 'EmailVerifyCallbackError',
        otp,
        state,
      });
      await expectPasswordChanged(oneStep, user, password, newPassword);
    });

    it('3b. the magic link opened with other storage: EmailVerifyCallbackError; the code typed in the original client → reset', async () => {
      const { user } = await server.createUser();
      const c = client();
      expectRecoverySelect(await c.idx.recoverPassword({ username: user.login }));
      expectEmailChallenge(await c.idx.proceed({ authenticator: 'okta_email' }));
      const { search, otp, state } = await resetMail(user.email);

      const elsewhere = client();
      expect(elsewhere.idx.canProceed({ state })).toBe(false);
      await expect(elsewhere.idx.handleEmailVerifyCallback(search)).rejects.toMatchObject({
        name: 'EmailVerifyCallbackError',
        otp,
        state,
      });
      expect(c.idx.canProceed({ state })).toBe(true);
      expectResetStep(await c.idx.proceed({ verificationCode: otp }), server);
      const done = await c.idx.proceed({ password: 'typed the code from my phone' });
      expect(done.status, JSON.stringify(done.messages)).toBe('SUCCESS');
    });

    it('4. wrong code → PENDING with PASSCODE_INVALID; refused new passwords → PENDING with the reasons; then SUCCESS', async () => {
      const { user, password } = await server.createUser();
      const c = client();
      expectRecoverySelect(await c.idx.recoverPassword({ username: user.login }));
      expectEmailChallenge(await c.idx.proceed({ authenticator: 'okta_email' }));
      const { otp } = await resetMail(user.email);

      const wrong = await c.idx.proceed({ verificationCode: otp === '000000' ? '111111' : '000000' });
      expect(wrong.status).toBe('PENDING');
      expect(wrong.nextStep?.name).toBe('challenge-authenticator');
      expect(messageKeys(wrong)).toEqual(['api.authn.error.PASSCODE_INVALID']);

      expectResetStep(await c.idx.proceed({ verificationCode: otp }), server);

      const short = await c.idx.proceed({ password: 'too short 1' });
      expect(short.status).toBe('PENDING');
      expect(short.tokens).toBeUndefined();
      expect(short.nextStep?.name).toBe('reset-authenticator');
      expect(messageKeys(short)).toEqual(['password.passwordRequirementsNotMet']);
      expect(short.messages?.[0]?.message).toContain('At least 15 characters');

      const reused = await c.idx.proceed({ password });
      expect(reused.status).toBe('PENDING');
      expect(reused.nextStep?.name).toBe('reset-authenticator');
      expect(messageKeys(reused)).toEqual(['password.passwordRequirementsNotMet']);
      expect(reused.messages?.[0]?.message).toContain("can't be the same as your last 4 passwords");

      const newPassword = 'third time is the charm here';
      const done = await c.idx.proceed({ password: newPassword });
      expect(done.status, JSON.stringify(done.messages)).toBe('SUCCESS');
      await expectValidTokens(c, server, { clientId: oneStep.clientId, userId: user.id }, done.tokens);
      await expectPasswordChanged(oneStep, user, password, newPassword);
    });

    it('5. identifier-first: the identify page reports recover-password; recoverPassword({ username }) → SUCCESS', async () => {
      const { user, password } = await server.createUser();
      const c = client(identifierFirst);
      const started = await c.idx.start();
      expect(started.status).toBe('PENDING');
      // (v8's start() does not auto-remediate, so it names the steps rather than a next step.)
      expect(started.availableSteps?.map((s) => s.name)).toContain('identify');
      expect(started.availableSteps?.map((s) => s.name)).toContain('currentAuthenticator-recover');
      expect(started.enabledFeatures).toContain('recover-password');

      const r = client(identifierFirst);
      expectRecoverySelect(await r.idx.recoverPassword({ username: user.login }));
      const challenged = await r.idx.proceed({ authenticator: 'okta_email' });
      expectEmailChallenge(challenged);
      const { otp } = await resetMail(user.email);
      expectResetStep(await r.idx.proceed({ verificationCode: otp }), server);
      const newPassword = 'identifier first and recovered';
      const done = await r.idx.proceed({ password: newPassword });
      expect(done.status, JSON.stringify(done.messages)).toBe('SUCCESS');
      await expectValidTokens(
        r,
        server,
        { clientId: identifierFirst.clientId, userId: user.id, nonce: challenged.meta?.nonce },
        done.tokens,
      );
      await expectPasswordChanged(identifierFirst, user, password, newPassword);
    });

    it('6. recovery turned off: recoverPassword() does not start a recovery', async () => {
      const { app } = await server.createApp({ policy: { ...ONE_STEP, selfServiceRecovery: false } });
      const { user } = await server.createUser();
      const c = client(app);
      const started = await c.idx.start();
      expect(started.enabledFeatures ?? []).not.toContain('recover-password');
      const attempt = await client(app)
        .idx.recoverPassword({ username: user.login })
        .then(
          (tx) => tx,
          (err: Error) => err,
        );
      // auth-js finds no recover action and no recovery remediation: it either throws or stays
      // on the sign-in identify step; no email is sent either way.
      if (attempt instanceof Error) expect(attempt.message).toMatch(/remediation|recover/i);
      else {
        expect(attempt.status).not.toBe('SUCCESS');
        expect(attempt.tokens).toBeUndefined();
        expect(attempt.nextStep?.name).not.toBe('select-authenticator-authenticate');
      }
      expect(await resetMails(server, user.email)).toEqual([]);
    });

    it('7. from the password challenge: the recoverPassword flow fires currentAuthenticatorEnrollment-recover on the same transaction → SUCCESS', async () => {
      const { user, password } = await server.createUser();
      const c = client(identifierFirst);
      const selecting = await c.idx.authenticate({ username: user.login });
      expect(selecting.nextStep?.name).toBe('select-authenticator-authenticate');
      const atPassword = await c.idx.proceed({ authenticator: 'okta_password' });
      expect(atPassword.nextStep?.name).toBe('challenge-authenticator');
      expect(atPassword.nextStep?.authenticator?.key).toBe('okta_password');
      expect(atPassword.availableSteps?.map((s) => s.name)).toContain(
        'currentAuthenticatorEnrollment-recover',
      );

      // "Forgot password?" on this page: the app switches the saved transaction to the recovery
      // flow, whose spec runs the recover action by itself (docs/protocol/idx-protocol.md §6.6, §8.2 C).
      const meta = c.idx.getSavedTransactionMeta();
      expect(meta?.flow).toBe('authenticate');
      c.idx.saveTransactionMeta({ ...meta!, flow: 'recoverPassword' });
      c.idx.setFlow('recoverPassword');
      const recovering = await c.idx.proceed();
      expectRecoverySelect(recovering);
      expect(recovering.meta?.interactionHandle).toBe(atPassword.meta?.interactionHandle);

      const challenged = await c.idx.proceed({ authenticator: 'okta_email' });
      expectEmailChallenge(challenged);
      const { otp } = await resetMail(user.email);
      expectResetStep(await c.idx.proceed({ verificationCode: otp }), server);
      const newPassword = 'forgot it on the password page';
      const done = await c.idx.proceed({ password: newPassword });
      expect(done.status, JSON.stringify(done.messages)).toBe('SUCCESS');
      const { idToken } = await expectValidTokens(
        c,
        server,
        { clientId: identifierFirst.clientId, userId: user.id, nonce: challenged.meta?.nonce },
        done.tokens,
      );
      expect(idToken.claims.amr).toEqual(['email', 'pwd']);
      await expectPasswordChanged(identifierFirst, user, password, newPassword);
    });
  });
}

describeRecoveryInterop('auth-js 8.0.1 (legacy mode)', loadAuthJs8, '8.0.1');
describeRecoveryInterop('auth-js 7.14.5', loadAuthJs7, '7.14.5');
