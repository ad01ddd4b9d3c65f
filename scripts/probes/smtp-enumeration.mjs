#!/usr/bin/env node
// Probe (issue 13, item 3): can mail delivery tell known accounts from unknown ones? With an SMTP
// relay on loopback (smtp-server, answering at once), times the step that sends the email (choosing
// Email after identify) for a known and an unknown address, interleaved, and reports the medians.
// Then stops the relay and reports what each kind of account gets.
//
//   node scripts/probes/smtp-enumeration.mjs [--root DIR] [--database sqlite|postgres] [--samples 60]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { parseArgs, startProbeServer } from './lib/server.mjs';
import { openTransaction, submit } from './lib/sign-in.mjs';

const args = parseArgs();
const samples = Number(args.samples ?? 60);
const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
let received = 0;
const relay = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData: (stream, _session, callback) => {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      received++;
      callback();
    });
  },
});
await new Promise((resolve) => relay.listen(port, '127.0.0.1', resolve));
// The per-address and per-IP email limits would stop a probe this long; they are not what it measures.
const configDir = mkdtempSync(join(tmpdir(), 'gatehouse-probe-config-'));
const configFile = join(configDir, 'config.json');
const high = { limit: 100000, windowSeconds: 60 };
writeFileSync(
  configFile,
  JSON.stringify({ rateLimits: { emailPerRecipient: high, challengePerIp: high, answerPerIp: high } }),
);
const server = await startProbeServer({
  root: args.root,
  database: args.database ?? 'sqlite',
  policy: 'email',
  identifierFirst: true,
  env: { SMTP_URL: `smtp://127.0.0.1:${port}`, GATEHOUSE_CONFIG: configFile },
});

/** Identifies `identifier`, then times choosing Email (the step that sends). */
async function chooseEmail(identifier) {
  const { introspect } = await openTransaction(server);
  const identified = await submit(introspect, 'identify', { identifier });
  const select = identified.body.remediation.value.find(
    (f) => f.name === 'select-authenticator-authenticate',
  );
  const option = select.value[0].options.find((o) => o.label === 'Email');
  const id = option.value.form.value.find((f) => f.name === 'id').value;
  const t0 = performance.now();
  const res = await submit(identified.body, 'select-authenticator-authenticate', { authenticator: { id } });
  return { ms: performance.now() - t0, status: res.status, key: res.body?.messages?.value?.[0]?.i18n?.key };
}

const unknown = (i) => `nobody-${i}@example.com`;
const times = { known: [], unknown: [] };
let relayDown;
try {
  for (let i = 0; i < 4; i++) await chooseEmail(i % 2 ? server.login : unknown(i)); // warm-up
  for (let i = 0; i < samples; i++) {
    const order = i % 2 ? ['known', 'unknown'] : ['unknown', 'known'];
    for (const kind of order)
      times[kind].push((await chooseEmail(kind === 'known' ? server.login : unknown(i))).ms);
  }
  await new Promise((resolve) => relay.close(resolve));
  relayDown = { known: await chooseEmail(server.login), unknown: await chooseEmail(unknown(99999)) };
} finally {
  await server.stop();
  rmSync(configDir, { recursive: true, force: true });
}
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2;
};
const k = median(times.known);
const u = median(times.unknown);
const answer = (r) => `${r.status}${r.key ? ` ${r.key}` : ''}`;
console.log(
  `${server.database}, SMTP relay on loopback answering at once, ${samples} samples each (${received} emails reached it):`,
);
console.log(
  `  choosing Email: known median ${k.toFixed(1)} ms, unknown median ${u.toFixed(1)} ms, difference ${(k - u).toFixed(1)} ms`,
);
console.log(`  relay down: known → ${answer(relayDown.known)}, unknown → ${answer(relayDown.unknown)}`);
