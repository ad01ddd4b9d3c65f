import type { IdxField, IdxResponse } from '@gatehouse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/storage/apps-store.js';
import { type HttpResult, IdxConversation, postJson } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * IDX failure paths: lockout (docs/security.md G6/G7), expired and unknown handles
 * (docs/protocol/idx-protocol.md §8.5, §11.3 R8), and step skipping / replay after success
 * (docs/security.md A9, A10; docs/protocol/idx-protocol.md §13.3 R9).
 */

const IDENTIFIER_FIRST = { factors: 'password', identifierFirst: true, selfServiceRecovery: true } as const;

function messageKeys(body: IdxResponse | null): string[] {
  return body?.messages?.value.map((m) => m.i18n.key) ?? [];
}

function remediationNames(body: IdxResponse): string[] {
  return body.remediation?.value.map((f) => f.name) ?? [];
}

/** R8: `{version, messages:[idx.session.expired ERROR]}` and nothing else (docs/protocol/idx-protocol.md §11.3, §13.2). */
function expectSessionExpired(res: HttpResult<IdxResponse>) {
  expect(res.status, JSON.stringify(res.body)).toBe(401);
  expect(res.headers.get('content-type')).toContain('application/json');
  expect(res.body).toEqual({
    version: '1.0.0',
    messages: {
      type: 'array',
      value: [
        {
          message: 'You have been logged out due to inactivity. Refresh or return to the sign in screen.',
          i18n: { key: 'idx.session.expired' },
          class: 'ERROR',
        },
      ],
    },
  });
}

/** A message-only IDX error body (no form): `{version, messages}` with one key. */
function expectIdxError(res: HttpResult<IdxResponse>, status: number, key: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/json');
  expect(res.body.version).toBe('1.0.0');
  expect(messageKeys(res.body)).toEqual([key]);
  expect(res.body.messages?.value[0]?.class).toBe('ERROR');
  expect(res.body.successWithInteractionCode).toBeUndefined();
}

function passwordAuthenticatorId(body: IdxResponse): string {
  const select = body.remediation?.value.find((f) => f.name === 'select-authenticator-authenticate');
  const option = select?.value.find((f) => f.name === 'authenticator')?.options?.[0];
  const id = (option?.value as { form: { value: IdxField[] } } | undefined)?.form.value.find(
    (f) => f.name === 'id',
  )?.value;
  if (typeof id !== 'string') throw new Error(`no authenticator option in ${JSON.stringify(body)}`);
  return id;
}

async function start(server: TestServer, app: App) {
  const idx = new IdxConversation(server.url, app.clientId);
  const interaction = await idx.interact();
  const intro = await idx.introspect(interaction.interactionHandle);
  expect(intro.status).toBe(200);
  return { idx, interaction, stateHandle: intro.body.stateHandle! };
}

