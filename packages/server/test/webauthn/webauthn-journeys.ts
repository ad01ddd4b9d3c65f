/**
 * Steps of a WebAuthn sign-in over raw IDX (docs/protocol/idx-protocol-2.md §2, §6), shared by the
 * WebAuthn HTTP tests: to the set-up of a passkey, to its challenge, the options the server gave,
 * the answer posted as the Okta clients post it, and the tokens at the end.
 */
import type { IdxAuthenticator, IdxResponse } from '@gatehouse/protocol';
import { decodeJwt } from 'jose';
import { expect } from 'vitest';
import type { AppPolicyInput } from '../../src/apps/app-service.js';
import type { App } from '../../src/storage/apps-store.js';
import { type HttpResult, IdxConversation, type Interaction } from '../support/idx-client.js';
import type { Assertion, Attestation } from '../support/software-authenticator.js';
import type { TestServer } from '../support/test-server.js';

export const APP_ORIGIN = 'http://localhost:8080';
export const WEBAUTHN_ID = 'autWebauthn';

export interface Journey {
  idx: IdxConversation;
  interaction: Interaction;
}

export async function webauthnApp(server: TestServer, policy: AppPolicyInput): Promise<App> {
  const { app } = await server.createApp({ policy: { selfServiceRecovery: false, ...policy } });
  return app;
}

/** Interact and introspect: the identify form. */
export async function begin(server: TestServer, app: App): Promise<Journey> {
  const idx = new IdxConversation(server.url, app.clientId);
  const interaction = await idx.interact();
  const res = await idx.introspect(interaction.interactionHandle);
  expect(res.status).toBe(200);
  return { idx, interaction };
}

export function remediationNames(body: IdxResponse): string[] {
  return body.remediation?.value.map((f) => f.name) ?? [];
}

export function messageKeys(body: IdxResponse): string[] {
  return body.messages?.value.map((m) => m.i18n?.key ?? '') ?? [];
}

/** The password policy's one-step identify (username and password), to what comes next. */
export async function identifyWithPassword(journey: Journey, login: string, password: string) {
  const res = await journey.idx.submit('identify', {
    identifier: login,
    credentials: { passcode: password },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res;
}

/** Chooses the WebAuthn authenticator on the set-up list: the creation options (`activationData`). */
export async function chooseToEnroll(journey: Journey) {
  expect(remediationNames(journey.idx.last!.body)).toContain('select-authenticator-enroll');
  const res = await journey.idx.submit('select-authenticator-enroll', { authenticator: { id: WEBAUTHN_ID } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(remediationNames(res.body)[0]).toBe('enroll-authenticator');
  return activationData(res.body);
}

/** Chooses the WebAuthn authenticator to prove: the request options (`challengeData`). */
export async function chooseToChallenge(journey: Journey) {
  const res = await journey.idx.submit('select-authenticator-authenticate', {
    authenticator: { id: WEBAUTHN_ID },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(remediationNames(res.body)[0]).toBe('challenge-authenticator');
  return challengeData(res.body);
}

export interface ActivationData {
  rp: { id?: string; name: string };
  user: { id: string; name: string; displayName: string };
  challenge: string;
  pubKeyCredParams: { type: string; alg: number }[];
  authenticatorSelection: { userVerification?: string; residentKey?: string };
  excludeCredentials: { id: string }[];
  attestation?: string;
  [member: string]: unknown;
}

export interface ChallengeData {
  challenge: string;
  rpId?: string;
  userVerification?: string;
  allowCredentials?: { id: string; transports?: string[] }[];
  [member: string]: unknown;
}

function contextual(body: IdxResponse): Record<string, unknown> {
  const current = body.currentAuthenticator?.value as
    | (IdxAuthenticator & { contextualData?: Record<string, unknown> })
    | undefined;
  expect(current?.key).toBe('webauthn');
  return current?.contextualData ?? {};
}

export function activationData(body: IdxResponse): ActivationData {
  const data = contextual(body).activationData as ActivationData | undefined;
  expect(data, JSON.stringify(body)).toBeDefined();
  return data!;
}

export function challengeData(body: IdxResponse): ChallengeData {
  const data = contextual(body).challengeData as ChallengeData | undefined;
  expect(data, JSON.stringify(body)).toBeDefined();
  return data!;
}

/** The `authenticatorEnrollments` entries of WebAuthn credentials. */
export function webauthnEnrollments(body: IdxResponse) {
  return (body.authenticatorEnrollments?.value ?? []).filter((e) => e.key === 'webauthn') as Array<
    IdxAuthenticator & { credentialId?: string; transports?: string[] }
  >;
}

/** Posts a registration as the Okta clients do (`clientData`, `attestation`, `transports`). */
export function postAttestation(
  journey: Journey,
  attestation: Attestation,
): Promise<HttpResult<IdxResponse>> {
  const { clientData, attestation: attestationObject, transports } = attestation;
  return journey.idx.submit('enroll-authenticator', {
    credentials: { clientData, attestation: attestationObject, transports, clientExtensions: '{}' },
  });
}

/** Posts an assertion as the Okta clients do (`clientData`, `authenticatorData`, `signatureData`). */
export function postAssertion(
  journey: Journey,
  assertion: Pick<Assertion, 'clientData' | 'authenticatorData' | 'signatureData'> & { userHandle?: string },
): Promise<HttpResult<IdxResponse>> {
  const { clientData, authenticatorData, signatureData, userHandle } = assertion;
  return journey.idx.submit('challenge-authenticator', {
    credentials: { clientData, authenticatorData, signatureData, ...(userHandle ? { userHandle } : {}) },
  });
}

/** The interaction code of a success, exchanged: the ID token's claims. */
export async function tokenClaims(journey: Journey): Promise<Record<string, unknown>> {
  const code = journey.idx.interactionCode();
  const tokens = await journey.idx.exchange(journey.interaction, code);
  expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
  return decodeJwt(tokens.body.id_token as string);
}
