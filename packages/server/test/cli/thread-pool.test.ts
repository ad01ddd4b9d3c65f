import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS, binPath, buildCli, cleanEnv } from './cli-harness.js';

/**
 * The binary sizes libuv's thread pool before anything uses it (issue 17: token signing must never
 * wait behind password hashes, which take at most one thread per core). A preloaded script reports
 * the variable as the process ends.
 */
describe('gatehouse binary: thread pool size', () => {
  let dir: string;
  let preload: string;

  beforeAll(() => {
    buildCli();
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-pool-'));
    preload = join(dir, 'report.cjs');
    writeFileSync(
      preload,
      "process.on('exit', () => process.stderr.write('POOL=' + process.env.UV_THREADPOOL_SIZE + '\\n'));\n",
    );
  }, BUILD_TIMEOUT_MS);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const poolOf = (env: NodeJS.ProcessEnv): string => {
    const { stderr } = spawnSync(process.execPath, ['-r', preload, binPath, 'help'], {
      env,
      encoding: 'utf8',
    });
    return /POOL=(\S+)/.exec(stderr)?.[1] ?? 'not reported';
  };

  it('gives the pool four threads more than the cores (hashing takes at most one per core)', () => {
    const env = cleanEnv();
    delete env.UV_THREADPOOL_SIZE;
    expect(poolOf(env)).toBe(String(availableParallelism() + 4));
  });

  it("keeps the operator's UV_THREADPOOL_SIZE", () => {
    expect(poolOf(cleanEnv({ UV_THREADPOOL_SIZE: '3' }))).toBe('3');
  });
});
