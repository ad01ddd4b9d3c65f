import type { IdxResponse } from '@gatehouse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  action,
  answer,
  emailApp,
  HIGH_STEP_LIMITS,
  latestCode,
  type MailboxMessage,
  messageKeys,
  passcodeFieldKeys,
  startEmailSignIn,
  wrongCode,
} from './email-helpers.js';

/** Every JSON path of a value (array indexes kept), for comparing the shape of two envelopes. */
function paths(value: unknown, prefix = '$'): string[] {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((v, i) => paths(v, `${prefix}[${i}]`))];
  if (value && typeof value === 'object')
    return [prefix, ...Object.entries(value).flatMap(([k, v]) => paths(v, `${prefix}.${k}`))];
  return [`${prefix}:${typeof value}`];
}

/** What a client could compare between two accounts: everything but per-account values. */
function shape(body: IdxResponse) {
  return {
    paths: paths(body).sort(),
    remediations: body.remediation?.value.map((f) => f.name),
    options: body.remediation?.value.flatMap((f) =>
      f.value.flatMap((v) => v.options?.map((o) => o.label) ?? []),
    ),
    enrollmentKey: body.currentAuthenticatorEnrollment?.value.key,
  };
}

const MASKED = /^[^*@]\*\*\*[^*@]?@[a-z0-9.-]+$/;

async function allMessages(server: TestServer): Promise<MailboxMessage[]> {
  return (await (await fetch(`${server.url}/dev/mailbox/api/messages`)).json()) as MailboxMessage[];
}

describe('unknown identifiers with the email policy (docs/security.md I1)', () => {
  let server: TestServer;
  let clientId: string;

  beforeAll(async () => {
    server = await startTestServer({
      config: { rateLimits: HIGH_STEP_LIMITS },
    });
    clientId = (await emailApp(server)).clientId;
  });
  afterAll(() => server?.close());

  it('gets the same select and challenge envelopes as a real account, and no email is sent', async () => {
    const { user } = await server.createUser({
      login: 'known.person@example.com',
      email: 'known.person@example.com',
    });
    const known = await startEmailSignIn(server, clientId, user.login);
    const countBefore = (await allMessages(server)).length;
    const unknown = await startEmailSignIn(server, clientId, 'nobody.here@example.com');

    for (const step of ['select', 'challenge'] as const) {
      expect(unknown[step].status, step).toBe(known[step].status);
      expect(shape(unknown[step].body), step).toEqual(shape(known[step].body));
      expect(unknown[step].headers.get('set-cookie'), step).toBe(known[step].headers.get('set-cookie'));
    }
    expect(known.challenge.status).toBe(200);
    expect(shape(unknown.select.body).options).toEqual(['Email']);

    for (const flow of [known, unknown]) {
      const email = flow.challenge.body.currentAuthenticatorEnrollment!.value.profile!.email!;
      expect(email).toMatch(MASKED);
      expect(flow.challenge.body.user!.value.id).toMatch(/^00u[0-9a-f]{17}$/);
      expect(flow.challenge.body.currentAuthenticatorEnrollment!.value.id).toMatch(/^eae[A-Za-z0-9]{17}$/);
      expect(flow.select.body.authenticatorEnrollments!.value[0]!.profile!.email).toBe(email);
    }
    expect(unknown.challenge.body.currentAuthenticatorEnrollment!.value.profile!.email).toBe(
      'n***e@example.com',
    );

    expect(await allMessages(server)).toHaveLength(countBefore);
    const toNobody = await fetch(`${server.url}/dev/mailbox/api/messages?to=nobody.here%40example.com`);
    expect(await toNobody.json()).toEqual([]);
  });

  it('an identifier that is not an address is masked like one', async () => {
    const unknown = await startEmailSignIn(server, clientId, 'justaname');
    expect(unknown.challenge.status).toBe(200);
    expect(unknown.challenge.body.currentAuthenticatorEnrollment!.value.profile!.email).toMatch(MASKED);
  });

  it('answers always fail with PASSCODE_INVALID, and end the same way as for a real account', async () => {
    const { user } = await server.createUser();
    const known = await startEmailSignIn(server, clientId, user.login);
    const realCode = await latestCode(server, user.email);
    const unknown = await startEmailSignIn(server, clientId, `ghost-${Date.now()}@example.com`);

    // Whatever is typed, including a code valid elsewhere, fails like a wrong code does for a real account.
    const tries = [realCode, '000000', '123456', wrongCode(realCode)];
    for (const passcode of tries) {
      const forUnknown = await answer(unknown.challenge.body, passcode);
      const forKnown = await answer(
        known.challenge.body,
        passcode === realCode ? wrongCode(realCode, 7) : passcode,
      );
      expect(forUnknown.status).toBe(401);
      expect(passcodeFieldKeys(forUnknown.body)).toEqual(['api.authn.error.PASSCODE_INVALID']);
      expect(forUnknown.status).toBe(forKnown.status);
      expect(shape(forUnknown.body)).toEqual(shape(forKnown.body));
    }
    const fifthUnknown = await answer(unknown.challenge.body, '999999');
    const fifthKnown = await answer(known.challenge.body, wrongCode(realCode, 9));
    expect(fifthUnknown.status).toBe(fifthKnown.status);
    expect(messageKeys(fifthUnknown.body)).toEqual(['gatehouse.challenge.too_many_attempts']);
    expect(messageKeys(fifthKnown.body)).toEqual(['gatehouse.challenge.too_many_attempts']);
  });

  it('resend and poll answer as for a real account, and still send nothing', async () => {
    const { user } = await server.createUser();
    const known = await startEmailSignIn(server, clientId, user.login);
    const ghost = `ghost-resend-${Date.now()}@example.com`;
    const unknown = await startEmailSignIn(server, clientId, ghost);
    const countBefore = (await allMessages(server)).length;

    const early = [
      await action(known.challenge.body, 'resend'),
      await action(unknown.challenge.body, 'resend'),
    ];
    expect(early.map((r) => r.status)).toEqual([429, 429]);
    const retryAfter = early.map((r) => Number(r.headers.get('retry-after')));
    expect(Math.min(...retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Math.abs(retryAfter[0]! - retryAfter[1]!)).toBeLessThanOrEqual(1);
    server.clock.advance(31_000);
    const late = [
      await action(known.challenge.body, 'resend'),
      await action(unknown.challenge.body, 'resend'),
    ];
    expect(late.map((r) => r.status)).toEqual([200, 200]);
    expect(shape(late[1]!.body)).toEqual(shape(late[0]!.body));
    const polls = [await action(known.challenge.body, 'poll'), await action(unknown.challenge.body, 'poll')];
    expect(polls.map((r) => r.status)).toEqual([200, 200]);
    expect(shape(polls[1]!.body)).toEqual(shape(polls[0]!.body));

    const after = await allMessages(server);
    expect(after).toHaveLength(countBefore + 1);
    expect(after[0]!.to).toBe(user.email);
    expect(after.some((m) => m.to === ghost)).toBe(false);
  });
});
