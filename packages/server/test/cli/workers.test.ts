import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { workerCount } from '../../src/cluster/worker-count.js';
import { loadConfig } from '../../src/config/load.js';
import { freePort } from '../support/test-server.js';
import {
  BUILD_TIMEOUT_MS,
  buildCli,
  killAllServers,
  type RunningServer,
  runCli,
  signInForTokens,
  startServer,
  TempDirs,
} from './cli-harness.js';
import { childPids, isRunning, openConnections, type PinnedConnection, waitFor } from './worker-processes.js';

const DEMO_CLIENT = 'gatehouse-demo';
const DEMO_LOGIN = 'demo@example.com';
const READY_TIMEOUT_MS = 60_000;

const byNumber = (a: number | null, b: number | null) => (a ?? 0) - (b ?? 0);

function readyLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l.startsWith('Gatehouse listening on'));
}

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

function kidOf(jwt: string): string {
  return (JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
}

/** Two workers of the primary, once both are running. */
function twoWorkers(server: RunningServer): Promise<number[]> {
  return waitFor('two worker processes', () => {
    const pids = childPids(server.child.pid!);
    return pids.length === 2 ? pids : undefined;
  });
}

describe.skipIf(process.platform !== 'linux')('gatehouse start --workers 2 (built binary, /proc)', () => {
  const dirs = new TempDirs();
  let server: RunningServer;
  let demoPassword: string;
  let workers: number[];
  const open: PinnedConnection[] = [];

  /** `count` connections, with the worker holding each; closed after the test. */
  async function connections(count: number, pids = workers) {
    const list = await openConnections(server.url, server.port, count, pids);
    open.push(...list.map((c) => c.connection));
    return list;
  }

  beforeAll(async () => {
    buildCli();
    const port = await freePort();
    server = await startServer(
      ['--data-dir', join(dirs.make(), 'data'), '--port', String(port), '--workers', '2'],
      {
        port,
        timeoutMs: READY_TIMEOUT_MS,
      },
    );
    demoPassword = /^ {2}password: +(\S+)$/m.exec(server.stdout())?.[1] ?? '';
    workers = await twoWorkers(server);
  }, BUILD_TIMEOUT_MS + READY_TIMEOUT_MS);
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    killAllServers();
    dirs.cleanup();
  });

  it('prints the demo block, the warning and the ready line once; the primary runs two workers', () => {
    const stdout = server.stdout();
    expect(readyLines(stdout)).toEqual([
      `Gatehouse listening on http://127.0.0.1:${server.port} (issuer http://localhost:${server.port}/oauth2/default)`,
    ]);
    expect(stdout.match(/Created a demo app/g)).toHaveLength(1);
    expect(stdout.indexOf('Created a demo app')).toBeLessThan(stdout.indexOf('Gatehouse listening on'));
    expect(demoPassword).not.toBe('');
    expect(server.stderr().match(/development defaults are in force/g)).toHaveLength(1);
    expect(workers).toHaveLength(2);
    expect(workers).not.toContain(server.child.pid);
  });

  it('connections are spread over both workers, and every worker publishes the same JWKS', async () => {
    const list = await connections(8);
    const owners = new Set(list.map((c) => c.owner));
    expect([...owners].sort(byNumber)).toEqual(workers);

    const bodies = new Set<string>();
    for (let round = 0; round < 5; round++) {
      const replies = await Promise.all(
        list.map((c) => c.connection.request('GET', '/oauth2/default/v1/keys')),
      );
      for (const reply of replies) {
        expect(reply.status).toBe(200);
        bodies.add(reply.body);
      }
    }
    expect(bodies.size).toBe(1);
    const jwks = JSON.parse([...bodies][0]!) as { keys: Array<{ kid: string }> };
    expect(jwks.keys.length).toBeGreaterThan(0);
  });

  it('a sign-in whose steps alternate between the two workers completes; both workers accept its token', async () => {
    const list = await connections(8);
    const onA = list.find((c) => c.owner === workers[0])!.connection;
    const onB = list.find((c) => c.owner === workers[1])!.connection;
    const realFetch = globalThis.fetch;
    let next = 0;
    globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) =>
      (next++ % 2 === 0 ? onA : onB).fetch(input, init)) as typeof fetch;
    let tokens: Record<string, unknown>;
    try {
      tokens = await signInForTokens(server.url, DEMO_CLIENT, DEMO_LOGIN, demoPassword);
    } finally {
      globalThis.fetch = realFetch;
    }
    // interact, introspect, identify, token: at least two requests on each worker.
    expect(next).toBeGreaterThanOrEqual(4);
    const accessToken = String(tokens.access_token);
    for (const connection of [onA, onB]) {
      const userinfo = await connection.request('GET', '/oauth2/default/v1/userinfo', {
        authorization: `Bearer ${accessToken}`,
      });
      expect(userinfo.status).toBe(200);
      expect((JSON.parse(userinfo.body) as { sub: string }).sub).toBe(claims(String(tokens.id_token)).sub);
    }
  });

  it('twelve concurrent sign-ins complete without an error; their tokens are signed with the published key', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, () => signInForTokens(server.url, DEMO_CLIENT, DEMO_LOGIN, demoPassword)),
    );
    const failures = results.filter((r) => r.status === 'rejected').map((r) => String(r.reason));
    expect(failures).toEqual([]);
    const jwks = (await (await fetch(`${server.url}/oauth2/default/v1/keys`)).json()) as {
      keys: Array<{ kid: string }>;
    };
    const published = jwks.keys.map((k) => k.kid);
    for (const r of results) {
      const tokens = (r as PromiseFulfilledResult<Record<string, unknown>>).value;
      expect(published).toContain(kidOf(String(tokens.id_token)));
      expect(published).toContain(kidOf(String(tokens.access_token)));
    }
  });

  it('a worker killed with SIGKILL is replaced, and the new worker serves requests', async () => {
    const [victim, survivor] = workers as [number, number];
    process.kill(victim, 'SIGKILL');
    const replaced = await waitFor('a replacement worker', () => {
      const pids = childPids(server.child.pid!);
      return pids.length === 2 && !pids.includes(victim) && pids.includes(survivor) ? pids : undefined;
    });
    const newcomer = replaced.find((pid) => pid !== survivor)!;
    await waitFor('the restart notice', () =>
      server.stderr().includes(`worker ${victim} was killed by SIGKILL; starting another in`)
        ? true
        : undefined,
    );
    // The replacement is forked at once but listens a moment later: until then the survivor serves.
    let owners = new Set<number | null>();
    for (let attempt = 0; attempt < 100 && !owners.has(newcomer); attempt++) {
      if (attempt) await sleep(200);
      owners = new Set((await connections(6, replaced)).map((c) => c.owner));
    }
    expect([...owners].sort(byNumber)).toEqual(replaced);
    const list = await connections(6, replaced);
    for (const { connection } of list) {
      const reply = await connection.request('GET', '/oauth2/default/.well-known/openid-configuration');
      expect(reply.status).toBe(200);
    }
    expect(readyLines(server.stdout())).toHaveLength(1);
    workers = replaced;
  });

  it('SIGTERM stops the workers and the primary, exit 0, no process left behind', async () => {
    const pids = childPids(server.child.pid!);
    expect(pids).toHaveLength(2);
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toContain('Received SIGTERM, shutting down');
    for (const pid of pids) expect(isRunning(pid), `worker ${pid} still running`).toBe(false);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});

