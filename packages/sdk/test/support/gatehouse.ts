/**
 * Helpers for the SDK's integration tests: a real Gatehouse (the server's own test harness),
 * SDK clients on given storages, and the dev mailbox.
 */
import { expect } from 'vitest';
import type { AppPolicyInput } from '../../../server/src/apps/app-service.js';
import type { App } from '../../../server/src/storage/apps-store.js';
import type { TestServer } from '../../../server/test/support/test-server.js';
import {
  type AuthClient,
  type AuthStorage,
  createAuthClient,
  type FetchLike,
  memoryStorage,
} from '../../src/index.js';

export const REDIRECT_URI = 'http://localhost:8080/login/callback';

export async function createTestApp(
  server: TestServer,
  policy: AppPolicyInput,
  extra: { public?: boolean } = {},
): Promise<{ app: App; clientSecret: string | null }> {
  return server.createApp({ policy, ...(extra.public === false ? { public: false } : {}) });
}

export function sdkClient(
  server: TestServer,
  app: App,
  storage: AuthStorage = memoryStorage(),
  extra: { clientSecret?: string | null; scopes?: string[]; fetch?: FetchLike; now?: () => number } = {},
): AuthClient {
  return createAuthClient({
    ...(extra.fetch ? { fetch: extra.fetch } : {}),
    ...(extra.now ? { now: extra.now } : {}),
    issuer: server.issuer,
    clientId: app.clientId,
    ...(extra.clientSecret ? { clientSecret: extra.clientSecret } : {}),
    redirectUri: REDIRECT_URI,
    scopes: extra.scopes ?? ['openid', 'profile', 'email'],
    storage,
  });
}

export interface Mail {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  sentAt: string;
}

/** The `count`-th email to `to` (newest first), waiting briefly for the outbox. */
export async function latestMail(server: TestServer, to: string, count = 1): Promise<Mail> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await fetch(`${server.url}/dev/mailbox/api/messages?to=${encodeURIComponent(to)}`);
    expect(res.status).toBe(200);
    const messages = (await res.json()) as Mail[];
    if (messages.length >= count) return messages[0]!;
    if (Date.now() > deadline) throw new Error(`no email #${count} for ${to} (have ${messages.length})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The magic link of an email, its `search`, and the code (also present on its own in the text). */
export function magicLinkOf(mail: Mail): { link: URL; search: string; otp: string; state: string } {
  const match = /https?:\/\/[^\s"<>]+\?[^\s"<>]*otp=[^\s"<>]+/.exec(mail.text);
  if (!match) throw new Error(`no magic link in ${mail.text}`);
  const link = new URL(match[0]);
  const otp = link.searchParams.get('otp') ?? '';
  expect(otp).toMatch(/^\d{6}$/);
  expect(mail.text.replace(match[0], '')).toContain(otp);
  return { link, search: link.search, otp, state: link.searchParams.get('state') ?? '' };
}

/** Message i18n keys of a transaction. */
export const keysOf = (tx: { messages: Array<{ key: string }> }): string[] => tx.messages.map((m) => m.key);

/** A fetch that records `METHOD path` of every request (to assert what went on the wire). */
export function recordingFetch(): { fetch: FetchLike; calls: string[]; bodies: unknown[] } {
  const calls: string[] = [];
  const bodies: unknown[] = [];
  return {
    calls,
    bodies,
    fetch: (url, init) => {
      calls.push(`${init.method ?? 'GET'} ${new URL(url).pathname}`);
      bodies.push(typeof init.body === 'string' ? init.body : undefined);
      return fetch(url, init);
    },
  };
}
