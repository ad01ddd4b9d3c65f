import type { IdxAuthenticator, IdxResponse } from '@gatehouse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/storage/apps-store.js';
import type { HttpResult } from '../support/idx-client.js';
import { startTestServer, type TestDatabaseKind, type TestServer } from '../support/test-server.js';
import {
  decodeJwt,
  type Entry,
  IDENTIFIER_FIRST,
  latestResetCode,
  ONE_STEP,
  postRecoverTo,
  RESET_SUBJECT,
  type Recovery,
  ROOMY_LIMITS,
  recoverActions,
  remediationNames,
  resetMailParts,
  resetMails,
  resolvePath,
  selectEmail,
  selectOptions,
  startRecovery,
  submitNewPassword,
  topKeys,
} from './recovery-helpers.js';

/**
 * Every envelope of a password recovery, for both entry points (the identify page's "Forgot password?"
 * and the password challenge's), on SQLite and PostgreSQL (docs/protocol/idx-protocol.md §7.1–§7.7,
 * §8.2).
 */

/** Not the defaults, so the reset form can only show these if it reads the server's config. */
const POLICY = {
  minLength: 16,
  minLowerCase: 1,
  minUpperCase: 0,
  minNumber: 1,
  minSymbol: 0,
  excludeUsername: true,
  excludeAttributes: ['firstName', 'lastName', 'email'] as Array<'firstName' | 'lastName' | 'email'>,
  historyCount: 3,
};
const NEW_PASSWORD = 'fresh meadow lantern 2024';
const MASKED = /^[^*@]\*\*\*[^*@]?@example\.com$/;

/** A relatesTo target: an authenticator, or an IDX object wrapping one (`$.currentAuthenticator`). */
function target(body: IdxResponse, path: string): unknown {
  const found = resolvePath(body, path) as { type?: string; value?: unknown } | undefined;
  return found?.type === 'object' && found.value ? found.value : found;
}

/** Every relatesTo of the response (remediation-level and option-level) resolves to an object in it. */
function expectRelatesToResolve(body: IdxResponse) {
  let count = 0;
  for (const form of body.remediation?.value ?? []) {
    for (const path of form.relatesTo ?? []) {
      count++;
      expect(target(body, path), `${form.name} relatesTo ${path}`).toEqual(
        expect.objectContaining({ key: expect.any(String), id: expect.any(String) }),
      );
    }
    for (const field of form.value) {
      for (const option of field.options ?? []) {
        if (typeof option.relatesTo !== 'string') continue;
        count++;
        expect(target(body, option.relatesTo), `${form.name} option ${option.label}`).toEqual(
          expect.objectContaining({ key: expect.any(String), id: expect.any(String) }),
        );
      }
    }
  }
  return count;
}

function expectRecoveryAuthenticator(body: IdxResponse) {
  expect(body.recoveryAuthenticator?.type).toBe('object');
  expect(body.recoveryAuthenticator?.value).toMatchObject({
    type: 'password',
    key: 'okta_password',
    id: 'autPassword',
    displayName: 'Password',
  });
}

/** What every recovery step shares: no recover action anywhere, a cancel, the same stateHandle. */
function expectRecoveryStep(res: HttpResult<IdxResponse>, stateHandle: string, server: TestServer) {
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/(ion\+)?json/);
  expect(res.body.stateHandle).toBe(stateHandle);
  expect(recoverActions(res.body)).toEqual([]);
  expect(res.body.cancel?.href).toBe(`${server.url}/idp/idx/cancel`);
  expect(res.body.messages).toBeUndefined();
}

