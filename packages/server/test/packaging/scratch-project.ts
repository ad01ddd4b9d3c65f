import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

/**
 * A project outside the workspace that installs the packed tarballs the way a user would, but
 * offline: its package-lock.json is cut from the workspace's lockfile (the same versions the
 * workspace tests), so `npm install --offline` takes every dependency from the local npm cache.
 */

const run = promisify(execFile);

/** The workspaces that are published, in dependency order. */
export const PUBLISHED = ['packages/protocol', 'packages/sdk', 'packages/widget', 'packages/server'];

interface LockEntry {
  version?: string;
  link?: boolean;
  dev?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** The environment without npm's per-run variables (set when the suite runs under `npm test`). */
export function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('npm_') || key === 'NODE_ENV' || key.startsWith('GATEHOUSE_')) continue;
    env[key] = value;
  }
  return env;
}

/** Runs a command; on failure the error carries its output. */
export async function exec(command: string, args: string[], cwd: string, timeout = 120_000): Promise<string> {
  try {
    const { stdout } = await run(command, args, { cwd, env: npmEnv(), timeout, maxBuffer: 20 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(' ')} failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}\n${e.message}`,
    );
  }
}

/** `npm pack` of every published workspace into `destination`; returns the tarballs' paths. */
export async function packWorkspaces(repoRoot: string, destination: string): Promise<string[]> {
  mkdirSync(destination, { recursive: true });
  const workspaces = PUBLISHED.flatMap((w) => ['-w', w]);
  await exec('npm', ['pack', ...workspaces, '--pack-destination', destination], repoRoot, 180_000);
  return readdirSync(destination)
    .filter((f) => f.endsWith('.tgz'))
    .map((f) => join(destination, f));
}

/** The lock key a package at `from` reaches `name` by (Node's lookup: nearest node_modules up). */
function locate(entries: Record<string, LockEntry>, from: string, name: string): string | null {
  let dir = from;
  for (;;) {
    const key = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (entries[key]) return key;
    if (!dir) return null;
    const nested = dir.lastIndexOf('/node_modules/');
    dir = nested >= 0 ? dir.slice(0, nested) : '';
  }
}

/** The workspace lockfile's entries the published packages need at run time (not their own). */
export function runtimeLockEntries(repoRoot: string): Record<string, LockEntry> {
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const entries = lock.packages;
  const picked: Record<string, LockEntry> = {};
  const walk = (from: string, owner: LockEntry | undefined, deps: Record<string, string>) => {
    for (const name of Object.keys(deps)) {
      if (name.startsWith('@gatehouse/')) continue;
      const key = locate(entries, from, name);
      if (!key) {
        const optional = owner?.optionalDependencies?.[name] || owner?.peerDependenciesMeta?.[name]?.optional;
        if (optional) continue;
        throw new Error(`${name} (needed by ${from || 'the root'}) is not in package-lock.json`);
      }
      if (picked[key]) continue;
      const { dev: _d, devOptional: _o, peer: _p, ...entry } = entries[key] as LockEntry;
      if (entry.link) throw new Error(`${key} is a workspace link, not a published dependency`);
      picked[key] = entry;
      walk(key, entry, { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies });
    }
  };
  for (const workspace of PUBLISHED) {
    const { dependencies = {}, optionalDependencies = {} } = entries[workspace] ?? {};
    walk('', entries[workspace], { ...dependencies, ...optionalDependencies });
  }
  return picked;
}

/**
 * Writes the scratch project (package.json naming the tarballs, the cut lockfile) and installs it
 * offline. Install scripts do not run: better-sqlite3 12 (`better-sqlite3-v12`, the driver on Node
 * 20) gets the workspace's own build of the same version for the same Node (compiling it takes
 * minutes on two cores); 13 (Node 22.14+, 24) ships prebuilt binaries in its package.
 */
export async function installScratchProject(
  dir: string,
  repoRoot: string,
  tarballs: string[],
): Promise<void> {
  const dependencies: Record<string, string> = {};
  for (const tarball of tarballs) {
    // The file's own name: the temporary directory's (gatehouse-pack-<random>) may match too.
    const name = /^gatehouse-([a-z]+)-\d/.exec(basename(tarball))?.[1];
    if (!name) throw new Error(`unexpected tarball name ${tarball}`);
    dependencies[`@gatehouse/${name}`] = `file:${tarball}`;
  }
  const root = { name: 'gatehouse-scratch', version: '1.0.0' };
  const manifest = { ...root, private: true, type: 'module', dependencies };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  const lock = {
    ...root,
    lockfileVersion: 3,
    requires: true,
    packages: { '': root, ...runtimeLockEntries(repoRoot) },
  };
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
  await exec('npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], dir, 240_000);

  // better-sqlite3 13 ships its binaries; 12 (the driver on Node 20) is compiled at install.
  const release = join('node_modules', 'better-sqlite3-v12', 'build', 'Release');
  mkdirSync(join(dir, release), { recursive: true });
  copyFileSync(join(repoRoot, release, 'better_sqlite3.node'), join(dir, release, 'better_sqlite3.node'));
}
