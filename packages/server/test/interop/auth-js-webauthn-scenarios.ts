/**
 * WebAuthn through the real `@okta/okta-auth-js` (v8 in legacy and step mode, v7, unmodified, in
 * Node), with a software authenticator standing in for the browser and the key: the SDK's own
 * helpers build the `navigator.credentials` options from what Gatehouse sent
 * (`OktaAuth.webauthn.buildCredentialCreationOptions` / `buildCredentialRequestOptions`) and turn
 * the credential into what it posts (`getAttestation` / `getAssertion`, standard base64)
 * (docs/protocol/idx-protocol-2.md §6.1–§6.5).
 */
import type { IdxAuthenticator, IdxTransaction, OktaAuth } from '@okta/okta-auth-js';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bytes, bytesOf, SoftwareAuthenticator } from '../support/software-authenticator.js';
import { startTestServer, type TestDatabaseKind, type TestServer } from '../support/test-server.js';
import type { ClientMode, LoadAuthJsModule } from './auth-js-email-scenarios.js';
import { newAuthClient } from './auth-js-scenarios.js';

export interface WebauthnInteropOptions {
  database: TestDatabaseKind;
  version: string;
  mode: ClientMode;
}

const APP_ORIGIN = 'http://localhost:8080';

interface WebauthnHelpers {
  buildCredentialCreationOptions(
    activationData: unknown,
    enrollments: IdxAuthenticator[],
  ): { publicKey: CreationOptions };
  buildCredentialRequestOptions(
    challengeData: unknown,
    enrollments: IdxAuthenticator[],
  ): { publicKey: RequestOptions };
  getAttestation(credential: unknown): {
    id: string;
    clientData: string;
    attestation: string;
    transports?: string;
  };
  getAssertion(credential: unknown): {
    id: string;
    clientData: string;
    authenticatorData: string;
    signatureData: string;
  };
}
interface CreationOptions {
  challenge: Bytes;
  rp: { id?: string; name: string };
  user: { id: Bytes; name: string };
  excludeCredentials: { id: Bytes }[];
  authenticatorSelection?: { userVerification?: string };
}
interface RequestOptions {
  challenge: Bytes;
  rpId?: string;
  userVerification?: string;
  allowCredentials: { id: Bytes; transports?: string[] }[];
}

const arrayBuffer = (bytes: Buffer): ArrayBuffer =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

/** The authenticator a step is about, and its `contextualData`: legacy mode names it, step mode resolves `relatesTo`. */
function stepAuthenticator(tx: IdxTransaction): { key?: string; contextualData?: Record<string, unknown> } {
  const relatesTo = tx.nextStep?.relatesTo as { value?: object } | undefined;
  return (tx.nextStep?.authenticator ?? relatesTo?.value ?? {}) as {
    key?: string;
    contextualData?: Record<string, unknown>;
  };
}

function enrollmentsOf(tx: IdxTransaction): IdxAuthenticator[] {
  return (tx.context?.authenticatorEnrollments?.value ?? []) as IdxAuthenticator[];
}

