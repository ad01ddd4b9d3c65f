import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostOutcome, postBody } from '../../../../scripts/probes/lib/raw-clients.mjs';
import { discardRest, UNREAD_BODY_LIMITS } from '../../src/http/unread-body.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Bodies over `server.bodyLimitBytes` (64 KiB) over real loopback sockets: the client must read a
 * complete 413 in the endpoint's error format, never a reset connection (EPIPE / ECONNRESET) — and
 * the server must not read an unbounded amount to get there (`http/unread-body.ts`).
 */

const LIMIT = 64 * 1024;
const MiB = 1024 * 1024;
const JSON_TYPE = 'application/json';
const FORM = 'application/x-www-form-urlencoded';

const RAW_CLIENTS = fileURLToPath(new URL('../../../../scripts/probes/lib/raw-clients.mjs', import.meta.url));

type Case = { client: 'net' | 'http'; path: string; type: string; size: number; chunked: boolean };

/**
 * Sends the requests from another process: a client in the test runner's own event loop takes
 * turns with the server and hides the race (the reset arrives before the client reads the answer).
 */
async function postFromAnotherProcess(url: string, cases: Case[]): Promise<PostOutcome[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [RAW_CLIENTS, url, JSON.stringify(cases)], {
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(stdout) as PostOutcome[];
}

interface Endpoint {
  name: string;
  path: string;
  type: string;
  /** The error key (IDX `i18n.key`, OAuth `error`) of a 413 and a 415 at this endpoint. */
  tooLarge: string;
  unsupported: string;
  key(body: Record<string, unknown>): unknown;
}

const ENDPOINTS: Endpoint[] = [
  {
    name: 'IDX introspect',
    path: '/idp/idx/introspect',
    type: JSON_TYPE,
    tooLarge: 'gatehouse.request.too_large',
    unsupported: 'gatehouse.request.unsupported_media_type',
    key: (body) => (body.messages as { value: { i18n: { key: string } }[] } | undefined)?.value[0]?.i18n.key,
  },
  {
    name: 'OAuth token',
    path: '/oauth2/default/v1/token',
    type: FORM,
    tooLarge: 'payload_too_large',
    unsupported: 'unsupported_media_type',
    key: (body) => body.error,
  },
];

describe('oversized request bodies over real sockets', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  for (const endpoint of ENDPOINTS)
    for (const client of ['net', 'http'] as const)
      it(`${endpoint.name}, ${client} client: just over and far over the limit, with and without Content-Length → a readable 413`, async () => {
        const cases: Case[] = [];
        for (const size of [LIMIT + 1, LIMIT + 16 * 1024, MiB, 10 * MiB])
          for (const chunked of [false, true])
            for (let i = 0; i < 3; i++)
              cases.push({ client, path: endpoint.path, type: endpoint.type, size, chunked });
        const outcomes = await postFromAnotherProcess(server.url, cases);
        const label = (i: number) =>
          `${cases[i]!.size} B ${cases[i]!.chunked ? 'chunked' : 'content-length'}`;
        outcomes.forEach(({ answer, error }, i) => {
          expect(error, label(i)).toBeNull();
          expect(answer?.status, label(i)).toBe(413);
          expect(endpoint.key(JSON.parse(answer!.text)), label(i)).toBe(endpoint.tooLarge);
          expect(answer!.text, label(i)).not.toMatch(/stack|node_modules|\.ts:\d+/);
        });
      });

  it('a large body of a content type the endpoint does not take → a readable 415', async () => {
    const cases: Case[] = [];
    for (const endpoint of ENDPOINTS)
      for (const client of ['net', 'http'] as const)
        for (let i = 0; i < 3; i++)
          cases.push({ client, path: endpoint.path, type: 'application/xml', size: 4 * MiB, chunked: false });
    const outcomes = await postFromAnotherProcess(server.url, cases);
    outcomes.forEach(({ answer, error }, i) => {
      const endpoint = ENDPOINTS.find((e) => e.path === cases[i]!.path)!;
      expect(error, `${endpoint.name} ${cases[i]!.client}`).toBeNull();
      expect(answer?.status).toBe(415);
      expect(endpoint.key(JSON.parse(answer!.text))).toBe(endpoint.unsupported);
    });
  });

  it('a Content-Length past the drain limit is answered 413 at once, without waiting for the body, and closed', async () => {
    const started = Date.now();
    const { hostname, port } = new URL(server.url);
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () =>
        socket.write(
          `POST /oauth2/default/v1/token HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: ${FORM}\r\n` +
            `content-length: ${1024 * MiB}\r\n\r\n`,
        ),
      );
      let received = '';
      socket.setEncoding('latin1');
      socket.on('data', (d) => (received += d));
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
    });
    expect(Date.now() - started).toBeLessThan(UNREAD_BODY_LIMITS.maxMs);
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text).toMatch(/\r\nconnection: close\r\n/i);
    expect(text).toContain('"error":"payload_too_large"');
  });

  it('a chunked body that never ends stops being read past the drain limit', async () => {
    // Far more than the limit: the server must give up long before the client does.
    const request = { path: '/idp/idx/introspect', type: JSON_TYPE, size: 256 * MiB, chunked: true };
    const { answer, error, sent } = await postBody('net', server.url, request);
    expect(answer?.status ?? error).toBeTruthy();
    if (answer) expect(answer.status).toBe(413);
    // What the server read, plus what the two kernels and the client buffered.
    expect(sent).toBeGreaterThan(UNREAD_BODY_LIMITS.maxBytes);
    expect(sent).toBeLessThan(UNREAD_BODY_LIMITS.maxBytes + 48 * MiB);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe('discardRest', () => {
  let server: Server;
  let url: string;
  const limits = { maxBytes: 8 * 1024, maxMs: 300 };

  beforeAll(async () => {
    server = createServer(async (req, res) => res.end(String(await discardRest(req, limits))));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  const post = (body: BodyInit) =>
    fetch(url, { method: 'POST', body, duplex: 'half' } as RequestInit).then((r) => r.text());

  it('reads a body within the limits to its end', async () => {
    expect(await post('x'.repeat(8 * 1024))).toBe('true');
  });

  it('gives up past maxBytes', async () => {
    expect(await post('x'.repeat(8 * 1024 + 1))).toBe('false');
  });

  it('gives up after maxMs on a body that trickles', async () => {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const trickle = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('x'));
        timer = setTimeout(() => controller.close(), 5_000);
      },
    });
    expect(await post(trickle)).toBe('false');
    clearTimeout(timer);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
