import type { IdxForm, IdxResponse } from '@gatehouse/protocol';
import type { NewAppInput } from '../../src/apps/app-service.js';
import { type HttpResult, IdxConversation, type Interaction, postJson } from '../support/idx-client.js';
import type { TestServer } from '../support/test-server.js';

/** An email as the dev mailbox API returns it. */
export interface MailboxMessage {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  sentAt: string;
}

/**
 * The per-IP step caps raised out of the way: a test file signs in many times from one address, and
 * the caps have tests of their own (sign-in-throttles, rate-limit-wait).
 */
export const HIGH_STEP_LIMITS = { challengePerIp: { limit: 1000 }, answerPerIp: { limit: 1000 } };

export const EMAIL_POLICY = { factors: 'email', identifierFirst: true, selfServiceRecovery: true } as const;
export const PASSWORD_EMAIL_POLICY = {
  factors: 'password+email',
  identifierFirst: false,
  selfServiceRecovery: true,
} as const;

/** A public app whose sign-in policy is email only (identifier first). */
export async function emailApp(server: TestServer, input: Partial<NewAppInput> = {}) {
  const { app } = await server.createApp({ policy: EMAIL_POLICY, ...input });
  return app;
}

/** The newest-first messages of the dev mailbox for one address. */
export async function mailbox(server: TestServer, to: string): Promise<MailboxMessage[]> {
  const res = await fetch(`${server.url}/dev/mailbox/api/messages?to=${encodeURIComponent(to)}`);
  if (res.status !== 200) throw new Error(`mailbox answered ${res.status}`);
  return (await res.json()) as MailboxMessage[];
}

/** The 6-digit code of an email, read from its text part ("sign-in code: 123456" / the link). */
export function codeOf(message: { text: string }): string {
  const match = /[?&]otp=(\d{6})\b/.exec(message.text);
  if (!match) throw new Error(`no otp link in ${message.text}`);
  return match[1]!;
}

/** The code of the newest email to `to`. */
export async function latestCode(server: TestServer, to: string): Promise<string> {
  const [newest] = await mailbox(server, to);
  if (!newest) throw new Error(`no email for ${to}`);
  return codeOf(newest);
}

/** The id the select-authenticator form offers for the option labelled `label`. */
export function optionId(response: IdxResponse, label: string): string {
  const form = response.remediation?.value.find((f) => f.name === 'select-authenticator-authenticate');
  const option = form?.value.find((f) => f.name === 'authenticator')?.options?.find((o) => o.label === label);
  const id = (
    option?.value as { form?: { value: Array<{ name: string; value?: unknown }> } } | undefined
  )?.form?.value.find((f) => f.name === 'id')?.value;
  if (typeof id !== 'string') throw new Error(`no ${label} option in ${JSON.stringify(response)}`);
  return id;
}

export interface EmailSignIn {
  idx: IdxConversation;
  interaction: Interaction;
  /** The response to identify (the select-authenticator envelope). */
  select: HttpResult<IdxResponse>;
  /** The response to the Email challenge request. */
  challenge: HttpResult<IdxResponse>;
}

/** interact → introspect → identify → select Email (does not fail on a non-200 challenge). */
export async function startEmailSignIn(
  server: Pick<TestServer, 'url'>,
  clientId: string,
  identifier: string,
  options: { headers?: Record<string, string>; serverPath?: string } = {},
): Promise<EmailSignIn> {
  const idx = new IdxConversation(server.url, clientId, undefined, options.serverPath);
  const interaction = await idx.interact();
  const intro = await idx.introspect(interaction.interactionHandle);
  if (intro.status !== 200) throw new Error(`introspect: ${intro.status} ${JSON.stringify(intro.body)}`);
  const select = await idx.submit('identify', { identifier });
  if (select.status !== 200) throw new Error(`identify: ${select.status} ${JSON.stringify(select.body)}`);
  const form = idx.form('select-authenticator-authenticate');
  const challenge = await postJson(
    form.href,
    { authenticator: { id: optionId(select.body, 'Email') }, stateHandle: select.body.stateHandle },
    options.headers,
  );
  idx.last = challenge.status === 200 ? challenge : select;
  return { idx, interaction, select, challenge };
}

/** POSTs an action of the current challenge (`resend` or `poll`) with its stateHandle. */
export async function action(
  response: IdxResponse,
  name: 'resend' | 'poll',
  headers: Record<string, string> = {},
): Promise<HttpResult<IdxResponse>> {
  const form = response.currentAuthenticatorEnrollment?.value[name] as IdxForm | undefined;
  if (!form) throw new Error(`no ${name} action in ${JSON.stringify(response)}`);
  return postJson(form.href, { stateHandle: response.stateHandle }, headers);
}

/** POSTs a passcode to the challenge-authenticator form of `response`. */
export function answer(response: IdxResponse, passcode: string): Promise<HttpResult<IdxResponse>> {
  const form = response.remediation?.value.find((f) => f.name === 'challenge-authenticator');
  if (!form) throw new Error(`no challenge-authenticator in ${JSON.stringify(response)}`);
  return postJson(form.href, { credentials: { passcode }, stateHandle: response.stateHandle });
}

/** All i18n keys of the top-level messages. */
export function messageKeys(body: IdxResponse | null): string[] {
  return body?.messages?.value.map((m) => m.i18n?.key ?? '') ?? [];
}

/** The messages attached to `credentials.passcode` of the first remediation. */
export function passcodeFieldKeys(body: IdxResponse): string[] {
  const first = body.remediation?.value[0];
  const credentials = first?.value.find((f) => f.name === 'credentials');
  const passcode = credentials?.form?.value.find((f) => f.name === 'passcode');
  return passcode?.messages?.value.map((m) => m.i18n?.key ?? '') ?? [];
}

/** A code guaranteed to differ from `code`. */
export function wrongCode(code: string, offset = 1): string {
  return String((Number(code) + offset) % 1_000_000).padStart(6, '0');
}