describe.each<TestDatabaseKind>(['sqlite', 'postgres'])('recovery envelopes (%s)', (database) => {
  let server: TestServer;
  let oneStep: App;
  let identifierFirst: App;

  beforeAll(async () => {
    server = await startTestServer({
      database,
      config: { passwordPolicy: POLICY, rateLimits: ROOMY_LIMITS },
    });
    oneStep = (await server.createApp({ policy: ONE_STEP })).app;
    identifierFirst = (await server.createApp({ policy: IDENTIFIER_FIRST })).app;
  });
  afterAll(() => server?.close());

  it('the reset form shows the configured policy (not the defaults)', () => {
    const configured = server.services.config.passwordPolicy;
    expect(configured).toMatchObject(POLICY);
  });

  /** The envelope that offers "Forgot password?". */
  function expectEntry(entry: Entry, body: IdxResponse) {
    expect(body.recoveryAuthenticator).toBeUndefined();
    if (entry === 'identify') {
      expect(remediationNames(body)).toEqual(['identify']);
      const current = body.currentAuthenticator?.value;
      expect(current).toMatchObject({ type: 'password', key: 'okta_password', id: 'autPassword' });
      expect(current?.recover).toMatchObject({
        name: 'recover',
        href: `${server.url}/idp/idx/recover`,
        method: 'POST',
        rel: ['create-form'],
      });
      expect(current?.recover?.value.map((f) => f.name)).toEqual(['stateHandle']);
      expect(recoverActions(body)).toEqual(['$.currentAuthenticator.value.recover']);
    } else {
      expect(remediationNames(body)).toEqual(['challenge-authenticator']);
      const current = body.currentAuthenticatorEnrollment?.value;
      expect(current).toMatchObject({ type: 'password', key: 'okta_password' });
      expect(current?.recover).toMatchObject({
        name: 'recover',
        href: `${server.url}/idp/idx/recover`,
        method: 'POST',
      });
      expect(recoverActions(body)).toEqual(['$.currentAuthenticatorEnrollment.value.recover']);
    }
    expectRelatesToResolve(body);
  }

  /** /recover is refused at a recovery step, and the step is still usable afterwards. */
  async function expectRecoverRefused(rec: Recovery, stateHandle: string) {
    const again = await postRecoverTo(server, stateHandle);
    expect(again.status).toBe(400);
    expect(topKeys(again.body)).toEqual(['gatehouse.step.not_allowed']);
    expect(again.body.remediation).toBeUndefined();
    expect(rec.idx.last?.body.stateHandle).toBe(stateHandle);
  }

  const cases: Array<{ label: string; entry: Entry; app: () => App }> = [
    { label: 'identify page of a one-step app', entry: 'identify', app: () => oneStep },
    { label: 'identify page of an identifier-first app', entry: 'identify', app: () => identifierFirst },
    {
      label: 'password challenge of an identifier-first app',
      entry: 'password-challenge',
      app: () => identifierFirst,
    },
  ];

  it.each(cases)('from the $label: every step has the documented envelope', async ({ entry, app }) => {
    const { user, password } = await server.createUser();
    const rec = await startRecovery(server, app(), user.login, entry);
    const stateHandle = rec.entry.body.stateHandle!;
    expect(stateHandle).toMatch(/^02/);

    // The entry page: the password and its recover action.
    expectEntry(entry, rec.entry.body);
    if (entry === 'identify') {
      const fields = rec.entry.body.remediation!.value[0]!.value.map((f) => f.name);
      expect(fields).toEqual(
        app() === oneStep ? ['identifier', 'credentials', 'stateHandle'] : ['identifier', 'stateHandle'],
      );

      // recover → identify-recovery: the identifier only, no password, no recover.
      expectRecoveryStep(rec.recovered, stateHandle, server);
      expect(remediationNames(rec.recovered.body)).toEqual(['identify-recovery']);
      const form = rec.recovered.body.remediation!.value[0]!;
      expect(form.href).toBe(`${server.url}/idp/idx/identify`);
      expect(form.value.map((f) => f.name)).toEqual(['identifier', 'stateHandle']);
      expect(rec.recovered.body.currentAuthenticator).toBeUndefined();
      expect(rec.recovered.body.user).toBeUndefined();
    }

    // The recovery select: Email only, relatesTo resolved, recoveryAuthenticator = password.
    const select = rec.select;
    expectRecoveryStep(select, stateHandle, server);
    expect(remediationNames(select.body)).toEqual(['select-authenticator-authenticate']);
    expect(select.body.remediation!.value[0]!.href).toBe(`${server.url}/idp/idx/challenge`);
    const options = selectOptions(select.body);
    expect(options.map((o) => [o.label, o.id])).toEqual([['Email', 'autEmail']]);
    expect(expectRelatesToResolve(select.body)).toBe(1);
    const option = resolvePath(select.body, options[0]!.relatesTo as string) as IdxAuthenticator;
    expect(option).toMatchObject({ key: 'okta_email', type: 'email' });
    expect(option.profile?.email).toMatch(MASKED);
    expect(select.body.authenticators?.value.map((a) => a.key)).toEqual(['okta_email']);
    expectRecoveryAuthenticator(select.body);
    expect(select.body.user?.value).toEqual({ id: user.id, identifier: user.login });
    expect(await resetMails(server, user.email)).toEqual([]);
    await expectRecoverRefused(rec, stateHandle);

    // The email challenge: code and link sent with the forgot-password template.
    const challenge = await selectEmail(rec);
    expectRecoveryStep(challenge, stateHandle, server);
    expect(remediationNames(challenge.body)).toEqual(['challenge-authenticator']);
    const answerForm = challenge.body.remediation!.value[0]!;
    expect(answerForm.href).toBe(`${server.url}/idp/idx/challenge/answer`);
    expect(answerForm.relatesTo).toEqual(['$.currentAuthenticatorEnrollment']);
    expect(expectRelatesToResolve(challenge.body)).toBe(1);
    const enrollment = challenge.body.currentAuthenticatorEnrollment!.value;
    expect(enrollment).toMatchObject({
      key: 'okta_email',
      type: 'email',
      profile: { email: option.profile!.email },
    });
    expect(enrollment.resend?.href).toBe(`${server.url}/idp/idx/challenge/resend`);
    expect(enrollment.recover).toBeUndefined();
    expectRecoveryAuthenticator(challenge.body);
    const mails = await resetMails(server, user.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(RESET_SUBJECT);
    const { otp, link } = resetMailParts(mails[0]!);
    expect(`${link.origin}${link.pathname}`).toBe(app().emailVerifyUri);
    expect(link.searchParams.get('state')).toBe(rec.interaction.state);
    expect(mails[0]!.text).toMatch(/expires in 15 minutes/);
    expect(mails[0]!.text).not.toContain(password);
    await expectRecoverRefused(rec, stateHandle);

    // The code → reset-authenticator: the new-password form with the configured policy.
    const reset = await rec.idx.submit('challenge-authenticator', { credentials: { passcode: otp } });
    expectRecoveryStep(reset, stateHandle, server);
    expect(remediationNames(reset.body)).toEqual(['reset-authenticator']);
    const resetForm = reset.body.remediation!.value[0]!;
    expect(resetForm.href).toBe(`${server.url}/idp/idx/challenge/answer`);
    expect(resetForm.relatesTo).toEqual(['$.currentAuthenticator']);
    expect(expectRelatesToResolve(reset.body)).toBe(1);
    const credentials = resetForm.value.find((f) => f.name === 'credentials');
    expect(credentials?.form?.value).toEqual([{ name: 'passcode', label: 'New password', secret: true }]);
    const current = resolvePath(reset.body, '$.currentAuthenticator.value') as IdxAuthenticator;
    expect(current).toMatchObject({ type: 'password', key: 'okta_password', id: 'autPassword' });
    const configured = server.services.config.passwordPolicy;
    expect(current.settings?.complexity).toEqual({
      minLength: configured.minLength,
      minLowerCase: configured.minLowerCase,
      minUpperCase: configured.minUpperCase,
      minNumber: configured.minNumber,
      minSymbol: configured.minSymbol,
      excludeUsername: configured.excludeUsername,
      excludeAttributes: [...configured.excludeAttributes],
    });
    expect(current.settings?.age?.historyCount).toBe(configured.historyCount);
    expect(current.recover).toBeUndefined();
    expect(reset.body.currentAuthenticatorEnrollment).toBeUndefined();
    expectRecoveryAuthenticator(reset.body);
    await expectRecoverRefused(rec, stateHandle);

    // The new password → success with an interaction code (and no recover, no recovery marker).
    const done = await submitNewPassword(rec, NEW_PASSWORD);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.remediation).toBeUndefined();
    expect(done.body.recoveryAuthenticator).toBeUndefined();
    expect(recoverActions(done.body)).toEqual([]);
    expect(done.body.successWithInteractionCode?.href).toBe(`${server.issuer}/v1/token`);
    const tokens = await rec.idx.exchange(rec.interaction, rec.idx.interactionCode());
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    const idToken = decodeJwt(tokens.body.id_token as string);
    expect(idToken).toMatchObject({ sub: user.id, amr: ['email', 'pwd'], nonce: rec.interaction.nonce });

    // Finished: the transaction takes no more actions, recover included.
    const after = await postRecoverTo(server, stateHandle);
    expect(after.status).toBe(401);
    expect(topKeys(after.body)).toEqual(['idx.session.expired']);
  });

  it('introspect during a recovery returns the current recovery step (page reload)', async () => {
    const { user } = await server.createUser();
    const rec = await startRecovery(server, oneStep, user.login);
    const reloaded = await rec.idx.introspect(rec.interaction.interactionHandle);
    expectRecoveryStep(reloaded, rec.entry.body.stateHandle!, server);
    expect(remediationNames(reloaded.body)).toEqual(['select-authenticator-authenticate']);
    expectRecoveryAuthenticator(reloaded.body);

    await selectEmail(rec);
    const code = await latestResetCode(server, user.email);
    await rec.idx.submit('challenge-authenticator', { credentials: { passcode: code } });
    const atReset = await rec.idx.introspect(rec.interaction.interactionHandle);
    expectRecoveryStep(atReset, rec.entry.body.stateHandle!, server);
    expect(remediationNames(atReset.body)).toEqual(['reset-authenticator']);
    expectRecoveryAuthenticator(atReset.body);
  });

  it('cancel in a recovery goes back to a sign-in identify page with recover (new state handle)', async () => {
    const { user, password } = await server.createUser();
    const rec = await startRecovery(server, oneStep, user.login);
    const res = await fetch(rec.select.body.cancel!.href, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stateHandle: rec.select.body.stateHandle }),
    });
    const body = (await res.json()) as IdxResponse;
    expect(res.status).toBe(200);
    expect(body.stateHandle).not.toBe(rec.select.body.stateHandle);
    expect(remediationNames(body)).toEqual(['identify']);
    expect(body.recoveryAuthenticator).toBeUndefined();
    expect(recoverActions(body)).toEqual(['$.currentAuthenticator.value.recover']);
    // A plain sign-in works on it.
    rec.idx.last = { status: 200, headers: res.headers, body };
    const signedIn = await rec.idx.submit('identify', {
      identifier: user.login,
      credentials: { passcode: password },
    });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.successWithInteractionCode).toBeDefined();
  });
});
