/**
 * Docs that run (issue 18): every code block the README and the guides tag as tested
 * (docs/guides/tested-docs.md) is run against a real server, the built `gatehouse start` on a
 * fresh data directory, with only the documented placeholders substituted. JS blocks run in Node
 * as ES modules with the repository's packages (@okta/okta-auth-js 8.0.1, openid-client 6,
 * @gatehouse/sdk); a block marked `browser` prints `Open <url>`, and Chromium opens it and signs the
 * demo user in on the page it shows. Shell blocks run in bash against the server's data directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWidget } from '../../../widget/scripts/build.mjs';
import { launchChromium } from '../../../widget/test/support/chromium.js';
import {
  BUILD_TIMEOUT_MS,
  binPath,
  buildCli,
  cleanEnv,
  killAllServers,
  repoRoot,
  runCli,
  startServer,
  TempDirs,
} from '../cli/cli-harness.js';
import { signInWithPassword } from '../hosted/hosted-harness.js';
import { freePort } from '../support/test-server.js';
import {
  fillIntegrity,
  findTestedBlocks,
  type Placeholders,
  substitutePlaceholders,
  type TestedBlock,
} from './tested-blocks.js';

const BLOCK_TIMEOUT_MS = 60_000;
/** A busy 2-core machine may take longer than the harness's default 20 s to start the server. */
const STARTUP_TIMEOUT_MS = 60_000;
const blocks = findTestedBlocks(repoRoot);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts a block's process; `result` settles when it exits. */
function launch(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const child: ChildProcess = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const run: Run = { code: null, stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk: Buffer) => {
    run.stdout += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    run.stderr += chunk.toString();
  });
  const result = new Promise<Run>((resolve) =>
    child.once('exit', (code) => {
      run.code = code;
      resolve(run);
    }),
  );
  return { child, run, result };
}

