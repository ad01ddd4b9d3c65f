import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestCode } from '../email/email-helpers.js';
import { recoverToReset, submitNewPassword } from '../recovery/recovery-helpers.js';
import { IdxConversation } from '../support/idx-client.js';
import { SoftwareAuthenticator } from '../support/software-authenticator.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  APP_ORIGIN,
  begin,
  chooseToChallenge,
  chooseToEnroll,
  identifyWithPassword,
  type Journey,
  messageKeys,
  postAssertion,
  postAttestation,
  remediationNames,
  tokenClaims,
  webauthnApp,
  webauthnEnrollments,
} from './webauthn-journeys.js';

/**
 * Passkeys over raw IDX with a software authenticator (docs/protocol/idx-protocol-2.md §2, §6):
 * set up during a sign-in that requires one, signed in with it again; passkey only, with user
 * verification; several credentials with names.
 */
describe.each(['sqlite', 'postgres'] as const)('WebAuthn sign-in (%s)', (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database });
  });
  afterAll(async () => {
    await server.close();
  });

  it('a sign-in under password,webauthn sets a passkey up, then signs in with it (amr pwd, hwk, mfa)', async () => {
    const app = await webauthnApp(server, { factors: 'password,webauthn' });
    const { user, password } = await server.createUser();
    const key = new SoftwareAuthenticator({ origin: APP_ORIGIN });

    // 1. The password, then the passkey the policy requires and the user lacks: no skip.
    const first = await begin(server, app);
    const afterPassword = await identifyWithPassword(first, user.login, password);
    expect(remediationNames(afterPassword.body)).toEqual(['select-authenticator-enroll']);
    const options = await chooseToEnroll(first);
    expect(options.rp).toEqual({ name: app.name, id: 'localhost' });
    expect(options.challenge).toMatch(/^[\w-]{22,}$/);
    // The user handle is an HMAC: neither the internal id nor the email address.
    expect(options.user.id).toMatch(/^[\w-]{43}$/);
    expect(Buffer.from(options.user.id, 'base64url').toString('latin1')).not.toContain(user.id);
    expect(options.user.id).not.toContain(Buffer.from(user.id).toString('base64url'));
    expect(options.user.name).toBe(user.login);
    expect(options.pubKeyCredParams.map((p) => p.alg)).toEqual([-7, -257]);
    expect(options.authenticatorSelection.userVerification).toBe('preferred');
    expect(options.excludeCredentials).toEqual([]);
    expect(options).not.toHaveProperty('extensions');
    expect(remediationNames(first.idx.last!.body)).toEqual([
      'enroll-authenticator',
      'select-authenticator-enroll',
    ]);

    const made = key.create(options);
    const enrolled = await postAttestation(first, made);
    expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(200);
    expect((await tokenClaims(first)).amr).toEqual(['pwd', 'hwk', 'mfa']);

    const [stored] = await server.services.storage.enrollments.listByUser(user.id);
    expect(stored).toMatchObject({
      authenticatorKey: 'webauthn',
      name: 'Built-in authenticator',
      credentialId: made.credential.id,
      counter: 0,
      data: { transports: ['internal'], rpId: 'localhost' },
    });
    const events = await server.services.storage.events.listForUser(user.id);
    expect(events.map((e) => e.type)).toContain('user.mfa.factor.activate');

    // 2. Again: password, then the passkey's challenge, listing the credential with its transports.
    const second = await begin(server, app);
    const listed = await identifyWithPassword(second, user.login, password);
    expect(remediationNames(listed.body)).toEqual(['select-authenticator-authenticate']);
    const request = await chooseToChallenge(second);
    expect(request).toMatchObject({ rpId: 'localhost', userVerification: 'preferred' });
    expect(request.allowCredentials).toEqual([
      { id: made.credential.id, type: 'public-key', transports: ['internal'] },
    ]);
    expect(request).not.toHaveProperty('extensions');
    expect(webauthnEnrollments(second.idx.last!.body)).toEqual([
      expect.objectContaining({
        id: stored!.id,
        displayName: 'Built-in authenticator',
        credentialId: made.credential.id,
        transports: ['internal'],
      }),
    ]);
    expect(second.idx.last!.body.currentAuthenticator?.value).toMatchObject({
      id: 'autWebauthn',
      key: 'webauthn',
    });

    const signedIn = await postAssertion(second, key.get(request));
    expect(signedIn.status, JSON.stringify(signedIn.body)).toBe(200);
    expect((await tokenClaims(second)).amr).toEqual(['pwd', 'hwk', 'mfa']);
    const [after] = await server.services.storage.enrollments.listByUser(user.id);
    expect(after!.counter).toBe(1);
    expect(after!.lastUsedAt).not.toBeNull();
  });

  it('passkey only (--policy webauthn): the passkey alone signs in, and it must verify its user', async () => {
    const enrolling = await webauthnApp(server, { factors: 'password,webauthn' });
    const passwordless = await webauthnApp(server, { factors: 'webauthn', identifierFirst: true });
    const { user, password } = await server.createUser();
    const key = new SoftwareAuthenticator({ origin: APP_ORIGIN });
    const setUp = await begin(server, enrolling);
    await identifyWithPassword(setUp, user.login, password);
    expect((await postAttestation(setUp, key.create(await chooseToEnroll(setUp)))).status).toBe(200);

    const refused = await begin(server, passwordless);
    await refused.idx.submit('identify', { identifier: user.login });
    const request = await chooseToChallenge(refused);
    expect(request.userVerification).toBe('required');
    const presenceOnly = await postAssertion(refused, key.get(request, { userVerified: false }));
    expect(presenceOnly.status).toBe(403);
    expect(messageKeys(presenceOnly.body)).toEqual([
      'authfactor.webauthn.error.assertion_validation_failure',
    ]);

    const journey = await begin(server, passwordless);
    const identified = await journey.idx.submit('identify', { identifier: user.login });
    expect(identified.status).toBe(200);
    const verified = await postAssertion(journey, key.get(await chooseToChallenge(journey)));
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    const claims = await tokenClaims(journey);
    expect(claims.sub).toBe(user.id);
    // One authenticator proven: no `mfa` (webauthn-authenticator.ts says why).
    expect(claims.amr).toEqual(['hwk']);
  });

  it('an app that requires user verification refuses a passkey that only tested presence, at set-up and sign-in', async () => {
    const app = await webauthnApp(server, {
      factors: 'password,webauthn',
      webauthnUserVerification: 'required',
    });
    const { user, password } = await server.createUser();
    const key = new SoftwareAuthenticator({ origin: APP_ORIGIN });
    const journey = await begin(server, app);
    await identifyWithPassword(journey, user.login, password);
    const options = await chooseToEnroll(journey);
    expect(options.authenticatorSelection.userVerification).toBe('required');
    const unverified = await postAttestation(journey, key.create(options, { userVerified: false }));
    expect(unverified.status).toBe(400);
    expect(messageKeys(unverified.body)).toEqual([
      'authfactor.webauthn.error.attestation_validation_failure',
    ]);
    // The form stays, with the same options: a verifying authenticator may answer them.
    expect(remediationNames(unverified.body)[0]).toBe('enroll-authenticator');
    expect((await postAttestation(journey, key.create(options))).status).toBe(200);

    const again = await begin(server, app);
    await identifyWithPassword(again, user.login, password);
    const request = await chooseToChallenge(again);
    expect(request.userVerification).toBe('required');
    const presenceOnly = await postAssertion(again, key.get(request, { userVerified: false }));
    expect(presenceOnly.status).toBe(403);
    expect((await postAssertion(again, key.get(request))).status).toBe(200);
  });

  it('a user holds two credentials, each with a name, and either signs in', async () => {
    const app = await webauthnApp(server, { factors: 'password,webauthn' });
    const { user, password } = await server.createUser();
    const laptop = new SoftwareAuthenticator({ origin: APP_ORIGIN });
    const securityKey = new SoftwareAuthenticator({ origin: APP_ORIGIN, transports: ['usb', 'nfc'] });
    const first = await begin(server, app);
    await identifyWithPassword(first, user.login, password);
    expect((await postAttestation(first, laptop.create(await chooseToEnroll(first)))).status).toBe(200);

    // The flows set up only what a user lacks; a second key is registered through the enroller
    // itself, in a transaction of its own (what an account page would do).
    const webauthn = server.services.authenticators.get('webauthn');
    const held = await server.services.storage.enrollments.listByUser(user.id);
    const ctx = {
      transaction: { id: `tx-second-key-${user.id}`, redirectUri: `${APP_ORIGIN}/login/callback` },
      app,
      user,
      held,
      identifier: user.login,
      purpose: 'sign-in',
      request: { ip: '127.0.0.1', userAgent: null, locale: 'en' },
    } as unknown as Parameters<NonNullable<typeof webauthn.enroller>['begin']>[0];
    expect(await webauthn.enroller!.begin(ctx)).toEqual({ ok: true });
    const creation = (await webauthn.presentation!(ctx, 'enroll'))!.publicKey as Parameters<
      typeof securityKey.create
    >[0] & { excludeCredentials: { id: string }[] };
    // The first key is excluded: the same authenticator cannot register twice.
    expect(creation.excludeCredentials.map((c) => c.id)).toEqual([laptop.credentials[0]!.id]);
    const { clientData, attestation, transports } = securityKey.create(creation);
    expect(await webauthn.enroller!.enroll(ctx, { clientData, attestation, transports })).toEqual({
      ok: true,
    });
    const names = (await server.services.storage.enrollments.listByUser(user.id)).map((e) => e.name);
    expect(names).toEqual(['Built-in authenticator', 'Security key']);

    for (const key of [securityKey, laptop]) {
      const journey = await begin(server, app);
      await identifyWithPassword(journey, user.login, password);
      const request = await chooseToChallenge(journey);
      expect(request.allowCredentials?.map((c) => c.id)).toEqual([
        laptop.credentials[0]!.id,
        securityKey.credentials[0]!.id,
      ]);
      expect(webauthnEnrollments(journey.idx.last!.body).map((e) => [e.displayName, e.transports])).toEqual([
        ['Built-in authenticator', ['internal']],
        ['Security key', ['usb', 'nfc']],
      ]);
      const res = await postAssertion(journey, key.get(request));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
  });

  it("an app's RP ID (a parent domain) binds its passkeys; its page's origin is allowed, others are not", async () => {
    const page = 'https://login.example.com';
    const { app } = await server.createApp({
      policy: { factors: 'password,webauthn', selfServiceRecovery: false, webauthnRpId: 'example.com' },
      redirectUris: [`${page}/callback`],
      trustedOrigins: [page],
      emailVerifyUri: null,
      postLogoutRedirectUris: [],
    });
    const { user, password } = await server.createUser();
    const key = new SoftwareAuthenticator({ origin: page });
    const journey = { idx: new IdxConversation(server.url, app.clientId, `${page}/callback`) } as Journey;
    journey.interaction = await journey.idx.interact();
    await journey.idx.introspect(journey.interaction.interactionHandle);
    await identifyWithPassword(journey, user.login, password);
    const options = await chooseToEnroll(journey);
    expect(options.rp.id).toBe('example.com');
    // A credential for the page's own host is not one for the app's RP ID.
    const hostBound = await postAttestation(
      journey,
      key.create({ ...options, rp: { id: 'login.example.com' } }),
    );
    expect(hostBound.status).toBe(400);
    // Nor is the server's own origin (127.0.0.1) one the RP ID covers.
    const fromServer = await postAttestation(journey, key.create(options, { origin: server.url }));
    expect(fromServer.status).toBe(400);
    const made = await postAttestation(journey, key.create(options));
    expect(made.status, JSON.stringify(made.body)).toBe(200);
  });

  it('signs up for a passkey-only app (email code, then a passkey that verifies its user), then signs in with it', async () => {
    const app = await webauthnApp(server, { factors: 'webauthn', identifierFirst: true, registration: true });
    const key = new SoftwareAuthenticator({ origin: APP_ORIGIN });
    const journey = await begin(server, app);
    await journey.idx.submit('select-enroll-profile', {});
    const email = `passkey-${database}@example.com`;
    await journey.idx.submit('enroll-profile', {
      userProfile: { firstName: 'Pass', lastName: 'Key', email },
    });
    await journey.idx.submit('select-authenticator-enroll', { authenticator: { id: 'autEmail' } });
    const code = await latestCode(server, email);
    const proven = await journey.idx.submit('enroll-authenticator', { credentials: { passcode: code } });
    expect(proven.body.authenticators?.value.map((a) => a.key)).toEqual(['webauthn']);
    const options = await chooseToEnroll(journey);
    expect(options.authenticatorSelection.userVerification).toBe('required');
    expect(options.user).toMatchObject({ name: email, displayName: 'Pass Key' });
    const registered = await postAttestation(journey, key.create(options));
    expect(registered.status, JSON.stringify(registered.body)).toBe(200);
    const claims = await tokenClaims(journey);
    const user = await server.services.storage.users.findByEmail(email);
    expect(user).toMatchObject({ status: 'ACTIVE', id: claims.sub });

    const again = await begin(server, app);
    await again.idx.submit('identify', { identifier: email });
    const res = await postAssertion(again, key.get(await chooseToChallenge(again)));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await tokenClaims(again)).amr).toEqual(['hwk']);
  });

  it('after a password reset the passkey is still asked before any tokens (recovery does not bypass it)', async () => {
    const app = await webauthnApp(server, { factors: 'password,webauthn', selfServiceRecovery: true });
    const { user, password } = await server.createUser();
    const key = new SoftwareAuthenticator({ origin: APP_ORIGIN });
    const setUp = await begin(server, app);
    await identifyWithPassword(setUp, user.login, password);
    expect((await postAttestation(setUp, key.create(await chooseToEnroll(setUp)))).status).toBe(200);

    const recovery = await recoverToReset(server, app, user.login, user.email);
    const reset = await submitNewPassword(recovery, 'Quartz-Meadow-Harbor-77');
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    expect(reset.body.successWithInteractionCode).toBeUndefined();
    expect(remediationNames(reset.body)).toEqual(['select-authenticator-authenticate']);
    const journey: Journey = { idx: recovery.idx, interaction: recovery.interaction };
    const request = await chooseToChallenge(journey);
    expect((await postAssertion(journey, key.get(request, { userVerified: true }))).status).toBe(200);
    expect((await tokenClaims(journey)).amr).toContain('hwk');
  });

  it('a passkey that never counts (counter always 0) signs in again and again', async () => {
    const app = await webauthnApp(server, { factors: 'password,webauthn' });
    const { user, password } = await server.createUser();
    const key = new SoftwareAuthenticator({ origin: APP_ORIGIN, counterStep: 0 });
    const setUp = await begin(server, app);
    await identifyWithPassword(setUp, user.login, password);
    expect((await postAttestation(setUp, key.create(await chooseToEnroll(setUp)))).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const journey = await begin(server, app);
      await identifyWithPassword(journey, user.login, password);
      const res = await postAssertion(journey, key.get(await chooseToChallenge(journey)));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
  });
});
