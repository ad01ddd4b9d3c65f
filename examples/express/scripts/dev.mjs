#!/usr/bin/env node
// `npm run example`: Gatehouse with embedded defaults plus the Express sample, in one command.
//   1. builds what is needed (server CLI, SDK, widget bundle, the sample),
//   2. registers the sample in Gatehouse (once; sign-up and unlock on, its /login as the app's
//      sign-in page), installs its Forgot Password email template and creates a demo user (once),
//      giving it a new password at every start of an app that signs in with one (so the password
//      printed is the one that works, whatever the last run's "Forgot password?" set),
//   3. starts Gatehouse on :4455 (the next free port when something else, such as `npm start`,
//      holds 4455) and the sample on :8080, and prints where to click.
// Options: --policy password|password+email|email (default password), --mfa totp|passkey|any|off
// (a second factor after the password for the sample's app; absent: the app's policy stays as it
// is), --no-build, --reset.
// Environment: GATEHOUSE_PORT (4455), PORT (8080), EXAMPLE_DATA_DIR (examples/express/.data),
// SAMPLE_MFA (as --mfa).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLE = join(ROOT, 'examples/express');
const CLI = join(ROOT, 'packages/server/bin/gatehouse.js');
const DEMO_LOGIN = 'demo@example.com';
const DEFAULT_GATEHOUSE_PORT = 4455;
const TEMPLATE_APP_URL = 'http://localhost:8080';
const POLICIES = ['password', 'password+email', 'email'];
/**
 * `--mfa`: the sign-in policy of the sample's (password) app, set with `gatehouse apps update
 * --policy` — the password, then the second factor (docs/protocol/idx-protocol-2.md §5.1). A user
 * who has none of the second factors sets one up during sign-in.
 */
export const MFA_POLICIES = {
  off: 'password',
  totp: 'password,google_otp',
  passkey: 'password,webauthn',
  any: 'password,email|google_otp|webauthn',
};
/**
 * Self-service registration (/signup) and unlock (/unlock, going on to sign in once unlocked) for
 * the sample's app; its /login is the sign-in page the "account exists" email links to
 * (docs/guides/registration.md, docs/guides/account-unlock.md).
 */
const SELF_SERVICE = (appUrl) => [
  '--registration',
  '--unlock',
  '--sign-in-after-unlock',
  '--login-uri',
  `${appUrl}/login`,
];

/** A problem the user can fix, told in one line (no stack trace). */
export class ExampleError extends Error {}

/** Whether `port` on `host` can be listened on now. */
export function portIsFree(port, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err) =>
      err.code === 'EADDRINUSE' || err.code === 'EACCES' ? resolve(false) : reject(err),
    );
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/**
 * Gatehouse's port: the one asked for (GATEHOUSE_PORT, `gatehousePort`) must be free; the default
 * 4455 gives way to the next free port, because `npm start` (another Gatehouse, with its own data
 * in ./.gatehouse) may hold it — the two run side by side.
 */
async function chooseGatehousePort(asked, host, log) {
  if (asked !== undefined) {
    if (await portIsFree(asked, host)) return asked;
    throw new ExampleError(
      `Port ${asked} (GATEHOUSE_PORT) is in use: stop what runs there, or choose another, e.g. GATEHOUSE_PORT=${asked + 1} npm run example.`,
    );
  }
  for (let port = DEFAULT_GATEHOUSE_PORT; port < DEFAULT_GATEHOUSE_PORT + 20; port++) {
    if (!(await portIsFree(port, host))) continue;
    if (port !== DEFAULT_GATEHOUSE_PORT)
      log(
        `Port ${DEFAULT_GATEHOUSE_PORT} is in use (by \`npm start\`?): the example's own Gatehouse runs on port ${port} instead, with its own data and users.`,
      );
    return port;
  }
  throw new ExampleError(
    `Ports ${DEFAULT_GATEHOUSE_PORT}-${DEFAULT_GATEHOUSE_PORT + 19} are in use: set GATEHOUSE_PORT to a free port.`,
  );
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', ...options });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr || result.stdout}`,
    );
  }
  return result.stdout;
}

/** Runs a `gatehouse` CLI command against the data directory; parses `--json` output. */
function gatehouse(dataDir, args) {
  const out = run(process.execPath, [CLI, ...args, '--data-dir', dataDir], { env: { ...process.env } });
  return args.includes('--json') ? JSON.parse(out) : out;
}

