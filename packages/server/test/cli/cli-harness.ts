import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IdxResponse } from '@gatehouse/protocol';
import { type HttpResult, IdxConversation, type Interaction } from '../support/idx-client.js';

/**
 * Runs the BUILT `gatehouse` binary (`packages/server/bin/gatehouse.js`) as a child process, the way
 * an operator does. `buildCli()` compiles `dist` first so the tests never run a stale build.
 */

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const binPath = join(repoRoot, 'packages', 'server', 'bin', 'gatehouse.js');
const tscPath = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
const LOCK = join(tmpdir(), 'gatehouse-cli-test-build.lock');
/** Timeout for a `beforeAll` that builds: a full build on a busy 2-core machine can take a minute. */
export const BUILD_TIMEOUT_MS = 180_000;

function sleepSync(ms: number) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * `tsc -b packages/server`, one test file at a time: two files building at once could let one
 * spawn the binary while the other is still rewriting `dist`.
 */
export function buildCli(): void {
  const deadline = Date.now() + 170_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > 180_000) rmSync(LOCK, { recursive: true, force: true });
      } catch {}
      if (Date.now() > deadline) throw new Error(`waited too long for the build lock ${LOCK}`);
      sleepSync(200);
    }
  }
  try {
    execFileSync(process.execPath, [tscPath, '-b', 'packages/server'], {
      cwd: repoRoot,
      stdio: 'pipe',
      timeout: 170_000,
    });
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer; message: string };
    throw new Error(`tsc -b packages/server failed:\n${e.stdout ?? ''}${e.stderr ?? ''}${e.message}`);
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** The parent's environment without any Gatehouse setting (vitest sets NODE_ENV=test). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'NODE_ENV' || key === 'DATABASE_URL' || key.startsWith('GATEHOUSE_')) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Temporary directories, removed by `cleanup()`. */
export class TempDirs {
  private readonly dirs: string[] = [];
  make(prefix = 'gatehouse-cli-'): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }
  cleanup(): void {
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `gatehouse <args>` to completion; never throws on a non-zero exit. */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [binPath, ...args],
      {
        cwd: options.cwd ?? tmpdir(),
        env: cleanEnv(options.env),
        timeout: options.timeoutMs ?? 30_000,
        maxBuffer: 10 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
      },
    );
  });
}

/** Runs a command with `--json` that must succeed, and parses what it prints. */
export async function runCliJson<T = unknown>(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<T> {
  const result = await runCli([...args, '--json'], options);
  if (result.code !== 0)
    throw new Error(`gatehouse ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout) as T;
}

export interface RunningServer {
  child: ChildProcess;
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  stdout(): string;
  stderr(): string;
  /** Sends a signal and resolves with the exit code (null when killed by the signal). */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

/** Kills every server a test left running (afterAll). */
export function killAllServers(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/**
 * Spawns `gatehouse start <args>` and waits for its ready line `Gatehouse listening on …`
 * (rejects on exit or after `timeoutMs`).
 */
export function startServer(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; port: number; timeoutMs?: number },
): Promise<RunningServer> {
  const child = spawn(process.execPath, [binPath, 'start', ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  const server: RunningServer = {
    child,
    port: options.port,
    url: `http://127.0.0.1:${options.port}`,
    stdout: () => out,
    stderr: () => err,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ready line within ${options.timeoutMs ?? 20_000} ms:\n${out}\n${err}`));
    }, options.timeoutMs ?? 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/^Gatehouse listening on .*\n/m.test(out)) {
        clearTimeout(timer);
        resolve(server);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`gatehouse start exited (${code ?? signal}) before it was ready:\n${out}\n${err}`));
    });
  });
}

export interface SignInOptions {
  redirectUri?: string;
  /** For a confidential app: sent with `client_secret` to interact and token. */
  clientSecret?: string;
}

const clientAuth = (options: SignInOptions): Record<string, string> =>
  options.clientSecret ? { client_secret: options.clientSecret } : {};

export interface SignInResult {
  /** The response to the step that carried the password. */
  answer: HttpResult<IdxResponse>;
  idx: IdxConversation;
  interaction: Interaction;
}

/**
 * A password sign-in over raw IDX: one-step (identify with the password) or, for identifier-first
 * apps, identify → (select) → challenge. Does not exchange the code.
 */
export async function signIn(
  baseUrl: string,
  clientId: string,
  login: string,
  password: string,
  options: SignInOptions = {},
): Promise<SignInResult> {
  const idx = new IdxConversation(baseUrl, clientId, options.redirectUri);
  const interaction = await idx.interact(clientAuth(options));
  const intro = await idx.introspect(interaction.interactionHandle);
  if (intro.status !== 200) throw new Error(`introspect failed: ${JSON.stringify(intro.body)}`);
  const identify = idx.form('identify');
  const oneStep = identify.value.some((f) => f.name === 'credentials');
  if (oneStep) {
    const answer = await idx.submit('identify', { identifier: login, credentials: { passcode: password } });
    return { answer, idx, interaction };
  }
  let res = await idx.submit('identify', { identifier: login });
  const names = () => res.body.remediation?.value.map((f) => f.name) ?? [];
  if (!names().includes('challenge-authenticator') && names().includes('select-authenticator-authenticate')) {
    const select = idx.form('select-authenticator-authenticate');
    const options = select.value.find((f) => f.name === 'authenticator')?.options ?? [];
    const password = options.find((o) => o.label === 'Password');
    const idField = (
      password?.value as { form: { value: Array<{ name: string; value?: unknown }> } }
    )?.form.value.find((f) => f.name === 'id');
    res = await idx.submit('select-authenticator-authenticate', { authenticator: { id: idField?.value } });
  }
  const answer = await idx.submit('challenge-authenticator', { credentials: { passcode: password } });
  return { answer, idx, interaction };
}

/** Signs in and exchanges the interaction code for tokens (throws unless both succeed). */
export async function signInForTokens(
  baseUrl: string,
  clientId: string,
  login: string,
  password: string,
  options: SignInOptions = {},
): Promise<Record<string, unknown>> {
  const { answer, idx, interaction } = await signIn(baseUrl, clientId, login, password, options);
  if (answer.status !== 200)
    throw new Error(`sign-in failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  const tokens = await idx.exchange(interaction, idx.interactionCode(), clientAuth(options));
  if (tokens.status !== 200) throw new Error(`token exchange failed: ${JSON.stringify(tokens.body)}`);
  return tokens.body;
}
