import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderConfigurationReference } from '../../src/docs/configuration-reference.js';
import { renderErrorsReference } from '../../src/docs/errors-reference.js';
import { BUILD_TIMEOUT_MS, buildCli, runCli, runCliJson, TempDirs } from './cli-harness.js';

describe('gatehouse migrate and gatehouse docs (built binary)', () => {
  const dirs = new TempDirs();

  beforeAll(() => buildCli(), BUILD_TIMEOUT_MS);
  afterAll(() => dirs.cleanup());

  it('migrate --json on a fresh data dir applies 0001-initial first; a second run applies nothing', async () => {
    const dataDir = join(dirs.make(), 'data');
    const first = await runCliJson<{ database: string; applied: string[] }>([
      'migrate',
      '--data-dir',
      dataDir,
    ]);
    expect(first.database).toBe(join(dataDir, 'gatehouse.db'));
    expect(first.applied[0]).toBe('0001-initial');
    // Applied in order, each once.
    expect([...first.applied].sort()).toEqual(first.applied);

    const second = await runCliJson<{ database: string; applied: string[] }>([
      'migrate',
      '--data-dir',
      dataDir,
    ]);
    expect(second).toEqual({ database: first.database, applied: [] });

    const text = await runCli(['migrate', '--data-dir', dataDir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${first.database} is up to date`);
  });

  it('migrate honours GATEHOUSE_DATA_DIR, and --data-dir wins over it', async () => {
    const fromEnv = join(dirs.make(), 'env-data');
    const fromFlag = join(dirs.make(), 'flag-data');
    const viaEnv = await runCliJson<{ database: string }>(['migrate'], {
      env: { GATEHOUSE_DATA_DIR: fromEnv },
    });
    expect(viaEnv.database).toBe(join(fromEnv, 'gatehouse.db'));
    const viaFlag = await runCliJson<{ database: string }>(['migrate', '--data-dir', fromFlag], {
      env: { GATEHOUSE_DATA_DIR: fromEnv },
    });
    expect(viaFlag.database).toBe(join(fromFlag, 'gatehouse.db'));
  });

  it('docs --check names missing or stale files and exits 1; docs writes them; then --check passes', async () => {
    const cwd = dirs.make();
    const missing = await runCli(['docs', '--check'], { cwd });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(join('docs', 'reference', 'configuration.md'));
    expect(missing.stderr).toContain(join('docs', 'reference', 'errors.md'));
    expect(missing.stderr).toContain('npx gatehouse docs');

    // Default output directory: docs/reference under the current directory.
    const write = await runCli(['docs'], { cwd });
    expect(write.code, write.stderr).toBe(0);
    const out = join(cwd, 'docs', 'reference');
    expect(readFileSync(join(out, 'configuration.md'), 'utf8')).toBe(renderConfigurationReference());
    expect(readFileSync(join(out, 'errors.md'), 'utf8')).toBe(renderErrorsReference());

    const fresh = await runCli(['docs', '--check'], { cwd });
    expect(fresh.code, fresh.stderr).toBe(0);

    writeFileSync(join(out, 'errors.md'), `${renderErrorsReference()}\nedited by hand\n`);
    const stale = await runCli(['docs', '--check'], { cwd });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('errors.md');
    expect(stale.stderr).not.toContain('configuration.md');
    // --check writes nothing.
    expect(readFileSync(join(out, 'errors.md'), 'utf8')).toContain('edited by hand');
  });

  it('docs --out DIR writes there', async () => {
    const dir = join(dirs.make(), 'elsewhere');
    const result = await runCli(['docs', '--out', dir]);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(dir, 'errors.md'), 'utf8')).toBe(renderErrorsReference());
    expect((await runCli(['docs', '--check', '--out', dir])).code).toBe(0);
  });
});
