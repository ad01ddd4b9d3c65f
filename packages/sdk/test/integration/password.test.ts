/**
 * The SDK against a running Gatehouse, password sign-in (flow 3, docs/protocol/idx-protocol.md §8.3):
 * one-step and identifier-first `authenticate`, step-by-step `proceed`, wrong passwords, cancel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../server/test/support/test-server.js';
import { IdxError } from '../../src/index.js';
import { createTestApp, keysOf, recordingFetch, sdkClient } from '../support/gatehouse.js';

const ONE_STEP = { factors: 'password', identifierFirst: false } as const;
const IDENTIFIER_FIRST = { factors: 'password', identifierFirst: true } as const;

describe('SDK password sign-in against Gatehouse', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('authenticate({ username, password }) on a one-step app → SUCCESS with validated tokens', async () => {
    const { app } = await createTestApp(server, ONE_STEP);
    const { user, password } = await server.createUser();
    const wire = recordingFetch();
    const auth = sdkClient(server, app, undefined, { fetch: wire.fetch });
    const tx = await auth.idx.authenticate({ username: user.login, password });
    expect(tx.status, JSON.stringify(tx.messages)).toBe('SUCCESS');
    expect(tx.tokens?.claims?.sub).toBe(user.id);
    expect(tx.tokens?.claims?.email).toBe(user.email);
    expect(tx.tokens?.claims?.aud).toBe(app.clientId);
    expect(auth.token.get()?.accessToken).toBe(tx.tokens?.accessToken);
    expect(wire.calls).toEqual([
      'GET /oauth2/default/.well-known/openid-configuration',
      'POST /oauth2/default/v1/interact',
      'POST /idp/idx/introspect',
      'POST /idp/idx/identify',
      'POST /oauth2/default/v1/token',
      'GET /oauth2/default/v1/keys',
    ]);
    // The identify body carried the password as credentials.passcode, with the stateHandle.
    const identify = JSON.parse(wire.bodies[3] as string);
    expect(identify).toEqual({
      identifier: user.login,
      credentials: { passcode: password },
      stateHandle: expect.stringMatching(/^02/),
    });
    // PKCE: the verifier sent to /token is 43 characters; the challenge went to /interact.
    const token = new URLSearchParams(wire.bodies[4] as string);
    expect(token.get('grant_type')).toBe('interaction_code');
    expect(token.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new URLSearchParams(wire.bodies[1] as string).get('code_challenge_method')).toBe('S256');
    // The transaction is finished: nothing left to continue.
    expect(auth.idx.canProceed()).toBe(false);
  });

  it('authenticate on an identifier-first app picks Password and answers the challenge', async () => {
    const { app } = await createTestApp(server, IDENTIFIER_FIRST);
    const { user, password } = await server.createUser();
    const wire = recordingFetch();
    const auth = sdkClient(server, app, undefined, { fetch: wire.fetch });
    const tx = await auth.idx.authenticate({ username: user.login, password });
    expect(tx.status, JSON.stringify(tx.messages)).toBe('SUCCESS');
    expect(tx.tokens?.claims?.sub).toBe(user.id);
    const idx = wire.calls.filter((c) => c.includes('/idp/idx/'));
    expect(idx[0]).toBe('POST /idp/idx/introspect');
    expect(idx[1]).toBe('POST /idp/idx/identify');
    expect(idx.at(-1)).toBe('POST /idp/idx/challenge/answer');
  });

  it('one-step, step by step: wrong password → PENDING with errors.E0000004, then SUCCESS', async () => {
    const { app } = await createTestApp(server, ONE_STEP);
    const { user, password } = await server.createUser();
    const auth = sdkClient(server, app);
    const first = await auth.idx.start();
    expect(first.status).toBe('PENDING');
    expect(first.nextStep?.name).toBe('identify');
    expect(first.nextStep?.inputs.map((i) => [i.name, i.type, i.required, i.secret])).toEqual([
      ['username', 'string', true, false],
      ['password', 'string', true, true],
    ]);
    expect(first.enabledFeatures).toContain('recover-password');
    expect(auth.idx.canProceed()).toBe(true);

    const wrong = await auth.idx.proceed({ username: user.login, password: 'not the password at all' });
    expect(wrong.status).toBe('PENDING');
    expect(wrong.httpStatus).toBe(401);
    expect(keysOf(wrong)).toEqual(['errors.E0000004']);
    expect(wrong.nextStep?.name).toBe('identify');

    const done = await auth.idx.proceed({ username: user.login, password });
    expect(done.status).toBe('SUCCESS');
    expect(done.tokens?.claims?.preferred_username).toBe(user.login);
  });

  it('identifier-first, step by step: options by authenticator key, incorrectPassword, SUCCESS', async () => {
    const { app } = await createTestApp(server, IDENTIFIER_FIRST);
    const { user, password } = await server.createUser();
    const auth = sdkClient(server, app);
    const first = await auth.idx.start();
    expect(first.nextStep?.inputs.map((i) => i.name)).toEqual(['username']);
    const select = await auth.idx.proceed({ username: user.login });
    expect(select.nextStep?.name).toBe('select-authenticator-authenticate');
    expect(select.nextStep?.options).toEqual([{ label: 'Password', value: 'okta_password' }]);
    expect(select.nextStep?.inputs[0]).toMatchObject({ name: 'authenticator', required: true });
    expect(select.context.user?.identifier).toBe(user.login);
    const challenge = await auth.idx.proceed({ authenticator: 'okta_password' });
    expect(challenge.nextStep?.name).toBe('challenge-authenticator');
    expect(challenge.nextStep?.authenticator?.key).toBe('okta_password');
    expect(challenge.nextStep?.inputs).toEqual([
      {
        name: 'password',
        path: 'credentials.passcode',
        type: 'string',
        label: 'Password',
        required: true,
        secret: true,
      },
    ]);
    expect(challenge.nextStep?.actions).toContain('recover');

    const wrong = await auth.idx.proceed({ password: 'definitely-wrong-password' });
    expect(wrong.status).toBe('PENDING');
    expect(keysOf(wrong)).toContain('incorrectPassword');
    const done = await auth.idx.proceed({ step: 'challenge-authenticator', password });
    expect(done.status).toBe('SUCCESS');
  });

  it('authenticate with a wrong password stops at the challenge with the error', async () => {
    const { app } = await createTestApp(server, IDENTIFIER_FIRST);
    const { user } = await server.createUser();
    const auth = sdkClient(server, app);
    const tx = await auth.idx.authenticate({ username: user.login, password: 'wrong-wrong-wrong-wrong' });
    expect(tx.status).toBe('PENDING');
    expect(tx.nextStep?.name).toBe('challenge-authenticator');
    expect(keysOf(tx)).toContain('incorrectPassword');
    expect(tx.tokens).toBeUndefined();
  });

  it('cancel() → CANCELED, POSTs the cancel action, and forgets the transaction', async () => {
    const { app } = await createTestApp(server, ONE_STEP);
    const wire = recordingFetch();
    const auth = sdkClient(server, app, undefined, { fetch: wire.fetch });
    await auth.idx.start();
    const canceled = await auth.idx.cancel();
    expect(canceled.status).toBe('CANCELED');
    expect(wire.calls.at(-1)).toBe('POST /idp/idx/cancel');
    expect(auth.idx.canProceed()).toBe(false);
    await expect(auth.idx.proceed({ username: 'someone' })).rejects.toMatchObject({
      name: 'IdxError',
      code: 'idx_no_transaction',
    });
    await expect(auth.idx.cancel()).rejects.toBeInstanceOf(IdxError);
  });

  it('proceed with a step the server does not offer → IdxError idx_step_unavailable', async () => {
    const { app } = await createTestApp(server, ONE_STEP);
    const auth = sdkClient(server, app);
    await auth.idx.start();
    await expect(auth.idx.proceed({ step: 'reset-authenticator', password: 'x' })).rejects.toMatchObject({
      code: 'idx_step_unavailable',
    });
    await expect(auth.idx.proceed({ action: 'resend' })).rejects.toMatchObject({
      code: 'idx_action_unavailable',
    });
  });

  it('recoverPassword on an app without self-service recovery → IdxError idx_recovery_unavailable', async () => {
    const { app } = await createTestApp(server, { ...ONE_STEP, selfServiceRecovery: false });
    const auth = sdkClient(server, app);
    await expect(auth.idx.recoverPassword({ username: 'x@example.com' })).rejects.toMatchObject({
      code: 'idx_recovery_unavailable',
    });
  });
});
