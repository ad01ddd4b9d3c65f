import { AsyncResource } from 'node:async_hooks';
import type { Clock } from '../clock.js';
import type { EventsStore } from '../storage/events-store.js';
import type { OutboxMessage, OutboxStore } from '../storage/outbox-store.js';
import type { MailTransport } from './transports/mail-transport.js';

export interface DeliverySettings {
  /** Attempts per message before it is dead. */
  maxAttempts: number;
  /** Wait before the second attempt; each later one waits twice as long (with jitter), up to `retryMaxSeconds`. */
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  /** How long a claim holds; a claim older than this was interrupted (its sender stopped mid-send). */
  leaseSeconds: number;
  /** How often the outbox is looked at without being woken (rows of other processes, retries coming due). */
  pollIntervalMs: number;
  batchSize: number;
}

export interface OutboxSenderDeps {
  outbox: OutboxStore;
  transport: MailTransport;
  events: EventsStore;
  clock: Clock;
  settings: DeliverySettings;
}

export interface SenderLog {
  warn(details: object, message: string): void;
}

/** How long after a request queued a message its delivery starts (plus up to the jitter). */
const QUEUED_DELAY_MS = 250;
const QUEUED_JITTER_MS = 250;

/**
 * Delivers the transactional outbox after commit: claims due messages one at a time (a guarded
 * update, so of several processes one sends each message), hands each to the relay, and records
 * the outcome. A refused or failed attempt is retried with exponential backoff until the last
 * allowed one; then the message is dead, for `gatehouse outbox retry`. A message whose sender
 * stopped mid-send is never resent on its own (at most once). Runs of the loop never overlap.
 */
export class OutboxSender {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private wokenWhileRunning = false;
  private stopped = false;
  private log: SenderLog = { warn: () => undefined };
  /**
   * `notify`, bound to the context the sender is made in (start-up): a timer set by a request runs in
   * the request's context, and a drain started there while the request's unit of work is still open
   * would run its statements in that request's database transaction.
   */
  private readonly wake = AsyncResource.bind(() => this.notify());

  constructor(private readonly deps: OutboxSenderDeps) {}

  start(log: SenderLog): void {
    this.log = log;
    this.stopped = false;
    this.timer = setInterval(() => this.notify(), this.deps.settings.pollIntervalMs);
    this.timer.unref();
    this.notify();
  }

  /**
   * A request committed a message: drain a moment later, never during the request. Delivery work
   * (SMTP, the outbox updates) in the same process would otherwise lengthen the answer of the step
   * that queued a real email and not of one that wrote a stand-in, telling accounts apart by timing
   * (docs/security.md I1).
   */
  queued(): void {
    if (this.stopped || !this.timer) return;
    const delay = QUEUED_DELAY_MS + Math.floor(Math.random() * QUEUED_JITTER_MS);
    setTimeout(this.wake, delay).unref();
  }

  /** Something is due: drain now (or right after the run in progress). */
  notify(): void {
    if (this.stopped || !this.timer) return;
    if (this.running) {
      this.wokenWhileRunning = true;
      return;
    }
    this.running = this.drain()
      .catch((err: unknown) =>
        this.log.warn({ err }, 'delivering the outbox failed; retrying on the next tick'),
      )
      .finally(() => {
        this.running = null;
        if (this.wokenWhileRunning) {
          this.wokenWhileRunning = false;
          this.notify();
        }
      });
  }

  /**
   * Stops the loop, waits for the message being sent (none is left claimed by a clean shutdown; the
   * rest stay pending for the next start) and closes the relay connection.
   */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    await this.deps.transport.close();
  }

  /** Delivers every message due now; resolves when none is left. */
  async drain(): Promise<void> {
    const { outbox, clock, settings } = this.deps;
    await outbox.abandonExpiredClaims(clock.now());
    for (;;) {
      const due = await outbox.findDue(clock.now(), settings.batchSize);
      if (due.length === 0) return;
      for (const id of due) {
        if (this.stopped) return;
        const message = await outbox.claim(id, clock.now(), settings.leaseSeconds * 1000);
        if (message) await this.deliver(message);
      }
    }
  }

  private async deliver(message: OutboxMessage): Promise<void> {
    const { outbox, transport, events, clock, settings } = this.deps;
    try {
      await transport.send(message);
    } catch (err) {
      const reason = (err as Error).message ?? String(err);
      const retryAt =
        message.attempts >= settings.maxAttempts ? null : clock.now() + this.backoffMs(message.attempts);
      await outbox.markFailed(message.id, reason, retryAt);
      if (retryAt === null) {
        await events.record(
          {
            type: 'system.email.delivery.failed',
            data: {
              outbox: message.id,
              template: message.templateId,
              attempts: message.attempts,
              reason: reason.slice(0, 200),
            },
          },
          clock.now(),
        );
      }
      return;
    }
    await outbox.markSent(message.id, clock.now());
  }

  /** base × 2^(n−1), ±20 %, at most `retryMaxSeconds`. */
  private backoffMs(attempts: number): number {
    const { retryBaseSeconds, retryMaxSeconds } = this.deps.settings;
    const seconds = Math.min(retryMaxSeconds, retryBaseSeconds * 2 ** Math.max(0, attempts - 1));
    return Math.round(seconds * 1000 * (0.8 + Math.random() * 0.4));
  }
}
