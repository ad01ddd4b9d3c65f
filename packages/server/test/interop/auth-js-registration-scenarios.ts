/**
 * Interop scenarios for self-service registration and self-service account unlock, driving the
 * real `@okta/okta-auth-js` (v8 in legacy and step mode, v7, unmodified, in Node) against a running
 * Gatehouse: sign-up to tokens, an address that has an account (revealed, or the owner told), the
 * sign-up email's magic link in the same and in another browser, unlock to "unlocked" and on to
 * signing in, and unlock for accounts that are unknown or not locked
 * (docs/protocol/idx-protocol-2.md §§1–4, §8; docs/protocol/idx-protocol.md §9).
 */
import type { IdxMessage, IdxTransaction, OktaAuth } from '@okta/okta-auth-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppPolicyInput } from '../../src/apps/app-service.js';
import { codeOf, type MailboxMessage, mailbox, wrongCode } from '../email/email-helpers.js';
import { startTestServer, type TestDatabaseKind, type TestServer } from '../support/test-server.js';
import type { AuthJsModule, ClientMode, LoadAuthJsModule } from './auth-js-email-scenarios.js';
import { expectValidTokens, memoryStorage, newAuthClient } from './auth-js-scenarios.js';

export interface RegistrationInteropOptions {
  database: TestDatabaseKind;
  /** The auth-js version the loader must produce (checked, so an alias mix-up cannot pass). */
  version: string;
  mode: ClientMode;
  /** `core`: sign-up to tokens and unlock to "unlocked" only (the PostgreSQL runs). */
  scenarios?: 'all' | 'core';
}

const REDIRECT_URI = 'http://localhost:8080/login/callback';
const STRONG_PASSWORD = 'Plum-Orchard-Lantern-42';
/** Shorter than the default policy's 15 characters. */
const WEAK_PASSWORD = 'Plum-42';
const MAX_FAILED_ATTEMPTS = 3;
const SIGN_UP: AppPolicyInput = { registration: true };
const UNLOCK: AppPolicyInput = { selfServiceUnlock: true };

type Storage = ReturnType<typeof memoryStorage>;
type Input = NonNullable<NonNullable<IdxTransaction['nextStep']>['inputs']>[number];
interface Profile {
  firstName: string;
  lastName: string;
  email: string;
}

function messageKeys(tx: IdxTransaction): string[] {
  return (tx.messages ?? []).map((m: IdxMessage) => m.i18n?.key);
}

/** The authenticator a step is about: named by legacy mode, the resolved `relatesTo` in step mode. */
function stepAuthenticatorKey(tx: IdxTransaction): string | undefined {
  const relatesTo = tx.nextStep?.relatesTo as { value?: { key?: string } } | undefined;
  return tx.nextStep?.authenticator?.key ?? relatesTo?.value?.key;
}

/** The keys a select form offers: legacy mode maps options to keys, step mode keeps the raw option. */
function optionKeys(tx: IdxTransaction): string[] {
  const choice = tx.nextStep?.inputs?.find((i) => i.name === 'authenticator');
  return (choice?.options ?? []).map((o) =>
    typeof o.value === 'string' ? o.value : ((o.relatesTo as { key?: string } | undefined)?.key ?? ''),
  );
}

/** What the registrant (or a would-be unlocker) sees of a step, ids and handles aside. */
function visible(tx: IdxTransaction) {
  const relatesTo = tx.nextStep?.relatesTo as { value?: object } | undefined;
  return {
    status: tx.status,
    step: tx.nextStep?.name,
    inputs: tx.nextStep?.inputs,
    authenticator: stepAuthenticatorKey(tx),
    authenticatorFields: Object.keys(tx.nextStep?.authenticator ?? relatesTo?.value ?? {}).sort(),
    canResend: tx.nextStep?.canResend,
    messages: tx.messages,
    user: Object.keys(tx.context?.user?.value ?? {}).sort(),
  };
}

