import type { Kysely, Selectable } from 'kysely';
import type { Database, OutboxTable } from './schema.js';

/** An email kept in the store instead of being sent (the embedded default; read at /dev/mailbox). */
export interface OutboxMessage {
  id: string;
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  templateId: string;
  createdAt: number;
}

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
  };
}

export class OutboxStore {
  constructor(private readonly db: Kysely<Database>) {}

  async add(message: OutboxMessage): Promise<void> {
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
      })
      .execute();
  }

  /** Newest first, optionally for one recipient (case-insensitive). */
  async list(options: { to?: string | undefined; limit?: number } = {}): Promise<OutboxMessage[]> {
    let query = this.db.selectFrom('outbox').selectAll();
    if (options.to)
      query = query.where((eb) => eb(eb.fn('lower', ['to_address']), '=', options.to!.toLowerCase()));
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit ?? 100)
      .execute();
    return rows.map(toMessage);
  }

  async find(id: string): Promise<OutboxMessage | null> {
    const row = await this.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toMessage(row) : null;
  }

  async clear(): Promise<void> {
    await this.db.deleteFrom('outbox').execute();
  }
}
