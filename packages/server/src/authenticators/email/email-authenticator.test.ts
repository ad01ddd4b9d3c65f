import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EngineKit, engineKit } from '../../../test/support/engine-kit.js';
import type { App } from '../../storage/apps-store.js';
import type { User } from '../../storage/users-store.js';
import type { AuthenticatorContext, ChallengePurpose } from '../authenticator.js';
import { EmailAuthenticator } from './email-authenticator.js';

/** The email authenticator built from its own parts: challenges, the mailer (outbox), the limiter, events. */
describe('email authenticator', () => {
  let kit: EngineKit;
  let email: EmailAuthenticator;
  let app: App;
  const settings = {
    otpTtlSeconds: 300,
    recoveryOtpTtlSeconds: 900,
    notifyUnknownRecipients: false,
    maxAttempts: 3,
    resendIntervalSeconds: 30,
    maxSendsPerTransaction: 5,
    publicUrl: 'http://127.0.0.1:4455',
    relay: false,
    emailPerRecipient: { limit: 100, windowSeconds: 60 },
    challengePerIp: { limit: 100, windowSeconds: 60 },
    answerPerIp: { limit: 100, windowSeconds: 60 },
  };

  beforeEach(async () => {
    kit = await engineKit();
    const { storage, parts, clock } = kit;
    email = new EmailAuthenticator({
      challenges: storage.emailChallenges,
      events: storage.events,
      users: storage.users,
      mailer: parts.mailer,
      transaction: (work) => storage.transaction(work),
      queued: () => undefined,
      limiter: parts.limiter,
      secret: parts.secret,
      clock,
      settings,
    });
    app = await kit.createApp({ factors: 'email', identifierFirst: true });
  });
  afterEach(() => kit.close());

  async function context(
    user: User | null,
    purpose: ChallengePurpose = 'sign-in',
  ): Promise<AuthenticatorContext> {
    return {
      transaction: (await kit.start(app)).transaction,
      app,
      user,
      identifier: user?.login ?? 'nobody@example.com',
      purpose,
      held: [],
      request: kit.request,
    };
  }

  async function knownUser(): Promise<User> {
    const { login } = await kit.createUser();
    return (await kit.users.getByLogin(login))!;
  }

  it('declares what it can do: a code that is resent and polled, proof in a recovery, an address to enroll', () => {
    expect(email).toMatchObject({ key: 'email', amr: 'email', servesRecovery: true, recoverable: false });
    expect(email.verifier).toMatchObject({ answer: 'code', answeredWithIdentifier: false, resendable: true });
    expect(email.enroller.rules).toBeNull();
  });

  it('sends a code and a magic link carrying it with the transaction state; the code works once', async () => {
    const user = await knownUser();
    const ctx = await context(user);
    expect(await email.verifier.challenge(ctx)).toEqual({ ok: true });
    const [mail] = await kit.storage.outbox.list({ to: user.email });
    const code = await kit.lastCode(user.email);
    expect(mail!.text).toContain(`otp=${code}`);
    expect(mail!.text).toContain(`state=${ctx.transaction.state}`);
    expect(await email.verifier.verify(ctx, code!)).toEqual({ ok: true });
    expect(await email.verifier.verify(ctx, code!)).toMatchObject({
      ok: false,
      error: { code: 'PASSCODE_INVALID' },
    });
  });

  it('a code answers only the purpose it was sent for (docs/security.md F9)', async () => {
    const user = await knownUser();
    const ctx = await context(user);
    await email.verifier.challenge(ctx);
    const code = await kit.lastCode(user.email);
    for (const purpose of ['recovery', 'registration', 'unlock'] as const)
      expect(await email.verifier.verify({ ...ctx, purpose }, code!)).toMatchObject({
        ok: false,
        error: { code: 'PASSCODE_INVALID' },
      });
    expect(await email.verifier.verify(ctx, code!)).toEqual({ ok: true });
  });

  it('the last allowed wrong answer ends the challenge; the right code no longer works', async () => {
    const user = await knownUser();
    const ctx = await context(user);
    await email.verifier.challenge(ctx);
    const code = await kit.lastCode(user.email);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 1; i < settings.maxAttempts; i++)
      expect(await email.verifier.verify(ctx, wrong)).toMatchObject({
        ok: false,
        error: { field: 'answer' },
      });
    expect(await email.verifier.verify(ctx, wrong)).toMatchObject({
      ok: false,
      final: true,
      error: { code: 'ATTEMPTS_EXHAUSTED' },
    });
    expect(await email.verifier.verify(ctx, code!)).toMatchObject({ ok: false, final: true });
  });

  it('resend is throttled with a wait; the same code comes again', async () => {
    const user = await knownUser();
    const ctx = await context(user);
    await email.verifier.challenge(ctx);
    const first = await kit.lastCode(user.email);
    const early = await email.verifier.resend(ctx);
    expect(early).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    expect(early.ok === false && early.error.retryAfterSeconds).toBeGreaterThanOrEqual(29);
    kit.clock.advance(settings.resendIntervalSeconds * 1000);
    expect(await email.verifier.resend(ctx)).toEqual({ ok: true });
    expect(await kit.lastCode(user.email)).toBe(first);
    expect(await kit.storage.outbox.list({ to: user.email })).toHaveLength(2);
  });

  it('an unknown identifier gets a challenge but no email, and no code verifies', async () => {
    const ctx = await context(null);
    expect(await email.verifier.challenge(ctx)).toEqual({ ok: true });
    // The same template is rendered and a row written, kept without content and never sent.
    const written = await kit.storage.outbox.list({});
    expect(written.map((m) => [m.status, m.to, m.text])).toEqual([['suppressed', 'nobody@example.com', '']]);
    expect(await kit.storage.outbox.listMailbox({})).toHaveLength(0);
    expect(await email.verifier.verify(ctx, '123456')).toMatchObject({
      ok: false,
      error: { code: 'PASSCODE_INVALID' },
    });
  });

  it('a recovery uses the password-reset email and the longer lifetime', async () => {
    const user = await knownUser();
    const ctx = await context(user, 'recovery');
    await email.verifier.challenge(ctx);
    const [mail] = await kit.storage.outbox.list({ to: user.email });
    expect(mail!.templateId).toBe('forgot-password');
    kit.clock.advance((settings.otpTtlSeconds + 1) * 1000);
    expect(await email.verifier.verify(ctx, (await kit.lastCode(user.email))!)).toEqual({ ok: true });
  });
});
