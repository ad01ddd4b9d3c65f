import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import type { FlowResult } from '../../src/flows/shared/flow-outcome.js';
import type { FlowState } from '../../src/flows/shared/flow-state.js';
import { sweep } from '../../src/gatehouse.js';
import { type EngineKit, engineKit } from '../support/engine-kit.js';
import { PinAuthenticator } from '../support/pin-authenticator.js';

/** Self-service registration and unlock through the engine, with real stores and authenticators and no HTTP. */
describe('registration and unlock flows', () => {
  let kit: EngineKit;
  const pin = new PinAuthenticator();

  beforeEach(async () => {
    kit = await engineKit({ extra: () => [pin] });
  });
  afterEach(() => kit.close());

  const stateOf = (result: FlowResult): FlowState => result.state;
  const profile = (email: string) => ({ firstName: 'Ada', lastName: 'Lovelace', email });

  it('is offered on the identify form when the app allows it, and refused otherwise', async () => {
    const on = await kit.start(await kit.createApp({ registration: true, selfServiceUnlock: true }));
    expect((await kit.engine.view(on)).offers.sort()).toEqual(['registration', 'unlock']);
    const entered = await kit.engine.switchTo(on, 'registration');
    expect(entered.kind === 'next' && entered.view).toMatchObject({
      flow: 'registration',
      step: { name: 'profile', attributes: [{ name: 'firstName' }, { name: 'lastName' }, { name: 'email' }] },
      offers: ['sign-in'],
    });
    const off = await kit.start(await kit.createApp({}));
    expect((await kit.engine.view(off)).offers).toEqual([]);
    await expect(kit.engine.switchTo(off, 'registration')).rejects.toMatchObject({
      code: 'REGISTRATION_NOT_ALLOWED',
    });
    await expect(kit.engine.switchTo(off, 'unlock')).rejects.toMatchObject({ code: 'UNLOCK_NOT_ALLOWED' });
  });

  it('an app whose policy a newcomer could not set up cannot turn registration on', async () => {
    // The test PIN has no enroller: a new account could never meet `password,test_pin`.
    await expect(kit.createApp({ factors: 'password,test_pin', registration: true })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(kit.createApp({ factors: 'password|test_pin', registration: true })).resolves.toBeDefined();
  });

  it('the email comes first; what the policy requires next; the account is ACTIVE only at the end', async () => {
    const app = await kit.createApp({ factors: 'password', registration: true });
    const entered = await kit.engine.switchTo(await kit.start(app), 'registration');
    const listed = await kit.engine.profile(stateOf(entered), profile('ada@example.com'), kit.request);
    expect(listed.kind === 'next' && listed.view.step).toMatchObject({
      name: 'enroll-select',
      options: [{ key: 'email' }],
      enrolled: [],
      optional: false,
    });
    expect(stateOf(listed).user?.status).toBe('STAGED');
    await expect(kit.engine.skip(stateOf(listed))).rejects.toMatchObject({ code: 'STEP_NOT_ALLOWED' });
    await expect(kit.engine.select(stateOf(listed), { key: 'password' }, kit.request)).rejects.toMatchObject({
      code: 'AUTHENTICATOR_NOT_AVAILABLE',
    });
    const emailing = await kit.engine.select(stateOf(listed), { key: 'email' }, kit.request);
    const code = await kit.lastCode('ada@example.com');
    const proven = await kit.engine.answer(stateOf(emailing), code!, kit.request);
    expect(proven.kind === 'next' && proven.view.step).toMatchObject({
      name: 'enroll-select',
      options: [{ key: 'password' }],
      enrolled: [{ key: 'email' }],
    });
    const choosing = await kit.engine.select(stateOf(proven), { key: 'password' }, kit.request);
    expect(choosing.kind === 'next' && choosing.view.step).toMatchObject({
      name: 'enroll',
      authenticator: { key: 'password' },
      rules: { minLength: kit.config.passwordPolicy.minLength },
    });
    const done = await kit.engine.answer(stateOf(choosing), 'Quiet-Harbor-Lamp-91', kit.request);
    expect(done.kind).toBe('completed');
    if (done.kind !== 'completed') return;
    expect(done.authentication.user).toMatchObject({ status: 'ACTIVE', emailVerified: true });
    expect(done.authentication.amr).toEqual(['email', 'pwd']);
  });

  it('a second sign-up for an unfinished one takes its account over with the new profile', async () => {
    const app = await kit.createApp({ registration: true });
    const first = await kit.engine.profile(
      stateOf(await kit.engine.switchTo(await kit.start(app), 'registration')),
      profile('twice@example.com'),
      kit.request,
    );
    const second = await kit.engine.profile(
      stateOf(await kit.engine.switchTo(await kit.start(app), 'registration')),
      { ...profile('TWICE@example.com'), firstName: 'Grace' },
      kit.request,
    );
    expect(stateOf(second).user?.id).toBe(stateOf(first).user?.id);
    expect((await kit.storage.users.findById(stateOf(first).user!.id))?.profile.firstName).toBe('Grace');
  });

  it('an abandoned sign-up is swept with its transaction; an active account stays', async () => {
    const app = await kit.createApp({ registration: true });
    const staged = await kit.engine.profile(
      stateOf(await kit.engine.switchTo(await kit.start(app), 'registration')),
      profile('gone@example.com'),
      kit.request,
    );
    const { login } = await kit.createUser();
    const services = { storage: kit.storage, clock: kit.clock, config: kit.config } as Parameters<
      typeof sweep
    >[0];
    await sweep(services);
    expect(await kit.storage.users.findByEmail('gone@example.com')).not.toBeNull();
    kit.clock.advance(kit.config.transactions.ttlSeconds * 1000 + 3_600_001);
    await sweep(services);
    expect(await kit.storage.users.findById(stateOf(staged).user!.id)).toBeNull();
    expect(await kit.users.findByLogin(login)).not.toBeNull();
  });

  it('unlock: only a locked account gets a code; the proof clears the lock and ends on "unlocked"', async () => {
    const app = await kit.createApp({ selfServiceUnlock: true });
    const { login } = await kit.createUser();
    const user = (await kit.users.findByLogin(login))!;
    const unlockFor = async (identifier: string) => {
      const entered = await kit.engine.switchTo(await kit.start(app), 'unlock');
      expect(entered.kind === 'next' && entered.view.step).toMatchObject({
        name: 'unlock',
        options: [{ key: 'email' }],
      });
      return kit.engine.select(stateOf(entered), { key: 'email', identifier }, kit.request);
    };
    await unlockFor(login);
    expect(await kit.lastCode(login)).toBeNull();

    await kit.storage.users.settlePasswordAttempt(user.id, {
      ok: false,
      now: kit.clock.now(),
      maxAttempts: 1,
      lockUntil: kit.clock.now() + 60_000,
    });
    const challenged = await unlockFor(login);
    expect(challenged.kind === 'next' && challenged.view.step).toMatchObject({ name: 'challenge' });
    const code = await kit.lastCode(login);
    const unlocked = await kit.engine.answer(stateOf(challenged), code!, kit.request);
    expect(unlocked.kind === 'next' && unlocked.view.step).toEqual({ name: 'unlocked' });
    expect(await kit.storage.users.findById(user.id)).toMatchObject({ lockedUntil: null, failedAttempts: 0 });
  });
});
