import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/test-server.js';
import {
  BUILD_TIMEOUT_MS,
  buildCli,
  killAllServers,
  type RunningServer,
  runCliJson,
  signInForTokens,
  startServer,
  TempDirs,
} from './cli-harness.js';

interface KeyRecord {
  kid: string;
  alg: string;
  status: string;
  createdAt: string;
  publishUntil: string | null;
}

describe('gatehouse keys (built binary, server running)', () => {
  const dirs = new TempDirs();
  let dataDir: string;
  let server: RunningServer;
  let issuer: string;
  let demoPassword: string;
  const store = () => ['--data-dir', dataDir];

  const jwks = async (path = '/oauth2/default/v1/keys') =>
    (await (await fetch(`${server.url}${path}`)).json()) as JSONWebKeySet;
  const kids = (set: JSONWebKeySet) => set.keys.map((k) => k.kid);
  const demoTokens = () => signInForTokens(server.url, 'gatehouse-demo', 'demo@example.com', demoPassword);

  beforeAll(async () => {
    buildCli();
    dataDir = join(dirs.make(), 'data');
    const port = await freePort();
    server = await startServer([...store(), '--port', String(port)], { port });
    issuer = `http://localhost:${port}/oauth2/default`;
    demoPassword = /^ {2}password: +(\S+)$/m.exec(server.stdout())![1]!;
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await server?.stop();
    killAllServers();
    dirs.cleanup();
  });

  it('keys rotate while the server runs: JWKS soon lists old and new kid; old tokens still verify; new ones use the new key', async () => {
    const before = await runCliJson<KeyRecord[]>(['keys', 'list', ...store()]);
    expect(before).toHaveLength(1);
    expect(before[0]).toMatchObject({ alg: 'RS256', status: 'active', publishUntil: null });
    const oldKid = before[0]!.kid;
    expect(kids(await jwks())).toEqual([oldKid]);

    const oldTokens = await demoTokens();
    const oldIdToken = String(oldTokens.id_token);
    const oldAccessToken = String(oldTokens.access_token);
    expect(decodeProtectedHeader(oldIdToken).kid).toBe(oldKid);
    expect(decodeProtectedHeader(oldAccessToken).kid).toBe(oldKid);

    const rotated = await runCliJson<{
      kid: string;
      retired: string | null;
      retiredPublishedForSeconds: number;
    }>(['keys', 'rotate', ...store()]);
    expect(rotated.retired).toBe(oldKid);
    expect(rotated.kid).not.toBe(oldKid);
    // Published until every token the old key signed has expired (longest token lifetime + 5 minutes).
    expect(rotated.retiredPublishedForSeconds).toBe(3600 + 300);

    // The server reads keys from the store at most every 10 s.
    const deadline = Date.now() + 15_000;
    let published = await jwks();
    while (!kids(published).includes(rotated.kid) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      published = await jwks();
    }
    expect(kids(published).sort()).toEqual([oldKid, rotated.kid].sort());
    expect(kids(await jwks('/oauth2/v1/keys')).sort()).toEqual([oldKid, rotated.kid].sort());
    for (const key of published.keys) {
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }

    // Tokens signed before the rotation verify against the published set, client- and server-side.
    const keySet = createLocalJWKSet(published);
    const { payload: idClaims } = await jwtVerify(oldIdToken, keySet, { issuer, audience: 'gatehouse-demo' });
    expect(idClaims.sub).toBeDefined();
    await expect(jwtVerify(oldAccessToken, keySet, { issuer })).resolves.toBeDefined();
    const userinfo = await fetch(`${server.url}/oauth2/default/v1/userinfo`, {
      headers: { authorization: `Bearer ${oldAccessToken}` },
    });
    expect(userinfo.status).toBe(200);

    // New tokens are signed with the new key.
    const newTokens = await demoTokens();
    expect(decodeProtectedHeader(String(newTokens.id_token)).kid).toBe(rotated.kid);
    await expect(jwtVerify(String(newTokens.id_token), keySet, { issuer })).resolves.toBeDefined();

    const after = await runCliJson<KeyRecord[]>(['keys', 'list', ...store()]);
    expect(after.map((k) => [k.kid, k.status]).sort()).toEqual(
      [
        [rotated.kid, 'active'],
        [oldKid, 'retired'],
      ].sort(),
    );
    const retired = after.find((k) => k.kid === oldKid)!;
    const publishFor = Date.parse(retired.publishUntil!) - Date.now();
    expect(publishFor).toBeGreaterThan(3500 * 1000);
    expect(publishFor).toBeLessThanOrEqual(3900 * 1000);
    expect(after.find((k) => k.kid === rotated.kid)!.publishUntil).toBeNull();
    // keys list shows no key material.
    expect(JSON.stringify(after)).not.toMatch(/"(d|n|p|q)":/);
  });
});
