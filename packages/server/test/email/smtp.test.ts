import type { IdxResponse } from '@gatehouse/protocol';
import { decodeJwt } from 'jose';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpResult } from '../support/idx-client.js';
import { addresses, headerBlock, SmtpSink } from '../support/smtp-sink.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { action, answer, emailApp, messageKeys, startEmailSignIn } from './email-helpers.js';

const RETRY_SECONDS = 10;
const ATTEMPTS = 3;

/** What a response says, with what may differ between two conversations masked. */
function shape(res: HttpResult<IdxResponse>, identifier: string): string {
  const text = JSON.stringify(res.body)
    .split(res.body.stateHandle ?? '\u0000')
    .join('<handle>')
    .split(res.body.expiresAt ?? '\u0000')
    .join('<expires>')
    .split(identifier)
    .join('<identifier>');
  return `${res.status} ${text
    .replace(/"00u[0-9a-z]{17}"/g, '"<user>"')
    .replace(/"eae[A-Za-z0-9]{17}"/g, '"<enrollment>"')
    .replace(/"[^"]\*\*\*[^"@]?@/g, '"<masked>@')}`;
}

/**
 * Email over a real SMTP exchange (nodemailer → smtp-server on loopback), through the
 * transactional outbox: a request writes the message with its own changes and the outbox sender
 * delivers it after commit, so no request waits for the relay, and a relay that refuses or is down
 * changes nothing a client can see (docs/security.md M2).
 */
