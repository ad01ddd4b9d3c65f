/**
 * `/` and `/playground` over HTTP: what a development server shows and what production hides; the
 * playground's app on stores made before it existed; the SDK's browser build served with its SRI
 * hash and listed in `/browser-builds.json`, loaded by Chromium with that hash from another origin.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBrowserBundle } from '../../../sdk/scripts/build-browser.mjs';
import { buildWidget } from '../../../widget/scripts/build.mjs';
import { launchChromium } from '../../../widget/test/support/chromium.js';
import type { Services } from '../../src/services.js';
import {
  DEMO_CLIENT_ID,
  DEMO_LOGIN,
  ensurePlaygroundApp,
  PLAYGROUND_CLIENT_ID,
  setUpDemoData,
} from '../../src/setup/demo-data.js';
import { freePort, startTestServer, type TestServer } from '../support/test-server.js';

interface Manifest {
  [build: string]: { version: string; files: Record<string, { url: string; integrity: string }> };
}

/** A store as a start before the playground left it: the demo app and the demo user only. */
async function storeBeforeThePlayground(services: Services): Promise<void> {
  await services.apps.createApp({
    name: 'Gatehouse demo app',
    clientId: DEMO_CLIENT_ID,
    public: true,
    redirectUris: ['http://localhost:8080/login/callback'],
  });
  await services.users.createUser({
    login: DEMO_LOGIN,
    email: DEMO_LOGIN,
    password: 'correct horse battery 9',
  });
}

