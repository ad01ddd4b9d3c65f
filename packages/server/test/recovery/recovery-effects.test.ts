import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/storage/apps-store.js';
import { wrongCode } from '../email/email-helpers.js';
import { postForm, postJson } from '../support/idx-client.js';
import { startTestServer, type TestDatabaseKind, type TestServer } from '../support/test-server.js';
import {
  atPasswordChallenge,
  decodeJwt,
  IDENTIFIER_FIRST,
  latestResetCode,
  ONE_STEP,
  oneStepSignIn,
  ROOMY_LIMITS,
  recoverToReset,
  remediationNames,
  selectEmail,
  startRecovery,
  submitNewPassword,
  topKeys,
} from './recovery-helpers.js';

/**
 * What a completed reset changes (docs/security.md H7, G7, H8, M1): sessions and tokens revoked, other
 * transactions ended, lock cleared, old password dead, an event without secrets, amr of the new
 * sign-in. On SQLite and PostgreSQL.
 */

const FULL_SCOPE = 'openid profile email offline_access';
const MAX_FAILED = 3;

type Tokens = { access_token: string; refresh_token?: string; id_token: string };

describe.each<TestDatabaseKind>(['sqlite', 'postgres'])('after a password reset (%s)', (database) => {
  let server: TestServer;
  let oneStep: App;
  let identifierFirst: App;

  beforeAll(async () => {
    server = await startTestServer({
      database,
      config: {
        rateLimits: ROOMY_LIMITS,
        lockout: { enabled: true, maxFailedAttempts: MAX_FAILED, durationSeconds: 900 },
      },
    });
    oneStep = (await server.createApp({ policy: ONE_STEP })).app;
    identifierFirst = (await server.createApp({ policy: IDENTIFIER_FIRST })).app;
  });
  afterAll(() => server?.close());

  /** A one-step sign-in with offline_access: an access token and a refresh token. */
  async function signInWithTokens(login: string, password: string): Promise<Tokens> {
    const { idx, interaction, res } = await oneStepSignIn(server, oneStep, login, password, FULL_SCOPE);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const tokens = await idx.exchange(interaction, idx.interactionCode());
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    const body = tokens.body as Tokens;
    expect(body.refresh_token).toEqual(expect.any(String));
    return body;
  }

  const userinfo = (accessToken: string) =>
    fetch(`${server.issuer}/v1/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
  const refresh = (refreshToken: string) =>
    postForm(`${server.issuer}/v1/token`, {
      grant_type: 'refresh_token',
      client_id: oneStep.clientId,
      refresh_token: refreshToken,
    });
  const introspectToken = (token: string) =>
    postForm(`${server.issuer}/v1/introspect`, { client_id: oneStep.clientId, token });

  it('revokes every access and refresh token of the user and ends the other open transactions', async () => {
    const { user, password } = await server.createUser();
    const { user: bystander, password: bystanderPassword } = await server.createUser();
    const first = await signInWithTokens(user.login, password);
    const second = await signInWithTokens(user.login, password);
    const others = await signInWithTokens(bystander.login, bystanderPassword);
    expect((await userinfo(first.access_token)).status).toBe(200);
    expect((await refresh(second.refresh_token!)).status).toBe(200);

    // Another sign-in of the user waiting at the password challenge, and another recovery.
    const pending = await atPasswordChallenge(server, identifierFirst, user.login);
    const otherRecovery = await startRecovery(server, oneStep, user.login);
    expect(otherRecovery.select.status).toBe(200);
    // A bystander's transaction at the same step is not touched.
    const bystanderPending = await atPasswordChallenge(server, identifierFirst, bystander.login);

    const rec = await recoverToReset(server, oneStep, user.login, user.email);
    const newPassword = 'an entirely new passphrase 7';
    const done = await submitNewPassword(rec, newPassword);
    expect(done.status, JSON.stringify(done.body)).toBe(200);

    // Old access tokens: userinfo 401, introspection inactive; refresh tokens: invalid_grant.
    for (const tokens of [first, second]) {
      const info = await userinfo(tokens.access_token);
      expect(info.status).toBe(401);
      expect(info.headers.get('www-authenticate')).toMatch(/invalid_token/);
      expect((await introspectToken(tokens.access_token)).body).toEqual({ active: false });
      const refreshed = await refresh(tokens.refresh_token!);
      expect(refreshed.status).toBe(400);
      expect(refreshed.body.error).toBe('invalid_grant');
    }
    // The bystander's tokens still work.
    expect((await userinfo(others.access_token)).status).toBe(200);
    expect((await refresh(others.refresh_token!)).status).toBe(200);

    // The pending sign-in is over: even the right (new) password is refused as an expired session.
    const late = await pending.idx.submit('challenge-authenticator', {
      credentials: { passcode: newPassword },
    });
    expect(late.status).toBe(401);
    expect(topKeys(late.body)).toEqual(['idx.session.expired']);
    expect((await pending.idx.introspect(pending.interaction.interactionHandle)).status).toBe(401);
    // So is the other recovery.
    const otherChallenge = await selectEmail(otherRecovery);
    expect(otherChallenge.status).toBe(401);
    expect(topKeys(otherChallenge.body)).toEqual(['idx.session.expired']);
    // The bystander's is not.
    const bystanderDone = await bystanderPending.idx.submit('challenge-authenticator', {
      credentials: { passcode: bystanderPassword },
    });
    expect(bystanderDone.status).toBe(200);

    // The recovery itself completes with tokens that work.
    const tokens = await rec.idx.exchange(rec.interaction, rec.idx.interactionCode());
    expect(tokens.status).toBe(200);
    expect((await userinfo(tokens.body.access_token as string)).status).toBe(200);
  });

  it('an interaction code issued before the reset cannot be redeemed after it', async () => {
    const { user, password } = await server.createUser();
    const before = await oneStepSignIn(server, oneStep, user.login, password, FULL_SCOPE);
    expect(before.res.status).toBe(200);
    const code = before.idx.interactionCode();

    const rec = await recoverToReset(server, oneStep, user.login, user.email);
    expect((await submitNewPassword(rec, 'the reset came in between')).status).toBe(200);

    const late = await before.idx.exchange(before.interaction, code);
    expect(late.status, JSON.stringify(late.body)).toBe(400);
    expect(late.body.error).toBe('invalid_grant');
  });

  it('the old password fails and the new one works at once (one-step and identifier-first)', async () => {
    const { user, password } = await server.createUser();
    const rec = await recoverToReset(server, oneStep, user.login, user.email);
    const newPassword = 'brand new words for a brand new day';
    expect((await submitNewPassword(rec, newPassword)).status).toBe(200);

    const old = await oneStepSignIn(server, oneStep, user.login, password);
    expect(old.res.status).toBe(401);
    expect(topKeys(old.res.body)).toEqual(['errors.E0000004']);
    const fresh = await oneStepSignIn(server, oneStep, user.login, newPassword);
    expect(fresh.res.status).toBe(200);

    const oldIdFirst = await atPasswordChallenge(server, identifierFirst, user.login);
    expect(
      (await oldIdFirst.idx.submit('challenge-authenticator', { credentials: { passcode: password } }))
        .status,
    ).toBe(401);
    const newIdFirst = await atPasswordChallenge(server, identifierFirst, user.login);
    const ok = await newIdFirst.idx.submit('challenge-authenticator', {
      credentials: { passcode: newPassword },
    });
    expect(ok.status).toBe(200);
    const tokens = await newIdFirst.idx.exchange(newIdFirst.interaction, newIdFirst.idx.interactionCode());
    expect(decodeJwt(tokens.body.id_token as string).amr).toEqual(['pwd']);
  });

  it('a locked user can recover and then sign in with the new password at once', async () => {
    const { user, password } = await server.createUser();
    for (let i = 0; i < MAX_FAILED; i++) {
      const wrong = await oneStepSignIn(server, oneStep, user.login, `not the password ${i}!`);
      expect(wrong.res.status).toBe(401);
    }
    const locked = await server.services.users.getByLogin(user.login);
    expect(locked.lockedUntil).toBeGreaterThan(server.clock.now());
    // Locked: even the right password is refused (the same answer as a wrong one).
    expect((await oneStepSignIn(server, oneStep, user.login, password)).res.status).toBe(401);

    const rec = await recoverToReset(server, oneStep, user.login, user.email);
    const newPassword = 'unlocked by the recovery flow';
    expect((await submitNewPassword(rec, newPassword)).status).toBe(200);
    const unlocked = await server.services.users.getByLogin(user.login);
    expect(unlocked.lockedUntil).toBeNull();
    expect(unlocked.failedAttempts).toBe(0);

    expect((await oneStepSignIn(server, oneStep, user.login, newPassword)).res.status).toBe(200);
    expect((await oneStepSignIn(server, oneStep, user.login, password)).res.status).toBe(401);
    // The counter started over: one wrong password does not lock again.
    expect((await oneStepSignIn(server, oneStep, user.login, newPassword)).res.status).toBe(200);
  });

  it('recovery attempts change nothing until a reset: wrong codes do not lock the password', async () => {
    const { user, password } = await server.createUser();
    for (let round = 0; round < 2; round++) {
      const rec = await startRecovery(server, oneStep, user.login);
      await selectEmail(rec);
      const code = await latestResetCode(server, user.email);
      for (let i = 1; i <= 5; i++)
        await rec.idx.submit('challenge-authenticator', { credentials: { passcode: wrongCode(code, i) } });
      expect(topKeys(rec.idx.last!.body)).toEqual(['gatehouse.challenge.too_many_attempts']);
    }
    const stored = await server.services.users.getByLogin(user.login);
    expect(stored.lockedUntil).toBeNull();
    expect(stored.failedAttempts).toBe(0);
    expect((await oneStepSignIn(server, oneStep, user.login, password)).res.status).toBe(200);
  });

  it('records user.account.reset_password without secrets; the new ID token says amr [email, pwd]', async () => {
    const { user, password } = await server.createUser();
    const held = await signInWithTokens(user.login, password);
    const pending = await atPasswordChallenge(server, identifierFirst, user.login);
    const rec = await recoverToReset(server, oneStep, user.login, user.email);
    const newPassword = 'nothing of this may be logged';
    const done = await submitNewPassword(rec, newPassword);
    expect(done.status).toBe(200);
    const interactionCode = rec.idx.interactionCode();
    const tokens = await rec.idx.exchange(rec.interaction, interactionCode);
    expect(tokens.status).toBe(200);

    const claims = decodeJwt(tokens.body.id_token as string);
    expect(claims).toMatchObject({ sub: user.id, aud: oneStep.clientId, amr: ['email', 'pwd'] });
    expect(claims.auth_time).toEqual(expect.any(Number));

    const events = await server.services.storage.events.listForUser(user.id);
    const resets = events.filter((e) => e.type === 'user.account.reset_password');
    expect(resets).toHaveLength(1);
    expect(resets[0]).toMatchObject({
      userId: user.id,
      appId: oneStep.id,
      ip: '127.0.0.1',
      data: { revokedGrants: 1, endedTransactions: 1 },
    });
    // The sign-in that followed is recorded with both factors.
    expect(
      events.find((e) => e.type === 'user.authentication.sso' && e.createdAt >= resets[0]!.createdAt)?.data,
    ).toEqual({ factors: ['email', 'password'] });
    const secrets = [
      password,
      newPassword,
      rec.code,
      rec.interaction.state,
      rec.interaction.interactionHandle,
      rec.reset.body.stateHandle!,
      interactionCode,
      held.access_token,
      held.refresh_token!,
      pending.challenge.body.stateHandle!,
    ];
    const logged = JSON.stringify(events);
    for (const secret of secrets) expect(logged, 'an event holds a secret').not.toContain(secret);
  });

  it('a recovery started with the login in another case resets that account', async () => {
    // Logins are case-insensitive: the recovery for "X@…" resets the account "x@…".
    const { user, password } = await server.createUser({ login: `mixed.case.${database}@example.com` });
    const rec = await recoverToReset(server, oneStep, user.login.toUpperCase(), user.email);
    expect(rec.select.body.user?.value.identifier).toBe(user.login.toUpperCase());
    const newPassword = 'upper case identifiers work too';
    expect((await submitNewPassword(rec, newPassword)).status).toBe(200);
    expect((await oneStepSignIn(server, oneStep, user.login, newPassword)).res.status).toBe(200);
    expect((await oneStepSignIn(server, oneStep, user.login, password)).res.status).toBe(401);
  });

  it('two concurrent new-password submissions: one succeeds, and its password is the one set', async () => {
    for (let round = 0; round < 3; round++) {
      const { user, password } = await server.createUser();
      const rec = await recoverToReset(server, oneStep, user.login, user.email);
      const candidates = [`first concurrent passphrase ${round}`, `second concurrent passphrase ${round}`];
      const answers = await Promise.all(
        candidates.map((passcode) =>
          postJson(`${server.url}/idp/idx/challenge/answer`, {
            stateHandle: rec.reset.body.stateHandle,
            credentials: { passcode },
          }),
        ),
      );
      const winners = answers.flatMap((res, i) => (res.status === 200 ? [i] : []));
      expect(winners, answers.map((a) => JSON.stringify(a.body)).join('\n')).toHaveLength(1);
      const loser = answers[1 - winners[0]!]!;
      expect(loser.status).toBe(400);
      expect(topKeys(loser.body)).toEqual(['gatehouse.step.not_allowed']);
      // The password the successful answer was about is the one that works; the other one does not.
      const winner = candidates[winners[0]!]!;
      const other = candidates[1 - winners[0]!]!;
      expect((await oneStepSignIn(server, oneStep, user.login, winner)).res.status).toBe(200);
      expect((await oneStepSignIn(server, oneStep, user.login, other)).res.status).toBe(401);
      expect((await oneStepSignIn(server, oneStep, user.login, password)).res.status).toBe(401);
      const events = await server.services.storage.events.listForUser(user.id);
      expect(events.filter((e) => e.type === 'user.account.reset_password')).toHaveLength(1);
    }
  });

  it('an expired recovery transaction cannot reset anything', async () => {
    const { user, password } = await server.createUser();
    const rec = await recoverToReset(server, oneStep, user.login, user.email);
    server.clock.advance((server.services.config.transactions.ttlSeconds + 1) * 1000);
    const late = await submitNewPassword(rec, 'too late for a new password');
    expect(late.status).toBe(401);
    expect(topKeys(late.body)).toEqual(['idx.session.expired']);
    expect(remediationNames(late.body)).toEqual([]);
    expect((await oneStepSignIn(server, oneStep, user.login, password)).res.status).toBe(200);
    const direct = await postJson(`${server.url}/idp/idx/introspect`, {
      interactionHandle: rec.interaction.interactionHandle,
    });
    expect(direct.status).toBe(401);
  });
});
