/**
 * `/favicon.ico` over HTTP (issue 18, list 9): the icon from packages/server/assets, in
 * development and production alike, cached, with the server's usual security headers.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

const ICON = new URL('../../assets/favicon.ico', import.meta.url);

describe.each(['development', 'production'] as const)('/favicon.ico on a %s server', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { mode } });
  });
  afterAll(() => server.close());

  it('is the icon file, an image/x-icon cached for a day', async () => {
    const res = await fetch(`${server.url}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/x-icon');
    expect(res.headers.get('cache-control')).toBe('public, max-age=86400');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(await readFile(ICON))).toBe(true);
    // An ICO header: reserved 0, type 1 (icon), one image.
    expect([...body.subarray(0, 6)]).toEqual([0, 0, 1, 0, 1, 0]);
  });

  it('answers HEAD too and refuses a POST in the protocol format (no 500)', async () => {
    const head = await fetch(`${server.url}/favicon.ico`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const post = await fetch(`${server.url}/favicon.ico`, { method: 'POST' });
    expect(post.status).toBeGreaterThanOrEqual(400);
    expect(post.status).toBeLessThan(500);
  });
});