describe('lockout (maxFailedAttempts 3, 60 s)', () => {
  let server: TestServer;
  let oneStep: App;
  let identifierFirst: App;
  beforeAll(async () => {
    server = await startTestServer({ config: { lockout: { maxFailedAttempts: 3, durationSeconds: 60 } } });
    ({ app: oneStep } = await server.createApp());
    ({ app: identifierFirst } = await server.createApp({ policy: IDENTIFIER_FIRST }));
  });
  afterAll(() => server.close());

  it('one-step: after 3 wrong passwords the right one is refused like a wrong one, until the lock ends', async () => {
    const { user, password } = await server.createUser();
    const { idx, interaction } = await start(server, oneStep);
    const attempt = (passcode: string) =>
      idx.submit('identify', { identifier: user.login, credentials: { passcode } });

    const wrongs: HttpResult<IdxResponse>[] = [];
    for (let i = 0; i < 3; i++) wrongs.push(await attempt(`wrong-password-${i}`));
    for (const wrong of wrongs) {
      expect(wrong.status).toBe(401);
      expect(messageKeys(wrong.body)).toEqual(['errors.E0000004']);
    }
    const whileLocked = await attempt(password);
    expect(whileLocked.status).toBe(401);
    // Not an oracle (G7): byte-for-byte the answer to a wrong password on the same transaction.
    expect(whileLocked.body).toEqual(wrongs[2]!.body);
    expect(whileLocked.body.successWithInteractionCode).toBeUndefined();

    server.clock.advance(61_000);
    const after = await attempt(password);
    expect(after.status, JSON.stringify(after.body)).toBe(200);
    const tokens = await idx.exchange(interaction, idx.interactionCode());
    expect(tokens.status).toBe(200);
  });

  it('one-step: a success resets the failure counter', async () => {
    const { user, password } = await server.createUser();
    const signIn = async (passcodes: string[]) => {
      const { idx } = await start(server, oneStep);
      let last: HttpResult<IdxResponse> | null = null;
      for (const passcode of passcodes)
        last = await idx.submit('identify', { identifier: user.login, credentials: { passcode } });
      return last!;
    };
    expect((await signIn(['wrong-1', 'wrong-2', password])).status).toBe(200);
    // Two more failures: only 2 consecutive since the success, so the account is not locked.
    const res = await signIn(['wrong-3', 'wrong-4', password]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // And a third failure right after a success does not lock either.
    expect((await signIn(['wrong-5', password])).status).toBe(200);
  });

  it('one-step: the lock holds across transactions and until the duration has passed', async () => {
    const { user, password } = await server.createUser();
    const { idx } = await start(server, oneStep);
    for (let i = 0; i < 3; i++)
      await idx.submit('identify', { identifier: user.login, credentials: { passcode: `nope-${i}` } });

    const fresh = await start(server, oneStep);
    server.clock.advance(30_000);
    const stillLocked = await fresh.idx.submit('identify', {
      identifier: user.login,
      credentials: { passcode: password },
    });
    expect(stillLocked.status).toBe(401);
    expect(messageKeys(stillLocked.body)).toEqual(['errors.E0000004']);

    server.clock.advance(31_000);
    const unlocked = await fresh.idx.submit('identify', {
      identifier: user.login,
      credentials: { passcode: password },
    });
    expect(unlocked.status, JSON.stringify(unlocked.body)).toBe(200);
  });

  it('one-step: once a lock has run out, one more wrong password does not lock again', async () => {
    const { user, password } = await server.createUser();
    for (let i = 0; i < 3; i++) {
      const { idx } = await start(server, oneStep);
      await idx.submit('identify', { identifier: user.login, credentials: { passcode: `nope-${i}` } });
    }
    server.clock.advance(61_000);
    const { idx: afterLock } = await start(server, oneStep);
    await afterLock.submit('identify', { identifier: user.login, credentials: { passcode: 'nope-again' } });
    const stored = await server.services.storage.users.findById(user.id);
    expect(stored?.failedAttempts).toBe(1);
    expect(stored?.lockedUntil).toBeNull();
    const { idx } = await start(server, oneStep);
    const right = await idx.submit('identify', {
      identifier: user.login,
      credentials: { passcode: password },
    });
    expect(right.status, JSON.stringify(right.body)).toBe(200);
  });

  it('identifier-first: a locked user gets incorrectPassword for the right password, then succeeds', async () => {
    const { user, password } = await server.createUser();
    const { idx, interaction } = await start(server, identifierFirst);
    const select = await idx.submit('identify', { identifier: user.login });
    await idx.submit('select-authenticator-authenticate', {
      authenticator: { id: passwordAuthenticatorId(select.body) },
    });
    const answer = (passcode: string) => idx.submit('challenge-authenticator', { credentials: { passcode } });

    let lastWrong: HttpResult<IdxResponse> | null = null;
    for (let i = 0; i < 3; i++) {
      lastWrong = await answer(`wrong-password-${i}`);
      expect(lastWrong.status).toBe(401);
      expect(messageKeys(lastWrong.body)).toEqual(['incorrectPassword']);
    }
    const whileLocked = await answer(password);
    expect(whileLocked.status).toBe(401);
    expect(whileLocked.body).toEqual(lastWrong!.body);

    server.clock.advance(61_000);
    const after = await answer(password);
    expect(after.status, JSON.stringify(after.body)).toBe(200);
    expect((await idx.exchange(interaction, idx.interactionCode())).status).toBe(200);
  });
});

describe('expired and unknown handles', () => {
  let server: TestServer;
  let app: App;
  beforeAll(async () => {
    server = await startTestServer({ config: { transactions: { ttlSeconds: 60 } } });
    ({ app } = await server.createApp());
  });
  afterAll(() => server.close());

  it('an unknown interactionHandle → 401 idx.session.expired', async () => {
    const idx = new IdxConversation(server.url, app.clientId);
    expectSessionExpired(await idx.introspect('not-a-real-interaction-handle'));
    // A handle of the right shape that was never issued.
    expectSessionExpired(await idx.introspect('A'.repeat(43)));
  });

  it('an unknown stateHandle → 401 idx.session.expired on introspect and on every action', async () => {
    const bogus = `02${'x'.repeat(43)}`;
    const introspect = await postJson(
      `${server.url}/idp/idx/introspect`,
      { stateToken: bogus },
      { 'content-type': 'application/ion+json; okta-version=1.0.0' },
    );
    expectSessionExpired(introspect);
    expectSessionExpired(
      await postJson(`${server.url}/idp/idx/identify`, {
        stateHandle: bogus,
        identifier: 'someone@example.com',
        credentials: { passcode: 'whatever-password' },
      }),
    );
    expectSessionExpired(
      await postJson(`${server.url}/idp/idx/challenge`, {
        stateHandle: bogus,
        authenticator: { id: 'autPassword' },
      }),
    );
    expectSessionExpired(
      await postJson(`${server.url}/idp/idx/challenge/answer`, {
        stateHandle: bogus,
        credentials: { passcode: 'whatever-password' },
      }),
    );
    expectSessionExpired(await postJson(`${server.url}/idp/idx/cancel`, { stateHandle: bogus }));
  });

  it('introspect by stateToken answers the current step while the transaction lives', async () => {
    const { stateHandle } = await start(server, app);
    const res = await postJson(
      `${server.url}/idp/idx/introspect`,
      { stateToken: stateHandle },
      { 'content-type': 'application/ion+json; okta-version=1.0.0' },
    );
    expect(res.status).toBe(200);
    expect(res.body.stateHandle).toBe(stateHandle);
    expect(remediationNames(res.body)).toEqual(['identify']);
  });

  it('after the transaction TTL (60 s) introspect and identify → 401 idx.session.expired', async () => {
    const { user, password } = await server.createUser();
    const { idx, interaction, stateHandle } = await start(server, app);

    server.clock.advance(59_000);
    const alive = await idx.introspect(interaction.interactionHandle);
    expect(alive.status).toBe(200);
    expect(alive.body.stateHandle).toBe(stateHandle);

    server.clock.advance(2_000);
    expectSessionExpired(await idx.introspect(interaction.interactionHandle));
    expectSessionExpired(
      await postJson(
        `${server.url}/idp/idx/introspect`,
        { stateToken: stateHandle },
        { 'content-type': 'application/ion+json; okta-version=1.0.0' },
      ),
    );
    expectSessionExpired(
      await postJson(`${server.url}/idp/idx/identify`, {
        stateHandle,
        identifier: user.login,
        credentials: { passcode: password },
      }),
    );
    expectSessionExpired(await postJson(`${server.url}/idp/idx/cancel`, { stateHandle }));
  });

  it('an expired transaction cannot be revived by a wrong-then-right password sequence', async () => {
    const { user, password } = await server.createUser();
    const { idx } = await start(server, app);
    await idx.submit('identify', { identifier: user.login, credentials: { passcode: 'wrong-password' } });
    server.clock.advance(61_000);
    const late = await postJson(`${server.url}/idp/idx/identify`, {
      stateHandle: idx.last!.body.stateHandle,
      identifier: user.login,
      credentials: { passcode: password },
    });
    expectSessionExpired(late);
  });
});

describe('step skipping and replay (A9)', () => {
  let server: TestServer;
  let oneStep: App;
  let identifierFirst: App;
  beforeAll(async () => {
    server = await startTestServer();
    ({ app: oneStep } = await server.createApp());
    ({ app: identifierFirst } = await server.createApp({ policy: IDENTIFIER_FIRST }));
  });
  afterAll(() => server.close());

  it('challenge or answer while at identify → 400 gatehouse.step.not_allowed; the transaction still works', async () => {
    const { user, password } = await server.createUser();
    for (const app of [oneStep, identifierFirst]) {
      const { idx, interaction, stateHandle } = await start(server, app);
      expectIdxError(
        await postJson(`${server.url}/idp/idx/challenge`, {
          stateHandle,
          authenticator: { id: 'autPassword' },
        }),
        400,
        'gatehouse.step.not_allowed',
      );
      expectIdxError(
        await postJson(`${server.url}/idp/idx/challenge/answer`, {
          stateHandle,
          credentials: { passcode: password },
        }),
        400,
        'gatehouse.step.not_allowed',
      );
      // Still at identify under the same stateHandle.
      const resumed = await idx.introspect(interaction.interactionHandle);
      expect(resumed.body.stateHandle).toBe(stateHandle);
      expect(remediationNames(resumed.body)).toEqual(['identify']);
      const values =
        app === oneStep
          ? { identifier: user.login, credentials: { passcode: password } }
          : { identifier: user.login };
      const next = await postJson(`${server.url}/idp/idx/identify`, { ...values, stateHandle });
      expect(next.status, JSON.stringify(next.body)).toBe(200);
    }
  });

  it('identifier-first: answer before choosing an authenticator → 400; an unoffered authenticator → 400', async () => {
    const { user, password } = await server.createUser();
    const { idx, interaction, stateHandle } = await start(server, identifierFirst);
    const select = await idx.submit('identify', { identifier: user.login });
    expect(select.status).toBe(200);

    expectIdxError(
      await postJson(`${server.url}/idp/idx/challenge/answer`, {
        stateHandle,
        credentials: { passcode: password },
      }),
      400,
      'gatehouse.step.not_allowed',
    );
    expectIdxError(
      await postJson(`${server.url}/idp/idx/identify`, { stateHandle, identifier: user.login }),
      400,
      'gatehouse.step.not_allowed',
    );
    expectIdxError(
      await postJson(`${server.url}/idp/idx/challenge`, { stateHandle, authenticator: { id: 'autEmail' } }),
      400,
      'gatehouse.authenticator.not_available',
    );

    // The select step is intact: introspect still shows it and the flow completes.
    const resumed = await idx.introspect(interaction.interactionHandle);
    expect(remediationNames(resumed.body)).toEqual(['select-authenticator-authenticate']);
    await idx.submit('select-authenticator-authenticate', {
      authenticator: { id: passwordAuthenticatorId(resumed.body) },
    });
    const done = await idx.submit('challenge-authenticator', { credentials: { passcode: password } });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.successWithInteractionCode).toBeDefined();
  });

  it('after success the stateHandle is dead; introspect says "transferred" until the code is redeemed', async () => {
    const { user, password } = await server.createUser();
    const { idx, interaction, stateHandle } = await start(server, oneStep);
    const done = await idx.submit('identify', {
      identifier: user.login,
      credentials: { passcode: password },
    });
    expect(done.status).toBe(200);
    const code = idx.interactionCode();

    // Replaying the finished step (or any other) with the stateHandle: session over.
    expectSessionExpired(
      await postJson(`${server.url}/idp/idx/identify`, {
        stateHandle,
        identifier: user.login,
        credentials: { passcode: password },
      }),
    );
    expectSessionExpired(
      await postJson(`${server.url}/idp/idx/challenge/answer`, {
        stateHandle,
        credentials: { passcode: password },
      }),
    );
    expectSessionExpired(await postJson(`${server.url}/idp/idx/cancel`, { stateHandle }));

    // R9 while another tab holds the unredeemed code: terminal, INFO, and never the code itself.
    for (const res of [
      await idx.introspect(interaction.interactionHandle),
      await postJson(
        `${server.url}/idp/idx/introspect`,
        { stateToken: stateHandle },
        { 'content-type': 'application/ion+json; okta-version=1.0.0' },
      ),
    ]) {
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(res.body.version).toBe('1.0.0');
      expect(res.body.remediation?.value ?? []).toEqual([]);
      expect(res.body.successWithInteractionCode).toBeUndefined();
      expect(res.body.cancel).toBeUndefined();
      expect(JSON.stringify(res.body)).not.toContain(code);
      expect(res.body.messages?.value).toEqual([
        { message: expect.any(String), i18n: { key: 'idx.transferred.to.new.tab' }, class: 'INFO' },
      ]);
    }

    const tokens = await idx.exchange(interaction, code);
    expect(tokens.status).toBe(200);
    expectSessionExpired(await idx.introspect(interaction.interactionHandle));
    // The code is single-use.
    expect((await idx.exchange(interaction, code)).status).toBe(400);
  });

  it('two concurrent successful answers on one stateHandle mint exactly one interaction code', async () => {
    const { user, password } = await server.createUser();
    const { stateHandle } = await start(server, oneStep);
    const body = { stateHandle, identifier: user.login, credentials: { passcode: password } };
    const results = await Promise.all([1, 2, 3].map(() => postJson(`${server.url}/idp/idx/identify`, body)));
    const winners = results.filter((r) => r.status === 200);
    expect(winners.length, JSON.stringify(results.map((r) => [r.status, r.body]))).toBe(1);
    expect(winners[0]!.body.successWithInteractionCode).toBeDefined();
    for (const loser of results.filter((r) => r.status !== 200)) {
      expect([400, 401]).toContain(loser.status);
      expect(loser.body.version).toBe('1.0.0');
      expect(loser.body.successWithInteractionCode).toBeUndefined();
    }
  });

  it('after success, introspect → 401 once the unredeemed code has expired', async () => {
    const { user, password } = await server.createUser();
    const { idx, interaction } = await start(server, oneStep);
    await idx.submit('identify', { identifier: user.login, credentials: { passcode: password } });
    const code = idx.interactionCode();
    expect((await idx.introspect(interaction.interactionHandle)).status).toBe(200);
    server.clock.advance(61_000);
    expectSessionExpired(await idx.introspect(interaction.interactionHandle));
    expect((await idx.exchange(interaction, code)).status).toBe(400);
  });
});
