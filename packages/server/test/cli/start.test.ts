import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/test-server.js';
import {
  BUILD_TIMEOUT_MS,
  buildCli,
  killAllServers,
  runCli,
  signIn,
  signInForTokens,
  startServer,
  TempDirs,
} from './cli-harness.js';

const DEMO_REDIRECT = 'http://localhost:8080/login/callback';

function readyLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l.startsWith('Gatehouse listening on'));
}

describe('gatehouse start (built binary)', () => {
  const dirs = new TempDirs();
  let dataDir: string;
  let demoPassword: string;

  beforeAll(() => {
    buildCli();
    dataDir = join(dirs.make(), 'data');
  }, BUILD_TIMEOUT_MS);
  afterAll(() => {
    killAllServers();
    dirs.cleanup();
  });

  it('first start: one ready line, the demo block, the development warning; the demo password signs in; SIGTERM exits 0', async () => {
    const port = await freePort();
    const server = await startServer(['--data-dir', dataDir, '--port', String(port)], { port });

    expect(readyLines(server.stdout())).toEqual([
      `Gatehouse listening on http://127.0.0.1:${port} (issuer http://localhost:${port}/oauth2/default)`,
    ]);
    const stdout = server.stdout();
    expect(stdout).toContain('Created a demo app and a demo user');
    expect(stdout).toContain('client id:     gatehouse-demo (public, PKCE)');
    expect(stdout).toContain(`redirect URI:  ${DEMO_REDIRECT}`);
    expect(stdout).toContain('login:         demo@example.com');
    const password = /^ {2}password: +(\S+)$/m.exec(stdout)?.[1];
    expect(password).toBeDefined();
    demoPassword = password!;
    // The demo block comes before the ready line.
    expect(stdout.indexOf('Created a demo app')).toBeLessThan(stdout.indexOf('Gatehouse listening on'));

    const stderr = server.stderr();
    expect(stderr).toContain('development defaults are in force');
    expect(stderr).toContain('running in development mode');
    expect(stderr).toContain(`public URL not configured; using http://localhost:${port}`);
    expect(stderr).toContain('a demo app and a demo user are created on an empty store');
    // Secrets printed for the operator go to stdout only, never into the log stream on stderr.
    expect(stderr).not.toContain(demoPassword);

    const wrong = await signIn(server.url, 'gatehouse-demo', 'demo@example.com', `${demoPassword}x`);
    expect(wrong.answer.status).toBe(401);
    const tokens = await signInForTokens(server.url, 'gatehouse-demo', 'demo@example.com', demoPassword);
    expect(tokens).toMatchObject({ token_type: 'Bearer' });
    expect(String(tokens.id_token).split('.')).toHaveLength(3);

    const discovery = await fetch(`${server.url}/oauth2/default/.well-known/openid-configuration`);
    expect((await discovery.json()) as { issuer: string }).toMatchObject({
      issuer: `http://localhost:${port}/oauth2/default`,
    });

    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toContain('Received SIGTERM, shutting down');
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it('a second start on the same data dir keeps the demo data (no new demo block, same password)', async () => {
    expect(demoPassword).toBeDefined();
    const port = await freePort();
    const server = await startServer(['--data-dir', dataDir, '--port', String(port)], { port });
    try {
      expect(readyLines(server.stdout())).toEqual([
        `Gatehouse listening on http://127.0.0.1:${port} (issuer http://localhost:${port}/oauth2/default)`,
      ]);
      expect(server.stdout()).not.toContain('Created a demo app');
      expect(server.stdout()).not.toMatch(/password:/);
      const { answer } = await signIn(server.url, 'gatehouse-demo', 'demo@example.com', demoPassword);
      expect(answer.status).toBe(200);
      expect(answer.body.successWithInteractionCode).toBeDefined();
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  });

  it('--public-url sets the issuer; flags win over GATEHOUSE_PORT', async () => {
    const port = await freePort();
    const envPort = await freePort();
    const server = await startServer(
      [
        '--data-dir',
        join(dirs.make(), 'data'),
        '--port',
        String(port),
        '--public-url',
        'https://id.example.test/',
      ],
      { port, env: { GATEHOUSE_PORT: String(envPort) } },
    );
    try {
      expect(readyLines(server.stdout())).toEqual([
        `Gatehouse listening on http://127.0.0.1:${port} (issuer https://id.example.test/oauth2/default)`,
      ]);
      expect(server.stderr()).not.toContain('public URL not configured');
      const res = await fetch(`${server.url}/oauth2/default/.well-known/openid-configuration`);
      const discovery = (await res.json()) as Record<string, string>;
      expect(discovery.issuer).toBe('https://id.example.test/oauth2/default');
      expect(discovery.token_endpoint).toBe('https://id.example.test/oauth2/default/v1/token');
      const org = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as {
        issuer: string;
      };
      expect(org.issuer).toBe('https://id.example.test');
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  });

  it('NODE_ENV=production without GATEHOUSE_PUBLIC_URL refuses to start and names server.publicUrl', async () => {
    const port = await freePort();
    const result = await runCli(['start', '--data-dir', join(dirs.make(), 'data'), '--port', String(port)], {
      env: { NODE_ENV: 'production' },
    });
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toContain('server.publicUrl');
    expect(result.stderr).toContain('GATEHOUSE_PUBLIC_URL');
    expect(result.stdout).not.toContain('Gatehouse listening');
  });

  it('NODE_ENV=production with an http public URL on a public host is refused; https starts', async () => {
    const dataDir = join(dirs.make(), 'data');
    const port = await freePort();
    const refused = await runCli(['start', '--data-dir', dataDir, '--port', String(port)], {
      env: { NODE_ENV: 'production', GATEHOUSE_PUBLIC_URL: 'http://id.example.test' },
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/server\.publicUrl: must use https/);

    const server = await startServer(['--data-dir', dataDir, '--port', String(port)], {
      port,
      env: { NODE_ENV: 'production', GATEHOUSE_PUBLIC_URL: 'https://id.example.test' },
    });
    try {
      expect(readyLines(server.stdout())).toEqual([
        `Gatehouse listening on http://127.0.0.1:${port} (issuer https://id.example.test/oauth2/default)`,
      ]);
      // Production: no demo data and no development warning.
      expect(server.stdout()).not.toContain('Created a demo app');
      expect(server.stderr()).not.toContain('development defaults');
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  });

  it('GATEHOUSE_PORT=abc is refused with a message naming server.port and GATEHOUSE_PORT', async () => {
    const result = await runCli(['start', '--data-dir', join(dirs.make(), 'data')], {
      env: { GATEHOUSE_PORT: 'abc' },
    });
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toMatch(/server\.port: .*GATEHOUSE_PORT/);
    expect(result.stdout).not.toContain('Gatehouse listening');
  });
});
