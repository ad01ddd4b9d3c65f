/**
 * `npm run example` (scripts/dev.mjs) as a developer runs it: a busy port is one line saying which
 * port and what to do; next to `npm start` (port 4455 taken) the example's own Gatehouse takes the
 * next free port and says so; every printed credential works — the password printed at each start
 * signs in, the previous one no longer does, and an email-only app prints no password and no
 * "Forgot password" line. Runs the real script (it builds once, then `--no-build`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdxConversation } from '../../../packages/server/test/support/idx-client.js';
import { freePort } from '../../../packages/server/test/support/test-server.js';

const SCRIPT = fileURLToPath(new URL('../scripts/dev.mjs', import.meta.url));
/**
 * A start without the build: about ten CLI runs and two servers, ~10 s on a quiet machine; the
 * bound is for a busy 2-core CI box.
 */
const START_MS = 150_000;

interface Run {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
}

function startScript(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, [SCRIPT, ...args], {
    env: { ...process.env, NODE_ENV: 'development', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = {
    child,
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    run.stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    run.stderr += chunk;
  });
  return run;
}

/** Waits for the banner's last line; fails with what the script said if it stopped first. */
async function banner(run: Run, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!run.stdout.includes('Press Ctrl+C')) {
    if (run.child.exitCode !== null || Date.now() > deadline)
      throw new Error(`no banner (exit ${run.child.exitCode}):\n${run.stdout}\n${run.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return run.stdout;
}

async function stop(run: Run): Promise<void> {
  if (run.child.exitCode === null) run.child.kill('SIGINT');
  await run.exit;
}

function listenOn(port: number): Promise<Server | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** Signs in over IDX with a password (one-step identify); returns the HTTP status. */
async function passwordSignIn(issuer: string, clientId: string, appUrl: string, password: string) {
  const idx = new IdxConversation(new URL(issuer).origin, clientId, `${appUrl}/login/callback`);
  const { interactionHandle } = await idx.interact();
  await idx.introspect(interactionHandle);
  const answer = await idx.submit('identify', {
    identifier: 'demo@example.com',
    credentials: { passcode: password },
  });
  return { status: answer.status, code: answer.body.successWithInteractionCode !== undefined };
}

const field = (text: string, pattern: RegExp) => pattern.exec(text)?.[1];

describe('npm run example (scripts/dev.mjs)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-example-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('a busy port is one line naming the port and what to do, before anything is written', async () => {
    const taken = await freePort();
    const holder = await listenOn(taken);
    try {
      const asked = startScript(['--no-build'], {
        EXAMPLE_DATA_DIR: join(dataDir, 'busy'),
        GATEHOUSE_PORT: String(taken),
        PORT: String(await freePort()),
      });
      expect(await asked.exit).toBe(1);
      expect(asked.stderr.trim().split('\n')).toEqual([
        `Port ${taken} (GATEHOUSE_PORT) is in use: stop what runs there, or choose another, e.g. GATEHOUSE_PORT=${taken + 1} npm run example.`,
      ]);
      const app = startScript(['--no-build'], {
        EXAMPLE_DATA_DIR: join(dataDir, 'busy'),
        PORT: String(taken),
      });
      expect(await app.exit).toBe(1);
      expect(app.stderr.trim().split('\n')).toEqual([
        `Port ${taken} is in use (another \`npm run example\`?): stop it, or run the sample on another port, e.g. PORT=${taken + 1} npm run example.`,
      ]);
      expect(app.stderr + asked.stderr).not.toMatch(/\bat \S+ \(|EADDRINUSE/);
    } finally {
      holder?.close();
    }
  });

  it('runs beside a server on 4455, and prints a password that works at every start', async () => {
    // `npm start` on 4455 (or whatever else holds it already).
    const npmStart = await listenOn(4455);
    const env = { EXAMPLE_DATA_DIR: join(dataDir, 'story'), PORT: String(await freePort()) };
    try {
      const first = startScript([], env);
      let out: string;
      try {
        out = await banner(first, 240_000);
      } finally {
        await stop(first);
      }
      expect(out).toContain(
        "Port 4455 is in use (by `npm start`?): the example's own Gatehouse runs on port",
      );
      const issuer = field(out, /Gatehouse {4}(\S+)/)!;
      expect(new URL(issuer).port).not.toBe('4455');
      const clientId = field(out, /\(client (\S+), policy password\)/)!;
      const appUrl = field(out, /Open {9}(\S+)\//)!;
      const password = field(out, /Sign in as {3}demo@example\.com {2}\/ {2}(\S+)/)!;
      expect(out).toContain('Forgot pwd');

      // The next start (the last run's password may have been reset meanwhile) prints a new one.
      const second = startScript(['--no-build'], env);
      try {
        const again = await banner(second, START_MS);
        const next = field(again, /Sign in as {3}demo@example\.com {2}\/ {2}(\S+)/)!;
        const nextIssuer = field(again, /Gatehouse {4}(\S+)/)!;
        expect(next).not.toBe(password);
        expect(await passwordSignIn(nextIssuer, clientId, appUrl, next)).toEqual({ status: 200, code: true });
        expect((await passwordSignIn(nextIssuer, clientId, appUrl, password)).status).toBe(401);
      } finally {
        await stop(second);
      }

      // An app that signs in by email alone: no password, no "Forgot password" line.
      const email = startScript(['--no-build', '--policy', 'email'], env);
      try {
        const text = await banner(email, START_MS);
        expect(text).toMatch(
          /Sign in as {3}demo@example\.com {2}\(no password: a code and a link come by email\)/,
        );
        expect(text).not.toMatch(/Lantern-|Forgot pwd|Unlock {7}/);
        expect(text).toMatch(/policy email\)/);
      } finally {
        await stop(email);
      }
    } finally {
      npmStart?.close();
    }
  }, 720_000);
});
