/**
 * The envelopes of second factors a real Gatehouse answers (docs/protocol/idx-protocol-2.md §5, §6):
 * the set-up list, an authenticator app's set-up (QR code and secret) with a wrong code, its
 * challenge with a wrong and a used code, a passkey's set-up with a refused answer, and its
 * challenge with a refused (cloned, counter gone back) assertion. Codes come from the secret the
 * server showed, passkeys from the server tests' software authenticator. Random material (secret,
 * QR code, WebAuthn challenge, user handle, credential id) is replaced by fixed values.
 */
import type { IdxResponse } from '@gatehouse/protocol';
import { qrCodeDataUri } from '../../../server/src/authenticators/totp/qr-code.js';
import { otpauthUri } from '../../../server/src/authenticators/totp/totp-codes.js';
import { IdxConversation } from '../../../server/test/support/idx-client.js';
import { SoftwareAuthenticator } from '../../../server/test/support/software-authenticator.js';
import type { TestServer } from '../../../server/test/support/test-server.js';
import { appCode, sharedSecretOf, toNextStep, wrongCode } from '../../../server/test/support/totp.js';

interface Recorded {
  status: number;
  body: IdxResponse;
}

/** Who sets up and uses an authenticator app, and a passkey. */
export const FIXTURE_TOTP_USER = 'mary.jackson@example.com';
export const FIXTURE_PASSKEY_USER = 'dorothy.vaughan@example.com';
/** The secret every recorded set-up shows (RFC 4648 base32, 160 bits). */
export const FIXTURE_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const FIXTURE_CHALLENGE = 'Y2hhbGxlbmdlLWZvci10aGUtZml4dHVyZXM';
const FIXTURE_USER_HANDLE = 'dXNlci1oYW5kbGUtb2YtdGhlLWZpeHR1cmUtdXNlcg';
const FIXTURE_CREDENTIAL = 'Y3JlZGVudGlhbC1pZC1vZi10aGUtZml4dHVyZS1wYXNza2V5';

export const FIXTURE_PAGE_ORIGIN = 'http://localhost:8080';

/** The id each option of these authenticators posts (their wire ids). */
const IDS: Record<string, string> = { google_otp: 'autGoogleOtp', webauthn: 'autWebauthn' };

function optionId(body: IdxResponse, key: string): string {
  const id = IDS[key]!;
  if (!JSON.stringify(body.remediation?.value[0] ?? {}).includes(`"value":"${id}"`))
    throw new Error(`no ${key} option in ${JSON.stringify(body)}`);
  return id;
}

function contextual<T>(body: IdxResponse): T {
  const data = body.currentAuthenticator?.value.contextualData;
  if (!data) throw new Error(`no contextualData in ${JSON.stringify(body)}`);
  return data as T;
}

