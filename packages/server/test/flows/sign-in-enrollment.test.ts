import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FlowResult } from '../../src/flows/shared/flow-outcome.js';
import type { FlowState } from '../../src/flows/shared/flow-state.js';
import { type EngineKit, engineKit } from '../support/engine-kit.js';
import { PinAuthenticator } from '../support/pin-authenticator.js';

/**
 * Setting up during a sign-in what the policy requires and the user lacks, with a test-only
 * authenticator that can be set up (`test_pin_set`): the sign-in flow offers it by policy alone.
 */
describe('sign-in flow: enrollment on the way', () => {
  let kit: EngineKit;
  let pin: PinAuthenticator;

  beforeEach(async () => {
    pin = new PinAuthenticator({ enrollable: true });
    kit = await engineKit({ extra: () => [pin] });
  });
  afterEach(() => kit.close());

  const stateOf = (result: FlowResult): FlowState => result.state;

  async function afterPassword(factors: string) {
    const app = await kit.createApp({ factors });
    const { login, password } = await kit.createUser();
    const result = await kit.engine.identify(
      await kit.start(app),
      { identifier: login, answer: password },
      kit.request,
    );
    return { app, login, password, result };
  }

  it('a required authenticator the user lacks is set up after the password, then the sign-in completes', async () => {
    const { result } = await afterPassword('password,test_pin_set');
    expect(result.kind === 'next' && result.view.step).toMatchObject({
      name: 'enroll-select',
      options: [{ key: 'test_pin_set' }],
      enrolled: [{ key: 'password' }, { key: 'email' }],
      optional: false,
    });
    await expect(kit.engine.skip(stateOf(result))).rejects.toMatchObject({ code: 'STEP_NOT_ALLOWED' });
    const setting = await kit.engine.select(stateOf(result), { key: 'test_pin_set' }, kit.request);
    expect(setting.kind === 'next' && setting.view.step).toMatchObject({
      name: 'enroll',
      authenticator: { key: 'test_pin_set' },
    });
    const bad = await kit.engine.answer(stateOf(setting), '12', kit.request);
    expect(bad.kind === 'rejected' && bad.error.code).toBe('PASSCODE_INVALID');
    const done = await kit.engine.answer(stateOf(setting), '1357', kit.request);
    expect(done.kind === 'completed' && done.authentication.amr).toEqual(['pwd', 'pin', 'mfa']);
  });

  it('once held, the same authenticator is challenged, not set up again', async () => {
    const { app, login, password, result } = await afterPassword('password,test_pin_set');
    const setting = await kit.engine.select(stateOf(result), { key: 'test_pin_set' }, kit.request);
    await kit.engine.answer(stateOf(setting), '1357', kit.request);
    const again = await kit.engine.identify(
      await kit.start(app),
      { identifier: login, answer: password },
      kit.request,
    );
    expect(again.kind === 'next' && again.view.step).toMatchObject({
      name: 'select',
      options: [{ key: 'test_pin_set' }],
    });
    const challenged = await kit.engine.select(stateOf(again), { key: 'test_pin_set' }, kit.request);
    const done = await kit.engine.answer(stateOf(challenged), '1357', kit.request);
    expect(done.kind).toBe('completed');
  });

  it('a requirement met by something the user holds (email) needs no set-up; after a set-up the others are optional', async () => {
    const { result } = await afterPassword('password,email|test_pin_set');
    expect(result.kind === 'next' && result.view.step).toMatchObject({
      name: 'select',
      options: [{ key: 'email' }],
    });
  });

  it('nothing is set up before a proof: an unknown or PIN-less user is offered the challenge like anyone', async () => {
    const app = await kit.createApp({ factors: 'test_pin_set|password', identifierFirst: true });
    const { login } = await kit.createUser();
    for (const identifier of [login, 'nobody@example.com']) {
      const identified = await kit.engine.identify(await kit.start(app), { identifier }, kit.request);
      expect(identified.kind === 'next' && identified.view.step).toMatchObject({
        name: 'select',
        options: [{ key: 'test_pin_set' }, { key: 'password' }],
      });
    }
  });
});
