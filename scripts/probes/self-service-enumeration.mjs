#!/usr/bin/env node
// Probe (issue 14): can self-service unlock or sign-up tell which accounts exist? With an SMTP relay
// on loopback (answering at once), times, interleaved, the step that may send an email:
//   unlock  — the unlock form (identifier + Email) for a locked account, an active one, an unknown one;
//   sign-up — the profile form, then choosing Email, for a new address and one that has an account
//             (the default `existingEmail: notify-owner`);
// and compares the answers (status, remediations, message keys) and what reached the relay.
//
//   node scripts/probes/self-service-enumeration.mjs [--database sqlite|postgres] [--samples 40]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { parseArgs, startProbeServer } from './lib/server.mjs';
import { openTransaction, submit } from './lib/sign-in.mjs';

const args = parseArgs();
const samples = Number(args.samples ?? 40);
const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const delivered = new Map();
const relay = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onRcptTo: (address, _session, callback) => {
    delivered.set(address.address, (delivered.get(address.address) ?? 0) + 1);
    callback();
  },
  onData: (stream, _session, callback) => {
    stream.on('data', () => undefined);
    stream.on('end', () => callback());
  },
});
await new Promise((resolve) => relay.listen(port, '127.0.0.1', resolve));
// The rate limits would stop a probe this long; they are not what it measures.
const configDir = mkdtempSync(join(tmpdir(), 'gatehouse-probe-config-'));
const configFile = join(configDir, 'config.json');
const high = { limit: 100000, windowSeconds: 60 };
writeFileSync(
  configFile,
  JSON.stringify({
    lockout: { maxFailedAttempts: 3 },
    rateLimits: {
      emailPerRecipient: high,
      challengePerIp: high,
      answerPerIp: high,
      failedSignInPerIp: high,
      failedSignInPerAccount: high,
      registrationPerIp: high,
      registrationPerEmail: high,
    },
  }),
);
const server = await startProbeServer({
  database: args.database ?? 'sqlite',
  users: 1,
  appOptions: ['--registration', '--unlock'],
  env: { SMTP_URL: `smtp://127.0.0.1:${port}`, GATEHOUSE_CONFIG: configFile },
});
const [locked, active] = server.logins;

const shape = (res) =>
  JSON.stringify({
    status: res.status,
    remediations: res.body?.remediation?.value.map((f) => f.name),
    messages: res.body?.messages?.value.map((m) => m.i18n.key),
    current:
      res.body?.currentAuthenticatorEnrollment?.value?.key ?? res.body?.currentAuthenticator?.value?.key,
  });
const emailId = (form) =>
  form.value.find((f) => f.name === 'authenticator').options[0].value.form.value.find((f) => f.name === 'id')
    .value;

/** The unlock form for `identifier`: times the submission that sends the code (or not). */
async function unlock(identifier) {
  const { introspect } = await openTransaction(server);
  const form = await submit(introspect, 'unlock-account', {});
  const select = form.body.remediation.value.find((f) => f.name === 'select-authenticator-unlock-account');
  const t0 = performance.now();
  const res = await submit(form.body, 'select-authenticator-unlock-account', {
    identifier,
    authenticator: { id: emailId(select) },
  });
  return { ms: performance.now() - t0, shape: shape(res) };
}

/** A sign-up with `email`: times the profile form and choosing Email (the step that sends). */
async function signUp(email) {
  const { introspect } = await openTransaction(server);
  const form = await submit(introspect, 'select-enroll-profile', {});
  const t0 = performance.now();
  const listed = await submit(form.body, 'enroll-profile', {
    userProfile: { firstName: 'Probe', lastName: 'Person', email },
  });
  const t1 = performance.now();
  const select = listed.body.remediation.value.find((f) => f.name === 'select-authenticator-enroll');
  const sent = await submit(listed.body, 'select-authenticator-enroll', {
    authenticator: { id: emailId(select) },
  });
  const t2 = performance.now();
  return { profileMs: t1 - t0, emailMs: t2 - t1, shape: shape(listed) + shape(sent) };
}

/** Waits until the outbox sender has delivered what is queued: no new email for 3 s (at most 2 min). */
async function drained() {
  const total = () => [...delivered.values()].reduce((a, b) => a + b, 0);
  const deadline = Date.now() + 120_000;
  let last = -1;
  while (Date.now() < deadline && total() !== last) {
    last = total();
    await new Promise((r) => setTimeout(r, 3000));
  }
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2;
};

const unlockTimes = { locked: [], active: [], unknown: [] };
const unlockShapes = { locked: new Set(), active: new Set(), unknown: new Set() };
const signUpTimes = { new: { profile: [], email: [] }, existing: { profile: [], email: [] } };
const signUpShapes = { new: new Set(), existing: new Set() };
let afterUnlock = new Map();
try {
  // Lock the first account: three wrong one-step sign-ins.
  for (let i = 0; i < 3; i++) {
    const { introspect } = await openTransaction(server);
    await submit(introspect, 'identify', { identifier: locked, credentials: { passcode: `wrong-${i}` } });
  }
  const who = { locked: () => locked, active: () => active, unknown: (i) => `nobody-${i}@example.com` };
  for (let i = 0; i < 3; i++) for (const kind of Object.keys(who)) await unlock(who[kind](i)); // warm-up
  for (let i = 0; i < samples; i++) {
    const kinds = Object.keys(who);
    for (let k = 0; k < kinds.length; k++) {
      const kind = kinds[(i + k) % kinds.length];
      const { ms, shape } = await unlock(who[kind](i));
      unlockTimes[kind].push(ms);
      unlockShapes[kind].add(shape);
    }
  }
  await drained();
  afterUnlock = new Map(delivered);
  for (let i = 0; i < samples; i++) {
    for (const kind of i % 2 ? ['new', 'existing'] : ['existing', 'new']) {
      const r = await signUp(kind === 'new' ? `new-${i}@example.com` : active);
      signUpTimes[kind].profile.push(r.profileMs);
      signUpTimes[kind].email.push(r.emailMs);
      signUpShapes[kind].add(r.shape);
    }
  }
  await drained();
} finally {
  await server.stop();
  await new Promise((resolve) => relay.close(resolve));
  rmSync(configDir, { recursive: true, force: true });
}

const ms = (v) => `${median(v).toFixed(1)} ms`;
const same = (sets) => new Set(sets.flatMap((s) => [...s])).size === 1;
console.log(`${server.database}, SMTP relay on loopback, ${samples} samples each:`);
console.log(
  `  unlock form: locked ${ms(unlockTimes.locked)}, active ${ms(unlockTimes.active)}, unknown ${ms(unlockTimes.unknown)}; answers identical: ${same(Object.values(unlockShapes))}`,
);
console.log(
  `  unlock emails that reached the relay: locked ${afterUnlock.get(locked) ?? 0}, active ${afterUnlock.get(active) ?? 0} (of ${samples + 3} requests each)`,
);
console.log(
  `  sign-up profile: new ${ms(signUpTimes.new.profile)}, existing ${ms(signUpTimes.existing.profile)}; choosing Email: new ${ms(signUpTimes.new.email)}, existing ${ms(signUpTimes.existing.email)}; answers identical: ${same(Object.values(signUpShapes))}`,
);
console.log(
  `  sign-up emails that reached the relay: to the existing account's owner ${(delivered.get(active) ?? 0) - (afterUnlock.get(active) ?? 0)} (of ${samples}), to new addresses ${[...delivered.keys()].filter((a) => a.startsWith('new-')).length} (of ${samples})`,
);