/** Replaces the random material of second-factor envelopes by fixed values. */
export async function normalizeSecondFactors(text: string): Promise<string> {
  const qr = await qrCodeDataUri(otpauthUri(FIXTURE_SECRET, 'Gatehouse', FIXTURE_TOTP_USER));
  return text
    .replace(/"sharedSecret":"[A-Z2-7=]+"/g, `"sharedSecret":"${FIXTURE_SECRET}"`)
    .replace(/"href":"data:image\/png;base64,[^"]+"/g, `"href":"${qr}"`)
    .replace(/"challenge":"[\w-]+"/g, `"challenge":"${FIXTURE_CHALLENGE}"`)
    .replace(/("user":\{"id":")[\w-]+"/g, `$1${FIXTURE_USER_HANDLE}"`)
    .replace(/"credentialId":"[\w-]+"/g, `"credentialId":"${FIXTURE_CREDENTIAL}"`)
    .replace(/("excludeCredentials":\[\{"id":")[\w-]+"/g, `$1${FIXTURE_CREDENTIAL}"`)
    .replace(/("allowCredentials":\[\{"id":")[\w-]+"/g, `$1${FIXTURE_CREDENTIAL}"`)
    .replace(/"(uft|fwf)[A-Za-z0-9_-]{6,}"/g, '"$1Enrollment"')
    .replace(/"name":"Test app \d+"/g, '"name":"Example App"');
}

export async function recordSecondFactors(
  server: TestServer,
  save: (name: string, result: Recorded) => void,
  clientIds: string[],
): Promise<void> {
  const app = async (factors: string) => {
    const { app } = await server.createApp({
      policy: { factors, identifierFirst: false, selfServiceRecovery: false },
    });
    clientIds.push(app.clientId);
    return app;
  };
  const signIn = async (clientId: string, login: string, password: string) => {
    const idx = new IdxConversation(server.url, clientId);
    await idx.introspect((await idx.interact()).interactionHandle);
    const r = await idx.submit('identify', { identifier: login, credentials: { passcode: password } });
    return { idx, r };
  };

  // An authenticator app: chosen among the methods to set up, its QR code, a wrong first code.
  const either = await app('password,google_otp|webauthn');
  const totpUser = await server.createUser({
    login: FIXTURE_TOTP_USER,
    firstName: 'Mary',
    lastName: 'Jackson',
  });
  let { idx, r } = await signIn(either.clientId, totpUser.user.login, totpUser.password);
  save('select-enroll-mfa', r);
  r = await idx.submit('select-authenticator-enroll', {
    authenticator: { id: optionId(r.body, 'google_otp') },
  });
  save('enroll-totp', r);
  const secret = sharedSecretOf(r.body);
  save(
    'enroll-totp-error',
    await idx.submit('enroll-authenticator', {
      credentials: { passcode: wrongCode(secret, server.clock.now()) },
    }),
  );
  const enrolledWith = appCode(secret, server.clock.now());
  r = await idx.submit('enroll-authenticator', { credentials: { passcode: enrolledWith } });
  // The other method of the choice is now optional: offered with skip.
  if (r.body.remediation?.value.some((f) => f.name === 'skip')) r = await idx.submit('skip', {});
  if (!r.body.successWithInteractionCode) throw new Error(`TOTP set-up failed: ${JSON.stringify(r.body)}`);

  // Its challenge at the next sign-in: a wrong code, the code already used, then a new one.
  ({ idx, r } = await signIn(either.clientId, totpUser.user.login, totpUser.password));
  if (r.body.remediation?.value[0]?.name === 'select-authenticator-authenticate')
    r = await idx.submit('select-authenticator-authenticate', {
      authenticator: { id: optionId(r.body, 'google_otp') },
    });
  save('challenge-totp', r);
  save(
    'challenge-totp-error',
    await idx.submit('challenge-authenticator', {
      credentials: { passcode: wrongCode(secret, server.clock.now()) },
    }),
  );
  save(
    'challenge-totp-used',
    await idx.submit('challenge-authenticator', { credentials: { passcode: enrolledWith } }),
  );
  server.clock.advance(toNextStep(server.clock.now()));

  // A passkey: its set-up, an answer the server refuses, then one it takes.
  const passkeyApp = await app('password,webauthn');
  const passkeyUser = await server.createUser({
    login: FIXTURE_PASSKEY_USER,
    firstName: 'Dorothy',
    lastName: 'Vaughan',
  });
  const key = new SoftwareAuthenticator({ origin: FIXTURE_PAGE_ORIGIN });
  ({ idx, r } = await signIn(passkeyApp.clientId, passkeyUser.user.login, passkeyUser.password));
  r = await idx.submit('select-authenticator-enroll', {
    authenticator: { id: optionId(r.body, 'webauthn') },
  });
  save('enroll-webauthn', r);
  const activation = contextual<{ activationData: never }>(r.body).activationData;
  const foreign = new SoftwareAuthenticator({ origin: 'https://elsewhere.example' }).create(activation);
  save(
    'enroll-webauthn-error',
    await idx.submit('enroll-authenticator', {
      credentials: { clientData: foreign.clientData, attestation: foreign.attestation },
    }),
  );
  const made = key.create(activation);
  r = await idx.submit('enroll-authenticator', {
    credentials: { clientData: made.clientData, attestation: made.attestation, transports: made.transports },
  });
  if (!r.body.successWithInteractionCode) throw new Error(`passkey set-up failed: ${JSON.stringify(r.body)}`);

  // Its challenge at the next sign-ins: one taken (the counter moves to 5), then a cloned key
  // whose counter went back is refused.
  const challenge = async () => {
    ({ idx, r } = await signIn(passkeyApp.clientId, passkeyUser.user.login, passkeyUser.password));
    if (r.body.remediation?.value[0]?.name === 'select-authenticator-authenticate')
      r = await idx.submit('select-authenticator-authenticate', {
        authenticator: { id: optionId(r.body, 'webauthn') },
      });
    return contextual<{ challengeData: never }>(r.body).challengeData;
  };
  const answer = (assertion: { clientData: string; authenticatorData: string; signatureData: string }) =>
    idx.submit('challenge-authenticator', {
      credentials: {
        clientData: assertion.clientData,
        authenticatorData: assertion.authenticatorData,
        signatureData: assertion.signatureData,
      },
    });
  r = await answer(key.get(await challenge(), { counter: 5 }));
  if (!r.body.successWithInteractionCode)
    throw new Error(`passkey sign-in failed: ${JSON.stringify(r.body)}`);
  const request = await challenge();
  save('challenge-webauthn', r);
  save('challenge-webauthn-error', await answer(key.get(request, { counter: 2 })));
}
