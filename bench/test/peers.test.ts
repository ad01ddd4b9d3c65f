import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../packages/server/test/support/test-server.js';
// @ts-expect-error plain ESM benchmark code without declarations
import { checkTokenResponse, formRequest, runRequests } from '../lib/flow-driver.mjs';
// @ts-expect-error plain ESM benchmark code without declarations
import { peersInstalled, runBetterAuthFlows, startPeer } from '../lib/peers.mjs';

/** The peers of `npm run bench` (bench/peers, installed with `npm install --prefix bench/peers`). */

interface Peer {
  child: { kill(signal?: string): void; once(event: 'exit', cb: () => void): void };
  url: string;
  info: { clientId: string; redirectUri: string; tokenPath: string };
  call(type: string, payload?: Record<string, unknown>): Promise<unknown>;
}

const installed = peersInstalled() as boolean;

async function stop(peer: Peer | undefined) {
  if (!peer) return;
  const exited = new Promise<void>((resolve) => peer.child.once('exit', resolve));
  peer.child.kill('SIGTERM');
  await exited;
}

describe.skipIf(!installed)('bench peers as child processes', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-peers-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('oidc-provider', () => {
    let peer: Peer;
    beforeAll(async () => {
      peer = await startPeer('oidc-provider', { port: await freePort(), dataDir: dir });
    }, 60_000);
    afterAll(() => stop(peer));

    it('exchanges each minted code once for an RS256 JWT access token and ID token', async () => {
      const codes = (await peer.call('mint', { count: 6 })) as Array<{ code: string; verifier: string }>;
      expect(codes).toHaveLength(6);
      let next = 0;
      const request = () => {
        const c = codes[next++];
        return c
          ? formRequest(peer.info.tokenPath, {
              grant_type: 'authorization_code',
              client_id: peer.info.clientId,
              redirect_uri: peer.info.redirectUri,
              code_verifier: c.verifier,
              code: c.code,
            })
          : null;
      };
      const headers: string[] = [];
      const result = await runRequests({
        baseUrl: peer.url,
        step: 'token',
        concurrency: 2,
        durationMs: 30_000,
        request,
        check: (json: { access_token: string }) => {
          checkTokenResponse('token', json);
          headers.push(Buffer.from(json.access_token.split('.')[0]!, 'base64url').toString());
        },
      });
      expect(result.errorSamples).toEqual([]);
      expect(result.flows).toBe(6);
      for (const h of headers) expect(JSON.parse(h)).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
      next = 0;
      const replay = await runRequests({
        baseUrl: peer.url,
        step: 'token',
        concurrency: 1,
        durationMs: 30_000,
        maxRequests: 1,
        request,
        check: (json: unknown) => checkTokenResponse('token', json),
      });
      expect(replay.flows).toBe(0);
      expect(replay.errorSamples[0]).toMatch(/^token: HTTP 400 invalid_grant/);
    });
  });

  describe('better-auth', () => {
    let peer: Peer;
    beforeAll(async () => {
      peer = await startPeer('better-auth', { port: await freePort(), dataDir: dir });
    }, 60_000);
    afterAll(() => stop(peer));

    it('signs in with email OTP read from its mailbox, zero errors at concurrency 2', async () => {
      const users = ['peer-a@bench.example', 'peer-b@bench.example'];
      expect(await peer.call('seed', { users })).toBe(2);
      const result = await runBetterAuthFlows({ baseUrl: peer.url, users, concurrency: 2, durationMs: 1000 });
      expect(result.errorSamples).toEqual([]);
      expect(result.flows).toBeGreaterThan(2);
      expect(Object.keys(result.steps)).toEqual(['send', 'verify']);
      expect(result.mailbox.reads).toBe(result.flows);
    });

    it('counts an address it does not know as an error (sign-up is off, no email is sent)', async () => {
      const result = await runBetterAuthFlows({
        baseUrl: peer.url,
        users: ['nobody@bench.example'],
        concurrency: 1,
        durationMs: 30_000,
        maxFlows: 1,
      });
      expect(result.flows).toBe(0);
      expect(result.errorSamples[0]).toMatch(/^mailbox: no email to nobody@bench.example/);
    });
  });
});
