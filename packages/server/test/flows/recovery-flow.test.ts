import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FlowResult } from '../../src/flows/shared/flow-outcome.js';
import type { FlowState } from '../../src/flows/shared/flow-state.js';
import { type EngineKit, engineKit } from '../support/engine-kit.js';
import { PinAuthenticator } from '../support/pin-authenticator.js';

/** Password recovery through the engine, with real stores and authenticators and no HTTP. */
describe('recovery flow', () => {
  let kit: EngineKit;
  const pin = new PinAuthenticator();

  beforeEach(async () => {
    kit = await engineKit({ extra: () => [pin] });
  });
  afterEach(() => kit.close());

  const stateOf = (result: FlowResult): FlowState => result.state;

  /** From the identify form of a sign-in to the reset step, proving the address by email. */
  async function toReset(factors: string, login: string): Promise<FlowState> {
    const app = await kit.createApp({ factors });
    const entered = await kit.engine.switchTo(await kit.start(app), 'recovery');
    expect(entered.kind === 'next' && entered.view).toMatchObject({
      flow: 'recovery',
      step: { name: 'identify', withIdentifier: null },
      recovering: { key: 'password' },
    });
    const identified = await kit.engine.identify(stateOf(entered), { identifier: login }, kit.request);
    expect(identified.kind === 'next' && identified.view.step).toMatchObject({
      name: 'select',
      options: [{ key: 'email' }],
    });
    const challenged = await kit.engine.select(stateOf(identified), { key: 'email' }, kit.request);
    const code = await kit.lastCode(login);
    const proven = await kit.engine.answer(stateOf(challenged), code!, kit.request);
    expect(proven.kind === 'next' && proven.view.step).toMatchObject({
      name: 'reset',
      authenticator: { key: 'password' },
      rules: { minLength: kit.config.passwordPolicy.minLength },
    });
    return stateOf(proven);
  }

  it('is offered on the identify form and at the password challenge, not at other steps', async () => {
    const app = await kit.createApp({ factors: 'password', identifierFirst: true });
    const state = await kit.start(app);
    expect((await kit.engine.view(state)).recoverable).toMatchObject({ key: 'password' });
    const identified = stateOf(
      await kit.engine.identify(state, { identifier: 'a@example.com' }, kit.request),
    );
    expect((await kit.engine.view(identified)).recoverable).toBeNull();
    const challenged = stateOf(await kit.engine.select(identified, { key: 'password' }, kit.request));
    expect((await kit.engine.view(challenged)).recoverable).toMatchObject({ key: 'password' });
    // From the challenge the user is known: straight on to how they prove it.
    const entered = await kit.engine.switchTo(challenged, 'recovery');
    expect(entered.kind === 'next' && entered.view.step.name).toBe('select');
    await expect(kit.engine.switchTo(stateOf(entered), 'recovery')).rejects.toMatchObject({
      code: 'STEP_NOT_ALLOWED',
    });
  });

  it('is refused when the app turned it off or has nothing recoverable', async () => {
    for (const policy of [{ factors: 'password', selfServiceRecovery: false }, { factors: 'email' }]) {
      const state = await kit.start(await kit.createApp(policy));
      expect((await kit.engine.view(state)).recoverable).toBeNull();
      await expect(kit.engine.switchTo(state, 'recovery')).rejects.toMatchObject({
        code: 'RECOVERY_NOT_ALLOWED',
      });
    }
  });

  it('a new password that breaks the policy is refused on its field and the proof is kept', async () => {
    const { login } = await kit.createUser();
    const reset = await toReset('password', login);
    const refused = await kit.engine.answer(reset, 'short', kit.request);
    expect(refused.kind).toBe('rejected');
    if (refused.kind !== 'rejected') return;
    expect(refused.error).toMatchObject({ code: 'PASSWORD_POLICY_VIOLATION', field: 'answer' });
    expect(refused.error.options.params?.[0]).toMatch(/at least/i);
    expect(refused.view.step.name).toBe('reset');
    expect(refused.state.transaction.verified).toEqual(['email']);
  });

  it('a good new password signs the user in with email and password, and ends their other sessions', async () => {
    const { login } = await kit.createUser();
    const user = (await kit.users.getByLogin(login))!;
    const other = await kit.start(await kit.createApp({ factors: 'password', identifierFirst: true }));
    await kit.engine.identify(other, { identifier: login }, kit.request);
    const reset = await toReset('password', login);
    const done = await kit.engine.answer(reset, 'violet harbour lantern morning', kit.request);
    expect(done.kind === 'completed' && done.authentication).toMatchObject({
      factors: ['email', 'password'],
      amr: ['email', 'pwd'],
    });
    expect(await kit.storage.transactions.findById(other.transaction.id)).toMatchObject({
      status: 'canceled',
    });
    const events = await kit.storage.events.listForUser(user.id);
    expect(events.map((e) => e.type)).toContain('user.account.reset_password');
  });

  it('what else the sign-in policy asks for still applies after the reset, as a sign-in', async () => {
    const { login } = await kit.createUser();
    pin.setPin((await kit.users.getByLogin(login))!, '1357');
    const reset = await toReset('password,test_pin', login);
    const moved = await kit.engine.answer(reset, 'violet harbour lantern morning', kit.request);
    expect(moved.kind === 'next' && moved.view).toMatchObject({
      flow: 'sign-in',
      step: { name: 'select', options: [{ key: 'test_pin' }] },
    });
    const challenged = await kit.engine.select(stateOf(moved), { key: 'test_pin' }, kit.request);
    const done = await kit.engine.answer(stateOf(challenged), '1357', kit.request);
    expect(done.kind === 'completed' && done.authentication.factors).toEqual([
      'email',
      'password',
      'test_pin',
    ]);
  });

  it('a newer recovery of the same user ends the older one', async () => {
    const { login } = await kit.createUser();
    const first = await toReset('password', login);
    await toReset('password', login);
    await expect(
      kit.engine.load(await kit.storage.transactions.findById(first.transaction.id)),
    ).rejects.toMatchObject({
      code: 'FLOW_EXPIRED',
    });
  });
});
