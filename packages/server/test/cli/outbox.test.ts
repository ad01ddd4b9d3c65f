import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/storage.js';
import { BUILD_TIMEOUT_MS, buildCli, runCli, runCliJson, TempDirs } from './cli-harness.js';

interface OutboxRecord {
  id: string;
  to: string;
  template: string;
  status: string;
  attempts: number;
  lastError: string | null;
}

describe('gatehouse outbox (built binary)', () => {
  const dirs = new TempDirs();
  let dataDir: string;
  const store = () => ['--data-dir', dataDir];
  const ids = { dead: randomUUID(), pending: randomUUID(), sent: randomUUID() };

  beforeAll(async () => {
    buildCli();
    dataDir = join(dirs.make(), 'data');
    // Three emails as the server leaves them: one delivered, one waiting, one given up on.
    const storage = await openStorage({ dataDir, sqliteFile: 'gatehouse.db' });
    try {
      const now = Date.now();
      for (const [status, id] of [
        ['sent', ids.sent],
        ['pending', ids.pending],
        ['pending', ids.dead],
      ] as const) {
        await storage.outbox.add({
          id,
          to: `${status}@example.com`,
          from: 'Gatehouse <no-reply@gatehouse.localhost>',
          subject: 'Your code: 123456',
          text: 'code 123456',
          html: '<p>code 123456</p>',
          templateId: 'email-challenge',
          createdAt: now,
          status,
        });
      }
      await storage.outbox.claim(ids.dead, now, 60_000);
      await storage.outbox.markFailed(ids.dead, '550 Mailbox unavailable', null);
    } finally {
      await storage.close();
    }
  }, BUILD_TIMEOUT_MS);
  afterAll(() => dirs.cleanup());

  it('list shows where each email stands, never its content, with a summary', async () => {
    const records = await runCliJson<OutboxRecord[]>(['outbox', 'list', ...store(), '--json']);
    expect(records.map((r) => r.id).sort()).toEqual(Object.values(ids).sort());
    expect(records.find((r) => r.id === ids.dead)).toMatchObject({
      status: 'dead',
      attempts: 1,
      lastError: '550 Mailbox unavailable',
    });
    expect(JSON.stringify(records)).not.toContain('123456');
    const text = await runCli(['outbox', 'list', ...store()]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('In the outbox: pending 1, sending 0, sent 1, dead 1, suppressed 0');
    expect(text.stdout).not.toContain('123456');
  });

  it('list --status filters; a bad status or limit exits 1 naming it', async () => {
    const dead = await runCliJson<OutboxRecord[]>([
      'outbox',
      'list',
      ...store(),
      '--status',
      'dead',
      '--json',
    ]);
    expect(dead.map((r) => r.id)).toEqual([ids.dead]);
    const bad = await runCli(['outbox', 'list', ...store(), '--status', 'lost']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/status must be one of pending, sending, sent, dead, suppressed/);
    expect((await runCli(['outbox', 'list', ...store(), '--limit', '0'])).code).toBe(1);
  });

  it('retry requeues dead emails (by id or all), and asks what to retry when told nothing', async () => {
    const nothing = await runCli(['outbox', 'retry', ...store()]);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/--id.*--dead/);
    // A message that is not dead is not touched.
    expect(await runCliJson(['outbox', 'retry', ...store(), '--id', ids.pending, '--json'])).toEqual({
      requeued: 0,
    });
    expect(await runCliJson(['outbox', 'retry', ...store(), '--dead', '--json'])).toEqual({ requeued: 1 });
    const after = await runCliJson<OutboxRecord[]>([
      'outbox',
      'list',
      ...store(),
      '--status',
      'pending',
      '--json',
    ]);
    expect(after.map((r) => r.id).sort()).toEqual([ids.pending, ids.dead].sort());
    expect(after.find((r) => r.id === ids.dead)).toMatchObject({ attempts: 0, lastError: null });
  });
});
