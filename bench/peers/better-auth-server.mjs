#!/usr/bin/env node
// Peer for the email-OTP comparison (issue #8): Better Auth with its email-otp plugin on 127.0.0.1,
// stored in SQLite through better-sqlite3 (WAL, synchronous=NORMAL, like Gatehouse's embedded
// store). Its sendVerificationOTP callback writes each email to an outbox table in the same
// database, and GET /dev/mailbox/api/messages?to=<address>&limit=<n> (newest first) serves it the
// way Gatehouse's dev mailbox does, so the driver reads the code the way a user would.
// Started by bench/run.mjs as a child with an IPC channel:
//   → { id, type: 'seed', users: [email, …] }   creates verified users (email-otp sign-up is off)
//   ← { id, ok: true, result: <count> }
//   node bench/peers/better-auth-server.mjs --port <n> --data-dir <dir>

import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { emailOTP } from 'better-auth/plugins/email-otp';
// The SQLite driver Gatehouse loads on this Node (better-sqlite3 13, or 12 on Node 20: ADR 0016).
import { SqliteDatabase as Database } from '../../packages/server/dist/storage/sqlite-driver.js';

const { values: args } = parseArgs({
  options: { port: { type: 'string' }, 'data-dir': { type: 'string' } },
});
const port = Number(args.port);
const baseURL = `http://127.0.0.1:${port}`;

const db = new Database(join(args['data-dir'], 'better-auth.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 5000');
db.exec(`create table if not exists outbox (id text primary key, to_address text not null,
  subject text not null, text_body text not null, created_at integer not null);
  create index if not exists outbox_to on outbox (to_address, created_at);`);
const addMail = db.prepare(
  'insert into outbox (id, to_address, subject, text_body, created_at) values (?, ?, ?, ?, ?)',
);
const listMail = db.prepare(
  'select * from outbox where to_address = ? order by created_at desc, rowid desc limit ?',
);

const auth = betterAuth({
  baseURL,
  secret: randomBytes(32).toString('hex'),
  database: db,
  telemetry: { enabled: false },
  // Gatehouse runs with its limits raised for the bench; Better Auth's limiter is switched off.
  rateLimit: { enabled: false },
  logger: { level: 'error' },
  plugins: [
    emailOTP({
      // Same shape as Gatehouse's email factor: 6 digits, 5 minutes, 5 attempts, existing users only.
      otpLength: 6,
      expiresIn: 300,
      allowedAttempts: 5,
      disableSignUp: true,
      async sendVerificationOTP({ email, otp, type }) {
        const subject = `Your Bench sign-in code: ${otp}`;
        const text = `Enter this code to ${type === 'sign-in' ? 'sign in' : type}:\n\n    ${otp}\n\nIt expires in 5 minutes.\n`;
        addMail.run(randomUUID(), email.toLowerCase(), subject, text, Date.now());
      },
    }),
  ],
});

const { runMigrations } = await getMigrations(auth.options);
await runMigrations();
const context = await auth.$context;

async function seed(emails) {
  let created = 0;
  for (const email of emails) {
    if (await context.internalAdapter.findUserByEmail(email)) continue;
    await context.internalAdapter.createUser({ email, name: email.split('@')[0], emailVerified: true });
    created++;
  }
  return created;
}

const authHandler = toNodeHandler(auth);
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url?.startsWith('/dev/mailbox/api/messages')) {
    const url = new URL(req.url, baseURL);
    const rows = listMail.all(
      (url.searchParams.get('to') ?? '').toLowerCase(),
      Math.min(100, Number(url.searchParams.get('limit') ?? 100)),
    );
    const body = JSON.stringify(
      rows.map((m) => ({
        id: m.id,
        to: m.to_address,
        subject: m.subject,
        text: m.text_body,
        sentAt: new Date(m.created_at).toISOString(),
      })),
    );
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body);
    return;
  }
  authHandler(req, res);
});
server.keepAliveTimeout = 60_000;

process.on('message', async (message) => {
  try {
    if (message?.type === 'seed')
      process.send({ id: message.id, ok: true, result: await seed(message.users) });
    else process.send({ id: message?.id, ok: false, error: `unknown command ${message?.type}` });
  } catch (error) {
    process.send({ id: message?.id, ok: false, error: String(error?.stack ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));

server.listen(port, '127.0.0.1', () => {
  process.send?.({ type: 'ready', url: baseURL });
  process.stdout.write(`better-auth listening on ${baseURL}\n`);
});
