/**
 * Interop scenarios for the EMAIL authenticator, driving the real `@okta/okta-auth-js` (v8 and
 * v7, unmodified, in Node) against a running Gatehouse: the code typed in, the magic link opened
 * with the same client storage and with another one, a wrong code, resend throttling, and
 * password+email (docs/protocol/idx-protocol.md §7.3–§7.5, §8.1, §9.2, §11.3, §15).
 */
import type { IdxMessage, IdxTransaction, OktaAuth } from '@okta/okta-auth-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestDatabaseKind, type TestServer } from '../support/test-server.js';
import { expectValidTokens, memoryStorage, newAuthClient, type OktaAuthClass } from './auth-js-scenarios.js';

/** The parts of an auth-js module these scenarios use (the same names in v7 and v8). */
export interface AuthJsModule {
  OktaAuth: OktaAuthClass;
  isEmailVerifyCallbackError(error: Error): boolean;
}
export type LoadAuthJsModule = () => Promise<AuthJsModule>;

export const loadAuthJs8Module: LoadAuthJsModule = async () => {
  const mod = await import('@okta/okta-auth-js');
  return { OktaAuth: mod.OktaAuth, isEmailVerifyCallbackError: mod.isEmailVerifyCallbackError };
};
/** v7.14.5 (the version @okta/okta-signin-widget 7.x pins) is installed as `okta-auth-js-7`. */
export const loadAuthJs7Module: LoadAuthJsModule = async () => {
  const mod = await import('okta-auth-js-7');
  return {
    OktaAuth: mod.OktaAuth as unknown as OktaAuthClass,
    isEmailVerifyCallbackError: mod.isEmailVerifyCallbackError,
  };
};

/**
 * `legacy`: auto-remediation (v7, v8 with `idx.enableLegacyMode`). `step`: v8 without it, every
 * call names the remediation it answers (docs/protocol/idx-protocol.md §4.3).
 */
export type ClientMode = 'legacy' | 'step';

export interface EmailInteropOptions {
  database: TestDatabaseKind;
  /** The auth-js version the loader must produce (checked, so an alias mix-up cannot pass). */
  version: string;
  mode: ClientMode;
  /** `magic-link`: only scenario 1 (1a, 1b; the PostgreSQL runs). */
  scenarios?: 'all' | 'magic-link';
}

const REDIRECT_URI = 'http://localhost:8080/login/callback';
const EMAIL_ONLY = { factors: 'email', identifierFirst: true, selfServiceRecovery: true } as const;
const PASSWORD_THEN_EMAIL = { factors: 'password+email', selfServiceRecovery: true } as const;
const RESEND_INTERVAL_MS = 30_000;

type Storage = ReturnType<typeof memoryStorage>;

/** A client on the given storage: two clients on one storage are one user's session (express sample). */
function authClient(
  OktaAuthCtor: OktaAuthClass,
  server: TestServer,
  clientId: string,
  mode: ClientMode,
  storage: Storage,
): OktaAuth {
  return newAuthClient(OktaAuthCtor, server, clientId, { legacyMode: mode === 'legacy', storage });
}

/** The calls of one mode: legacy mode lets the SDK pick the remediation, step mode names it. */
function steps(client: OktaAuth, mode: ClientMode) {
  const step = (name: string) => (mode === 'step' ? { step: name } : {});
  return {
    identify: (username: string, password?: string) =>
      client.idx.authenticate({ ...step('identify'), username, ...(password ? { password } : {}) }),
    selectPassword: () =>
      client.idx.proceed({ ...step('select-authenticator-authenticate'), authenticator: 'okta_password' }),
    enterPassword: (password: string) => client.idx.proceed({ ...step('challenge-authenticator'), password }),
    selectEmail: () =>
      client.idx.proceed({ ...step('select-authenticator-authenticate'), authenticator: 'okta_email' }),
    enterCode: (verificationCode: string) =>
      client.idx.proceed({ ...step('challenge-authenticator'), verificationCode }),
    resend: () => client.idx.proceed({ resend: true }),
    /** What an app's callback route does with `?otp=…&state=…` (docs/protocol/idx-protocol.md §4.3, §9.2). */
    magicLink: async (search: string): Promise<IdxTransaction> => {
      if (mode === 'legacy') {
        const tx = await client.idx.handleEmailVerifyCallback(search);
        // It resolves to nothing when the search is not an email-verify callback.
        expect(tx).toBeDefined();
        return tx!;
      }
      const { otp, state } = client.idx.parseEmailVerifyCallback(search);
      return client.idx.proceed({ step: 'challenge-authenticator', otp, state });
    },
  };
}

