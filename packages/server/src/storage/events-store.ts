import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface AuditEvent {
  type: string;
  userId?: string | null | undefined;
  appId?: string | null | undefined;
  ip?: string | null | undefined;
  /** Never secrets: no passwords, codes, tokens or handles. */
  data?: Record<string, unknown>;
}

export interface StoredEvent extends Required<Omit<AuditEvent, 'data'>> {
  id: string;
  data: Record<string, unknown>;
  createdAt: number;
}

/**
 * Writes one audit event with the given executor: other stores pass their transaction, so that the
 * event and the change it records are committed together (one commit, never one without the other).
 */
export async function insertEvent(db: Kysely<Database>, event: AuditEvent, now: number): Promise<void> {
  await db
    .insertInto('events')
    .values({
      id: randomUUID(),
      type: event.type,
      user_id: event.userId ?? null,
      app_id: event.appId ?? null,
      ip: event.ip ?? null,
      data: JSON.stringify(event.data ?? {}),
      created_at: now,
    })
    .execute();
}

export class EventsStore {
  constructor(private readonly db: Kysely<Database>) {}

  async record(event: AuditEvent, now: number): Promise<void> {
    await insertEvent(this.db, event, now);
  }

  async listForUser(userId: string, limit = 50): Promise<StoredEvent[]> {
    const rows = await this.db
      .selectFrom('events')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      type: r.type,
      userId: r.user_id,
      appId: r.app_id,
      ip: r.ip,
      data: JSON.parse(r.data) as Record<string, unknown>,
      createdAt: r.created_at,
    }));
  }
}
