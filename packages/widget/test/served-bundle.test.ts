/**
 * The bundle as Gatehouse serves it: `/widget/<version>/gatehouse-sign-in.{js,css}` with the
 * right types, a year of immutable caching and SRI-checkable bytes; 404 for other versions; and
 * what the bundle must not contain (eval, HTML parsing of strings, external URLs), within budget.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import { buildWidget, describe as describeFiles, WIDGET_VERSION } from '../scripts/build.mjs';

describe('the served widget', () => {
  let server: TestServer;
  let files: { js: Uint8Array; css: Uint8Array };
  beforeAll(async () => {
    files = await buildWidget();
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it.each([
    ['gatehouse-sign-in.js', 'text/javascript; charset=utf-8', 'js'],
    ['gatehouse-sign-in.css', 'text/css; charset=utf-8', 'css'],
  ] as const)('%s: content type, immutable caching, the built bytes', async (name, type, key) => {
    const res = await fetch(`${server.url}/widget/${WIDGET_VERSION}/${name}`, {
      headers: { origin: 'https://shop.example' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const body = new Uint8Array(await res.arrayBuffer());
    expect(Buffer.from(body).equals(Buffer.from(files[key]))).toBe(true);
    const integrity = `sha384-${createHash('sha384').update(body).digest('base64')}`;
    expect(describeFiles(files).rows.find((r) => r.name === name)?.integrity).toBe(integrity);
  });

  it('a trusted app origin gets the same public answer, without credentials', async () => {
    await server.createApp();
    const res = await fetch(`${server.url}/widget/${WIDGET_VERSION}/gatehouse-sign-in.js`, {
      headers: { origin: 'http://localhost:8080' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    // Read every body: a response left unread can keep the server writing, and its close waiting.
    await res.arrayBuffer();
  });

  it('HEAD works; another version or file is a plain 404', async () => {
    const head = await fetch(`${server.url}/widget/${WIDGET_VERSION}/gatehouse-sign-in.js`, {
      method: 'HEAD',
    });
    expect(head.status).toBe(200);
    const other = await fetch(`${server.url}/widget/9.9.9/gatehouse-sign-in.js`);
    expect(other.status).toBe(404);
    expect(other.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(other.headers.get('cache-control')).toBe('no-store');
    await other.arrayBuffer();
    const traversal = await fetch(`${server.url}/widget/${WIDGET_VERSION}/..%2Fpackage.json`);
    expect(traversal.status).toBe(404);
    await traversal.arrayBuffer();
  });

  it('the bundle never evaluates or parses strings as HTML, and loads nothing from elsewhere', () => {
    const js = Buffer.from(files.js).toString('utf8');
    const css = Buffer.from(files.css).toString('utf8');
    for (const banned of [
      'eval(',
      'new Function',
      'innerHTML',
      'outerHTML',
      'insertAdjacentHTML',
      'document.write',
    ])
      expect(js.includes(banned), banned).toBe(false);
    const urls = [...js.matchAll(/https?:\/\/[^\s"'`)]+/g)].map((m) => m[0]);
    expect(urls.filter((u) => !u.startsWith('http://localhost/'))).toEqual([]);
    expect(css).not.toMatch(/@import|url\(/);
  });

  it('stays under 60 KB gzipped (script + stylesheet)', () => {
    const { totalGzip } = describeFiles(files);
    expect(totalGzip).toBeLessThan(60 * 1024);
  });
});
