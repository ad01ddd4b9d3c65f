/**
 * The SDK against a running Gatehouse with self-service registration (docs/protocol/idx-protocol-2.md
 * §3): `idx.register()` with and without profile values, the email proven by the code typed in
 * or by the magic link (same storage, another storage), the password the policy requires, an
 * optional one skipped, an address that already has an account (revealed, or not: the same steps
 * go on), and an app that offers no sign-up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppPolicyInput } from '../../../server/src/apps/app-service.js';
import { startTestServer, type TestServer } from '../../../server/test/support/test-server.js';
import { EmailVerifyCallbackError, IdxError, memoryStorage } from '../../src/index.js';
import {
  createTestApp,
  keysOf,
  latestMail,
  magicLinkOf,
  recordingFetch,
  sdkClient,
} from '../support/gatehouse.js';

const SIGN_UP: AppPolicyInput = { factors: 'password', identifierFirst: false, registration: true };
const STRONG_PASSWORD = 'Plum-Orchard-Lantern-42';

describe('SDK self-service registration against Gatehouse', () => {
  let server: TestServer;
  let app: Awaited<ReturnType<typeof createTestApp>>['app'];
  let count = 0;
  const newEmail = () => `newcomer-${++count}-${Date.now()}@example.com`;
  beforeAll(async () => {
    server = await startTestServer({
      config: { rateLimits: { registrationPerIp: { limit: 1000, windowSeconds: 3600 } } },
    });
    ({ app } = await createTestApp(server, SIGN_UP));
  });
  afterAll(() => server?.close());

  /** register() with a whole profile and Email: the email enrollment step, the code sent. */
  async function toEmailEnrollment(auth: ReturnType<typeof sdkClient>, email: string) {
    const tx = await auth.idx.register({
      firstName: 'Grace',
      lastName: 'Hopper',
      email,
      authenticator: 'okta_email',
    });
    expect(tx.status, JSON.stringify(tx.messages)).toBe('PENDING');
    expect(tx.nextStep).toMatchObject({
      name: 'enroll-authenticator',
      authenticator: { key: 'okta_email' },
      inputs: [{ name: 'verificationCode', required: true }],
      canResend: true,
      canSkip: false,
    });
    return tx;
  }

  it('register() alone: the profile form with flat input names, then step by step to SUCCESS', async () => {
    const wire = recordingFetch();
    const auth = sdkClient(server, app, undefined, { fetch: wire.fetch });
    const profile = await auth.idx.register();
    expect(profile.status).toBe('PENDING');
    expect(profile.nextStep?.name).toBe('enroll-profile');
    expect(profile.nextStep?.inputs.map((i) => [i.name, i.required])).toEqual([
      ['firstName', true],
      ['lastName', true],
      ['email', true],
    ]);
    expect(profile.availableSteps.map((s) => s.name)).toEqual(['enroll-profile', 'select-identify']);
    expect(wire.calls.filter((c) => c.includes('/idp/idx/'))).toEqual([
      'POST /idp/idx/introspect',
      'POST /idp/idx/enroll',
    ]);

    const email = newEmail();
    const select = await auth.idx.proceed({ firstName: 'Ada', lastName: 'Lovelace', email });
    expect(JSON.parse(wire.bodies.at(-1) as string)).toEqual({
      userProfile: { firstName: 'Ada', lastName: 'Lovelace', email },
      stateHandle: expect.stringMatching(/^02/),
    });
    expect(select.nextStep?.name).toBe('select-authenticator-enroll');
    expect(select.nextStep?.options).toEqual([{ label: 'Email', value: 'okta_email' }]);
    expect(select.context.user?.identifier).toBe(email);

    const code = await auth.idx.proceed({ authenticator: 'okta_email' });
    expect(code.nextStep?.name).toBe('enroll-authenticator');
    const { otp } = magicLinkOf(await latestMail(server, email));
    const wrong = await auth.idx.proceed({ verificationCode: otp === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe('PENDING');
    expect(wrong.httpStatus).toBe(401);
    expect(wrong.messages).toEqual([
      expect.objectContaining({ key: 'api.authn.error.PASSCODE_INVALID', field: 'verificationCode' }),
    ]);
    const password = await auth.idx.proceed({ verificationCode: otp });
    expect(password.nextStep?.name).toBe('select-authenticator-enroll');
    expect(password.nextStep?.options).toEqual([{ label: 'Password', value: 'okta_password' }]);
    // Required now: nothing to skip.
    expect(password.nextStep?.canSkip).toBe(false);

    const enroll = await auth.idx.proceed({ authenticator: 'okta_password' });
    expect(enroll.nextStep).toMatchObject({
      name: 'enroll-authenticator',
      authenticator: { key: 'okta_password' },
      inputs: [{ name: 'password', secret: true, required: true }],
    });
    expect(enroll.context.passwordComplexity?.minLength).toBeGreaterThan(0);
    const weak = await auth.idx.proceed({ password: 'abc' });
    expect(weak.status).toBe('PENDING');
    expect(weak.httpStatus).toBe(400);
    expect(weak.messages).toEqual([
      expect.objectContaining({ key: 'password.passwordRequirementsNotMet', field: 'password' }),
    ]);
    const done = await auth.idx.proceed({ password: STRONG_PASSWORD });
    expect(done.status, JSON.stringify(done.messages)).toBe('SUCCESS');
    expect(done.tokens?.claims?.email).toBe(email);
    expect(auth.idx.canProceed()).toBe(false);
    const user = await server.services.storage.users.findByEmail(email);
    expect(user).toMatchObject({ status: 'ACTIVE', emailVerified: true });
    expect(done.tokens?.claims?.sub).toBe(user!.id);

    // The new account signs in with its password.
    const again = await sdkClient(server, app).idx.authenticate({
      username: email,
      password: STRONG_PASSWORD,
    });
    expect(again.status).toBe('SUCCESS');
  });

  it('register({ profile, authenticator }) goes straight to the email code; the emailed code finishes it', async () => {
    const email = newEmail();
    const auth = sdkClient(server, app);
    await toEmailEnrollment(auth, email);
    const mail = await latestMail(server, email);
    const select = await auth.idx.proceed({ verificationCode: magicLinkOf(mail).otp });
    expect(select.nextStep?.options?.map((o) => o.value)).toEqual(['okta_password']);
    await auth.idx.proceed({ authenticator: 'okta_password' });
    expect((await auth.idx.proceed({ password: STRONG_PASSWORD })).status).toBe('SUCCESS');
  });

  it('magic link in the same storage: canProceed → handleEmailVerifyCallback proves the email and goes on', async () => {
    const email = newEmail();
    const session = memoryStorage();
    await toEmailEnrollment(sdkClient(server, app, session), email);
    const { search, state } = magicLinkOf(await latestMail(server, email));

    const wire = recordingFetch();
    const callback = sdkClient(server, app, session, { fetch: wire.fetch });
    expect(callback.idx.isEmailVerifyCallback(search)).toBe(true);
    expect(callback.idx.canProceed({ state })).toBe(true);
    const next = await callback.idx.handleEmailVerifyCallback(search);
    expect(next.status).toBe('PENDING');
    expect(next.nextStep?.name).toBe('select-authenticator-enroll');
    expect(next.nextStep?.options?.map((o) => o.value)).toEqual(['okta_password']);
    expect(wire.calls).toEqual(['POST /idp/idx/introspect', 'POST /idp/idx/challenge/answer']);
    // The sign-up goes on in this storage.
    await callback.idx.proceed({ authenticator: 'okta_password' });
    expect((await callback.idx.proceed({ password: STRONG_PASSWORD })).status).toBe('SUCCESS');
  });

  it('magic link in another storage: EmailVerifyCallbackError with the code, which works in the original', async () => {
    const email = newEmail();
    const original = sdkClient(server, app);
    await toEmailEnrollment(original, email);
    const { search, otp, state } = magicLinkOf(await latestMail(server, email));
    const elsewhere = sdkClient(server, app, memoryStorage());
    expect(elsewhere.idx.canProceed({ state })).toBe(false);
    const error = await elsewhere.idx.handleEmailVerifyCallback(search).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmailVerifyCallbackError);
    expect(error).toMatchObject({ otp, state });
    const next = await original.idx.proceed({ verificationCode: otp });
    expect(next.nextStep?.name).toBe('select-authenticator-enroll');
  });

  it('an existing address, reveal mode: PENDING on the profile with the message on the email input', async () => {
    const { app: reveal } = await createTestApp(server, {
      ...SIGN_UP,
      registration: { existingEmail: 'reveal' },
    });
    const { user } = await server.createUser();
    const auth = sdkClient(server, reveal);
    const taken = await auth.idx.register({ firstName: 'A', lastName: 'B', email: user.email });
    expect(taken.status).toBe('PENDING');
    expect(taken.httpStatus).toBe(400);
    expect(taken.nextStep?.name).toBe('enroll-profile');
    expect(taken.messages).toEqual([
      {
        message: 'A user with this Email already exists',
        key: 'registration.error.notUniqueWithinOrg',
        params: ['Email'],
        class: 'ERROR',
        field: 'email',
      },
    ]);
    // The same transaction takes another address.
    const other = await auth.idx.proceed({ firstName: 'A', lastName: 'B', email: newEmail() });
    expect(other.nextStep?.name).toBe('select-authenticator-enroll');
  });

  it('an existing address, default mode: the same steps as a new one; the owner is told, no code arrives', async () => {
    const { user } = await server.createUser();
    const auth = sdkClient(server, app);
    const tx = await toEmailEnrollment(auth, user.email);
    expect(tx.httpStatus).toBe(200);
    const mail = await latestMail(server, user.email);
    expect(mail.subject).toMatch(/already have an? .*account/i);
    expect(mail.text).not.toMatch(/[?&]otp=/);
    const guess = await auth.idx.proceed({ verificationCode: '123456' });
    expect(guess.status).toBe('PENDING');
    expect(guess.httpStatus).toBe(401);
    expect(keysOf(guess)).toEqual(['api.authn.error.PASSCODE_INVALID']);
  });

  it('an optional authenticator: canSkip, then proceed({ skip: true }) → SUCCESS without a password', async () => {
    const { app: optional } = await createTestApp(server, { ...SIGN_UP, factors: 'email|password' });
    const email = newEmail();
    const wire = recordingFetch();
    const auth = sdkClient(server, optional, undefined, { fetch: wire.fetch });
    await toEmailEnrollment(auth, email);
    const offered = await auth.idx.proceed({
      verificationCode: magicLinkOf(await latestMail(server, email)).otp,
    });
    expect(offered.status).toBe('PENDING');
    expect(offered.nextStep).toMatchObject({ name: 'select-authenticator-enroll', canSkip: true });
    expect(offered.availableSteps.map((s) => s.name)).toEqual(['select-authenticator-enroll', 'skip']);
    const done = await auth.idx.proceed({ skip: true });
    expect(done.status, JSON.stringify(done.messages)).toBe('SUCCESS');
    expect(wire.calls).toContain('POST /idp/idx/skip');
    const user = await server.services.storage.users.findByEmail(email);
    expect(user?.status).toBe('ACTIVE');
    expect(await server.services.storage.credentials.findPasswordHash(user!.id)).toBeNull();
  });

  it('an app without sign-up: IdxError idx_registration_unavailable, nothing left to continue', async () => {
    const { app: closed } = await createTestApp(server, { factors: 'password', identifierFirst: false });
    const auth = sdkClient(server, closed);
    const error = await auth.idx.register({ email: newEmail() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdxError);
    expect(error).toMatchObject({
      code: 'idx_registration_unavailable',
      message: 'Registration is not supported based on your current org configuration.',
    });
    expect(auth.idx.canProceed()).toBe(false);
  });
});