export async function build(log = console.log) {
  log('Building Gatehouse, the SDK, the widget and the sample (tsc -b, esbuild)…');
  run(process.execPath, [
    join(ROOT, 'node_modules/typescript/bin/tsc'),
    '-b',
    'packages/server',
    'examples/express',
  ]);
  const { buildWidget, describe } = await import('../../../packages/widget/scripts/build.mjs');
  const rows = describe(await buildWidget()).rows;
  return Object.fromEntries(rows.map((row) => [row.name, row.integrity]));
}

/** Registers the app, its email template and the demo user; idempotent. */
export function configure({ dataDir, appUrl, policy, mfa }) {
  const name = policy === 'password' ? 'Express sample' : `Express sample (${policy})`;
  let app = gatehouse(dataDir, ['apps', 'list', '--json']).find((a) => a.name === name);
  if (!app) {
    app = gatehouse(dataDir, [
      'apps',
      'create',
      '--name',
      name,
      '--public',
      '--redirect-uri',
      `${appUrl}/login/callback`,
      '--redirect-uri',
      `${appUrl}/authorization-code/callback`,
      '--email-verify-uri',
      `${appUrl}/login/callback`,
      '--post-logout-redirect-uri',
      `${appUrl}/`,
      '--trusted-origin',
      appUrl,
      '--policy',
      policy,
      ...(policy === 'email' ? ['--identifier-first'] : []),
      ...SELF_SERVICE(appUrl),
      '--json',
    ]);
  } else if (
    !app.policy?.registration ||
    !app.policy?.selfServiceUnlock ||
    !app.policy?.signInAfterUnlock ||
    !app.loginUri
  ) {
    // A data directory made before the sample had /signup and /unlock.
    app = gatehouse(dataDir, [
      'apps',
      'update',
      '--client-id',
      app.clientId,
      ...SELF_SERVICE(appUrl),
      '--json',
    ]);
  }
  // "Sign in with redirect" comes back to its own callback: a data directory made before it gets
  // it added (`apps update --redirect-uri` replaces the list, so both are named).
  const redirectUris = [`${appUrl}/login/callback`, `${appUrl}/authorization-code/callback`];
  if (!redirectUris.every((uri) => app.redirectUris?.includes(uri))) {
    app = gatehouse(dataDir, [
      'apps',
      'update',
      '--client-id',
      app.clientId,
      ...redirectUris.flatMap((uri) => ['--redirect-uri', uri]),
      '--json',
    ]);
  }
  // MFA per app: the policy the sample's app signs in with (`apps update` changes a live app).
  if (mfa !== undefined && app.policy?.factors !== MFA_POLICIES[mfa]) {
    app = gatehouse(dataDir, [
      'apps',
      'update',
      '--client-id',
      app.clientId,
      '--policy',
      MFA_POLICIES[mfa],
      '--json',
    ]);
  }
  // The custom Forgot Password template: its link goes to the sample's /magic-link/callback.
  const templateDir = join(dataDir, 'templates');
  mkdirSync(templateDir, { recursive: true });
  for (const part of ['html', 'text']) {
    const source = readFileSync(join(EXAMPLE, `templates/forgot-password.${part}.vm`), 'utf8');
    writeFileSync(
      join(templateDir, `forgot-password.${part}.vm`),
      source.replaceAll(TEMPLATE_APP_URL, appUrl),
    );
  }
  gatehouse(dataDir, [
    'templates',
    'set',
    '--template',
    'forgot-password',
    '--subject',
    'Reset your Express sample password',
    '--html-file',
    join(templateDir, 'forgot-password.html.vm'),
    '--text-file',
    join(templateDir, 'forgot-password.text.vm'),
  ]);
  // The demo user. An app that signs in with a password gets a new one at every start, so the
  // password printed is the one that works (a "Forgot password?" of the last run changed it); an
  // app that signs in by email alone leaves the password as it is and prints none.
  const factors = app.policy?.factors ?? policy;
  const withPassword = factors.split(',').some((step) => step.split('|').includes('password'));
  let demo = gatehouse(dataDir, ['users', 'list', '--json']).find((u) => u.login === DEMO_LOGIN);
  const password = withPassword ? `Lantern-${randomBytes(9).toString('hex')}` : undefined;
  if (!demo) {
    demo = gatehouse(dataDir, [
      'users',
      'create',
      '--login',
      DEMO_LOGIN,
      '--email',
      DEMO_LOGIN,
      ...(password ? ['--password', password] : []),
      '--first-name',
      'Demo',
      '--last-name',
      'User',
      '--json',
    ]);
  } else if (password) {
    gatehouse(dataDir, ['users', 'set-password', '--login', DEMO_LOGIN, '--password', password]);
  }
  // Written by earlier versions of this script; its password may no longer be true.
  rmSync(join(dataDir, 'demo-user.json'), { force: true });
  return { clientId: app.clientId, factors, login: DEMO_LOGIN, password, demoStatus: demo.status };
}

