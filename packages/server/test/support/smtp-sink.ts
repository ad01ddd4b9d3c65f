import type { AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './test-server.js';

export interface Received {
  raw: string;
  mailFrom: string;
  rcptTo: string[];
}

/**
 * A real SMTP server on loopback that keeps what it receives. It can refuse recipients (550), or
 * hold every message without answering (a relay that hangs), and be stopped and started again on
 * the same port (a relay that is down for a while).
 */
export class SmtpSink {
  readonly received: Received[] = [];
  rejectRecipients = false;
  /** Hold DATA without ever answering. */
  hang = false;
  rcptAttempts = 0;
  port = 0;
  private server: SMTPServer | null = null;

  async start(): Promise<number> {
    this.port ||= await freePort();
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
          if (this.hang) return;
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
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
    return this.port;
  }

  /** Waits (up to `timeoutMs`) until at least `count` messages have arrived. */
  async waitFor(count: number, timeoutMs = 5000): Promise<Received[]> {
    const end = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > end)
        throw new Error(`expected ${count} messages at the SMTP sink, got ${this.received.length}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return this.received;
  }

  close(): Promise<void> {
    const server = this.server;
    this.server = null;
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

export const addresses = (field: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => v.address));

/** The raw header block of a message (up to the first empty line). */
export const headerBlock = (raw: string) => raw.slice(0, raw.search(/\r?\n\r?\n/));
