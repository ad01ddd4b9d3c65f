import type { IdxForm, IdxResponse } from '@gatehouse/protocol';
import { expect } from 'vitest';
import type { App } from '../../src/storage/apps-store.js';
import { type MailboxMessage, mailbox } from '../email/email-helpers.js';
import { type HttpResult, IdxConversation, type Interaction, postJson } from '../support/idx-client.js';
import type { TestServer } from '../support/test-server.js';

/** Shared steps of the recovery suites: raw IDX over HTTP, mails read from the dev mailbox. */

export const ONE_STEP = { factors: 'password', identifierFirst: false, selfServiceRecovery: true } as const;
export const IDENTIFIER_FIRST = {
  factors: 'password',
  identifierFirst: true,
  selfServiceRecovery: true,
} as const;
export const EMAIL_ONLY = { factors: 'email', identifierFirst: true, selfServiceRecovery: true } as const;

/** Limits high enough that a whole test file from 127.0.0.1 never trips them. */
export const ROOMY_LIMITS = {
  challengePerIp: { limit: 1000 },
  answerPerIp: { limit: 1000 },
  emailPerRecipient: { limit: 1000 },
} as const;

export const RESET_SUBJECT = /^Reset your .+ password$/;

export type Entry = 'identify' | 'password-challenge';

/** A recovery conversation: the IDX client, its interaction, and every envelope met so far. */
export interface Recovery {
  idx: IdxConversation;
  interaction: Interaction;
  /** The envelope that offered `recover` (identify page or password challenge). */
  entry: HttpResult<IdxResponse>;
  /** The answer to `recover`. */
  recovered: HttpResult<IdxResponse>;
  /** The recovery `select-authenticator-authenticate` envelope. */
  select: HttpResult<IdxResponse>;
}

