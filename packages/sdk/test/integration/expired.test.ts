/**
 * Expired transactions (docs/protocol/idx-protocol.md §8.5, §11.3): the SDK reports TERMINAL with
 * `idx.session.expired` and forgets the transaction. Own file: it moves the server clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../server/test/support/test-server.js';
import { memoryStorage } from '../../src/index.js';
import { createTestApp, keysOf, latestMail, magicLinkOf, sdkClient } from '../support/gatehouse.js';

const TTL_SECONDS = 60;

describe('SDK with an expired transaction', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { transactions: { ttlSeconds: TTL_SECONDS } } });
  });
  afterAll(() => server?.close());

  it('proceed with values after expiry → TERMINAL idx.session.expired, transaction forgotten', async () => {
    const { app } = await createTestApp(server, { factors: 'password', identifierFirst: false });
    const { user, password } = await server.createUser();
    const auth = sdkClient(server, app);
    expect((await auth.idx.start()).status).toBe('PENDING');
    server.clock.advance((TTL_SECONDS + 1) * 1000);
    const tx = await auth.idx.proceed({ username: user.login, password });
    expect(tx.status).toBe('TERMINAL');
    expect(tx.httpStatus).toBe(401);
    expect(tx.messages).toEqual([expect.objectContaining({ key: 'idx.session.expired', class: 'ERROR' })]);
    expect(tx.nextStep).toBeUndefined();
    expect(auth.idx.canProceed()).toBe(false);
  });

  it('a reload (proceed without values) and a late magic link both end TERMINAL', async () => {
    const { app } = await createTestApp(server, { factors: 'email', identifierFirst: true });
    const { user } = await server.createUser();
    const session = memoryStorage();
    const auth = sdkClient(server, app, session);
    await auth.idx.authenticate({ username: user.login, authenticator: 'okta_email' });
    const { search } = magicLinkOf(await latestMail(server, user.email));
    server.clock.advance((TTL_SECONDS + 1) * 1000);

    const callback = sdkClient(server, app, session);
    const late = await callback.idx.handleEmailVerifyCallback(search);
    expect(late.status).toBe('TERMINAL');
    expect(keysOf(late)).toEqual(['idx.session.expired']);
    expect(auth.idx.canProceed()).toBe(false);
    await expect(auth.idx.proceed()).rejects.toMatchObject({ code: 'idx_no_transaction' });
  });

  it('a fresh start after expiry works (client clock in step with the server)', async () => {
    const { app } = await createTestApp(server, { factors: 'password', identifierFirst: false });
    const { user, password } = await server.createUser();
    const auth = sdkClient(server, app, memoryStorage(), { now: () => server.clock.now() });
    await auth.idx.start();
    server.clock.advance((TTL_SECONDS + 1) * 1000);
    const reload = await auth.idx.proceed();
    expect(reload.status).toBe('TERMINAL');
    expect(keysOf(reload)).toEqual(['idx.session.expired']);
    const again = await auth.idx.authenticate({ username: user.login, password });
    expect(again.status).toBe('SUCCESS');
  });

  it('a server clock ahead by more than the skew: tokens refused (FAILURE id_token_iat), none stored', async () => {
    // By now the server clock is 3 × 61 s ahead of this process, beyond the 120 s default skew.
    const { app } = await createTestApp(server, { factors: 'password', identifierFirst: false });
    const { user, password } = await server.createUser();
    const auth = sdkClient(server, app);
    const tx = await auth.idx.authenticate({ username: user.login, password });
    expect(tx.status).toBe('FAILURE');
    expect(tx.error).toMatchObject({ name: 'ValidationError', code: 'id_token_iat' });
    expect(tx.tokens).toBeUndefined();
    expect(auth.token.get()).toBeUndefined();
    expect(auth.idx.canProceed()).toBe(false);
  });
});
