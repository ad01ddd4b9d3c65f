import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { OutboxStore } from '../../storage/outbox-store.js';
import type { MailTransport, OutgoingEmail } from './mail-transport.js';

/** The embedded default: emails are kept in the store and read at the dev mailbox. */
export class OutboxTransport implements MailTransport {
  readonly name = 'outbox';
  constructor(
    private readonly outbox: OutboxStore,
    private readonly clock: Clock,
  ) {}

  async send(email: OutgoingEmail): Promise<void> {
    await this.outbox.add({ id: randomUUID(), ...email, createdAt: this.clock.now() });
  }

  async close(): Promise<void> {}
}