export function describeAuthJsWebauthnInterop(
  label: string,
  load: LoadAuthJsModule,
  options: WebauthnInteropOptions,
): void {
  const { mode } = options;
  const step = (name: string) => (mode === 'step' ? { step: name } : {});

  describe(`${label}: WebAuthn against Gatehouse (${options.database})`, () => {
    let server: TestServer;
    let helpers: WebauthnHelpers;
    let OktaAuthCtor: Awaited<ReturnType<LoadAuthJsModule>>['OktaAuth'];

    beforeAll(async () => {
      ({ OktaAuth: OktaAuthCtor } = await load());
      helpers = (OktaAuthCtor as unknown as { webauthn: WebauthnHelpers }).webauthn;
      server = await startTestServer({ database: options.database });
    });
    afterAll(() => server?.close());

    const client = (clientId: string): OktaAuth =>
      newAuthClient(OktaAuthCtor, server, clientId, { legacyMode: mode === 'legacy' });

    /** `navigator.credentials.create()` as a browser answers it, from the options auth-js built. */
    function create(key: SoftwareAuthenticator, publicKey: CreationOptions) {
      const made = key.create(publicKey);
      return {
        id: made.credential.id,
        rawId: arrayBuffer(Buffer.from(made.credential.id, 'base64url')),
        type: 'public-key',
        response: {
          clientDataJSON: arrayBuffer(made.raw.clientDataJSON),
          attestationObject: arrayBuffer(made.raw.attestationObject),
          getTransports: () => ['internal'],
        },
      };
    }

    /** `navigator.credentials.get()` as a browser answers it. */
    function get(key: SoftwareAuthenticator, publicKey: RequestOptions, overrides = {}) {
      const made = key.get(publicKey, overrides);
      return {
        id: key.credentials[0]!.id,
        type: 'public-key',
        response: {
          clientDataJSON: arrayBuffer(made.raw.clientDataJSON),
          authenticatorData: arrayBuffer(made.raw.authenticatorData),
          signature: arrayBuffer(made.raw.signature),
          userHandle: arrayBuffer(made.raw.userHandle),
        },
      };
    }

    it(`0. the client under test is auth-js ${options.version}`, async () => {
      const { app } = await server.createApp();
      expect(client(app.clientId)._oktaUserAgent.getVersion()).toBe(options.version);
    });

    it('1. password, then a passkey set up (required), then a sign-in with it; a cloned counter is refused', async () => {
      const { app } = await server.createApp({ policy: { factors: 'password,webauthn' } });
      const { user, password } = await server.createUser();
      const key = new SoftwareAuthenticator({ origin: APP_ORIGIN });

      const enrolling = client(app.clientId);
      const list = await enrolling.idx.authenticate({ ...step('identify'), username: user.login, password });
      expect(list.status).toBe('PENDING');
      expect(list.nextStep?.name).toBe('select-authenticator-enroll');
      expect(list.nextStep?.canSkip).toBeFalsy();
      const setUp = await enrolling.idx.proceed({
        ...step('select-authenticator-enroll'),
        authenticator: 'webauthn',
      });
      expect(setUp.status).toBe('PENDING');
      expect(setUp.nextStep?.name).toBe('enroll-authenticator');
      const current = stepAuthenticator(setUp);
      expect(current.key).toBe('webauthn');
      const creation = helpers.buildCredentialCreationOptions(
        current.contextualData?.activationData,
        enrollmentsOf(setUp),
      ).publicKey;
      expect(creation.rp).toEqual({ name: app.name, id: 'localhost' });
      expect(creation.user.name).toBe(user.login);
      expect(bytesOf(creation.user.id)).toHaveLength(32);
      expect(creation.excludeCredentials).toEqual([]);

      const attestation = helpers.getAttestation(create(key, creation));
      // auth-js posts standard base64 (its helper's name notwithstanding) and the transports as JSON.
      expect(attestation.transports).toBe('["internal"]');
      for (const value of [attestation.clientData, attestation.attestation])
        expect(value).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
      const { clientData, attestation: attestationObject, transports } = attestation;
      const enrolled = await enrolling.idx.proceed({
        ...step('enroll-authenticator'),
        clientData,
        attestation: attestationObject,
        transports,
      });
      expect(enrolled.status, JSON.stringify(enrolled.messages)).toBe('SUCCESS');
      expect(decodeJwt(enrolled.tokens!.idToken!.idToken).amr).toEqual(['pwd', 'hwk', 'mfa']);

      const signingIn = client(app.clientId);
      const choose = await signingIn.idx.authenticate({
        ...step('identify'),
        username: user.login,
        password,
      });
      expect(choose.nextStep?.name).toBe('select-authenticator-authenticate');
      const challenge = await signingIn.idx.proceed({
        ...step('select-authenticator-authenticate'),
        authenticator: 'webauthn',
      });
      expect(challenge.nextStep?.name).toBe('challenge-authenticator');
      const enrollments = enrollmentsOf(challenge);
      const request = helpers.buildCredentialRequestOptions(
        stepAuthenticator(challenge).contextualData?.challengeData,
        enrollments,
      ).publicKey;
      expect(request.rpId).toBe('localhost');
      expect(request.userVerification).toBe('preferred');
      // Transports reach the browser (an array: auth-js 8 ignores a string).
      expect(
        request.allowCredentials.map((c) => [bytesOf(c.id).toString('base64url'), c.transports]),
      ).toEqual([[key.credentials[0]!.id, ['internal']]]);
      const assertion = helpers.getAssertion(get(key, request));
      const { authenticatorData, signatureData } = assertion;
      const proven = await signingIn.idx.proceed({
        ...step('challenge-authenticator'),
        clientData: assertion.clientData,
        authenticatorData,
        signatureData,
      });
      expect(proven.status, JSON.stringify(proven.messages)).toBe('SUCCESS');
      expect(decodeJwt(proven.tokens!.idToken!.idToken).sub).toBe(user.id);

      // A clone replaying the counter: PENDING with Okta's assertion error, still at the challenge.
      const cloned = client(app.clientId);
      await cloned.idx.authenticate({ ...step('identify'), username: user.login, password });
      const again = await cloned.idx.proceed({
        ...step('select-authenticator-authenticate'),
        authenticator: 'webauthn',
      });
      const replayOptions = helpers.buildCredentialRequestOptions(
        stepAuthenticator(again).contextualData?.challengeData,
        enrollmentsOf(again),
      ).publicKey;
      const replay = helpers.getAssertion(get(key, replayOptions, { counter: key.credentials[0]!.counter }));
      const refused = await cloned.idx.proceed({
        ...step('challenge-authenticator'),
        clientData: replay.clientData,
        authenticatorData: replay.authenticatorData,
        signatureData: replay.signatureData,
      });
      expect(refused.status).toBe('PENDING');
      expect(refused.messages?.map((m) => m.i18n?.key)).toEqual([
        'authfactor.webauthn.error.assertion_validation_failure',
      ]);
    });

    it('2. passkey only: identify, then the passkey (user verification required) → SUCCESS', async () => {
      const enrollApp = (await server.createApp({ policy: { factors: 'password,webauthn' } })).app;
      const passkeyOnly = (await server.createApp({ policy: { factors: 'webauthn', identifierFirst: true } }))
        .app;
      const { user, password } = await server.createUser();
      const key = new SoftwareAuthenticator({ origin: APP_ORIGIN });
      const enrolling = client(enrollApp.clientId);
      await enrolling.idx.authenticate({ ...step('identify'), username: user.login, password });
      const setUp = await enrolling.idx.proceed({
        ...step('select-authenticator-enroll'),
        authenticator: 'webauthn',
      });
      const attestation = helpers.getAttestation(
        create(
          key,
          helpers.buildCredentialCreationOptions(stepAuthenticator(setUp).contextualData?.activationData, [])
            .publicKey,
        ),
      );
      const enrolled = await enrolling.idx.proceed({
        ...step('enroll-authenticator'),
        clientData: attestation.clientData,
        attestation: attestation.attestation,
      });
      expect(enrolled.status).toBe('SUCCESS');

      const signingIn = client(passkeyOnly.clientId);
      const identified = await signingIn.idx.authenticate({ ...step('identify'), username: user.login });
      expect(identified.status).toBe('PENDING');
      const challenge =
        identified.nextStep?.name === 'challenge-authenticator'
          ? identified
          : await signingIn.idx.proceed({
              ...step('select-authenticator-authenticate'),
              authenticator: 'webauthn',
            });
      expect(challenge.nextStep?.name).toBe('challenge-authenticator');
      const request = helpers.buildCredentialRequestOptions(
        stepAuthenticator(challenge).contextualData?.challengeData,
        enrollmentsOf(challenge),
      ).publicKey;
      expect(request.userVerification).toBe('required');
      const assertion = helpers.getAssertion(get(key, request));
      const done = await signingIn.idx.proceed({
        ...step('challenge-authenticator'),
        clientData: assertion.clientData,
        authenticatorData: assertion.authenticatorData,
        signatureData: assertion.signatureData,
      });
      expect(done.status, JSON.stringify(done.messages)).toBe('SUCCESS');
      expect(decodeJwt(done.tokens!.idToken!.idToken).amr).toEqual(['hwk']);
    });
  });
}