describe('docs: tagged code blocks run against a real server', () => {
  const dirs = new TempDirs();
  let dataDir: string;
  let workDir: string;
  let placeholders: Placeholders;
  let browser: Browser | undefined;
  const env = () => cleanEnv({ GATEHOUSE_DATA_DIR: dataDir });

  beforeAll(
    async () => {
      buildCli();
      await buildWidget();
      dataDir = join(dirs.make('gatehouse-docs-'), 'data');
      workDir = dirs.make('gatehouse-docs-work-');
      // JS blocks import the repository's packages, as an integrator's app imports its own.
      symlinkSync(join(repoRoot, 'node_modules'), join(workDir, 'node_modules'), 'dir');
      // The files the email-templates guide names (Velocity, whose `$` + `{name}` is a variable).
      const link = '$' + '{resetPasswordLink}';
      writeFileSync(join(workDir, 'reset.html'), `<p>Reset: <a href="${link}">link</a></p>\n`);
      writeFileSync(join(workDir, 'reset.txt'), `Reset: ${link}\n`);

      const port = await freePort();
      const first = await startServer(['--data-dir', dataDir, '--port', String(port)], {
        port,
        timeoutMs: STARTUP_TIMEOUT_MS,
      });
      const demoPassword = /^ {2}password: +(\S+)$/m.exec(first.stdout())?.[1];
      if (!demoPassword) throw new Error(`no demo password printed:\n${first.stdout()}`);
      await first.stop();

      // Fixtures the docs name: the demo app at the app port, the guides' app `shop` and user Ada.
      const appPort = await freePort();
      const setup = [
        [
          'apps',
          'update',
          '--client-id',
          'gatehouse-demo',
          '--redirect-uri',
          `http://localhost:${appPort}/login/callback`,
          '--trusted-origin',
          `http://localhost:${appPort}`,
        ],
        [
          'apps',
          'create',
          '--name',
          'Shop',
          '--client-id',
          'shop',
          '--public',
          '--redirect-uri',
          'https://shop.example.com/callback',
        ],
        [
          'users',
          'create',
          '--login',
          'ada@example.com',
          '--email',
          'ada@example.com',
          '--password',
          'quartz-lantern-meadow-1987',
        ],
      ];
      for (const args of setup) {
        const result = await runCli(args, { env: { GATEHOUSE_DATA_DIR: dataDir } });
        if (result.code !== 0)
          throw new Error(`gatehouse ${args.join(' ')}: ${result.stderr}${result.stdout}`);
      }
      await startServer(['--data-dir', dataDir, '--port', String(port)], {
        port,
        timeoutMs: STARTUP_TIMEOUT_MS,
      });
      placeholders = {
        gatehouseOrigin: `http://localhost:${port}`,
        appPort,
        demoPassword,
        gatehouseCommand: `node ${JSON.stringify(binPath)}`,
        clientId: 'shop',
      };
    },
    BUILD_TIMEOUT_MS + 2 * STARTUP_TIMEOUT_MS + 60_000,
  );

  /** A fresh browser profile that may reach loopback origins only. */
  async function inBrowser(body: (page: Page) => Promise<void>): Promise<void> {
    browser ??= await launchChromium();
    const context = await browser.newContext();
    await context.route(
      (u) => u.hostname !== 'localhost' && u.hostname !== '127.0.0.1',
      (route) => route.abort(),
    );
    try {
      await body(await context.newPage());
    } finally {
      await context.close();
    }
  }

  /** An HTML block: served at the app's origin, opened in Chromium, the demo user signed in on it. */
  async function runPage(block: TestedBlock, code: string): Promise<void> {
    const sri = async (url: string) => {
      const body = Buffer.from(await (await fetch(url)).arrayBuffer());
      return `sha384-${createHash('sha384').update(body).digest('base64')}`;
    };
    const html = `<!doctype html><meta charset="utf-8"><title>${block.name}</title>\n${await fillIntegrity(code, sri)}`;
    const app = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
    await new Promise<void>((resolve) => app.listen(placeholders.appPort, 'localhost', resolve));
    try {
      await inBrowser(async (page) => {
        const logged: string[] = [];
        const errors: string[] = [];
        page.on('console', (m) => (m.type() === 'log' ? logged : errors).push(m.text()));
        page.on('pageerror', (e) => errors.push(String(e)));
        await page.goto(`http://localhost:${placeholders.appPort}/`);
        await signInWithPassword(page, { login: 'demo@example.com', password: placeholders.demoPassword });
        await expect
          .poll(() => `${logged.join('\n')}\n${errors.join('\n')}`, { timeout: 20_000 })
          .toContain(block.expect ?? '');
        expect(errors).toEqual([]);
      });
    } finally {
      await new Promise((resolve) => app.close(resolve));
    }
  }

  afterAll(async () => {
    await browser?.close();
    killAllServers();
    dirs.cleanup();
  });

  it('finds the tagged blocks, each with a runner and a unique name, the README sign-in snippets among them', () => {
    const names = blocks.map((b) => b.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['readme-okta-auth-js', 'readme-openid-client']));
    for (const block of blocks) {
      expect(['js', 'sh', 'html'], `${block.file}:${block.line}`).toContain(block.language);
      if (block.language === 'html') expect(block.browser, `${block.file}:${block.line}`).toBe(true);
    }
  });

  it.each(blocks.map((b) => [`${b.name} (${b.file}:${b.line})`, b] as const))(
    '%s runs',
    async (_label, block: TestedBlock) => {
      const code = substitutePlaceholders(block, placeholders);
      if (block.language === 'sh') {
        const run = await launch('bash', ['-euo', 'pipefail', '-c', code], workDir, env()).result;
        expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
        if (block.expect) expect(run.stdout).toContain(block.expect);
        return;
      }
      if (block.language === 'html') return runPage(block, code);
      const file = join(workDir, `${block.name}.mjs`);
      mkdirSync(workDir, { recursive: true });
      writeFileSync(file, `${code}\n`);
      const started = launch(process.execPath, [file], workDir, env());
      try {
        if (!block.browser) {
          const run = await started.result;
          expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
          if (block.expect) expect(run.stdout).toContain(block.expect);
          return;
        }
        await expect
          .poll(() => /^Open (\S+)$/m.exec(started.run.stdout)?.[1] ?? started.run.stderr, {
            timeout: 20_000,
          })
          .toMatch(/^https?:\/\//);
        const url = /^Open (\S+)$/m.exec(started.run.stdout)![1]!;
        await inBrowser(async (page) => {
          await page.goto(url);
          await signInWithPassword(page, { login: 'demo@example.com', password: placeholders.demoPassword });
          await expect
            .poll(
              async () =>
                (await page
                  .locator('body')
                  .textContent()
                  .catch(() => '')) ?? '',
              {
                timeout: 20_000,
              },
            )
            .toContain(block.expect ?? '');
        });
      } finally {
        started.child.kill('SIGKILL');
      }
    },
    BLOCK_TIMEOUT_MS,
  );
});
