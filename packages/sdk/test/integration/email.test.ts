/**
 * The SDK against a running Gatehouse with the email authenticator (flow 1, docs/protocol/idx-protocol.md
 * §8.1, §9): the code typed in, the magic link with the same storage (another tab of the same
 * browser, or the same server session) and with another storage, resend.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../server/test/support/test-server.js';
import {
  browserStorage,
  EmailVerifyCallbackError,
  isEmailVerifyCallbackError,
  memoryStorage,
} from '../../src/index.js';
import {
  createTestApp,
  keysOf,
  latestMail,
  magicLinkOf,
  recordingFetch,
  sdkClient,
} from '../support/gatehouse.js';
import { FakeWebStorage } from '../support/web-storage.js';

const EMAIL_ONLY = { factors: 'email', identifierFirst: true, selfServiceRecovery: true } as const;

describe('SDK email sign-in against Gatehouse', () => {
  let server: TestServer;
  let app: Awaited<ReturnType<typeof createTestApp>>['app'];
  beforeAll(async () => {
    server = await startTestServer();
    ({ app } = await createTestApp(server, EMAIL_ONLY));
  });
  afterAll(() => server?.close());

  /** identify → choose Email: the challenge step, the email sent. */
  async function toEmailChallenge(auth: ReturnType<typeof sdkClient>, login: string) {
    const select = await auth.idx.authenticate({ username: login });
    expect(select.status).toBe('PENDING');
    expect(select.nextStep?.name).toBe('select-authenticator-authenticate');
    expect(select.nextStep?.options).toEqual([{ label: 'Email', value: 'okta_email' }]);
    return auth.idx.proceed({ authenticator: 'okta_email' });
  }

  it('email code typed in: challenge step described, wrong code → field message, right code → SUCCESS', async () => {
    const { user } = await server.createUser();
    const auth = sdkClient(server, app);
    const challenge = await toEmailChallenge(auth, user.login);
    expect(challenge.status).toBe('PENDING');
    expect(challenge.nextStep).toMatchObject({
      name: 'challenge-authenticator',
      authenticator: { key: 'okta_email', type: 'email' },
      inputs: [{ name: 'verificationCode', path: 'credentials.passcode', required: true, secret: false }],
      canResend: true,
    });
    const shown = challenge.nextStep?.authenticator?.profile?.email;
    expect(shown).not.toBe(user.email);
    expect(shown?.split('@')[1]).toBe(user.email.split('@')[1]);

    const { otp } = magicLinkOf(await latestMail(server, user.email));
    const wrong = await auth.idx.proceed({ verificationCode: otp === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe('PENDING');
    expect(wrong.httpStatus).toBe(401);
    expect(wrong.messages).toEqual([
      expect.objectContaining({
        key: 'api.authn.error.PASSCODE_INVALID',
        class: 'ERROR',
        field: 'verificationCode',
      }),
    ]);
    const done = await auth.idx.proceed({ verificationCode: otp });
    expect(done.status).toBe('SUCCESS');
    expect(done.tokens?.claims?.sub).toBe(user.id);
    expect(done.tokens?.claims?.amr).toEqual(expect.arrayContaining(['email']));
  });

  it('magic link, same storage (same server session): canProceed → handleEmailVerifyCallback → SUCCESS', async () => {
    const { user } = await server.createUser();
    const session = memoryStorage();
    const original = sdkClient(server, app, session);
    await toEmailChallenge(original, user.login);
    const { search, state, otp } = magicLinkOf(await latestMail(server, user.email));

    // The callback request: another client instance, the same session.
    const wire = recordingFetch();
    const callback = sdkClient(server, app, session, { fetch: wire.fetch });
    expect(callback.idx.isEmailVerifyCallback(search)).toBe(true);
    expect(callback.idx.parseEmailVerifyCallback(search)).toEqual({ otp, state });
    expect(callback.idx.canProceed({ state })).toBe(true);
    expect(callback.idx.canProceed({ state: 'some-other-state' })).toBe(false);
    const done = await callback.idx.handleEmailVerifyCallback(search);
    expect(done.status).toBe('SUCCESS');
    expect(done.tokens?.claims?.sub).toBe(user.id);
    expect(wire.calls.filter((c) => c.startsWith('POST'))).toEqual([
      'POST /idp/idx/introspect',
      'POST /idp/idx/challenge/answer',
      'POST /oauth2/default/v1/token',
    ]);
    expect(callback.idx.canProceed({ state })).toBe(false);
  });

  it('magic link in another tab of the same browser (shared localStorage): that tab signs in, the first ends', async () => {
    const { user } = await server.createUser();
    const local = new FakeWebStorage();
    const firstTab = sdkClient(
      server,
      app,
      browserStorage({ sessionStorage: new FakeWebStorage(), localStorage: local }),
    );
    await toEmailChallenge(firstTab, user.login);
    const { search, state } = magicLinkOf(await latestMail(server, user.email));

    const secondSession = new FakeWebStorage();
    const secondTab = sdkClient(
      server,
      app,
      browserStorage({ sessionStorage: secondSession, localStorage: local }),
    );
    expect(secondTab.idx.canProceed()).toBe(false); // nothing of its own…
    expect(secondTab.idx.canProceed({ state })).toBe(true); // …but the shared entry
    const done = await secondTab.idx.handleEmailVerifyCallback(search);
    expect(done.status).toBe('SUCCESS');
    expect(done.tokens?.claims?.sub).toBe(user.id);
    // Tokens stay in memory by default: nothing token-shaped in either Web Storage (docs/security.md N2).
    expect(local.dump()).not.toContain(done.tokens!.accessToken);
    expect(secondSession.dump()).not.toContain(done.tokens!.accessToken);
    expect(local.dump()).not.toMatch(/eyJ[\w-]+\.eyJ/);

    // The first tab resumes: the code was already redeemed by the second tab, so the server
    // answers that this transaction is over (docs/protocol/idx-protocol.md §13.3: R8 after redemption).
    const first = await firstTab.idx.proceed();
    expect(first.status).toBe('TERMINAL');
    expect(keysOf(first)).toEqual(['idx.session.expired']);
    expect(firstTab.idx.canProceed()).toBe(false);
  });

  it('magic link with another storage: EmailVerifyCallbackError carrying otp and state, no request; the code works in the original', async () => {
    const { user } = await server.createUser();
    const original = sdkClient(server, app);
    await toEmailChallenge(original, user.login);
    const { search, state, otp } = magicLinkOf(await latestMail(server, user.email));

    const wire = recordingFetch();
    const elsewhere = sdkClient(server, app, memoryStorage(), { fetch: wire.fetch });
    expect(elsewhere.idx.canProceed({ state })).toBe(false);
    const error = await elsewhere.idx.handleEmailVerifyCallback(search).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmailVerifyCallbackError);
    expect(isEmailVerifyCallbackError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'email_verify_callback', otp, state });
    expect(wire.calls).toEqual([]);

    const done = await original.idx.proceed({ verificationCode: (error as EmailVerifyCallbackError).otp });
    expect(done.status).toBe('SUCCESS');
  });

  it('password+email: authenticate answers the password, then stops at the Email choice', async () => {
    const { app: both } = await createTestApp(server, { factors: 'password+email', identifierFirst: false });
    const { user, password } = await server.createUser();
    const auth = sdkClient(server, both);
    const select = await auth.idx.authenticate({ username: user.login, password });
    expect(select.status).toBe('PENDING');
    expect(select.nextStep?.name).toBe('select-authenticator-authenticate');
    expect(select.nextStep?.options).toEqual([{ label: 'Email', value: 'okta_email' }]);
    const challenge = await auth.idx.proceed({ authenticator: 'okta_email' });
    expect(challenge.nextStep?.authenticator?.key).toBe('okta_email');
    const done = await auth.idx.proceed({
      verificationCode: magicLinkOf(await latestMail(server, user.email)).otp,
    });
    expect(done.status).toBe('SUCCESS');
    expect(done.tokens?.claims?.amr).toEqual(expect.arrayContaining(['pwd', 'email']));
  });

  it('resend: too early → still PENDING with tooManyRequests; after the interval → a new email', async () => {
    const { user } = await server.createUser();
    const auth = sdkClient(server, app);
    await toEmailChallenge(auth, user.login);
    await latestMail(server, user.email, 1);
    const early = await auth.idx.proceed({ resend: true });
    expect(early.status).toBe('PENDING');
    expect(early.httpStatus).toBe(429);
    expect(keysOf(early)).toContain('tooManyRequests');
    expect(early.nextStep?.name).toBe('challenge-authenticator');

    server.clock.advance(31_000);
    const resent = await auth.idx.proceed({ action: 'resend' });
    expect(resent.status).toBe('PENDING');
    expect(resent.httpStatus).toBe(200);
    const second = await latestMail(server, user.email, 2);
    const done = await auth.idx.proceed({ verificationCode: magicLinkOf(second).otp });
    expect(done.status).toBe('SUCCESS');
  });
});
