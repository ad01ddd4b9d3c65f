import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS, buildCli, repoRoot } from '../cli/cli-harness.js';
import { freePort } from '../support/test-server.js';
import { exec, installScratchProject, npmEnv, PUBLISHED, packWorkspaces } from './scratch-project.js';

/**
 * The published packages as a user meets them: `npm pack` of each workspace, installed from the
 * tarballs into a project outside the workspace, then the installed `gatehouse` bin started there
 * and a sign-in run against it with the installed `@gatehouse/sdk`, and the types checked by tsc.
 */

const DEMO_REDIRECT = 'http://localhost:8080/login/callback';
/** A server start through npx, or tsc over the server's declarations: 10–25 s on an idle 2-core box. */
const SLOW_STEP_MS = 120_000;

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
    statSync(join(dir, f)).isFile(),
  );
}

/** `name`, `name/sub/path`, `@scope/name…`: what a bare module specifier looks like. */
const PACKAGE_SPECIFIER = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(\/[\w.-]+)*$/;

/** Package names a built file imports or requires by a literal bare specifier. */
function bareImports(source: string): string[] {
  const names = new Set<string>();
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bresolve\s*\(\s*)['"]([^'".][^'"]*)['"]/g;
  for (const [, specifier] of source.matchAll(pattern)) {
    if (!specifier || !PACKAGE_SPECIFIER.test(specifier)) continue;
    if (specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
    const parts = specifier.split('/');
    names.add(specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string));
  }
  return [...names];
}

