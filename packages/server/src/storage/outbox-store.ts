import { type Kysely, type Selectable, sql } from 'kysely';
import type { Database, OutboxTable } from './schema.js';

/**
 * Where an email stands. `pending`: waiting for the sender (due at `nextAttemptAt`). `sending`:
 * claimed by a sender. `sent`: handed to the relay (or, with no relay configured, kept for the dev
 * mailbox). `dead`: given up after the last attempt, or interrupted mid-send (delivery unknown, so
 * never retried on its own). `suppressed`: written for an address no account uses, never sent.
 */
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'dead' | 'suppressed';

/** An email in the transactional outbox. */
export interface OutboxMessage {
  id: string;
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  templateId: string;
  createdAt: number;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  sentAt: number | null;
}

/** A message as a request writes it. */
export type NewOutboxMessage = Pick<
  OutboxMessage,
  'id' | 'to' | 'from' | 'subject' | 'text' | 'html' | 'templateId' | 'createdAt'
> & { status: 'pending' | 'sent' | 'suppressed' };

function toMessage(row: Selectable<OutboxTable>): OutboxMessage {
  return {
    id: row.id,
    to: row.to_address,
    from: row.from_address,
    subject: row.subject,
    text: row.text_body,
    html: row.html_body,
    templateId: row.template_id,
    createdAt: row.created_at,
    status: row.status as OutboxStatus,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    sentAt: row.sent_at,
  };
}

export interface OutboxQuery {
  to?: string | undefined;
  status?: OutboxStatus | undefined;
  withoutSuppressed?: boolean | undefined;
  limit?: number | undefined;
}

/** The transactional outbox: written by requests inside their own transaction, drained by the sender. */
export class OutboxStore {
  constructor(private readonly db: Kysely<Database>) {}

  async add(message: NewOutboxMessage): Promise<void> {
    await this.db
      .insertInto('outbox')
      .values({
        id: message.id,
        to_address: message.to,
        from_address: message.from,
        subject: message.subject,
        text_body: message.text,
        html_body: message.html,
        template_id: message.templateId,
        created_at: message.createdAt,
        status: message.status,
        attempts: 0,
        next_attempt_at: message.status === 'pending' ? message.createdAt : null,
        claimed_until: null,
        last_error: null,
        sent_at: message.status === 'sent' ? message.createdAt : null,
      })
      .execute();
  }

  /** Ids of pending messages due by `now`, oldest first. */
  async findDue(now: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('outbox')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Claims a due message for one delivery attempt, in one guarded update: of any number of senders
   * (processes) racing for it, one gets it. Returns the message, or null when another got it.
   */
  async claim(id: string, now: number, leaseMs: number): Promise<OutboxMessage | null> {
    const row = await this.db
      .updateTable('outbox')
      .set((eb) => ({ status: 'sending', claimed_until: now + leaseMs, attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .returningAll()
      .executeTakeFirst();
    return row ? toMessage(row) : null;
  }

  /**
   * The claimed message went out. Its content is removed: one-time codes and links live in the store
   * only until the relay has them.
   */
  async markSent(id: string, now: number): Promise<boolean> {
    return this.finish(id, {
      status: 'sent',
      sent_at: now,
      claimed_until: null,
      last_error: null,
      subject: '',
      text_body: '',
      html_body: '',
    });
  }

  /** The attempt failed (the relay refused or could not be reached): try again at `retryAt`, or give up. */
  async markFailed(id: string, error: string, retryAt: number | null): Promise<boolean> {
    return this.finish(id, {
      status: retryAt === null ? 'dead' : 'pending',
      next_attempt_at: retryAt,
      claimed_until: null,
      last_error: error.slice(0, 500),
    });
  }

  private async finish(id: string, values: Partial<OutboxTable>): Promise<boolean> {
    const result = await this.db
      .updateTable('outbox')
      .set(values)
      .where('id', '=', id)
      .where('status', '=', 'sending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Claims whose sender stopped mid-send (its lease ran out): whether the relay got the message is
   * unknown, so they are not retried on their own (at most once); they end as `dead`, for an
   * operator to retry. Returns how many.
   */
  async abandonExpiredClaims(now: number): Promise<number> {
    const result = await this.db
      .updateTable('outbox')
      .set({
        status: 'dead',
        claimed_until: null,
        last_error: 'interrupted while sending; delivery unknown (retry with `gatehouse outbox retry`)',
      })
      .where('status', '=', 'sending')
      .where('claimed_until', '<', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Puts dead messages back in line (`ids`, or every dead one); their attempts start over. */
  async retry(now: number, ids?: string[]): Promise<number> {
    let query = this.db
      .updateTable('outbox')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now, last_error: null })
      .where('status', '=', 'dead');
    if (ids) {
      if (ids.length === 0) return 0;
      query = query.where('id', 'in', ids);
    }
    return Number((await query.executeTakeFirst()).numUpdatedRows);
  }

  /** Newest first, optionally for one recipient (case-insensitive) or in one state. */
  async list(options: OutboxQuery = {}): Promise<OutboxMessage[]> {
    let query = this.db.selectFrom('outbox').selectAll();
    if (options.to)
      query = query.where((eb) => eb(eb.fn('lower', ['to_address']), '=', options.to!.toLowerCase()));
    if (options.status) query = query.where('status', '=', options.status);
    if (options.withoutSuppressed) query = query.where('status', '!=', 'suppressed');
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit ?? 100)
      .execute();
    return rows.map(toMessage);
  }

  /** What the dev mailbox shows: every message but the suppressed ones, newest first. */
  listMailbox(options: { to?: string | undefined; limit?: number } = {}): Promise<OutboxMessage[]> {
    return this.list({ ...options, withoutSuppressed: true });
  }

  async find(id: string): Promise<OutboxMessage | null> {
    const row = await this.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toMessage(row) : null;
  }

  /** Messages by state, for `gatehouse outbox list` and health checks. */
  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('outbox')
      .select(['status', sql<number>`count(*)`.as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** Deletes delivered and suppressed messages written before `before` (dead ones are kept for the operator). */
  async deleteDeliveredBefore(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('outbox')
      .where('status', 'in', ['sent', 'suppressed'])
      .where('created_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async clear(): Promise<void> {
    await this.db.deleteFrom('outbox').execute();
  }
}