describe('a development server: /, the playground, the browser builds', () => {
  let server: TestServer;
  beforeAll(async () => {
    await Promise.all([buildWidget(), writeBrowserBundle()]);
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('/ on an empty store: what runs, strict headers, no demo data to show', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/^default-src 'none'; script-src 'nonce-[\w-]+'; style-src 'nonce-[\w-]+';/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const body = await res.text();
    expect(body).toContain(`<code>${server.issuer}</code>`);
    expect(body).toContain('SQLite in memory');
    expect(body).toContain('There is no playground app in this store.');
    expect(body).toContain(`There is no user <code>${DEMO_LOGIN}</code>`);
    expect(body).toContain('href="/dev/mailbox"');
  });

  it('a store from before the playground gets its app on start, once; a new public URL adds its callback', async () => {
    await storeBeforeThePlayground(server.services);
    expect(await server.services.storage.apps.findByClientId(PLAYGROUND_CLIENT_ID)).toBeNull();

    expect(await setUpDemoData(server.services)).toBeNull();
    const app = await server.services.storage.apps.findByClientId(PLAYGROUND_CLIENT_ID);
    expect(app).toMatchObject({
      secretHash: null,
      redirectUris: [`${server.url}/playground/callback`],
      postLogoutRedirectUris: [`${server.url}/playground`],
      policy: { requirements: [{ anyOf: ['password', 'email'] }] },
    });
    expect(await ensurePlaygroundApp(server.services)).toBe(false);

    const elsewhere = {
      ...server.services,
      config: { ...server.services.config, publicUrl: 'http://localhost:4499' },
    };
    expect(await ensurePlaygroundApp(elsewhere)).toBe(true);
    expect((await server.services.storage.apps.findByClientId(PLAYGROUND_CLIENT_ID))?.redirectUris).toEqual([
      `${server.url}/playground/callback`,
      'http://localhost:4499/playground/callback',
    ]);

    const body = await (await fetch(`${server.url}/`)).text();
    expect(body).toContain('<code>gatehouse-playground</code> (public, PKCE)');
    expect(body).toContain('<code>password|email</code>');
    expect(body).toContain(`<code>${DEMO_LOGIN}</code>`);
    expect(body).not.toContain('correct horse battery 9');
  });

  it('a store without the demo app gets no playground app', async () => {
    const other = await startTestServer();
    try {
      await other.createApp();
      expect(await setUpDemoData(other.services)).toBeNull();
      expect(await other.services.storage.apps.findByClientId(PLAYGROUND_CLIENT_ID)).toBeNull();
    } finally {
      await other.close();
    }
  });

  it('/playground: the SDK through an import map that pins its SRI hash, the script with the nonce', async () => {
    const res = await fetch(`${server.url}/playground`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'nonce-([\w-]+)'/.exec(csp)?.[1];
    expect(csp).toContain("connect-src 'self'");
    const body = await res.text();
    const manifest = (await (await fetch(`${server.url}/browser-builds.json`)).json()) as Manifest;
    const sdk = manifest.sdk!.files['gatehouse-sdk.browser.js']!;
    const path = new URL(sdk.url).pathname;
    const importMap = JSON.parse(
      /<script type="importmap" nonce="([\w-]+)">(.*?)<\/script>/.exec(body)?.[2] ?? '{}',
    );
    expect(importMap).toEqual({ imports: { '@gatehouse/sdk': path }, integrity: { [path]: sdk.integrity } });
    // This server has the dev mailbox: the magic link is read there.
    expect(body).toContain('open the link from the <a href="/dev/mailbox">dev mailbox</a> in this browser');
    expect(body).toContain(`<script type="importmap" nonce="${nonce}">`);
    expect(body).toMatch(
      new RegExp(
        `<script type="module" nonce="${nonce}" src="/playground/playground.js" integrity="sha384-[\\w+/=]+"></script>`,
      ),
    );
    expect((await fetch(`${server.url}/playground/callback?code=x&state=y`)).status).toBe(200);
    const script = await fetch(`${server.url}/playground/playground.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('/browser-builds.json lists the widget and the SDK with the hashes of the bytes served', async () => {
    const res = await fetch(`${server.url}/browser-builds.json`);
    expect(res.status).toBe(200);
    const manifest = (await res.json()) as Manifest;
    expect(Object.keys(manifest)).toEqual(['widget', 'sdk']);
    expect(Object.keys(manifest.widget!.files)).toEqual(['gatehouse-sign-in.js', 'gatehouse-sign-in.css']);
    for (const build of Object.values(manifest)) {
      for (const file of Object.values(build.files)) {
        expect(file.url.startsWith(`${server.url}/`)).toBe(true);
        const served = await fetch(file.url);
        expect(served.status).toBe(200);
        expect(served.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
        const bytes = Buffer.from(await served.arrayBuffer());
        expect(file.integrity).toBe(`sha384-${createHash('sha384').update(bytes).digest('base64')}`);
      }
    }
    const sdkUrl = manifest.sdk!.files['gatehouse-sdk.browser.js']!.url;
    expect(sdkUrl).toBe(`${server.url}/sdk/${manifest.sdk!.version}/gatehouse-sdk.browser.js`);
    const other = await fetch(`${server.url}/sdk/9.9.9/gatehouse-sdk.browser.js`);
    expect(other.status).toBe(404);
    expect(await other.text()).toBe('No such sdk version.');
  });

  describe('in Chromium, from another origin', () => {
    let browser: Browser;
    let site: Server;
    let siteUrl: string;
    let manifest: Manifest;
    beforeAll(async () => {
      manifest = (await (await fetch(`${server.url}/browser-builds.json`)).json()) as Manifest;
      const port = await freePort();
      site = createServer((req, res) => {
        const integrity = new URL(req.url ?? '/', 'http://localhost').searchParams.get('integrity') ?? '';
        const url = manifest.sdk!.files['gatehouse-sdk.browser.js']!.url;
        const importMap = JSON.stringify({
          imports: { '@gatehouse/sdk': url },
          integrity: { [url]: integrity },
        });
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end(`<!doctype html><title>SRI</title>
<script type="module" src="${url}" integrity="${integrity}" crossorigin="anonymous" onload="window.tag='loaded'" onerror="window.tag='refused'"></script>
<script type="importmap">${importMap}</script>
<script type="module">import('@gatehouse/sdk').then((sdk) => { window.imported = typeof sdk.createAuthClient; }, () => { window.imported = 'refused'; });</script>`);
      });
      await new Promise<void>((resolve) => site.listen(port, '127.0.0.1', resolve));
      siteUrl = `http://localhost:${port}/`;
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await new Promise((resolve) => site?.close(resolve));
    });

    async function load(integrity: string): Promise<{ tag: unknown; imported: unknown }> {
      const page = await browser.newPage();
      try {
        await page.goto(`${siteUrl}?integrity=${encodeURIComponent(integrity)}`);
        await page.waitForFunction(() => 'tag' in window && 'imported' in window, null, { timeout: 10_000 });
        return await page.evaluate(() => ({
          tag: (window as unknown as { tag: unknown }).tag,
          imported: (window as unknown as { imported: unknown }).imported,
        }));
      } finally {
        await page.close();
      }
    }

    it('the published hash loads the SDK (script tag and import map)', async () => {
      const { integrity } = manifest.sdk!.files['gatehouse-sdk.browser.js']!;
      expect(await load(integrity)).toEqual({ tag: 'loaded', imported: 'function' });
    });

    it('another hash is refused', async () => {
      const { integrity } = manifest.widget!.files['gatehouse-sign-in.js']!;
      expect(await load(integrity)).toEqual({ tag: 'refused', imported: 'refused' });
    });
  });
});

describe('a development server whose mail goes to a relay, with no dev mailbox', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      config: {
        devMailbox: { enabled: false },
        // Nothing is sent in these tests; the relay is only named.
        email: { smtpUrl: `smtp://127.0.0.1:${await freePort()}` },
      },
    });
  });
  afterAll(() => server.close());

  it('/ and the playground never point at a dev mailbox that is not there', async () => {
    expect((await fetch(`${server.url}/dev/mailbox`)).status).toBe(404);
    const home = await (await fetch(`${server.url}/`)).text();
    expect(home).toContain('SMTP relay smtp://127.0.0.1:');
    expect(home).not.toContain('/dev/mailbox');
    expect(home).not.toContain('dev mailbox)');
    const playground = await (await fetch(`${server.url}/playground`)).text();
    expect(playground).not.toContain('/dev/mailbox');
    expect(playground).toContain('this server has no dev mailbox: its mail goes to the relay');
  });

  it('with neither a relay nor a dev mailbox, / says the mail is sent nowhere', async () => {
    const quiet = await startTestServer({ config: { devMailbox: { enabled: false } } });
    try {
      const home = await (await fetch(`${quiet.url}/`)).text();
      expect(home).toContain('kept in the outbox, sent nowhere (no SMTP relay, no dev mailbox)');
    } finally {
      await quiet.close();
    }
  });
});

describe('a production server: / says nothing, no playground', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { mode: 'production' } });
  });
  afterAll(() => server.close());

  it('/ is a name only; /playground is not there; the browser builds stay public', async () => {
    await server.createApp();
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('<h1>Gatehouse</h1>');
    for (const secretish of [
      server.issuer,
      'SQLite',
      'mailbox',
      'playground',
      'demo',
      '/oauth2',
      'browser-builds',
    ])
      expect(body).not.toContain(secretish);
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'none'/);
    for (const path of ['/playground', '/playground/callback', '/playground/playground.js', '/dev/mailbox'])
      expect((await fetch(`${server.url}${path}`)).status).toBe(404);
    expect((await fetch(`${server.url}/browser-builds.json`)).status).toBe(200);
  });
});
