import { decodeJwt } from 'jose';
import { type AddressObject, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTestServer, type TestServer } from '../support/test-server.js';
import { action, answer, emailApp, mailbox, messageKeys, startEmailSignIn } from './email-helpers.js';

interface Received {
  raw: string;
  mailFrom: string;
  rcptTo: string[];
}

/** A real SMTP server on loopback that keeps what it receives and can refuse recipients. */
class SmtpSink {
  readonly received: Received[] = [];
  rejectRecipients = false;
  rcptAttempts = 0;
  private server: SMTPServer | null = null;

  async start(): Promise<number> {
    const port = await freePort();
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (_address, _session, callback) => {
        this.rcptAttempts++;
        if (!this.rejectRecipients) return callback();
        const error = new Error('Mailbox unavailable') as Error & { responseCode: number };
        error.responseCode = 550;
        callback(error);
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          this.received.push({
            raw: Buffer.concat(chunks).toString('utf8'),
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    return port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const addresses = (field: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => v.address));

/** The raw header block of a message (up to the first empty line). */
const headerBlock = (raw: string) => raw.slice(0, raw.search(/\r?\n\r?\n/));

describe('email over a real SMTP exchange (nodemailer → smtp-server)', () => {
  const sink = new SmtpSink();
  let server: TestServer;
  let clientId: string;

  beforeAll(async () => {
    const port = await sink.start();
    server = await startTestServer({
      config: {
        // A value with CR/LF ends up in the subject of the shipped template (docs/security.md L3).
        orgName: 'Acme\r\nBcc: attacker@evil.example',
        email: { smtpUrl: `smtp://127.0.0.1:${port}`, from: 'Acme Sign-in <signin@acme.test>' },
      },
    });
    clientId = (await emailApp(server)).clientId;
  });
  afterAll(async () => {
    await server?.close();
    await sink.close();
  });

  it('sends one message with From/To/Subject, text and HTML parts and no Bcc; its code signs in', async () => {
    const { user } = await server.createUser({ firstName: 'Grace' });
    const { idx, interaction, challenge } = await startEmailSignIn(server, clientId, user.login);
    expect(challenge.status).toBe(200);
    expect(sink.received).toHaveLength(1);
    const [delivered] = sink.received;
    // The envelope goes to the stored address only.
    expect(delivered!.rcptTo).toEqual([user.email]);
    expect(delivered!.mailFrom).toBe('signin@acme.test');

    const mail = await simpleParser(delivered!.raw);
    expect(mail.from?.value).toEqual([{ address: 'signin@acme.test', name: 'Acme Sign-in' }]);
    expect(addresses(mail.to)).toEqual([user.email]);
    expect(mail.cc).toBeUndefined();
    expect(mail.bcc).toBeUndefined();
    expect(headerBlock(delivered!.raw)).not.toMatch(/^bcc:/im);
    expect(mail.subject).toMatch(/^Your Acme Bcc: attacker@evil\.example sign-in code: \d{6}$/);
    expect(mail.headers.get('x-gatehouse-template')).toBe('email-challenge');

    const code = /(\d{6})$/.exec(mail.subject!)![1]!;
    expect(mail.text).toContain('Hi Grace,');
    expect(mail.text).toContain(`otp=${code}&state=${interaction.state}`);
    expect(typeof mail.html).toBe('string');
    expect(mail.html as string).toContain(`otp=${code}&amp;state=${interaction.state}`);
    expect(mail.html as string).toContain(code);
    // Nothing went to the outbox: SMTP replaced it.
    expect(await mailbox(server, user.email)).toHaveLength(0);

    const done = await idx.submit('challenge-authenticator', { credentials: { passcode: code } });
    expect(done.status).toBe(200);
    const tokens = await idx.exchange(interaction, idx.interactionCode());
    expect(tokens.status).toBe(200);
    expect(decodeJwt(tokens.body.id_token as string).sub).toBe(user.id);
  });

  it('a refused recipient → 502 gatehouse.email.not_sent (IDX body); once SMTP accepts, resend works at once', async () => {
    const { user } = await server.createUser();
    const before = sink.received.length;
    sink.rejectRecipients = true;
    const attemptsBefore = sink.rcptAttempts;
    const { idx, interaction, challenge } = await startEmailSignIn(server, clientId, user.login);
    expect(challenge.status).toBe(502);
    expect(challenge.body.version).toBe('1.0.0');
    expect(messageKeys(challenge.body)).toEqual(['gatehouse.email.not_sent']);
    expect(challenge.body.successWithInteractionCode).toBeUndefined();
    expect(sink.rcptAttempts).toBeGreaterThan(attemptsBefore);
    expect(sink.received).toHaveLength(before);
    // The challenge is shown with its resend action, so the client can try again.
    expect(challenge.body.remediation!.value[0]!.name).toBe('challenge-authenticator');
    expect(challenge.body.currentAuthenticatorEnrollment?.value.resend).toBeDefined();

    // Still refusing: a resend fails the same way and is not throttled either.
    const failedAgain = await action(challenge.body, 'resend');
    expect(failedAgain.status).toBe(502);
    expect(messageKeys(failedAgain.body)).toEqual(['gatehouse.email.not_sent']);

    sink.rejectRecipients = false;
    // No clock advance: the failed sends were given back, so the 30 s interval does not apply.
    const resent = await action(challenge.body, 'resend');
    expect(resent.status).toBe(200);
    expect(sink.received).toHaveLength(before + 1);
    const mail = await simpleParser(sink.received.at(-1)!.raw);
    expect(addresses(mail.to)).toEqual([user.email]);
    const code = /(\d{6})$/.exec(mail.subject!)![1]!;

    // Exactly one message was delivered, and its code is the one that works.
    const done = await answer(resent.body, code);
    expect(done.status).toBe(200);
    idx.last = done;
    const tokens = await idx.exchange(interaction, idx.interactionCode());
    expect(tokens.status).toBe(200);

    // The next resend of another transaction is throttled as usual again after a real send.
    const next = await startEmailSignIn(server, clientId, user.login);
    expect(next.challenge.status).toBe(200);
    expect((await action(next.challenge.body, 'resend')).status).toBe(429);
  });
});
