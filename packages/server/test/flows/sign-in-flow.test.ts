import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError } from '../../src/errors.js';
import type { FlowResult } from '../../src/flows/shared/flow-outcome.js';
import type { FlowState } from '../../src/flows/shared/flow-state.js';
import { type EngineKit, engineKit } from '../support/engine-kit.js';
import { PinAuthenticator } from '../support/pin-authenticator.js';

/** The sign-in flow through the engine, with real stores and authenticators and no HTTP. */
describe('sign-in flow', () => {
  let kit: EngineKit;
  const pin = new PinAuthenticator();

  beforeEach(async () => {
    kit = await engineKit({ extra: () => [pin] });
  });
  afterEach(() => kit.close());

  const stateOf = (result: FlowResult): FlowState => result.state;
  const refusal = async (work: Promise<unknown>) => {
    const error = await work.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EngineError);
    return (error as EngineError).code;
  };

  it('one-step: identifier and password on one form complete the sign-in with amr pwd', async () => {
    const app = await kit.createApp({ factors: 'password' });
    const { login, password } = await kit.createUser();
    const state = await kit.start(app);
    expect((await kit.engine.view(state)).step).toMatchObject({
      name: 'identify',
      withIdentifier: { key: 'password', answer: 'secret' },
    });
    const result = await kit.engine.identify(state, { identifier: login, answer: password }, kit.request);
    expect(result.kind).toBe('completed');
    if (result.kind !== 'completed') return;
    expect(result.authentication).toMatchObject({ factors: ['password'], amr: ['pwd'] });
    expect(result.authentication.user.login).toBe(login);
    // Completion is left to the edge: nothing is written yet, the stored transaction is still active.
    const stored = await kit.storage.transactions.findById(state.transaction.id);
    expect(stored).toMatchObject({ status: 'active', step: 'identify', version: 0 });
    expect(result.state.transaction).toMatchObject({
      step: 'complete',
      verified: ['password'],
      identifier: login,
    });
  });

  it('one-step: a missing password is INPUT_REQUIRED, a wrong one AUTHENTICATION_FAILED on the same form', async () => {
    const app = await kit.createApp({ factors: 'password' });
    const { login } = await kit.createUser();
    const state = await kit.start(app);
    const missing = await kit.engine.identify(state, { identifier: login }, kit.request).catch((e) => e);
    expect(missing).toMatchObject({ code: 'INPUT_REQUIRED', field: 'answer' });
    const wrong = await kit.engine.identify(state, { identifier: login, answer: 'not it' }, kit.request);
    expect(wrong.kind).toBe('rejected');
    if (wrong.kind !== 'rejected') return;
    expect(wrong.error.code).toBe('AUTHENTICATION_FAILED');
    expect(wrong.view.step.name).toBe('identify');
    // The form is shown again as it was: nobody is identified by a failed attempt.
    expect(wrong.view.user).toBeNull();
  });

  it('identifier-first with password then email: both are offered, each proven once, amr in order', async () => {
    const app = await kit.createApp({ factors: 'password,email', identifierFirst: true });
    const { login, password } = await kit.createUser();
    const identified = await kit.engine.identify(await kit.start(app), { identifier: login }, kit.request);
    expect(identified.kind === 'next' && identified.view.step).toMatchObject({
      name: 'select',
      options: [{ key: 'password' }, { key: 'email', resendable: true, pollIntervalMs: 4000 }],
    });
    const emailChallenge = await kit.engine.select(stateOf(identified), { key: 'email' }, kit.request);
    expect(emailChallenge.kind === 'next' && emailChallenge.view.step).toMatchObject({
      name: 'challenge',
      authenticator: { key: 'email', enrollment: { profile: { email: expect.stringContaining('***') } } },
      others: [{ key: 'password' }],
    });
    const code = await kit.lastCode(login);
    expect(code).toMatch(/^\d{6}$/);
    const afterEmail = await kit.engine.answer(stateOf(emailChallenge), code!, kit.request);
    expect(afterEmail.kind === 'next' && afterEmail.view.step).toMatchObject({
      name: 'select',
      options: [{ key: 'password' }],
    });
    const passwordChallenge = await kit.engine.select(stateOf(afterEmail), { key: 'password' }, kit.request);
    const done = await kit.engine.answer(stateOf(passwordChallenge), password, kit.request);
    expect(done.kind === 'completed' && done.authentication).toMatchObject({
      factors: ['email', 'password'],
      amr: ['email', 'pwd'],
    });
  });

  it('an authenticator added to the registry is offered by policy alone (flows name none)', async () => {
    const app = await kit.createApp({ factors: 'password,test_pin' });
    const { login, password } = await kit.createUser();
    pin.setPin((await kit.users.getByLogin(login))!, '2468');
    const afterPassword = await kit.engine.identify(
      await kit.start(app),
      { identifier: login, answer: password },
      kit.request,
    );
    expect(afterPassword.kind === 'next' && afterPassword.view.step).toMatchObject({
      name: 'select',
      options: [{ key: 'test_pin', answer: 'code', resendable: false }],
    });
    const challenge = await kit.engine.select(stateOf(afterPassword), { key: 'test_pin' }, kit.request);
    const wrong = await kit.engine.answer(stateOf(challenge), '0000', kit.request);
    expect(wrong.kind === 'rejected' && wrong.error.code).toBe('PASSCODE_INVALID');
    const done = await kit.engine.answer(stateOf(challenge), '2468', kit.request);
    expect(done.kind === 'completed' && done.authentication.amr).toEqual(['pwd', 'pin', 'mfa']);
  });

  it('an unknown identifier moves on like a known one and can never complete', async () => {
    const app = await kit.createApp({ factors: 'password,test_pin', identifierFirst: true });
    const identified = await kit.engine.identify(
      await kit.start(app),
      { identifier: 'nobody@example.com' },
      kit.request,
    );
    expect(identified.kind === 'next' && identified.view.user).toMatchObject({
      id: expect.stringMatching(/^00u[0-9a-f]{17}$/),
      identifier: 'nobody@example.com',
    });
    const challenge = await kit.engine.select(stateOf(identified), { key: 'password' }, kit.request);
    const answered = await kit.engine.answer(stateOf(challenge), 'any password at all', kit.request);
    expect(answered.kind === 'rejected' && answered.error.code).toBe('PASSWORD_INVALID');
  });

  it('refuses what the step does not accept, and an authenticator it does not offer', async () => {
    const app = await kit.createApp({ factors: 'password', identifierFirst: true });
    const state = await kit.start(app);
    expect(await refusal(kit.engine.answer(state, 'x', kit.request))).toBe('STEP_NOT_ALLOWED');
    expect(await refusal(kit.engine.select(state, { key: 'password' }, kit.request))).toBe(
      'STEP_NOT_ALLOWED',
    );
    const identified = stateOf(
      await kit.engine.identify(state, { identifier: 'a@example.com' }, kit.request),
    );
    expect(await refusal(kit.engine.select(identified, { key: 'email' }, kit.request))).toBe(
      'AUTHENTICATOR_NOT_AVAILABLE',
    );
    expect(await refusal(kit.engine.select(identified, { key: null }, kit.request))).toBe(
      'AUTHENTICATOR_NOT_AVAILABLE',
    );
    const challenged = stateOf(await kit.engine.select(identified, { key: 'password' }, kit.request));
    // The current challenge is not started again by choosing it once more.
    expect(await refusal(kit.engine.select(challenged, { key: 'password' }, kit.request))).toBe(
      'STEP_NOT_ALLOWED',
    );
    expect(await refusal(kit.engine.resend(challenged, kit.request))).toBe('STEP_NOT_ALLOWED');
  });

  it('of two steps taken from the same state, the second finds the transaction changed', async () => {
    const app = await kit.createApp({ factors: 'password', identifierFirst: true });
    const state = await kit.start(app);
    await kit.engine.identify(state, { identifier: 'a@example.com' }, kit.request);
    const late = await refusal(kit.engine.identify(state, { identifier: 'b@example.com' }, kit.request));
    expect(late).toBe('STEP_NOT_ALLOWED');
  });

  it('restart returns to identify under new keys and forgets who was identified', async () => {
    const app = await kit.createApp({ factors: 'password', identifierFirst: true });
    const identified = stateOf(
      await kit.engine.identify(await kit.start(app), { identifier: 'a@example.com' }, kit.request),
    );
    const restarted = await kit.engine.restart(identified, {
      stateHandleHash: 'new-key',
      stateGeneration: 1,
    });
    expect(restarted.kind === 'next' && restarted.view).toMatchObject({
      step: { name: 'identify' },
      user: null,
    });
    expect(await kit.storage.transactions.findByStateHandleHash('new-key')).toMatchObject({
      identifier: null,
      stateGeneration: 1,
    });
  });

  it('loading refuses expired and unknown transactions as FLOW_EXPIRED', async () => {
    const app = await kit.createApp({ factors: 'password' });
    const state = await kit.start(app);
    expect(await refusal(kit.engine.load(null))).toBe('FLOW_EXPIRED');
    kit.clock.advance(kit.config.transactions.ttlSeconds * 1000);
    expect(await refusal(kit.engine.load(state.transaction))).toBe('FLOW_EXPIRED');
  });
});