/** Spawns a child and resolves once a line of its stdout matches `ready`. */
function startChild(name, args, env, ready) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    let started = false;
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 30 s:\n${buffer}`)), 30_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      if (started) return void process.stdout.write(`[${name}] ${chunk}`);
      buffer += chunk;
      const match = ready.exec(buffer);
      if (match && !started) {
        started = true;
        clearTimeout(timer);
        resolve({ child, match });
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      if (started) return void process.stderr.write(`[${name}] ${chunk}`);
      buffer += chunk;
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (started) return;
      // Taken between the check and the start: one line, not the child's stack trace.
      const busy = /EADDRINUSE[^\n]*?:(\d+)/.exec(buffer);
      if (busy)
        reject(
          new ExampleError(
            `Port ${busy[1]} is in use (${name} could not start): stop what runs there, or set ${name === 'sample' ? 'PORT' : 'GATEHOUSE_PORT'} to a free port.`,
          ),
        );
      else reject(new Error(`${name} exited (${code}):\n${buffer}`));
    });
  });
}

/** Starts both servers; returns where they are and `stop()`. */
export async function startExample(options = {}) {
  const askedGatehousePort = options.gatehousePort ?? process.env.GATEHOUSE_PORT;
  const appPort = Number(options.appPort ?? process.env.PORT ?? 8080);
  const policy = options.policy ?? 'password';
  if (!POLICIES.includes(policy)) throw new Error(`--policy must be one of ${POLICIES.join(', ')}`);
  const mfa = options.mfa ?? (process.env.SAMPLE_MFA || undefined);
  if (mfa !== undefined && !Object.hasOwn(MFA_POLICIES, mfa))
    throw new Error(`--mfa must be one of ${Object.keys(MFA_POLICIES).join(', ')}`);
  if (mfa !== undefined && policy !== 'password')
    throw new Error(
      '--mfa sets the policy of the password app: use it without --policy (or with --policy password)',
    );
  const dataRoot = options.dataDir ?? process.env.EXAMPLE_DATA_DIR ?? join(EXAMPLE, '.data');
  if (options.reset) rmSync(dataRoot, { recursive: true, force: true });
  const dataDir = join(dataRoot, 'gatehouse');
  mkdirSync(dataDir, { recursive: true });
  const appUrl = `http://localhost:${appPort}`;
  const log = options.log ?? console.log;
  // Ports first: nothing is written to the data directory for a start that cannot happen.
  const host = process.env.GATEHOUSE_HOST ?? '127.0.0.1';
  if (!(await portIsFree(appPort, process.env.HOST ?? '127.0.0.1')))
    throw new ExampleError(
      `Port ${appPort} is in use (another \`npm run example\`?): stop it, or run the sample on another port, e.g. PORT=${appPort + 1} npm run example.`,
    );
  const gatehousePort = await chooseGatehousePort(
    askedGatehousePort === undefined ? undefined : Number(askedGatehousePort),
    host,
    log,
  );

  const integrity = options.build === false ? {} : await build(log);
  const { clientId, factors, login, password, demoStatus } = configure({ dataDir, appUrl, policy, mfa });
  const env = { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'development' };
  const server = await startChild(
    'gatehouse',
    [CLI, 'start', '--data-dir', dataDir, '--port', String(gatehousePort)],
    env,
    /Gatehouse listening on \S+ \(issuer (\S+)\)/,
  );
  const issuer = server.match[1];
  const gatehouseUrl = new URL(issuer).origin;
  let sample;
  try {
    sample = await startChild(
      'sample',
      [join(EXAMPLE, 'dist/server.js')],
      {
        ...env,
        GATEHOUSE_ISSUER: issuer,
        CLIENT_ID: clientId,
        PORT: String(appPort),
        APP_URL: appUrl,
        SESSION_DB: join(dataRoot, 'sessions.sqlite'),
        DEV_MAILBOX_URL: `${gatehouseUrl}/dev/mailbox`,
        ...(integrity['gatehouse-sign-in.js']
          ? {
              WIDGET_SCRIPT_INTEGRITY: integrity['gatehouse-sign-in.js'],
              WIDGET_STYLESHEET_INTEGRITY: integrity['gatehouse-sign-in.css'],
            }
          : {}),
      },
      /Express sample listening on/,
    );
  } catch (err) {
    server.child.kill('SIGTERM');
    throw err;
  }
  const children = [sample.child, server.child];
  return {
    issuer,
    appUrl,
    gatehouseUrl,
    mailboxUrl: `${gatehouseUrl}/dev/mailbox`,
    clientId,
    policy,
    factors,
    dataDir,
    login,
    password,
    demoStatus,
    gatehousePort,
    children,
    async stop() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise((resolve) => {
              if (child.exitCode !== null) return resolve();
              child.once('exit', resolve);
              child.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--no-build') options.build = false;
    else if (arg === '--reset') options.reset = true;
    else if (arg === '--policy') options.policy = argv[++i];
    else if (arg.startsWith('--policy=')) options.policy = arg.slice('--policy='.length);
    else if (arg === '--mfa') options.mfa = argv[++i];
    else if (arg.startsWith('--mfa=')) options.mfa = arg.slice('--mfa='.length);
    else throw new Error(`unknown option ${arg} (use --policy <p>, --mfa <m>, --no-build, --reset)`);
  }
  return options;
}

const FACTOR_NAMES = { email: 'an emailed code', google_otp: 'an authenticator app', webauthn: 'a passkey' };

/** What the banner says about the factors the app's policy asks for after the first. */
function mfaNotes(example) {
  // --mfa is for the password app; an email app's policy is what --policy chose.
  if (example.policy !== 'password') return [];
  const later = example.factors.split(',').slice(1);
  if (later.length === 0)
    return ['MFA: off. Require an authenticator app or a passkey: run again with --mfa totp|passkey|any.'];
  const names = later.map((anyOf) =>
    anyOf
      .split('|')
      .map((key) => FACTOR_NAMES[key] ?? key)
      .join(' or '),
  );
  const reset = `node packages/server/bin/gatehouse.js users authenticators reset --login ${example.login} --data-dir ${example.dataDir}`;
  return [
    `MFA: after the password, ${names.join(', then ')} (policy ${example.factors}).`,
    'A user who has none sets one up during sign-in: an authenticator app by its QR code and a first',
    'code, a passkey with the browser; later sign-ins ask for it. The home page shows the amr.',
    `Start over:   ${reset}`,
    'Turn it off:  run again with --mfa off.',
  ];
}

/**
 * What the start banner says: where to click and how to sign in — only what is true for this app
 * (no password for an app that signs in by email alone, no "Forgot password" without a password).
 */
export function bannerLines(example) {
  const cli = `node packages/server/bin/gatehouse.js`;
  const signIn = example.password
    ? `  Sign in as   ${example.login}  /  ${example.password}  (a new password at every start)`
    : `  Sign in as   ${example.login}  (no password: a code and a link come by email)`;
  const locked =
    example.demoStatus === 'LOCKED_OUT'
      ? [
          `  Locked       ${example.login} is locked out (too many wrong passwords): unlock it at ${example.appUrl}/unlock`,
          `               or with ${cli} users unlock --login ${example.login} --data-dir ${example.dataDir}`,
        ]
      : [];
  return [
    '',
    'The Express sample is running next to Gatehouse.',
    '',
    `  Open         ${example.appUrl}/  and click "Sign in" (or "Sign in with redirect")`,
    signIn,
    ...locked,
    `  Emails       ${example.mailboxUrl}  (codes and magic links; nothing is really sent)`,
    ...(example.password
      ? [
          `  Forgot pwd   ${example.appUrl}/login → "Forgot password?" (the email links to /magic-link/callback)`,
        ]
      : []),
    `  Sign up      ${example.appUrl}/signup  (email code or link, then what the policy requires)`,
    ...(example.password
      ? [
          `  Unlock       ${example.appUrl}/unlock  (a user locked by wrong passwords; the code comes by email)`,
        ]
      : []),
    `  Gatehouse    ${example.issuer}  (client ${example.clientId}, policy ${example.factors})`,
    '',
    ...mfaNotes(example),
    example.policy === 'password'
      ? 'Email sign-in codes and magic links: run again with --policy email (or password+email).'
      : 'Sign-in sends a code and a magic link: open it in this browser, or in another one.',
    'Press Ctrl+C to stop both servers.',
    '',
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const example = await startExample(parseArgs(process.argv.slice(2)));
    console.log(bannerLines(example).join('\n'));
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      await example.stop();
      process.exit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    for (const child of example.children)
      child.once('exit', (code) => {
        if (!stopping) {
          console.error(`A server stopped unexpectedly (exit ${code}); stopping the other.`);
          void stop();
        }
      });
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
