import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EngineKit, engineKit } from '../../../test/support/engine-kit.js';
import type { App } from '../../storage/apps-store.js';
import type { User } from '../../storage/users-store.js';
import type { AuthenticatorContext } from '../authenticator.js';
import { PasswordAuthenticator } from './password-authenticator.js';

/** The password authenticator built from its own few parts: the users store, the hasher, events, a clock. */
describe('password authenticator', () => {
  let kit: EngineKit;
  let password: PasswordAuthenticator;
  let context: (user: User | null) => Promise<AuthenticatorContext>;
  let app: App;
  const lockout = { enabled: true, maxFailedAttempts: 3, durationSeconds: 60 };

  beforeEach(async () => {
    kit = await engineKit();
    const { storage, parts, clock } = kit;
    password = new PasswordAuthenticator({
      users: storage.users,
      credentials: storage.credentials,
      events: storage.events,
      hasher: parts.hasher,
      policy: parts.passwordPolicy,
      lockout,
      limiter: parts.limiter,
      limits: kit.config.rateLimits,
      clock,
    });
    app = await kit.createApp({ factors: 'password' });
    context = async (user) => ({
      transaction: (await kit.start(app)).transaction,
      app,
      user,
      identifier: user?.login ?? 'nobody@example.com',
      purpose: 'sign-in',
      held: [],
      request: kit.request,
    });
  });
  afterEach(() => kit.close());

  it('declares what it can do: verify with the identifier, be reset, not prove a recovery', () => {
    expect(password).toMatchObject({ key: 'password', amr: 'pwd', recoverable: true, servesRecovery: false });
    expect(password.verifier).toMatchObject({
      answer: 'secret',
      answeredWithIdentifier: true,
      resendable: false,
    });
    expect(password.enroller.rules.minLength).toBe(kit.config.passwordPolicy.minLength);
  });

  it('accepts the password; refuses a wrong one, and an unknown user the same way', async () => {
    const { login, password: secret } = await kit.createUser();
    const user = (await kit.users.getByLogin(login))!;
    expect(await password.verifier.verify(await context(user), secret)).toEqual({ ok: true });
    const wrong = await password.verifier.verify(await context(user), 'wrong');
    const unknown = await password.verifier.verify(await context(null), 'wrong');
    expect(wrong).toMatchObject({ ok: false, error: { code: 'PASSWORD_INVALID' } });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'PASSWORD_INVALID' } });
  });

  it('locks after the configured failures: the right password is refused until the lock ends', async () => {
    const { login, password: secret } = await kit.createUser();
    const user = (await kit.users.getByLogin(login))!;
    for (let i = 0; i < lockout.maxFailedAttempts; i++)
      await password.verifier.verify(await context(user), 'wrong');
    const locked = (await kit.users.getByLogin(login))!;
    expect(await password.verifier.verify(await context(locked), secret)).toMatchObject({ ok: false });
    const events = await kit.storage.events.listForUser(user.id);
    expect(events.filter((e) => e.type === 'user.account.lock')).toHaveLength(1);
    kit.clock.advance(lockout.durationSeconds * 1000);
    expect(await password.verifier.verify(await context(locked), secret)).toEqual({ ok: true });
  });

  it('enrolls a new password: policy and history first, then the change clears the lock', async () => {
    const { login, password: secret } = await kit.createUser();
    const user = (await kit.users.getByLogin(login))!;
    const short = await password.enroller.enroll(await context(user), 'short');
    expect(short).toMatchObject({ ok: false, error: { code: 'PASSWORD_POLICY_VIOLATION', field: 'answer' } });
    const reused = await password.enroller.enroll(await context(user), secret);
    expect(reused.ok === false && reused.error.options.params?.[0]).toMatch(/last \d+ passwords/);
    await password.verifier.verify(await context(user), 'wrong');
    expect(await password.enroller.enroll(await context(user), 'violet harbour lantern morning')).toEqual({
      ok: true,
    });
    const after = (await kit.users.getByLogin(login))!;
    expect(after.failedAttempts).toBe(0);
    expect(await password.verifier.verify(await context(after), 'violet harbour lantern morning')).toEqual({
      ok: true,
    });
  });
});