/** The magic link of an email (`…/login/callback?otp=…&state=…`) and its code. */
function magicLinkOf(mail: MailboxMessage): { search: string; otp: string; state: string } {
  const match = /http:\/\/localhost:8080\/login\/callback\?[^\s"<>]+/.exec(mail.text);
  expect(match, `no magic link in: ${mail.text}`).not.toBeNull();
  const link = new URL(match![0]);
  expect(`${link.origin}${link.pathname}`).toBe(REDIRECT_URI);
  const otp = codeOf(mail);
  expect(link.searchParams.get('otp')).toBe(otp);
  return { search: link.search, otp, state: link.searchParams.get('state') ?? '' };
}

/**
 * Step mode: the sign-in page (`start()`), then the field-less remediation the server offers there
 * for `feature` ("Sign up", "Unlock account?").
 */
async function fromSignInPage(client: OktaAuth, feature: string, remediation: string) {
  const page = await client.idx.start();
  expect(page.status).toBe('PENDING');
  expect(page.enabledFeatures).toContain(feature);
  return client.idx.proceed({ step: remediation });
}

/**
 * Registration as each mode does it: legacy mode (`register()`, values the SDK maps), step mode
 * (`start()`, then every remediation named; `enroll-profile` is not in the default flow's map, so
 * its value goes in the raw `userProfile` shape, docs/protocol/idx-protocol-2.md §3.3).
 */
function signUpCalls(client: OktaAuth, mode: ClientMode) {
  const step = (name: string) => (mode === 'step' ? { step: name } : {});
  return {
    /** To the profile form ("Sign up"). */
    begin: () =>
      mode === 'legacy'
        ? client.idx.register()
        : fromSignInPage(client, 'enroll-profile', 'select-enroll-profile'),
    profile: (profile: Profile) => {
      // auth-js' option types do not know `userProfile`: it goes to the server as given.
      const raw = { step: 'enroll-profile', userProfile: profile };
      return client.idx.proceed(mode === 'legacy' ? { ...profile } : raw);
    },
    choose: (key: string) =>
      client.idx.proceed({ ...step('select-authenticator-enroll'), authenticator: key }),
    enterCode: (verificationCode: string) =>
      client.idx.proceed({ ...step('enroll-authenticator'), verificationCode }),
    enterPassword: (password: string) => client.idx.proceed({ ...step('enroll-authenticator'), password }),
    /** What an app's callback route does with `?otp=…&state=…` of the sign-up email. */
    magicLink: (search: string): Promise<IdxTransaction | undefined> =>
      mode === 'legacy'
        ? client.idx.handleEmailVerifyCallback(search)
        : client.idx.proceed({
            step: 'enroll-authenticator',
            ...client.idx.parseEmailVerifyCallback(search),
          }),
  };
}

/**
 * Unlock as each mode does it: legacy mode `unlockAccount()` (auto-action `unlock-account`), then
 * `unlockAccount({ username, authenticator })`; step mode `start()`, `unlock-account`, then the
 * raw form (`select-authenticator-unlock-account` is not in the default flow's map,
 * docs/protocol/idx-protocol-2.md §4.2).
 */
function unlockCalls(client: OktaAuth, mode: ClientMode) {
  return {
    /** To the "who, and how to prove it" form. */
    begin: () =>
      mode === 'legacy'
        ? client.idx.unlockAccount()
        : fromSignInPage(client, 'unlock-account', 'unlock-account'),
    identify: (form: IdxTransaction, username: string): Promise<IdxTransaction> => {
      if (mode === 'legacy') return client.idx.unlockAccount({ username, authenticator: 'okta_email' });
      const option = form.nextStep?.inputs?.find((i) => i.name === 'authenticator')?.options?.[0];
      const fields = option?.value as Array<{ name: string; value: string }>;
      const field = (name: string) => fields.find((f) => f.name === name)?.value;
      expect(field('methodType')).toBe('email');
      return client.idx.proceed({
        step: 'select-authenticator-unlock-account',
        identifier: username,
        authenticator: { id: field('id'), methodType: field('methodType') },
      });
    },
    enterCode: (verificationCode: string) =>
      client.idx.proceed({
        ...(mode === 'step' ? { step: 'challenge-authenticator' } : {}),
        verificationCode,
      }),
  };
}

export function describeAuthJsRegistrationInterop(
  label: string,
  load: LoadAuthJsModule,
  options: RegistrationInteropOptions,
): void {
  const { mode } = options;
  const all = (options.scenarios ?? 'all') === 'all';
  const itAll = (name: string, fn: () => Promise<void>) => {
    if (all) it(name, fn);
  };

  describe(`${label} sign-up and unlock against Gatehouse (${options.database})`, () => {
    let server: TestServer;
    let authJs: AuthJsModule;
    let newcomers = 0;

    beforeAll(async () => {
      authJs = await load();
      server = await startTestServer({
        database: options.database,
        config: { lockout: { maxFailedAttempts: MAX_FAILED_ATTEMPTS } },
      });
    });
    afterAll(() => server?.close());

    const client = (clientId: string, storage: Storage = memoryStorage()) =>
      newAuthClient(authJs.OktaAuth, server, clientId, { legacyMode: mode === 'legacy', storage });
    const newcomer = (): Profile => {
      newcomers++;
      return { firstName: 'Nova', lastName: 'Quill', email: `newcomer-${newcomers}@example.com` };
    };
    const findByEmail = (email: string) => server.services.storage.users.findByEmail(email);
    const findById = (id: string) => server.services.storage.users.findById(id);

    /** The profile form as each mode shows it. */
    const expectProfileForm = (tx: IdxTransaction) => {
      expect(tx.status).toBe('PENDING');
      expect(tx.nextStep?.name).toBe('enroll-profile');
      const fields =
        mode === 'legacy'
          ? tx.nextStep?.inputs
          : (tx.nextStep?.inputs?.find((i) => i.name === 'userProfile')?.value as Input[] | undefined);
      expect(fields?.map((f) => [f.name, f.required])).toEqual([
        ['firstName', true],
        ['lastName', true],
        ['email', true],
      ]);
    };

    /** The choice of what to set up: exactly `keys`, nothing optional. */
    const expectEnrollChoice = (tx: IdxTransaction, keys: string[]) => {
      expect(tx.status).toBe('PENDING');
      expect(tx.messages).toBeUndefined();
      expect(tx.nextStep?.name).toBe('select-authenticator-enroll');
      expect(optionKeys(tx)).toEqual(keys);
      expect(tx.nextStep?.canSkip).toBeFalsy();
    };

    /** Setting up an authenticator: legacy mode names the SDK input, step mode the raw field. */
    const expectEnrollStep = (tx: IdxTransaction, key: string, input: 'verificationCode' | 'password') => {
      expect(tx.status).toBe('PENDING');
      expect(tx.nextStep?.name).toBe('enroll-authenticator');
      expect(stepAuthenticatorKey(tx)).toBe(key);
      const names = tx.nextStep?.inputs?.map((i) => i.name);
      expect(names).toEqual(mode === 'legacy' ? [input] : ['credentials']);
    };

    /** Sign-up page → profile: the account is STAGED, only Email is offered first. */
    const toEmailChoice = async (signUp: ReturnType<typeof signUpCalls>, profile: Profile) => {
      const form = await signUp.begin();
      expectProfileForm(form);
      const choice = await signUp.profile(profile);
      expectEnrollChoice(choice, ['okta_email']);
      expect(choice.context.user?.value).toMatchObject({ identifier: profile.email });
      return choice;
    };

    /** Up to the email code: the app, a client and its storage, the STAGED account, the email. */
    const atSignUpEmail = async () => {
      const { app } = await server.createApp({ policy: SIGN_UP });
      const storage = memoryStorage();
      const signUpClient = client(app.clientId, storage);
      const signUp = signUpCalls(signUpClient, mode);
      const profile = newcomer();
      const choice = await toEmailChoice(signUp, profile);
      const staged = await findByEmail(profile.email);
      expect(staged).toMatchObject({ status: 'STAGED', login: profile.email });
      expect(choice.context.user?.value).toMatchObject({ id: staged!.id });
      expect(await mailbox(server, profile.email)).toEqual([]);

      const atEmail = await signUp.choose('okta_email');
      expectEnrollStep(atEmail, 'okta_email', 'verificationCode');
      expect(atEmail.nextStep?.canResend).toBe(true);
      const mails = await mailbox(server, profile.email);
      expect(mails).toHaveLength(1);
      const link = magicLinkOf(mails[0]!);
      expect(link.state).toBe(atEmail.meta?.state);
      expect(mails[0]!.subject).toContain(link.otp);
      return { app, storage, client: signUpClient, signUp, profile, user: staged!, atEmail, link };
    };

    /** The email proven: Password is left; a weak one is refused, a strong one signs the newcomer in. */
    const finishWithPassword = async (
      signUp: ReturnType<typeof signUpCalls>,
      signUpClient: OktaAuth,
      afterEmail: IdxTransaction,
      expected: { clientId: string; userId: string; nonce: string | undefined },
    ) => {
      expectEnrollChoice(afterEmail, ['okta_password']);
      expect((await findById(expected.userId))?.status).toBe('STAGED');
      const atPassword = await signUp.choose('okta_password');
      expectEnrollStep(atPassword, 'okta_password', 'password');

      const weak = await signUp.enterPassword(WEAK_PASSWORD);
      expect(weak.status).toBe('PENDING');
      expect(weak.tokens).toBeUndefined();
      expect(weak.nextStep?.name).toBe('enroll-authenticator');
      expect(messageKeys(weak)).toEqual(['password.passwordRequirementsNotMet']);
      expect((await findById(expected.userId))?.status).toBe('STAGED');

      const done = await signUp.enterPassword(STRONG_PASSWORD);
      expect(done.status).toBe('SUCCESS');
      expect(done.messages).toBeUndefined();
      expect(expected.nonce).toEqual(expect.any(String));
      const { idToken } = await expectValidTokens(signUpClient, server, expected, done.tokens);
      expect(idToken.claims.email).toBe((await findById(expected.userId))?.email);
      expect(await findById(expected.userId)).toMatchObject({ status: 'ACTIVE', emailVerified: true });
      expect(signUpClient.idx.canProceed()).toBe(false);
      return done;
    };

    /** The new password signs in (one-step identify) with a fresh client. */
    const expectSignsIn = async (clientId: string, username: string, password: string, userId: string) => {
      const signIn = client(clientId);
      const tx = await signIn.idx.authenticate({
        ...(mode === 'step' ? { step: 'identify' } : {}),
        username,
        password,
      });
      expect(tx.status).toBe('SUCCESS');
      await expectValidTokens(signIn, server, { clientId, userId, nonce: tx.meta?.nonce }, tx.tokens);
    };

    it(`0. the client under test is auth-js ${options.version} (${mode} mode)`, async () => {
      const { app } = await server.createApp({ policy: SIGN_UP });
      expect(client(app.clientId)._oktaUserAgent.getVersion()).toBe(options.version);
    });

    it('1. sign-up: profile (STAGED) → Email code → weak then strong password → SUCCESS, ACTIVE', async () => {
      const { app, client: signUpClient, signUp, profile, user, atEmail, link } = await atSignUpEmail();
      const wrong = await signUp.enterCode(wrongCode(link.otp));
      expect(wrong.status).toBe('PENDING');
      expect(wrong.nextStep?.name).toBe('enroll-authenticator');
      expect(messageKeys(wrong)).toEqual(['api.authn.error.PASSCODE_INVALID']);

      const afterEmail = await signUp.enterCode(link.otp);
      const expected = { clientId: app.clientId, userId: user.id, nonce: atEmail.meta?.nonce };
      await finishWithPassword(signUp, signUpClient, afterEmail, expected);
      const active = await findById(user.id);
      expect(active).toMatchObject({ login: profile.email, email: profile.email });
      expect(active!.profile).toMatchObject(profile);
      await expectSignsIn(app.clientId, profile.email, STRONG_PASSWORD, user.id);
    });

    itAll(
      '2a. existing address, existingEmail: reveal → PENDING registration.error.notUniqueWithinOrg; another address goes on',
      async () => {
        const { user: owner } = await server.createUser();
        const { app } = await server.createApp({ policy: { registration: { existingEmail: 'reveal' } } });
        const signUp = signUpCalls(client(app.clientId), mode);
        expectProfileForm(await signUp.begin());

        const taken = await signUp.profile({ firstName: 'Nova', lastName: 'Quill', email: owner.email });
        expect(taken.status).toBe('PENDING');
        expect(taken.tokens).toBeUndefined();
        expect(taken.messages).toEqual([
          {
            message: 'A user with this Email already exists',
            i18n: { key: 'registration.error.notUniqueWithinOrg', params: ['Email'] },
            class: 'ERROR',
          },
        ]);
        if (mode === 'legacy') {
          // The form again, the message on its Email field.
          expect(taken.nextStep?.name).toBe('enroll-profile');
          const email = taken.nextStep?.inputs?.find((i) => i.name === 'email') as
            | { messages?: { value: IdxMessage[] } }
            | undefined;
          expect(email?.messages?.value.map((m: IdxMessage) => m.i18n.key)).toEqual([
            'registration.error.notUniqueWithinOrg',
          ]);
        } else {
          // Step mode maps a failed step through the flow's remediators, which lack enroll-profile:
          // no nextStep, the form is still among the available steps (docs/protocol/idx-protocol-2.md §3.10).
          expect(taken.nextStep).toBeUndefined();
          expect(taken.availableSteps?.map((s) => s.name)).toContain('enroll-profile');
        }
        expect(await mailbox(server, owner.email)).toEqual([]);
        expect(await findById(owner.id)).toMatchObject({ status: 'ACTIVE', profile: owner.profile });

        const profile = newcomer();
        const choice = await signUp.profile(profile);
        expectEnrollChoice(choice, ['okta_email']);
        expect(await findByEmail(profile.email)).toMatchObject({ status: 'STAGED' });
      },
    );

    itAll(
      '2b. existing address, default (notify the owner): the same steps as a new one; the owner is told, no code; a guess is refused',
      async () => {
        const { user: owner } = await server.createUser();
        const { app } = await server.createApp({ policy: SIGN_UP });
        const fresh = signUpCalls(client(app.clientId), mode);
        const taken = signUpCalls(client(app.clientId), mode);

        const freshProfile = newcomer();
        const freshChoice = await toEmailChoice(fresh, freshProfile);
        const takenChoice = await toEmailChoice(taken, { ...freshProfile, email: owner.email });
        expect(visible(takenChoice)).toEqual(visible(freshChoice));

        const freshEmail = await fresh.choose('okta_email');
        const takenEmail = await taken.choose('okta_email');
        expectEnrollStep(takenEmail, 'okta_email', 'verificationCode');
        expect(visible(takenEmail)).toEqual(visible(freshEmail));

        const [notice, ...more] = await mailbox(server, owner.email);
        expect(more).toEqual([]);
        expect(notice!.subject).toMatch(/^You already have an? .*account$/);
        expect(notice!.text).toContain('already has an account');
        expect(notice!.text).not.toMatch(/\b\d{6}\b/);
        expect(notice!.text).not.toContain('otp=');
        expect(notice!.html).not.toContain('otp=');

        const [freshMail] = await mailbox(server, freshProfile.email);
        const guess = magicLinkOf(freshMail!).otp;
        const freshWrong = await fresh.enterCode(wrongCode(guess));
        const takenWrong = await taken.enterCode(guess);
        expect(messageKeys(takenWrong)).toEqual(['api.authn.error.PASSCODE_INVALID']);
        expect(visible(takenWrong)).toEqual(visible(freshWrong));
        expect(await findById(owner.id)).toMatchObject({ status: 'ACTIVE', profile: owner.profile });
        expect(await findByEmail(owner.email)).toMatchObject({ id: owner.id });
      },
    );

    /**
     * The sign-up email's link opened where the sign-up is (same storage): the app's callback
     * route builds a client on that storage; `cached: false` drops the stored IDX response, so the
     * client introspects first (a new tab). The original tab then carries on with the password.
     */
    const magicLinkSameStorage = async (cached: boolean) => {
      const { app, storage, client: original, user, atEmail, link } = await atSignUpEmail();
      const callback = client(app.clientId, storage);
      expect(callback.idx.isEmailVerifyCallback(link.search)).toBe(true);
      expect(callback.idx.parseEmailVerifyCallback(link.search)).toEqual({
        otp: link.otp,
        state: link.state,
      });
      expect(callback.idx.canProceed({ state: link.state })).toBe(true);
      if (!cached) {
        callback.transactionManager.clearIdxResponse();
        expect(callback.transactionManager.loadIdxResponse()).toBeNull();
      }
      if (mode === 'step') {
        // auth-js 8 step mode cannot take the link by itself (docs/protocol/idx-protocol.md §4.3).
        await expect(callback.idx.handleEmailVerifyCallback(link.search)).rejects.toThrow(
          'No `step` or `action` provided',
        );
      }
      // (legacy mode resolves to nothing for a URL that is not an email-verify callback)
      const afterLink = (await signUpCalls(callback, mode).magicLink(link.search))!;
      expect(afterLink?.meta?.interactionHandle).toBe(atEmail.meta?.interactionHandle);
      expect((await findById(user.id))?.emailVerified).toBe(true);

      // The original tab (same storage) goes on from where the link left the sign-up.
      const expected = { clientId: app.clientId, userId: user.id, nonce: atEmail.meta?.nonce };
      await finishWithPassword(signUpCalls(original, mode), original, afterLink, expected);
      // Done: the link cannot be replayed through the session.
      await expect(callback.idx.handleEmailVerifyCallback(link.search)).rejects.toMatchObject({
        name: 'EmailVerifyCallbackError',
      });
    };

    itAll(
      '3a. sign-up magic link, same storage: the link proves the email; the tab sets a password → SUCCESS',
      () => magicLinkSameStorage(true),
    );
    itAll(
      '3b. sign-up magic link, same storage, no cached IDX response: introspect, the link, then the password',
      () => magicLinkSameStorage(false),
    );

    itAll(
      '3c. sign-up magic link in another browser: EmailVerifyCallbackError shows the code; typed in the original tab → SUCCESS',
      async () => {
        const { app, client: original, signUp, user, atEmail, link } = await atSignUpEmail();
        const elsewhere = client(app.clientId);
        expect(elsewhere.idx.isEmailVerifyCallback(link.search)).toBe(true);
        expect(elsewhere.idx.canProceed({ state: link.state })).toBe(false);
        const error = await elsewhere.idx.handleEmailVerifyCallback(link.search).then(
          () => null,
          (err: Error) => err,
        );
        expect(error).toBeInstanceOf(Error);
        expect(authJs.isEmailVerifyCallbackError(error!)).toBe(true);
        expect(error).toMatchObject({ otp: link.otp, state: link.state });
        expect(error!.message).toBe(`Enter the OTP code in the originating client: ${link.otp}`);
        // Opening the link elsewhere proved nothing.
        expect((await findById(user.id))?.emailVerified).toBe(false);
        expect(original.idx.canProceed({ state: link.state })).toBe(true);

        const afterEmail = await signUp.enterCode(link.otp);
        const expected = { clientId: app.clientId, userId: user.id, nonce: atEmail.meta?.nonce };
        await finishWithPassword(signUp, original, afterEmail, expected);
      },
    );

    /** A user locked by wrong passwords through one-step sign-in; the right password is then refused. */
    const lockedUser = async (clientId: string) => {
      const { user, password } = await server.createUser();
      const identify = (signIn: OktaAuth, guess: string) =>
        signIn.idx.authenticate({
          ...(mode === 'step' ? { step: 'identify' } : {}),
          username: user.login,
          password: guess,
        });
      for (let i = 0; i < MAX_FAILED_ATTEMPTS; i++) {
        const wrong = await identify(client(clientId), `not-the-password-${i}`);
        expect(messageKeys(wrong)).toEqual(['errors.E0000004']);
      }
      expect((await findById(user.id))?.lockedUntil).toBeGreaterThan(server.clock.now());
      const refused = await identify(client(clientId), password);
      expect(refused.status).toBe('PENDING');
      expect(refused.tokens).toBeUndefined();
      expect(messageKeys(refused)).toEqual(['errors.E0000004']);
      return { user, password };
    };

    /** The unlock form, then the email challenge for `username` (whatever account it is). */
    const toUnlockChallenge = async (clientId: string, username: string) => {
      const unlockClient = client(clientId);
      const unlock = unlockCalls(unlockClient, mode);
      const form = await unlock.begin();
      expect(form.status).toBe('PENDING');
      expect(form.nextStep?.name).toBe('select-authenticator-unlock-account');
      expect(form.nextStep?.inputs?.map((i) => i.name)).toEqual([
        mode === 'legacy' ? 'username' : 'identifier',
        'authenticator',
      ]);
      expect(optionKeys(form)).toEqual(['okta_email']);
      expect(form.context.user).toBeUndefined();

      const challenge = await unlock.identify(form, username);
      expect(challenge.status).toBe('PENDING');
      expect(challenge.messages).toBeUndefined();
      expect(challenge.nextStep?.name).toBe('challenge-authenticator');
      expect(stepAuthenticatorKey(challenge)).toBe('okta_email');
      expect(challenge.nextStep?.canResend).toBe(true);
      expect(challenge.nextStep?.inputs?.map((i) => i.name)).toEqual([
        mode === 'legacy' ? 'verificationCode' : 'credentials',
      ]);
      return { client: unlockClient, unlock, challenge };
    };

    it('4a. unlock a locked account: email code → TERMINAL "unlocked"; the right password signs in again', async () => {
      const { app } = await server.createApp({ policy: UNLOCK });
      const { user, password } = await lockedUser(app.clientId);
      const { client: unlockClient, unlock } = await toUnlockChallenge(app.clientId, user.login);
      const mails = await mailbox(server, user.email);
      expect(mails).toHaveLength(1);
      expect(mails[0]!.subject).toMatch(/unlock/i);
      const { otp } = magicLinkOf(mails[0]!);

      const wrong = await unlock.enterCode(wrongCode(otp));
      expect(wrong.status).toBe('PENDING');
      expect(wrong.nextStep?.name).toBe('challenge-authenticator');
      expect(messageKeys(wrong)).toEqual(['api.authn.error.PASSCODE_INVALID']);
      expect((await findById(user.id))?.lockedUntil).toBeGreaterThan(server.clock.now());

      const unlocked = await unlock.enterCode(otp);
      expect(unlocked.status).toBe('TERMINAL');
      expect(unlocked.tokens).toBeUndefined();
      expect(unlocked.nextStep).toBeUndefined();
      expect(unlocked.messages).toEqual([
        {
          message: 'Your account is now unlocked!',
          i18n: { key: 'oie.selfservice.unlock_user.success.message' },
          class: 'INFO',
        },
      ]);
      // `cancel` stays (the widget's "Back to sign in"), so the client keeps the transaction.
      expect(unlocked.availableSteps?.map((s) => s.name)).toEqual(['cancel']);
      expect(unlockClient.idx.canProceed()).toBe(true);
      const back = await unlockClient.idx.cancel();
      if (options.version.startsWith('7.')) {
        expect(back.status).toBe('CANCELED');
        expect(unlockClient.idx.canProceed()).toBe(false);
      } else {
        // auth-js 8 answers a saved terminal response before running any action: cancel() sends
        // nothing and reports the terminal again; an app clears the transaction itself.
        expect(back.status).toBe('TERMINAL');
        expect(back.messages).toEqual(unlocked.messages);
        unlockClient.transactionManager.clear();
        expect(unlockClient.idx.canProceed()).toBe(false);
      }
      expect(await findById(user.id)).toMatchObject({
        status: 'ACTIVE',
        failedAttempts: 0,
        lockedUntil: null,
      });
      await expectSignsIn(app.clientId, user.login, password, user.id);
    });

    itAll(
      '4b. unlock with signInAfterUnlock: the code → PENDING on the password with the INFO message → SUCCESS',
      async () => {
        const { app } = await server.createApp({ policy: { ...UNLOCK, signInAfterUnlock: true } });
        const { user, password } = await lockedUser(app.clientId);
        const { client: unlockClient, unlock, challenge } = await toUnlockChallenge(app.clientId, user.login);
        const [mail] = await mailbox(server, user.email);

        const next = await unlock.enterCode(magicLinkOf(mail!).otp);
        expect(next.status).toBe('PENDING');
        expect(next.tokens).toBeUndefined();
        expect(next.messages).toEqual([
          {
            message: 'Account successfully unlocked! Verify your account with a security method to continue.',
            i18n: { key: 'oie.selfservice.unlock_user.landing.to.app.success.message' },
            class: 'INFO',
          },
        ]);
        expect(next.nextStep?.name).toBe('select-authenticator-authenticate');
        expect(optionKeys(next)).toEqual(['okta_password']);
        expect(await findById(user.id)).toMatchObject({ failedAttempts: 0, lockedUntil: null });

        let done: IdxTransaction;
        if (mode === 'legacy') {
          // The unlock flow's remediators pick the password and answer it in one call.
          done = await unlockClient.idx.proceed({ password });
        } else {
          const atPassword = await unlockClient.idx.proceed({
            step: 'select-authenticator-authenticate',
            authenticator: 'okta_password',
          });
          expect(atPassword.nextStep?.name).toBe('challenge-authenticator');
          expect(stepAuthenticatorKey(atPassword)).toBe('okta_password');
          done = await unlockClient.idx.proceed({ step: 'challenge-authenticator', password });
        }
        expect(done.status).toBe('SUCCESS');
        const { idToken } = await expectValidTokens(
          unlockClient,
          server,
          { clientId: app.clientId, userId: user.id, nonce: challenge.meta?.nonce },
          done.tokens,
        );
        expect(idToken.claims.amr).toEqual(expect.arrayContaining(['email', 'pwd']));
      },
    );

    itAll(
      '5. unlock for an unknown account and for one that is not locked: the same answers as a locked one, no code sent',
      async () => {
        const { app } = await server.createApp({ policy: UNLOCK });
        const { user: locked } = await lockedUser(app.clientId);
        const { user: active, password } = await server.createUser();
        const unknown = `nobody-${options.database}-${mode}@example.com`;

        const seen = [];
        for (const username of [locked.login, active.login, unknown]) {
          const { unlock, challenge } = await toUnlockChallenge(app.clientId, username);
          const wrong = await unlock.enterCode('000000');
          expect(messageKeys(wrong)).toEqual(['api.authn.error.PASSCODE_INVALID']);
          seen.push({ challenge: visible(challenge), wrong: visible(wrong) });
        }
        expect(seen[1]).toEqual(seen[0]);
        expect(seen[2]).toEqual(seen[0]);

        expect(await mailbox(server, locked.email)).toHaveLength(1);
        expect(await mailbox(server, active.email)).toEqual([]);
        expect(await mailbox(server, unknown)).toEqual([]);
        expect((await findById(locked.id))?.lockedUntil).toBeGreaterThan(server.clock.now());
        expect(await findById(active.id)).toMatchObject({ status: 'ACTIVE', lockedUntil: null });
        await expectSignsIn(app.clientId, active.login, password, active.id);
      },
    );

    itAll(
      '6. sign-up and unlock off: register() and unlockAccount() throw auth-js\' own "not supported" errors',
      async () => {
        const { app } = await server.createApp({ policy: { registration: false, selfServiceUnlock: false } });
        const started = await client(app.clientId).idx.start();
        expect(started.enabledFeatures).not.toContain('enroll-profile');
        expect(started.enabledFeatures).not.toContain('unlock-account');
        await expect(client(app.clientId).idx.register()).rejects.toThrow(
          'Registration is not supported based on your current org configuration.',
        );
        await expect(client(app.clientId).idx.unlockAccount()).rejects.toThrow(
          'Self Service Account Unlock is not supported based on your current org configuration.',
        );
        if (mode === 'step') {
          // Turned on, step mode's register() still needs a step; unlockAccount() runs its auto-action.
          const { app: open } = await server.createApp({ policy: { ...SIGN_UP, ...UNLOCK } });
          await expect(client(open.clientId).idx.register()).rejects.toThrow(
            'No `step` or `action` provided',
          );
          const form = await client(open.clientId).idx.unlockAccount();
          expect(form.nextStep?.name).toBe('select-authenticator-unlock-account');
        }
      },
    );
  });
}
