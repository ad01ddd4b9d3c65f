import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/storage/apps-store.js';
import type { User } from '../../src/storage/users-store.js';
import { postJson } from '../support/idx-client.js';
import { SoftwareAuthenticator } from '../support/software-authenticator.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  APP_ORIGIN,
  begin,
  type ChallengeData,
  chooseToChallenge,
  chooseToEnroll,
  identifyWithPassword,
  type Journey,
  messageKeys,
  postAssertion,
  postAttestation,
  remediationNames,
  webauthnApp,
  webauthnEnrollments,
} from './webauthn-journeys.js';

const ASSERTION_REFUSED = 'authfactor.webauthn.error.assertion_validation_failure';
const ATTESTATION_REFUSED = 'authfactor.webauthn.error.attestation_validation_failure';

/**
 * What a WebAuthn answer must not get past (docs/protocol/idx-protocol-2.md §6.3, §6.5, §8): an
 * unknown credential, a cloned key's counter, a challenge used twice or from another transaction,
 * another origin, malformed input (never a 500), and nothing that tells whether an account has
 * passkeys.
 */
describe.each(['sqlite', 'postgres'] as const)('WebAuthn refusals (%s)', (database) => {
  let server: TestServer;
  let app: App;
  let user: User;
  let password: string;
  const key = new SoftwareAuthenticator({ origin: APP_ORIGIN });

  beforeAll(async () => {
    server = await startTestServer({ database });
    app = await webauthnApp(server, { factors: 'password,webauthn' });
    ({ user, password } = await server.createUser());
    const setUp = await begin(server, app);
    await identifyWithPassword(setUp, user.login, password);
    const res = await postAttestation(setUp, key.create(await chooseToEnroll(setUp)));
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await server.close();
  });

  /** A sign-in of the user at the passkey's challenge. */
  async function atChallenge(): Promise<{ journey: Journey; request: ChallengeData }> {
    const journey = await begin(server, app);
    await identifyWithPassword(journey, user.login, password);
    return { journey, request: await chooseToChallenge(journey) };
  }

  function expectRefused(res: { status: number; body: Parameters<typeof messageKeys>[0] }) {
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    expect(messageKeys(res.body)).toEqual([ASSERTION_REFUSED]);
    // The challenge form stays (the widget offers "Retry").
    expect(remediationNames(res.body)[0]).toBe('challenge-authenticator');
  }

  it('a credential the user does not hold (an unknown credential id) is refused with 403', async () => {
    const { journey, request } = await atChallenge();
    const stranger = new SoftwareAuthenticator({ origin: APP_ORIGIN });
    const foreign = stranger.create({
      challenge: request.challenge,
      rp: { id: 'localhost' },
      user: { id: 'AAAA' },
    });
    expectRefused(await postAssertion(journey, stranger.get(request, { credential: foreign.credential })));
    // The right key still works in the same challenge.
    expect((await postAssertion(journey, key.get(request))).status).toBe(200);
  });

  it('a cloned key (a counter that did not grow: the same, or lower) is refused and recorded; 0 is no exemption', async () => {
    const credential = key.credentials[0]!;
    const stored = async () => (await server.services.storage.enrollments.listByUser(user.id))[0]!.counter;
    const signIn = await atChallenge();
    expect((await postAssertion(signIn.journey, key.get(signIn.request))).status).toBe(200);
    const counter = await stored();
    expect(counter).toBe(credential.counter);

    for (const replayed of [counter, counter - 1, 0]) {
      const { journey, request } = await atChallenge();
      expectRefused(await postAssertion(journey, key.get(request, { counter: replayed })));
      expect(await stored()).toBe(counter);
    }
    const events = await server.services.storage.events.listForUser(user.id);
    const clones = events.filter((e) => e.type === 'user.mfa.factor.clone_suspected');
    expect(clones).toHaveLength(3);
    expect(clones[0]!.data).toMatchObject({ authenticator: 'webauthn', storedCounter: counter, counter: 0 });

    // The genuine key, counting on, signs in.
    key.credentials[0]!.counter = counter;
    const genuine = await atChallenge();
    expect((await postAssertion(genuine.journey, key.get(genuine.request))).status).toBe(200);
  });

  it('a challenge is used once: the same answer twice at once signs in once; another transaction’s answer is refused', async () => {
    const { journey, request } = await atChallenge();
    const answer = key.get(request);
    const body = {
      credentials: {
        clientData: answer.clientData,
        authenticatorData: answer.authenticatorData,
        signatureData: answer.signatureData,
      },
      stateHandle: journey.idx.last!.body.stateHandle,
    };
    const href = journey.idx.form('challenge-authenticator').href;
    const results = await Promise.all([postJson(href, body), postJson(href, body)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, expect.any(Number)]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.every((r) => r.status < 500)).toBe(true);
    // Posted once more after the success: the transaction is over.
    expect((await postJson(href, body)).status).toBeGreaterThanOrEqual(400);

    // An answer made for one transaction's challenge, posted to another's.
    const first = await atChallenge();
    const second = await atChallenge();
    expect(first.request.challenge).not.toBe(second.request.challenge);
    expectRefused(await postAssertion(second.journey, key.get(first.request)));
  });

  it('an answer from another origin, or for another RP ID, is refused', async () => {
    const { journey, request } = await atChallenge();
    expectRefused(await postAssertion(journey, key.get(request, { origin: 'http://localhost:9999' })));
    expectRefused(await postAssertion(journey, key.get(request, { origin: 'https://evil.example' })));
    expectRefused(await postAssertion(journey, key.get({ ...request, rpId: 'evil.example' })));

    const { user: newcomer, password: newcomerPassword } = await server.createUser();
    const setUp = await begin(server, app);
    await identifyWithPassword(setUp, newcomer.login, newcomerPassword);
    const options = await chooseToEnroll(setUp);
    const elsewhere = await postAttestation(setUp, key.create(options, { origin: 'https://evil.example' }));
    expect(elsewhere.status).toBe(400);
    expect(messageKeys(elsewhere.body)).toEqual([ATTESTATION_REFUSED]);
    const otherRp = await postAttestation(setUp, key.create({ ...options, rp: { id: 'evil.example' } }));
    expect(otherRp.status).toBe(400);
  });

  it('malformed answers get an IDX error, never a 500', async () => {
    const json = (text: string) => Buffer.from(text).toString('base64');
    const variants: Array<(good: ReturnType<typeof key.get>) => Record<string, unknown>> = [
      (good) => ({ ...good, clientData: '!!not base64!!' }),
      (good) => ({ ...good, authenticatorData: 'A' }),
      (good) => ({ ...good, clientData: json('not json') }),
      (good) => ({ ...good, clientData: json('{"type":"webauthn.get"}') }),
      (good) => ({ ...good, clientData: json('[1,2,3]') }),
      (good) => ({ ...good, authenticatorData: json('short') }),
      (good) => ({ ...good, signatureData: json('not a DER signature') }),
      (good) => ({ ...good, userHandle: '%%%' }),
      (good) => ({ ...good, clientData: 'A'.repeat(60_000) }),
    ];
    // Four wrong answers per challenge (the fifth would end it).
    for (let i = 0; i < variants.length; i += 4) {
      const { journey, request } = await atChallenge();
      const good = key.get(request);
      for (const variant of variants.slice(i, i + 4))
        expectRefused(await postAssertion(journey, variant(good) as unknown as typeof good));
    }
    const { journey, request } = await atChallenge();
    const good = key.get(request);
    const missing = await journey.idx.submit('challenge-authenticator', {
      credentials: { clientData: good.clientData },
    });
    expectRefused(missing);
    const href = journey.idx.form('challenge-authenticator').href;
    const wrongTypes = await journey.idx.submit('challenge-authenticator', {
      credentials: { clientData: 42, authenticatorData: ['x'], signatureData: {} },
    });
    expect(wrongTypes.status).toBe(400);
    expect(wrongTypes.body.messages?.value.length).toBeGreaterThan(0);
    const oversized = await postJson(href, {
      credentials: { ...good, clientData: 'A'.repeat(70_000) },
      stateHandle: missing.body.stateHandle,
    });
    expect(oversized.status).toBe(413);
    expect(oversized.body.messages?.value.length).toBeGreaterThan(0);
  });

  it('a registration that is malformed or a credential registered already gets 400', async () => {
    const { user: newcomer, password: newcomerPassword } = await server.createUser();
    const setUp = await begin(server, app);
    await identifyWithPassword(setUp, newcomer.login, newcomerPassword);
    const options = await chooseToEnroll(setUp);
    const made = key.create(options);
    for (const attestation of [
      { ...made, attestation: '***' },
      { ...made, clientData: Buffer.from('{}').toString('base64') },
      { ...made, attestation: Buffer.from('not cbor').toString('base64') },
    ]) {
      const res = await postAttestation(setUp, attestation);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(messageKeys(res.body)).toEqual([ATTESTATION_REFUSED]);
    }
    // The user's credential, registered again for another account, is refused (credential ids are unique).
    const taken = key.create(options, { credentialId: key.credentials[0]!.id });
    const refused = await postAttestation(setUp, taken);
    expect(refused.status).toBe(400);
    expect(messageKeys(refused.body)).toEqual([ATTESTATION_REFUSED]);
    // The same registration with a new credential id is fine.
    expect((await postAttestation(setUp, key.create(options))).status).toBe(200);
  });

  it('too many wrong answers end the challenge and the transaction', async () => {
    const { journey, request } = await atChallenge();
    const wrong = { ...key.get(request), signatureData: Buffer.from('x').toString('base64') };
    for (let i = 0; i < 4; i++) expectRefused(await postAssertion(journey, wrong));
    const href = journey.idx.form('challenge-authenticator').href;
    const stateHandle = journey.idx.last!.body.stateHandle;
    const last = await postAssertion(journey, wrong);
    expect(last.status).toBe(429);
    expect(messageKeys(last.body)).toEqual(['gatehouse.challenge.too_many_attempts']);
    expect(remediationNames(last.body)).toEqual([]);
    const right = key.get(request);
    const after = await postJson(href, {
      credentials: {
        clientData: right.clientData,
        authenticatorData: right.authenticatorData,
        signatureData: right.signatureData,
      },
      stateHandle,
    });
    expect(after.status).toBe(401);
  });

  it('an identifier without passkeys gets a plausible, stable challenge (passkey only), and every answer fails', async () => {
    const passwordless = await webauthnApp(server, { factors: 'webauthn', identifierFirst: true });
    const { user: withoutKeys } = await server.createUser();
    const shown = async (identifier: string) => {
      const journey = await begin(server, passwordless);
      const res = await journey.idx.submit('identify', { identifier });
      expect(res.status).toBe(200);
      const request = await chooseToChallenge(journey);
      return { journey, request, enrollments: webauthnEnrollments(journey.idx.last!.body) };
    };
    const real = await shown(user.login);
    for (const identifier of ['nobody@example.com', withoutKeys.login]) {
      const a = await shown(identifier);
      const b = await shown(identifier.toUpperCase());
      expect(a.enrollments).toHaveLength(1);
      expect(b.enrollments).toEqual(a.enrollments);
      expect(a.request.allowCredentials).toEqual(b.request.allowCredentials);
      expect(Object.keys(a.request).sort()).toEqual(Object.keys(real.request).sort());
      expect(Object.keys(a.enrollments[0]!).sort()).toEqual(Object.keys(real.enrollments[0]!).sort());
      expect(a.enrollments[0]!.id).toMatch(/^fwf\w{17}$/);
      expect(Buffer.from(a.enrollments[0]!.credentialId!, 'base64url')).toHaveLength(32);
      expect(a.request.allowCredentials![0]!.id).toBe(a.enrollments[0]!.credentialId);
      expect(a.request.userVerification).toBe('required');
      // Whatever answers, it is refused like a wrong key.
      expectRefused(await postAssertion(a.journey, key.get(a.request, { credential: key.credentials[0] })));
    }
    const other = await shown('someone-else@example.com');
    expect(other.enrollments[0]!.credentialId).not.toBe(
      (await shown('nobody@example.com')).enrollments[0]!.credentialId,
    );
  });
});
