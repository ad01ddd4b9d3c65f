import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/storage/database.js';
import { SQLITE_DRIVER_PATH } from '../../src/storage/sqlite-driver.js';
import { TempDirs } from './cli-harness.js';

/**
 * Several worker processes write one SQLite file. A transaction that reads, then writes, must wait
 * for a writer in another connection instead of failing with SQLITE_BUSY: the store begins write
 * transactions with BEGIN IMMEDIATE. The other writer here is a thread with its own connection,
 * which SQLite locks exactly like another process.
 */

const WRITER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
parentPort.on('message', () => {
  const started = Date.now();
  try {
    db.exec('begin immediate');
    db.exec('update counter set n = n + 1');
    db.exec('commit');
    parentPort.postMessage({ ok: true, waitedMs: Date.now() - started });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: String(err) });
  }
});
`;

interface WriterResult {
  ok: boolean;
  waitedMs?: number;
  error?: string;
}

describe('SQLite transactions across connections', () => {
  const dirs = new TempDirs();
  const handles: DatabaseHandle[] = [];
  const threads: Worker[] = [];

  afterAll(async () => {
    for (const t of threads) await t.terminate();
    for (const h of handles) await h.close();
    dirs.cleanup();
  });

  async function setUp() {
    const dataDir = dirs.make('gatehouse-sqlite-lock-');
    const handle = openDatabase({ dataDir, sqliteFile: 'lock.db' });
    handles.push(handle);
    await sql`create table counter (n integer not null)`.execute(handle.db);
    await sql`insert into counter (n) values (0)`.execute(handle.db);
    const writer = new Worker(WRITER, {
      eval: true,
      workerData: {
        driver: SQLITE_DRIVER_PATH,
        file: join(dataDir, 'lock.db'),
      },
    });
    threads.push(writer);
    await new Promise((resolve) => writer.once('online', resolve));
    const count = async () => (await sql<{ n: number }>`select n from counter`.execute(handle.db)).rows[0]!.n;
    return { handle, writer, count };
  }

  it('read-then-write: the other writer waits for the lock, both increments count', async () => {
    const { handle, writer, count } = await setUp();
    const written = new Promise<WriterResult>((resolve) => writer.once('message', resolve));
    let writerFinishedInside = false;
    await handle.db.transaction().execute(async (trx) => {
      const { n } = (await sql<{ n: number }>`select n from counter`.execute(trx)).rows[0]!;
      writer.postMessage('write');
      // A writer that is not held back commits well within this time.
      writerFinishedInside = await Promise.race([written.then(() => true), sleep(400).then(() => false)]);
      await sql`update counter set n = ${n + 1}`.execute(trx);
    });
    const result = await written;
    expect(writerFinishedInside).toBe(false);
    expect(result).toMatchObject({ ok: true });
    expect(result.waitedMs).toBeGreaterThanOrEqual(300);
    expect(await count()).toBe(2);
  });

  it('a read-only transaction takes no write lock', async () => {
    const { handle, writer, count } = await setUp();
    const written = new Promise<WriterResult>((resolve) => writer.once('message', resolve));
    await handle.db
      .transaction()
      .setAccessMode('read only')
      .execute(async (trx) => {
        await sql`select n from counter`.execute(trx);
        writer.postMessage('write');
        expect(await written).toMatchObject({ ok: true });
        // The snapshot read before the other commit is still what this transaction sees.
        expect((await sql<{ n: number }>`select n from counter`.execute(trx)).rows[0]!.n).toBe(0);
      });
    expect(await count()).toBe(1);
  });
});
