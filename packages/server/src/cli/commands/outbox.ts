import type { Command } from 'commander';
import { ValidationError } from '../../errors.js';
import type { OutboxMessage, OutboxStatus } from '../../storage/outbox-store.js';
import { type CommonOptions, print, withServices, withStoreOptions } from '../common-options.js';

const STATUSES: OutboxStatus[] = ['pending', 'sending', 'sent', 'dead', 'suppressed'];

interface ListOptions extends CommonOptions {
  status?: string;
  to?: string;
  limit: string;
}

interface RetryOptions extends CommonOptions {
  id?: string[];
  dead?: boolean;
}

/** A message as printed: where it stands, never its content (codes, links). */
function outboxRecord(m: OutboxMessage) {
  const time = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: m.id,
    to: m.to,
    template: m.templateId,
    status: m.status,
    attempts: m.attempts,
    createdAt: time(m.createdAt),
    nextAttemptAt: m.status === 'pending' ? time(m.nextAttemptAt) : null,
    sentAt: time(m.sentAt),
    lastError: m.lastError,
  };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `gatehouse outbox list|retry`: the email outbox, and requeuing messages given up on. */
export function outboxCommand(program: Command): void {
  const outbox = program
    .command('outbox')
    .description('the email outbox: what is waiting, sent, or given up');

  withStoreOptions(
    outbox
      .command('list')
      .description('list emails, newest first (content is never shown)')
      .option('--status <status>', `only this state: ${STATUSES.join(' | ')}`)
      .option('--to <address>', 'only emails to this address')
      .option('--limit <n>', 'at most this many', '50')
      .option('--json', 'print JSON'),
  ).action((options: ListOptions) =>
    withServices(options, async (services) => {
      if (options.status !== undefined && !STATUSES.includes(options.status as OutboxStatus))
        throw new ValidationError('status', `status must be one of ${STATUSES.join(', ')}`);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new ValidationError('limit', 'limit must be a whole number from 1 to 1000');
      const messages = await services.storage.outbox.list({
        status: options.status as OutboxStatus | undefined,
        to: options.to,
        limit,
      });
      const records = messages.map(outboxRecord);
      const counts = await services.storage.outbox.countByStatus();
      const summary = STATUSES.map((s) => `${s} ${counts[s] ?? 0}`).join(', ');
      const lines = records.map(
        (r) =>
          `${r.id}  ${r.status.padEnd(10)} ${String(r.attempts).padStart(2)}×  ${r.template.padEnd(18)} ${r.to}${r.lastError ? `  (${r.lastError})` : ''}`,
      );
      print(
        options,
        records,
        [...lines, lines.length ? '' : 'No emails.', `In the outbox: ${summary}`].join('\n'),
      );
    }),
  );

  withStoreOptions(
    outbox
      .command('retry')
      .description('put dead emails back in line (a running server sends them within a second)')
      .option('--id <id>', 'an email to retry (repeatable)', collect)
      .option('--dead', 'retry every dead email')
      .option('--json', 'print JSON'),
  ).action((options: RetryOptions) =>
    withServices(options, async (services) => {
      if (!options.id?.length && !options.dead)
        throw new ValidationError(
          'id',
          'name the emails to retry with --id, or retry all dead ones with --dead',
        );
      if (options.id?.length && options.dead)
        throw new ValidationError('dead', 'use --id or --dead, not both');
      const requeued = await services.storage.outbox.retry(
        services.clock.now(),
        options.dead ? undefined : options.id,
      );
      print(options, { requeued }, `Requeued ${requeued} email${requeued === 1 ? '' : 's'}.`);
    }),
  );
}