describe.skipIf(process.platform !== 'linux')('gatehouse start --workers: failures', () => {
  const dirs = new TempDirs();
  let blocker: Server | null = null;

  beforeAll(() => {
    buildCli();
  }, BUILD_TIMEOUT_MS);
  afterAll(() => {
    blocker?.close();
    killAllServers();
    dirs.cleanup();
  });

  it(
    'when the primary is killed with SIGKILL its workers exit too',
    async () => {
      const port = await freePort();
      const server = await startServer(['--data-dir', join(dirs.make(), 'data'), '--port', String(port)], {
        port,
        env: { GATEHOUSE_WORKERS: '2' },
        timeoutMs: READY_TIMEOUT_MS,
      });
      const pids = await twoWorkers(server);
      expect(await server.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
      await waitFor('the workers to exit', () => (pids.some(isRunning) ? undefined : true));
    },
    READY_TIMEOUT_MS,
  );

  it('workers that cannot listen (port taken) make the primary give up with a non-zero exit', async () => {
    const port = await freePort();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(port, '127.0.0.1', resolve));
    const result = await runCli(
      ['start', '--data-dir', join(dirs.make(), 'data'), '--port', String(port), '--workers', '2'],
      { timeoutMs: 90_000 },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('Gatehouse listening');
    expect(result.stderr).toContain(`could not start: bind EADDRINUSE 127.0.0.1:${port}`);
    expect(result.stderr).toMatch(/5 workers in a row exited before listening; giving up/);
    expect(result.stderr.match(/starting another in \d+ ms/g)).toHaveLength(4);
  }, 100_000);

  it('--workers must be a positive integer or auto; several workers refuse an in-memory database', async () => {
    const zero = await runCli(['start', '--data-dir', join(dirs.make(), 'data'), '--workers', '0']);
    expect(zero.code).toBe(78);
    expect(zero.stderr).toMatch(/server\.workers: .*\(from command line\)/);
    const word = await runCli(['start', '--data-dir', join(dirs.make(), 'data')], {
      env: { GATEHOUSE_WORKERS: 'many' },
    });
    expect(word.code).toBe(78);
    expect(word.stderr).toMatch(/server\.workers: .*GATEHOUSE_WORKERS/);

    // auto: one per CPU core.
    expect(workerCount(loadConfig({ env: { GATEHOUSE_WORKERS: 'auto' } }), 6)).toBe(6);
    expect(workerCount(loadConfig({ env: {} }), 6)).toBe(1);

    const file = join(dirs.make(), 'memory.json');
    writeFileSync(file, JSON.stringify({ storage: { sqliteFile: ':memory:' } }));
    const memory = await runCli(['start', '--config', file, '--workers', '2']);
    expect(memory.code).toBe(78);
    expect(memory.stderr).toContain('server.workers: several workers need a shared store');
  });
});
