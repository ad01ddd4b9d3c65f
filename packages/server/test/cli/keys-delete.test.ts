import { decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUILD_TIMEOUT_MS,
  killAllServers,
  type RunningServer,
  runCli,
  runCliJson,
  signInForTokens,
  TempDirs,
} from './cli-harness.js';
import { startOnNewStore } from './cli-sign-ins.js';

interface KeyRecord {
  kid: string;
  alg: string;
  status: string;
}

/**
 * `keys delete`: never the key an algorithm signs with, nor one whose tokens may be live, unless
 * forced; a forced delete of the active key makes its successor at once. Each test runs several CLI
 * processes and waits for the running server to read the keys again, hence the longer time allowed.
 */
describe('gatehouse keys delete (built binary, server running)', { timeout: 120_000 }, () => {
  const dirs = new TempDirs();
  let dataDir: string;
  let server: RunningServer;
  let demoPassword: string;
  const store = () => ['--data-dir', dataDir];

  const publishedKids = async () =>
    ((await (await fetch(`${server.url}/oauth2/default/v1/keys`)).json()) as JSONWebKeySet).keys.map(
      (k) => k.kid,
    );
  const demoTokens = () => signInForTokens(server.url, 'gatehouse-demo', 'demo@example.com', demoPassword);
  const userinfo = async (accessToken: unknown) =>
    (
      await fetch(`${server.url}/oauth2/default/v1/userinfo`, {
        headers: { authorization: `Bearer ${accessToken}` },
      })
    ).status;
  const activeKid = async (alg: string) =>
    (await runCliJson<KeyRecord[]>(['keys', 'list', ...store()])).find(
      (k) => k.alg === alg && k.status === 'active',
    )!.kid;
  /** How long the running server may keep serving the keys it read (it reads them again every 10 s). */
  const RELOAD = { timeout: 30_000, interval: 500 };

  beforeAll(async () => {
    ({ dataDir, server } = await startOnNewStore(dirs));
    demoPassword = /^ {2}password: +(\S+)$/m.exec(server.stdout())![1]!;
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await server?.stop();
    killAllServers();
    dirs.cleanup();
  });

  it('refuses the active key, then the retired one still published; --force deletes it and its tokens stop verifying', async () => {
    const tokens = await demoTokens();
    const first = await activeKid('RS256');
    expect(decodeProtectedHeader(String(tokens.access_token)).kid).toBe(first);

    const active = await runCli(['keys', 'delete', first, ...store()]);
    expect(active).toEqual({
      code: 1,
      stdout: '',
      stderr: `gatehouse: Key ${first} is the active RS256 signing key (run \`gatehouse keys rotate --alg RS256\` first); --force deletes it anyway, and tokens it signed stop verifying\n`,
    });
    await runCliJson(['keys', 'rotate', ...store(), '--alg', 'RS256']);
    const published = await runCli(['keys', 'delete', first, ...store()]);
    expect(published.code).toBe(1);
    expect(published.stderr).toMatch(
      new RegExp(
        `^gatehouse: Key ${first} is still published until \\S+ \\(tokens it signed may still be live\\); --force`,
      ),
    );
    expect(await userinfo(tokens.access_token)).toBe(200);

    expect(await runCliJson(['keys', 'delete', first, ...store(), '--force'])).toEqual({
      kid: first,
      alg: 'RS256',
      status: 'retired',
      replacedBy: null,
      deleted: true,
    });
    await expect.poll(publishedKids, RELOAD).not.toContain(first);
    await expect.poll(() => userinfo(tokens.access_token), RELOAD).toBe(401);

    const unknown = await runCli(['keys', 'delete', first, ...store()]);
    expect(unknown).toEqual({ code: 1, stdout: '', stderr: `gatehouse: No signing key ${first}\n` });
  });

  it('--force on the active key makes its successor at once: never without a signing key, new tokens verify', async () => {
    const current = await activeKid('RS256');
    const es256 = await activeKid('ES256');
    const result = await runCliJson<{ replacedBy: string }>([
      'keys',
      'delete',
      current,
      ...store(),
      '--force',
    ]);
    expect(result).toMatchObject({ kid: current, alg: 'RS256', status: 'active', deleted: true });
    expect(result.replacedBy).not.toBe(current);
    expect(await activeKid('RS256')).toBe(result.replacedBy);
    // Other algorithms keep their keys.
    expect(await activeKid('ES256')).toBe(es256);

    await expect.poll(publishedKids, RELOAD).toContain(result.replacedBy);
    expect(await publishedKids()).not.toContain(current);
    const tokens = await demoTokens();
    expect(decodeProtectedHeader(String(tokens.access_token)).kid).toBe(result.replacedBy);
    expect(await userinfo(tokens.access_token)).toBe(200);
  });
});
