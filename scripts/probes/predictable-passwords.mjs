// Probe (issue 13, item 5): does a real Gatehouse on loopback accept predictable new passwords at
// reset? Starts the built server (`gatehouse start`, a fresh data dir, the demo app and user), runs
// a self-service recovery over raw HTTP for each password and reports which were accepted, with the
// server's idle RSS before and after (the strength dictionaries load on the first check).
//
//   node scripts/probes/predictable-passwords.mjs [path/to/packages/server/dist/cli/main.js]
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PASSWORDS = ['aaaaaaaaaaaaaaa', '123456789012345', 'qwertyuiopasdfgh'];
const cli =
  process.argv[2] ?? fileURLToPath(new URL('../../packages/server/dist/cli/main.js', import.meta.url));
const LOGIN = 'demo@example.com';
const REDIRECT = 'http://localhost:8080/login/callback';

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const dataDir = mkdtempSync(join(tmpdir(), 'gh-probe-'));
const base = `http://127.0.0.1:${port}`;

/** `gatehouse start` on the probe's data dir, resolved once it listens. */
async function start() {
  const child = spawn(process.execPath, [cli, 'start', '--data-dir', dataDir, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (/listening on/.test(out)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  return child;
}
const stop = (child) => new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM'));

// The first start seeds the demo user (its password goes through the policy); the measured server
// is a second start on the same store, which has checked no password yet.
await stop(await start());
const server = await start();

const rssMiB = () => {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))[1]);
  return (kb / 1024).toFixed(1);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function post(url, body, form = false) {
  const res = await fetch(url.startsWith('http') ? url : base + url, {
    method: 'POST',
    headers: form
      ? { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }
      : { 'content-type': 'application/json', accept: 'application/json; okta-version=1.0.0' },
    body: form ? new URLSearchParams(body).toString() : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const formNamed = (body, name) => body.remediation?.value.find((f) => f.name === name);

async function latestCode() {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${base}/dev/mailbox/api/messages?to=${encodeURIComponent(LOGIN)}`);
    const [newest] = await res.json();
    const otp = newest && /[?&]otp=(\d{6})\b/.exec(newest.text)?.[1];
    if (otp && otp !== latestCode.last) {
      latestCode.last = otp;
      return otp;
    }
    await sleep(50);
  }
  throw new Error('no recovery email');
}

/** A recovery of the demo user up to the reset step, then the new password: the answer's status. */
async function resetTo(password) {
  const verifier = randomBytes(32).toString('base64url');
  const interact = await post(
    '/oauth2/default/v1/interact',
    {
      client_id: 'gatehouse-demo',
      scope: 'openid profile email',
      redirect_uri: REDIRECT,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: randomBytes(8).toString('hex'),
    },
    true,
  );
  let r = await post('/idp/idx/introspect', { interactionHandle: interact.body.interaction_handle });
  r = await post(r.body.currentAuthenticator.value.recover.href, { stateHandle: r.body.stateHandle });
  r = await post(formNamed(r.body, 'identify-recovery').href, {
    identifier: LOGIN,
    stateHandle: r.body.stateHandle,
  });
  r = await post(formNamed(r.body, 'select-authenticator-authenticate').href, {
    authenticator: { id: 'autEmail' },
    stateHandle: r.body.stateHandle,
  });
  r = await post(formNamed(r.body, 'challenge-authenticator').href, {
    credentials: { passcode: await latestCode() },
    stateHandle: r.body.stateHandle,
  });
  const reset = formNamed(r.body, 'reset-authenticator');
  if (!reset) throw new Error(`no reset step: ${JSON.stringify(r.body)}`);
  const started = performance.now();
  r = await post(reset.href, { credentials: { passcode: password }, stateHandle: r.body.stateHandle });
  const ms = performance.now() - started;
  const message = r.body.remediation?.value[0]?.value
    .find((f) => f.name === 'credentials')
    ?.form?.value.find((f) => f.name === 'passcode')?.messages?.value[0]?.message;
  return { status: r.status, accepted: !!r.body.successWithInteractionCode, ms, message };
}

try {
  await sleep(2000);
  const idle = rssMiB();
  let accepted = 0;
  for (const password of PASSWORDS) {
    const result = await resetTo(password);
    if (result.accepted) accepted++;
    console.log(
      `${password.padEnd(18)} ${result.accepted ? 'ACCEPTED' : 'refused '} ${result.status} ${result.ms.toFixed(0).padStart(4)} ms${result.message ? `  ${result.message}` : ''}`,
    );
  }
  await sleep(2000);
  console.log(`accepted ${accepted} of ${PASSWORDS.length}`);
  console.log(`server RSS: ${idle} MiB idle after start, ${rssMiB()} MiB after the resets`);
} finally {
  await stop(server);
  rmSync(dataDir, { recursive: true, force: true });
}