describe('email over a real SMTP exchange, through the outbox', () => {
  const sink = new SmtpSink();
  let server: TestServer;
  let clientId: string;

  beforeAll(async () => {
    const port = await sink.start();
    server = await startTestServer({
      config: {
        // A value with CR/LF ends up in the subject of the shipped template (docs/security.md L3).
        orgName: 'Acme\r\nBcc: attacker@evil.example',
        email: {
          smtpUrl: `smtp://127.0.0.1:${port}`,
          from: 'Acme Sign-in <signin@acme.test>',
          deliveryAttempts: ATTEMPTS,
          deliveryRetrySeconds: RETRY_SECONDS,
        },
      },
    });
    clientId = (await emailApp(server)).clientId;
  });
  afterAll(async () => {
    await server?.close();
    await sink.close();
  });

  const outboxFor = (to: string) => server.services.storage.outbox.list({ to });

  /** `status:attempts` of the newest message to `to` once an attempt has ended (null while one runs). */
  const settled = (to: string) => async () => {
    const [m] = await outboxFor(to);
    return m && m.status !== 'sending' && m.lastError ? `${m.status}:${m.attempts}` : null;
  };

  /** Moves the server's clock past every retry wait, then lets the sender look again. */
  const pastRetryWait = () => server.clock.advance(RETRY_SECONDS * 2 ** ATTEMPTS * 1000);

  it('delivers one message with From/To/Subject, text and HTML parts and no Bcc; its code signs in', async () => {
    const { user } = await server.createUser({ firstName: 'Grace' });
    const before = sink.received.length;
    const { idx, interaction, challenge } = await startEmailSignIn(server, clientId, user.login);
    expect(challenge.status).toBe(200);
    const delivered = (await sink.waitFor(before + 1))[before]!;
    // The envelope goes to the stored address only.
    expect(delivered.rcptTo).toEqual([user.email]);
    expect(delivered.mailFrom).toBe('signin@acme.test');

    const mail = await simpleParser(delivered.raw);
    expect(mail.from?.value).toEqual([{ address: 'signin@acme.test', name: 'Acme Sign-in' }]);
    expect(addresses(mail.to)).toEqual([user.email]);
    expect(mail.cc).toBeUndefined();
    expect(mail.bcc).toBeUndefined();
    expect(headerBlock(delivered.raw)).not.toMatch(/^bcc:/im);
    expect(mail.subject).toMatch(/^Your Acme Bcc: attacker@evil\.example sign-in code: \d{6}$/);
    expect(mail.headers.get('x-gatehouse-template')).toBe('email-challenge');

    const code = /(\d{6})$/.exec(mail.subject!)![1]!;
    expect(mail.text).toContain('Hi Grace,');
    expect(mail.text).toContain(`otp=${code}&state=${interaction.state}`);
    expect(mail.html as string).toContain(`otp=${code}&amp;state=${interaction.state}`);

    // Once the relay has it, the outbox keeps the record without the code or the link.
    await expect.poll(async () => (await outboxFor(user.email))[0]?.status).toBe('sent');
    const [record] = await outboxFor(user.email);
    expect(record).toMatchObject({ attempts: 1, subject: '', text: '', html: '' });

    const done = await idx.submit('challenge-authenticator', { credentials: { passcode: code } });
    expect(done.status).toBe(200);
    const tokens = await idx.exchange(interaction, idx.interactionCode());
    expect(tokens.status).toBe(200);
    expect(decodeJwt(tokens.body.id_token as string).sub).toBe(user.id);
  });

  it('a refusing relay changes nothing a client sees; the message is retried and delivered once it accepts', async () => {
    const { user } = await server.createUser();
    const before = sink.received.length;
    sink.rejectRecipients = true;
    try {
      const { idx, interaction, challenge } = await startEmailSignIn(server, clientId, user.login);
      expect(challenge.status).toBe(200);
      expect(messageKeys(challenge.body)).toEqual([]);
      expect(challenge.body.remediation!.value[0]!.name).toBe('challenge-authenticator');
      await expect.poll(settled(user.email)).toBe('pending:1');
      expect((await outboxFor(user.email))[0]!.lastError).toMatch(/550/);
      expect(sink.received).toHaveLength(before);

      sink.rejectRecipients = false;
      pastRetryWait();
      const mail = await simpleParser((await sink.waitFor(before + 1))[before]!.raw);
      const code = /(\d{6})$/.exec(mail.subject!)![1]!;
      const done = await answer(challenge.body, code);
      expect(done.status).toBe(200);
      idx.last = done;
      expect((await idx.exchange(interaction, idx.interactionCode())).status).toBe(200);
      // Exactly one message reached the relay.
      expect(sink.received.filter((r) => r.rcptTo.includes(user.email))).toHaveLength(1);
    } finally {
      sink.rejectRecipients = false;
    }
  });

  it('after the last attempt the message is dead, with an event; retried, it is delivered', async () => {
    const { user } = await server.createUser();
    sink.rejectRecipients = true;
    try {
      const { challenge } = await startEmailSignIn(server, clientId, user.login);
      expect(challenge.status).toBe(200);
      // Each attempt ends (pending again, or dead after the last) before the clock moves past its wait.
      for (let attempt = 1; attempt < ATTEMPTS; attempt++) {
        await expect.poll(settled(user.email), { timeout: 5000 }).toBe(`pending:${attempt}`);
        pastRetryWait();
      }
      await expect.poll(settled(user.email), { timeout: 5000 }).toBe(`dead:${ATTEMPTS}`);
      const [dead] = await outboxFor(user.email);
      const failures = await server.services.storage.handle.db
        .selectFrom('events')
        .select('data')
        .where('type', '=', 'system.email.delivery.failed')
        .execute();
      const recorded = failures.map((f) => JSON.parse(f.data) as { outbox: string; attempts: number });
      expect(recorded).toContainEqual(expect.objectContaining({ outbox: dead!.id, attempts: ATTEMPTS }));
    } finally {
      sink.rejectRecipients = false;
    }
    const [dead] = await outboxFor(user.email);
    expect(dead!.text).toMatch(/\d{6}/);
    const before = sink.received.length;
    expect(await server.services.storage.outbox.retry(server.clock.now(), [dead!.id])).toBe(1);
    server.services.outboxSender!.notify();
    await sink.waitFor(before + 1);
    await expect.poll(async () => (await outboxFor(user.email))[0]?.status).toBe('sent');
  });

  it('with the relay down, a known and an unknown account get the same answers; mail goes out once it is back', async () => {
    const { user } = await server.createUser();
    const unknown = `nobody-${Date.now()}@example.com`;
    await sink.close();
    try {
      const known = await startEmailSignIn(server, clientId, user.login);
      const ghost = await startEmailSignIn(server, clientId, unknown);
      expect(shape(known.challenge, user.login)).toBe(shape(ghost.challenge, unknown));
      const knownResend = await action(known.challenge.body, 'resend');
      const ghostResend = await action(ghost.challenge.body, 'resend');
      expect(shape(knownResend, user.login)).toBe(shape(ghostResend, unknown));
      expect(knownResend.status).toBe(429);
      // Nothing is ever sent for the unknown address; the real one waits in the outbox.
      expect((await outboxFor(unknown)).map((m) => m.status)).toEqual(['suppressed']);
      // The first attempt has ended (refused connection, retry scheduled) before the relay comes
      // back and the clock moves: an attempt still running when the clock moved would schedule its
      // retry from the moved clock, a real wait of RETRY_SECONDS more than the test waits.
      await expect.poll(settled(user.email)).toBe('pending:1');
    } finally {
      await sink.start();
    }
    const before = sink.received.length;
    pastRetryWait();
    const [arrived] = (await sink.waitFor(before + 1)).slice(before);
    expect(arrived!.rcptTo).toEqual([user.email]);
  });

  it('a relay that never answers holds no request: the step completes and the message waits', async () => {
    const { user } = await server.createUser();
    sink.hang = true;
    try {
      const { challenge } = await startEmailSignIn(server, clientId, user.login);
      expect(challenge.status).toBe(200);
      expect(challenge.body.remediation!.value[0]!.name).toBe('challenge-authenticator');
    } finally {
      sink.hang = false;
    }
  });
});