/** The JSON path of a `relatesTo` (`$.a.b[0]`) resolved inside the same response. */
export function resolvePath(body: unknown, path: string): unknown {
  expect(path.startsWith('$.'), path).toBe(true);
  let value: unknown = body;
  for (const part of path.slice(2).match(/[^.[\]]+|\[\d+\]/g) ?? []) {
    if (value === null || typeof value !== 'object') return undefined;
    const key = part.startsWith('[') ? Number(part.slice(1, -1)) : part;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/**
 * Where a body offers recovery: every `recover` key, and any other form whose href is
 * `/idp/idx/recover` (actions nested in authenticators included).
 */
export function recoverActions(body: unknown, path = '$'): string[] {
  if (Array.isArray(body)) return body.flatMap((v, i) => recoverActions(v, `${path}[${i}]`));
  if (!body || typeof body !== 'object') return [];
  const entries = Object.entries(body);
  if (entries.some(([k, v]) => k === 'href' && typeof v === 'string' && /\/idp\/idx\/recover$/.test(v))) {
    if (!path.endsWith('.recover')) return [path];
  }
  return entries.flatMap(([k, v]) => [
    ...(k === 'recover' ? [`${path}.${k}`] : []),
    ...(k === 'recover' ? [] : recoverActions(v, `${path}.${k}`)),
  ]);
}

export const remediationNames = (body: IdxResponse | null | undefined) =>
  body?.remediation?.value.map((f) => f.name) ?? [];

/** i18n keys of the top-level messages. */
export const topKeys = (body: IdxResponse | null | undefined) =>
  body?.messages?.value.map((m) => m.i18n.key) ?? [];

/** The messages on `credentials.passcode` of the first remediation. */
export function passcodeMessages(body: IdxResponse) {
  const credentials = body.remediation?.value[0]?.value.find((f) => f.name === 'credentials');
  return credentials?.form?.value.find((f) => f.name === 'passcode')?.messages?.value ?? [];
}

/** The option ids and labels of the select-authenticator form of a response. */
export function selectOptions(body: IdxResponse): Array<{ label: string; id: unknown; relatesTo: unknown }> {
  const form = body.remediation?.value.find((f) => f.name === 'select-authenticator-authenticate');
  const options = form?.value.find((f) => f.name === 'authenticator')?.options ?? [];
  return options.map((o) => ({
    label: o.label,
    id: (o.value as { form: { value: Array<{ name: string; value?: unknown }> } }).form.value.find(
      (f) => f.name === 'id',
    )?.value,
    relatesTo: o.relatesTo,
  }));
}

/** POSTs the `recover` action found on the current authenticator (enrollment) of a response. */
export function postRecover(body: IdxResponse): Promise<HttpResult<IdxResponse>> {
  const form = (body.currentAuthenticator?.value.recover ??
    body.currentAuthenticatorEnrollment?.value.recover) as IdxForm | undefined;
  if (!form) throw new Error(`no recover action in ${JSON.stringify(body)}`);
  return postJson(form.href, { stateHandle: body.stateHandle });
}

/** POSTs `/idp/idx/recover` directly (for steps that must not offer it). */
export function postRecoverTo(server: TestServer, stateHandle: string | undefined) {
  return postJson(`${server.url}/idp/idx/recover`, { stateHandle });
}

/** A user's password sign-in brought to the password challenge of an identifier-first app. */
export async function atPasswordChallenge(
  server: TestServer,
  app: App,
  identifier: string,
  interactExtra: Record<string, string> = {},
) {
  const idx = new IdxConversation(server.url, app.clientId);
  const interaction = await idx.interact(interactExtra);
  await idx.introspect(interaction.interactionHandle);
  const select = await idx.submit('identify', { identifier });
  expect(select.status, JSON.stringify(select.body)).toBe(200);
  const challenge = await idx.submit('select-authenticator-authenticate', {
    authenticator: { id: 'autPassword' },
  });
  expect(challenge.status, JSON.stringify(challenge.body)).toBe(200);
  expect(challenge.body.currentAuthenticatorEnrollment?.value.key).toBe('okta_password');
  return { idx, interaction, challenge };
}

/**
 * Starts a recovery and brings it to the recovery select (Email): from the identify page of
 * `app` (recover, then identify-recovery) or from the password challenge (identifier-first app).
 */
export async function startRecovery(
  server: TestServer,
  app: App,
  identifier: string,
  entryPoint: Entry = 'identify',
): Promise<Recovery> {
  if (entryPoint === 'password-challenge') {
    const { idx, interaction, challenge } = await atPasswordChallenge(server, app, identifier);
    const recovered = await postRecover(challenge.body);
    idx.last = recovered;
    return { idx, interaction, entry: challenge, recovered, select: recovered };
  }
  const idx = new IdxConversation(server.url, app.clientId);
  const interaction = await idx.interact();
  const entry = await idx.introspect(interaction.interactionHandle);
  expect(entry.status).toBe(200);
  const recovered = await postRecover(entry.body);
  expect(recovered.status, JSON.stringify(recovered.body)).toBe(200);
  idx.last = recovered;
  const select = await idx.submit('identify-recovery', { identifier });
  return { idx, interaction, entry, recovered, select };
}

/** Selects Email in the recovery select. */
export function selectEmail(rec: Recovery) {
  rec.idx.last = rec.select;
  return rec.idx.submit('select-authenticator-authenticate', { authenticator: { id: 'autEmail' } });
}

/** The recovery emails sent to an address, newest first. */
export async function resetMails(server: TestServer, to: string): Promise<MailboxMessage[]> {
  return (await mailbox(server, to)).filter((m) => RESET_SUBJECT.test(m.subject));
}

/** The code and link of a recovery email; the link carries the same code and the interaction's state. */
export function resetMailParts(mail: MailboxMessage): { otp: string; link: URL } {
  const match = /https?:\/\/[^\s"<>]+[?&]otp=\d{6}[^\s"<>]*/.exec(mail.text);
  expect(match, `no link in: ${mail.text}`).not.toBeNull();
  const link = new URL(match![0]);
  const otp = link.searchParams.get('otp')!;
  expect(otp).toMatch(/^\d{6}$/);
  expect(mail.text.replace(match![0], '')).toContain(otp);
  return { otp, link };
}

/** The code of the newest recovery email to `to`. */
export async function latestResetCode(server: TestServer, to: string): Promise<string> {
  const [newest] = await resetMails(server, to);
  if (!newest) throw new Error(`no recovery email for ${to}`);
  return resetMailParts(newest).otp;
}

/** A full recovery of a known user to the reset-authenticator step (entry: the identify page). */
export async function recoverToReset(server: TestServer, app: App, login: string, email: string) {
  const rec = await startRecovery(server, app, login);
  expect(rec.select.status, JSON.stringify(rec.select.body)).toBe(200);
  const challenge = await selectEmail(rec);
  expect(challenge.status, JSON.stringify(challenge.body)).toBe(200);
  const code = await latestResetCode(server, email);
  const reset = await rec.idx.submit('challenge-authenticator', { credentials: { passcode: code } });
  expect(remediationNames(reset.body), JSON.stringify(reset.body)).toEqual(['reset-authenticator']);
  return { ...rec, challenge, code, reset };
}

/** Submits a new password on the reset step. */
export function submitNewPassword(rec: { idx: IdxConversation }, password: string) {
  return rec.idx.submit('reset-authenticator', { credentials: { passcode: password } });
}

/** One-step sign-in (identify with password) on a fresh transaction; returns the identify answer. */
export async function oneStepSignIn(
  server: TestServer,
  app: App,
  identifier: string,
  password: string,
  scope = 'openid profile email',
) {
  const idx = new IdxConversation(server.url, app.clientId);
  const interaction = await idx.interact({ scope });
  await idx.introspect(interaction.interactionHandle);
  const res = await idx.submit('identify', { identifier, credentials: { passcode: password } });
  return { idx, interaction, res };
}

export function decodeJwt(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
}
