import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/test-server.js';
import {
  BUILD_TIMEOUT_MS,
  buildCli,
  killAllServers,
  type RunningServer,
  runCli,
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
    // One active key per algorithm from the first start: RS256 (the default), ES256, EdDSA.
    const all = await runCliJson<KeyRecord[]>(['keys', 'list', ...store()]);
    expect(all.map((k) => [k.alg, k.status]).sort()).toEqual([
      ['ES256', 'active'],
      ['EdDSA', 'active'],
      ['RS256', 'active'],
    ]);
    const before = all.filter((k) => k.alg === 'RS256');
    expect(before[0]).toMatchObject({ alg: 'RS256', status: 'active', publishUntil: null });
    const oldKid = before[0]!.kid;
    const others = all.filter((k) => k.alg !== 'RS256').map((k) => k.kid);
    expect(kids(await jwks()).sort()).toEqual(all.map((k) => k.kid).sort());

    const oldTokens = await demoTokens();
    const oldIdToken = String(oldTokens.id_token);
    const oldAccessToken = String(oldTokens.access_token);
    expect(decodeProtectedHeader(oldIdToken).kid).toBe(oldKid);
    expect(decodeProtectedHeader(oldAccessToken).kid).toBe(oldKid);

    const rotated = await runCliJson<{
      kid: string;
      alg: string;
      retired: string | null;
      retiredPublishedForSeconds: number;
    }>(['keys', 'rotate', ...store()]);
    expect(rotated.alg).toBe('RS256');
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
    expect(kids(published).sort()).toEqual([oldKid, rotated.kid, ...others].sort());
    expect(kids(await jwks('/oauth2/v1/keys')).sort()).toEqual([oldKid, rotated.kid, ...others].sort());
    for (const key of published.keys.filter((k) => k.alg === 'RS256')) {
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
      [[rotated.kid, 'active'], [oldKid, 'retired'], ...others.map((kid) => [kid, 'active'])].sort(),
    );
    const retired = after.find((k) => k.kid === oldKid)!;
    const publishFor = Date.parse(retired.publishUntil!) - Date.now();
    expect(publishFor).toBeGreaterThan(3500 * 1000);
    expect(publishFor).toBeLessThanOrEqual(3900 * 1000);
    expect(after.find((k) => k.kid === rotated.kid)!.publishUntil).toBeNull();
    // keys list shows no key material.
    expect(JSON.stringify(after)).not.toMatch(/"(d|n|p|q)":/);
  });

  it('keys rotate --alg ES256 replaces the ES256 key only; an app set to ES256 gets tokens signed with it', async () => {
    const before = await runCliJson<KeyRecord[]>(['keys', 'list', ...store()]);
    const active = (alg: string, list: KeyRecord[]) =>
      list.find((k) => k.alg === alg && k.status === 'active')!.kid;
    const rotated = await runCliJson<{ kid: string; alg: string; retired: string | null }>([
      'keys',
      'rotate',
      '--alg',
      'ES256',
      ...store(),
    ]);
    expect(rotated).toMatchObject({ alg: 'ES256', retired: active('ES256', before) });
    const after = await runCliJson<KeyRecord[]>(['keys', 'list', ...store()]);
    expect(active('ES256', after)).toBe(rotated.kid);
    expect(active('RS256', after)).toBe(active('RS256', before));
    expect(active('EdDSA', after)).toBe(active('EdDSA', before));

    const bad = await runCli(['keys', 'rotate', '--alg', 'HS256', ...store()]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/RS256, ES256, EdDSA/);

    const updated = await runCliJson<{ tokenSigningAlg: string }>([
      'apps',
      'update',
      '--client-id',
      'gatehouse-demo',
      '--token-signing-alg',
      'ES256',
      ...store(),
    ]);
    expect(updated.tokenSigningAlg).toBe('ES256');
    // The server reads apps again within 5 s and keys within 10 s.
    const deadline = Date.now() + 20_000;
    let header = decodeProtectedHeader(String((await demoTokens()).id_token));
    while ((header.alg !== 'ES256' || header.kid !== rotated.kid) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      header = decodeProtectedHeader(String((await demoTokens()).id_token));
    }
    expect(header).toMatchObject({ alg: 'ES256', kid: rotated.kid });
    const tokens = await demoTokens();
    const keySet = createLocalJWKSet(await jwks());
    await expect(
      jwtVerify(String(tokens.id_token), keySet, {
        issuer,
        audience: 'gatehouse-demo',
        algorithms: ['ES256'],
      }),
    ).resolves.toBeDefined();
    await expect(
      jwtVerify(String(tokens.access_token), keySet, { issuer, algorithms: ['ES256'] }),
    ).resolves.toBeDefined();
    const userinfo = await fetch(`${server.url}/oauth2/default/v1/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(userinfo.status).toBe(200);
  });
});