describe('the published packages, installed from their tarballs outside the workspace', () => {
  let work: string;
  let project: string;
  let installed: (name: string) => string;
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    buildCli(); // dist up to date under the CLI tests' build lock; prepack's own `tsc -b` then writes nothing
    work = mkdtempSync(join(tmpdir(), 'gatehouse-pack-'));
    project = join(work, 'project');
    const tarballs = await packWorkspaces(repoRoot, join(work, 'tarballs'));
    expect(tarballs.map((t) => t.slice(join(work, 'tarballs').length + 1)).sort()).toEqual([
      'gatehouse-protocol-0.1.0.tgz',
      'gatehouse-sdk-0.1.0.tgz',
      'gatehouse-server-0.1.0.tgz',
      'gatehouse-widget-0.1.0.tgz',
    ]);
    mkdirSync(project);
    await installScratchProject(project, repoRoot, tarballs);
    installed = (name) => join(project, 'node_modules', name);
  }, BUILD_TIMEOUT_MS + 240_000);

  afterAll(() => {
    if (server?.pid && server.exitCode === null) process.kill(-server.pid, 'SIGKILL');
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('each tarball holds its built JS, .d.ts, README and LICENSE, no tests, and maps whose sources are inside', () => {
    for (const workspace of PUBLISHED) {
      const manifest = JSON.parse(readFileSync(join(repoRoot, workspace, 'package.json'), 'utf8'));
      const dir = installed(manifest.name);
      const files = filesUnder(dir);
      expect(manifest.private, manifest.name).toBeUndefined();
      expect(files, manifest.name).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE']));
      expect(
        files.filter((f) => /(^|\/)test(s)?\/|\.test\.|\.tsbuildinfo$/.test(f)),
        manifest.name,
      ).toEqual([]);
      for (const target of [manifest.types, ...Object.values(manifest.bin ?? {})].filter(Boolean)) {
        expect(existsSync(join(dir, target as string)), `${manifest.name}: ${target}`).toBe(true);
      }
      for (const map of files.filter((f) => f.endsWith('.map'))) {
        const { sources } = JSON.parse(readFileSync(join(dir, map), 'utf8')) as { sources: string[] };
        for (const source of sources) {
          expect(
            existsSync(resolve(dirname(join(dir, map)), source)),
            `${manifest.name}: ${map} → ${source}`,
          ).toBe(true);
        }
      }
    }
    expect(filesUnder(installed('@gatehouse/widget')).sort()).toEqual([
      'LICENSE',
      'README.md',
      'dist/gatehouse-sign-in.css',
      'dist/gatehouse-sign-in.js',
      'package.json',
    ]);
  });

  it('everything the server and the SDK load at run time is among their `dependencies` (or optional ones)', () => {
    for (const name of ['@gatehouse/server', '@gatehouse/sdk', '@gatehouse/protocol']) {
      const dir = installed(name);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      // An optional dependency counts: better-sqlite3 13, loaded where Node has Node-API 10 (ADR 0016).
      const declared = Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies });
      const used = new Set<string>();
      for (const file of filesUnder(join(dir, 'dist')).filter((f) => f.endsWith('.js'))) {
        if (file === 'gatehouse-sdk.browser.js') continue; // the browser bundle imports nothing
        for (const imported of bareImports(readFileSync(join(dir, 'dist', file), 'utf8'))) used.add(imported);
      }
      expect(
        [...used].filter((u) => !declared.includes(u)),
        name,
      ).toEqual([]);
    }
  });

  it(
    'the installed `gatehouse` bin starts; the installed SDK signs the demo user in against it',
    async () => {
      const port = await freePort();
      const dataDir = join(work, 'data');
      server = spawn(
        'npx',
        ['--no-install', 'gatehouse', 'start', '--port', String(port), '--data-dir', dataDir],
        {
          cwd: project,
          env: npmEnv(),
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true, // its own process group: npx and the server it runs end together
        },
      );
      let stdout = '';
      let stderr = '';
      server.stdout?.on('data', (chunk) => {
        stdout += chunk;
      });
      server.stderr?.on('data', (chunk) => {
        stderr += chunk;
      });
      await new Promise<void>((ready, fail) => {
        const poll = setInterval(() => {
          if (stdout.includes('Gatehouse listening on')) {
            clearInterval(poll);
            ready();
          }
        }, 50);
        server?.once('exit', (code) => {
          clearInterval(poll);
          fail(new Error(`gatehouse start exited ${code}:\n${stdout}\n${stderr}`));
        });
      });
      expect(stdout).toContain(`redirect URI:  ${DEMO_REDIRECT}`);
      const password = /^ {2}password: +(\S+)$/m.exec(stdout)?.[1] as string;
      expect(password).toBeDefined();
      const issuer = `http://localhost:${port}/oauth2/default`;

      writeFileSync(
        join(project, 'sign-in.mjs'),
        `import { createAuthClient } from '@gatehouse/sdk';
const [issuer, password] = process.argv.slice(2);
const auth = createAuthClient({ issuer, clientId: 'gatehouse-demo', redirectUri: '${DEMO_REDIRECT}' });
const tx = await auth.idx.authenticate({ username: 'demo@example.com', password });
console.log(JSON.stringify({ status: tx.status, email: tx.tokens?.claims?.email, accessToken: tx.tokens?.accessToken }));
`,
      );
      const result = JSON.parse(await exec(process.execPath, ['sign-in.mjs', issuer, password], project)) as {
        status: string;
        email?: string;
        accessToken?: string;
      };
      expect(result.status).toBe('SUCCESS');
      expect(result.email).toBe('demo@example.com');
      const userinfo = await fetch(`${issuer}/v1/userinfo`, {
        headers: { authorization: `Bearer ${result.accessToken}` },
      });
      expect(userinfo.status).toBe(200);
      expect(((await userinfo.json()) as { email?: string }).email).toBe('demo@example.com');

      // The hosted page's widget comes from the installed @gatehouse/widget.
      const widget = await fetch(`http://127.0.0.1:${port}/widget/0.1.0/gatehouse-sign-in.js`);
      expect(widget.status).toBe(200);
      expect(await widget.text()).toContain('@gatehouse/widget 0.1.0');
      // So does the SDK's browser build, listed with its SRI hash, and the home page's assets.
      const builds = (await (await fetch(`http://127.0.0.1:${port}/browser-builds.json`)).json()) as unknown;
      expect(JSON.stringify(builds)).toContain('/sdk/0.1.0/gatehouse-sdk.browser.js');
      const sdk = await fetch(`http://127.0.0.1:${port}/sdk/0.1.0/gatehouse-sdk.browser.js`);
      expect(sdk.status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/favicon.ico`)).status).toBe(200);
      const playground = await (await fetch(`http://127.0.0.1:${port}/playground`)).text();
      expect(playground).not.toContain('script is missing');
    },
    SLOW_STEP_MS,
  );

  it(
    'the types resolve: tsc checks a file importing the three packages',
    async () => {
      writeFileSync(
        join(project, 'check.ts'),
        `import type { IdxResponse } from '@gatehouse/protocol';
import { createAuthClient, type IdxTransaction } from '@gatehouse/sdk';
import { type GatehouseConfig, loadConfig } from '@gatehouse/server';

const auth = createAuthClient({ issuer: 'https://id.example.com/oauth2/default', clientId: 'app', redirectUri: '${DEMO_REDIRECT}' });
export const issuer: string = auth.issuer;
export const load: typeof loadConfig = loadConfig;
export type Checked = [IdxResponse, IdxTransaction, GatehouseConfig];
// @ts-expect-error the issuer is a string: an \`any\` from a missing declaration would not be an error
export const wrong: number = auth.issuer;
`,
      );
      writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            module: 'nodenext',
            target: 'es2022',
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            types: ['node'],
            typeRoots: [relative(project, join(repoRoot, 'node_modules', '@types'))],
          },
          files: ['check.ts'],
        }),
      );
      const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
      await exec(process.execPath, [tsc, '-p', 'tsconfig.json'], project);
    },
    SLOW_STEP_MS,
  );
});