interface Mail {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  sentAt: string;
}

async function mailbox(server: TestServer, to: string): Promise<Mail[]> {
  const res = await fetch(`${server.url}/dev/mailbox/api/messages?to=${encodeURIComponent(to)}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Mail[];
}

/** The magic link of an email and the code it carries; the code is in the text on its own too. */
function magicLinkOf(mail: Mail): { link: URL; search: string; otp: string } {
  const match = /http:\/\/localhost:8080\/login\/callback\?[^\s"<>]+/.exec(mail.text);
  expect(match, `no magic link in: ${mail.text}`).not.toBeNull();
  const link = new URL(match![0]);
  const otp = link.searchParams.get('otp') ?? '';
  expect(otp).toMatch(/^\d{6}$/);
  expect(mail.text.replace(match![0], '')).toContain(otp);
  expect(mail.html).toContain(`otp=${otp}&amp;state=`);
  return { link, search: link.search, otp };
}

function messageKeys(tx: IdxTransaction): string[] {
  return (tx.messages ?? []).map((m: IdxMessage) => m.i18n?.key);
}

/**
 * The email challenge as each mode shows it: legacy mode names the authenticator and the SDK's
 * input (`verificationCode`); step mode gives the raw `credentials.passcode` field and the
 * enrollment its `relatesTo` resolved to.
 */
function expectEmailChallenge(tx: IdxTransaction, email: string, mode: ClientMode) {
  expect(tx.status).toBe('PENDING');
  expect(tx.messages).toBeUndefined();
  expect(tx.nextStep?.name).toBe('challenge-authenticator');
  expect(tx.nextStep?.canResend).toBe(true);
  if (mode === 'legacy') {
    expect(tx.nextStep?.authenticator?.key).toBe('okta_email');
    expect(tx.nextStep?.inputs?.map((i) => i.name)).toEqual(['verificationCode']);
  } else {
    const relatesTo = tx.nextStep?.relatesTo as { value?: { key?: string } } | undefined;
    expect(relatesTo?.value?.key).toBe('okta_email');
    expect(tx.nextStep?.inputs).toEqual([
      {
        name: 'credentials',
        type: 'object',
        required: true,
        value: [{ name: 'passcode', label: 'Enter code' }],
      },
    ]);
  }
  // The enrollment shows the address masked (docs/protocol/idx-protocol.md §7.5).
  const enrollment = tx.context.currentAuthenticatorEnrollment?.value;
  expect(enrollment?.key).toBe('okta_email');
  const shown = (enrollment?.profile as { email?: string } | undefined)?.email;
  expect(shown).toEqual(expect.any(String));
  expect(shown).not.toBe(email);
  expect(shown!.split('@')[1]).toBe(email.split('@')[1]);
}

/**
 * Legacy mode maps the options to authenticator keys; step mode shows the raw option with the
 * authenticator its `relatesTo` resolved to (docs/protocol/idx-protocol.md §6.4, §7.3).
 */
function expectEmailOption(tx: IdxTransaction, mode: ClientMode) {
  expect(tx.status).toBe('PENDING');
  expect(tx.nextStep?.name).toBe('select-authenticator-authenticate');
  const choice = tx.nextStep?.inputs?.find((i) => i.name === 'authenticator');
  if (mode === 'legacy') {
    expect(choice?.options).toEqual([{ label: 'Email', value: 'okta_email' }]);
    return;
  }
  expect(choice?.options).toHaveLength(1);
  expect(choice?.options?.[0]).toMatchObject({
    label: 'Email',
    relatesTo: { key: 'okta_email', type: 'email', displayName: 'Email' },
  });
}

/** What tokens from an IDX sign-in must say; the nonce is the one in the client's transaction meta. */
function signedIn(clientId: string, userId: string, nonce: string | undefined) {
  expect(nonce).toEqual(expect.any(String));
  return { clientId, userId, nonce };
}

export function describeAuthJsEmailInterop(
  label: string,
  load: LoadAuthJsModule,
  options: EmailInteropOptions,
): void {
  const { mode } = options;
  const all = (options.scenarios ?? 'all') === 'all';
  const itAll = (name: string, fn: () => Promise<void>) => {
    if (all) it(name, fn);
  };

  describe(`${label} email authenticator against Gatehouse (${options.database})`, () => {
    let server: TestServer;
    let authJs: AuthJsModule;

    beforeAll(async () => {
      authJs = await load();
      server = await startTestServer({ database: options.database });
    });
    afterAll(() => server?.close());

    /** An email-only app, a user, and a client (with its storage) that reached the email challenge. */
    const atEmailChallenge = async () => {
      const { app } = await server.createApp({ policy: EMAIL_ONLY });
      const { user } = await server.createUser();
      const storage = memoryStorage();
      const client = authClient(authJs.OktaAuth, server, app.clientId, mode, storage);
      const calls = steps(client, mode);

      const identified = await calls.identify(user.login);
      expectEmailOption(identified, mode);
      expect(identified.context.user?.value).toMatchObject({ identifier: user.login });
      expect(await mailbox(server, user.email)).toEqual([]);

      const challenged = await calls.selectEmail();
      expectEmailChallenge(challenged, user.email, mode);
      const state = challenged.meta?.state;
      expect(state).toMatch(/^[A-Za-z0-9]{64}$/);
      const mails = await mailbox(server, user.email);
      expect(mails).toHaveLength(1);
      expect(mails[0]!.to).toBe(user.email);
      return { app, user, storage, client, calls, challenged, state: state!, mail: mails[0]! };
    };

    it(`0. the client under test is auth-js ${options.version} (${mode} mode)`, async () => {
      const { OktaAuth } = authJs;
      const { app } = await server.createApp({ policy: EMAIL_ONLY });
      const client = authClient(OktaAuth, server, app.clientId, mode, memoryStorage());
      expect(client._oktaUserAgent.getVersion()).toBe(options.version);
    });

    /**
     * The magic link opened where the transaction is (same session storage): the app's callback route
     * builds a new client on that storage (express sample, docs/protocol/idx-protocol.md §4.2, §8.1 6b).
     * `cached: false` drops the stored IDX response, so the client introspects by interaction handle
     * first, as a new browser tab (the widget) does.
     */
    const magicLinkSameStorage = async (cached: boolean) => {
      const { app, user, storage, client, challenged, state, mail } = await atEmailChallenge();
      const { link, search, otp } = magicLinkOf(mail);
      expect(`${link.origin}${link.pathname}`).toBe(REDIRECT_URI);

      const callback = authClient(authJs.OktaAuth, server, app.clientId, mode, storage);
      expect(callback.idx.isEmailVerifyCallback(search)).toBe(true);
      expect(callback.idx.isEmailVerifyCallback(link.href)).toBe(true);
      expect(callback.idx.parseEmailVerifyCallback(search)).toEqual({ otp, state });
      expect(callback.idx.canProceed({ state })).toBe(true);
      expect(callback.idx.canProceed({ state: 'x'.repeat(64) })).toBe(false);
      if (!cached) {
        callback.transactionManager.clearIdxResponse();
        expect(callback.transactionManager.loadIdxResponse()).toBeNull();
      }
      if (mode === 'step') {
        // auth-js 8 step mode cannot take the link by itself (docs/protocol/idx-protocol.md §4.3).
        await expect(callback.idx.handleEmailVerifyCallback(search)).rejects.toThrow(
          'No `step` or `action` provided',
        );
        expect(callback.idx.canProceed({ state })).toBe(true);
      }

      const done = await steps(callback, mode).magicLink(search);
      expect(done.status).toBe('SUCCESS');
      expect(done.messages).toBeUndefined();
      expect(done.meta?.interactionHandle).toBe(challenged.meta?.interactionHandle);
      const { idToken, accessToken } = await expectValidTokens(
        callback,
        server,
        signedIn(app.clientId, user.id, challenged.meta?.nonce),
        done.tokens,
      );
      await expect(
        callback.token.verify(idToken, { accessToken: accessToken.accessToken }),
      ).resolves.toMatchObject({ claims: { sub: user.id } });
      expect(idToken.claims.amr).toEqual(['email']);
      // SUCCESS cleared the session's transaction: the link cannot be replayed through it.
      expect(callback.idx.canProceed({ state })).toBe(false);
      expect(client.idx.canProceed({ state })).toBe(false);
      await expect(callback.idx.handleEmailVerifyCallback(search)).rejects.toMatchObject({
        name: 'EmailVerifyCallbackError',
        otp,
        state,
      });
    };

    it('1a. magic link, same storage: canProceed({ state }), then the link → SUCCESS with tokens', () =>
      magicLinkSameStorage(true));
    it('1b. magic link, same storage, no cached IDX response: introspect, then the link → SUCCESS', () =>
      magicLinkSameStorage(false));

    itAll(
      '2. magic link opened with other storage: EmailVerifyCallbackError with the code; typed in the original client → SUCCESS',
      async () => {
        const { app, user, client, calls, challenged, state, mail } = await atEmailChallenge();
        const { search, otp } = magicLinkOf(mail);

        const elsewhere = authClient(authJs.OktaAuth, server, app.clientId, mode, memoryStorage());
        expect(elsewhere.idx.isEmailVerifyCallback(search)).toBe(true);
        expect(elsewhere.idx.canProceed({ state })).toBe(false);
        const error = await elsewhere.idx.handleEmailVerifyCallback(search).then(
          () => null,
          (err: Error) => err,
        );
        expect(error).toBeInstanceOf(Error);
        expect(error!.name).toBe('EmailVerifyCallbackError');
        expect(authJs.isEmailVerifyCallbackError(error!)).toBe(true);
        expect(error).toMatchObject({ otp, state });
        expect(error!.message).toBe(`Enter the OTP code in the originating client: ${otp}`);
        // Opening the link elsewhere changed nothing: the original client still can proceed.
        expect(client.idx.canProceed({ state })).toBe(true);

        const done = await calls.enterCode(otp);
        expect(done.status).toBe('SUCCESS');
        await expectValidTokens(
          client,
          server,
          signedIn(app.clientId, user.id, challenged.meta?.nonce),
          done.tokens,
        );
      },
    );

    itAll('3. wrong code → PENDING with PASSCODE_INVALID; then the right code → SUCCESS', async () => {
      const { app, user, client, calls, challenged, mail } = await atEmailChallenge();
      const { otp } = magicLinkOf(mail);
      const wrongCode = otp === '000000' ? '111111' : '000000';

      const wrong = await calls.enterCode(wrongCode);
      expect(wrong.status).toBe('PENDING');
      expect(wrong.tokens).toBeUndefined();
      expect(wrong.nextStep?.name).toBe('challenge-authenticator');
      expect(wrong.nextStep?.authenticator?.key).toBe('okta_email');
      expect(messageKeys(wrong)).toEqual(['api.authn.error.PASSCODE_INVALID']);
      expect(wrong.messages?.[0]).toMatchObject({ message: 'Invalid code. Try again.', class: 'ERROR' });

      const done = await calls.enterCode(otp);
      expect(done.status).toBe('SUCCESS');
      await expectValidTokens(
        client,
        server,
        signedIn(app.clientId, user.id, challenged.meta?.nonce),
        done.tokens,
      );
    });

    itAll('4. resend: throttled at first (429 tooManyRequests); after 30 s the same code again', async () => {
      const { app, user, client, calls, challenged, mail } = await atEmailChallenge();
      const first = magicLinkOf(mail);

      // A throttled resend answers 429 with the challenge form still in it, so auth-js stays
      // PENDING on the challenge and shows the message (instead of reporting a TERMINAL state).
      const throttled = await calls.resend();
      expect(throttled.status).toBe('PENDING');
      expect(throttled.tokens).toBeUndefined();
      expect(throttled.nextStep?.name).toBe('challenge-authenticator');
      expect(messageKeys(throttled)).toEqual(['tooManyRequests']);
      // The message says how long: the resend interval (30 s), as Retry-After does.
      expect(throttled.messages?.[0]).toMatchObject({
        message: 'Too many attempts. Try again in 30 seconds.',
        class: 'ERROR',
      });
      expect(client.idx.canProceed()).toBe(true);
      expect(await mailbox(server, user.email)).toHaveLength(1);

      // Still inside the interval: throttled again, nothing sent.
      server.clock.advance(RESEND_INTERVAL_MS - 5_000);
      expect(messageKeys(await calls.resend())).toEqual(['tooManyRequests']);
      expect(await mailbox(server, user.email)).toHaveLength(1);

      server.clock.advance(6_000);
      const resent = await calls.resend();
      expectEmailChallenge(resent, user.email, mode);
      expect(resent.messages).toBeUndefined();
      const mails = await mailbox(server, user.email);
      expect(mails).toHaveLength(2);
      const second = magicLinkOf(mails[0]!);
      expect(second.otp).toBe(first.otp);
      expect(second.search).toBe(first.search);

      const done = await calls.enterCode(second.otp);
      expect(done.status).toBe('SUCCESS');
      await expectValidTokens(
        client,
        server,
        signedIn(app.clientId, user.id, challenged.meta?.nonce),
        done.tokens,
      );
    });

    /** Password first, then Email: the ID token says both (amr `pwd`, `email`). */
    const passwordThenEmail = async (identifierFirst: boolean) => {
      const { app } = await server.createApp({ policy: { ...PASSWORD_THEN_EMAIL, identifierFirst } });
      const { user, password } = await server.createUser();
      const client = authClient(authJs.OktaAuth, server, app.clientId, mode, memoryStorage());
      const calls = steps(client, mode);

      let atEmail = await calls.identify(user.login, password);
      if (identifierFirst && mode === 'step') {
        // Step mode stops at every form: both factors are offered, password is picked by hand.
        expect(atEmail.nextStep?.name).toBe('select-authenticator-authenticate');
        const keys = atEmail.nextStep?.inputs?.[0]?.options?.map(
          (o) => (o.relatesTo as { key?: string } | undefined)?.key,
        );
        expect(keys).toEqual(['okta_password', 'okta_email']);
        const atPassword = await calls.selectPassword();
        expect(atPassword.nextStep?.name).toBe('challenge-authenticator');
        atEmail = await calls.enterPassword(password);
      }
      // The password is done: only Email is left to choose, nothing was sent yet.
      expectEmailOption(atEmail, mode);
      expect(atEmail.messages).toBeUndefined();
      expect(await mailbox(server, user.email)).toEqual([]);

      const challenged = await calls.selectEmail();
      expectEmailChallenge(challenged, user.email, mode);
      const mails = await mailbox(server, user.email);
      expect(mails).toHaveLength(1);
      const { otp, search } = magicLinkOf(mails[0]!);
      expect(client.idx.parseEmailVerifyCallback(search).state).toBe(challenged.meta?.state);

      const done = await calls.enterCode(otp);
      expect(done.status).toBe('SUCCESS');
      const { idToken } = await expectValidTokens(
        client,
        server,
        signedIn(app.clientId, user.id, challenged.meta?.nonce),
        done.tokens,
      );
      expect(idToken.claims.amr).toEqual(['pwd', 'email']);
    };

    itAll('5a. password+email, one-step identify: password, then the email code → amr [pwd, email]', () =>
      passwordThenEmail(false),
    );
    itAll('5b. password+email, identifier first: password, then the email code → amr [pwd, email]', () =>
      passwordThenEmail(true),
    );
  });
}
