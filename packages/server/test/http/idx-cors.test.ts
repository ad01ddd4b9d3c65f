import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/storage/apps-store.js';
import { IdxConversation } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * CORS on the IDX endpoints (docs/protocol/idx-protocol.md §1.2, docs/security.md B9): the exact origin
 * is echoed with credentials only for origins an app trusts; never `*`; `Vary: Origin` so caches keep
 * them apart.
 */

const TRUSTED = 'http://localhost:8080';
const UNTRUSTED = [
  'https://evil.example',
  'http://localhost:8081',
  'https://localhost:8080',
  'http://localhost:8080.evil.example',
  'http://evil.example#http://localhost:8080',
  'null',
];
const IDX_PATHS = ['introspect', 'identify', 'challenge', 'challenge/answer', 'cancel'];
/**
 * Request headers the widget and auth-js send (observed preflights, docs/protocol/idx-protocol.md §1.2
 * and §15).
 */
const CLIENT_HEADERS = [
  'content-type',
  'x-okta-user-agent-extended',
  'accept-language',
  'x-device-fingerprint',
];

function varyIncludesOrigin(headers: Headers): boolean {
  return (headers.get('vary') ?? '')
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .includes('origin');
}

describe('IDX CORS', () => {
  let server: TestServer;
  let app: App;
  beforeAll(async () => {
    server = await startTestServer();
    ({ app } = await server.createApp());
  });
  afterAll(() => server.close());

  const preflight = (path: string, origin: string, requestHeaders = CLIENT_HEADERS.join(',')) =>
    fetch(`${server.url}/idp/idx/${path}`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': requestHeaders,
      },
    });

  it.each(IDX_PATHS)(
    'preflight of /idp/idx/%s from the trusted origin → 204 with exact echo',
    async (path) => {
      const res = await preflight(path, TRUSTED);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(TRUSTED);
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      const methods = (res.headers.get('access-control-allow-methods') ?? '')
        .split(',')
        .map((m) => m.trim().toUpperCase());
      expect(methods).toEqual(expect.arrayContaining(['POST', 'OPTIONS']));
      const allowed = (res.headers.get('access-control-allow-headers') ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase());
      expect(allowed).toEqual(expect.arrayContaining(CLIENT_HEADERS));
      expect(varyIncludesOrigin(res.headers)).toBe(true);
      expect(await res.text()).toBe('');
    },
  );

  it.each(UNTRUSTED)('preflight from %s → no Access-Control-Allow-Origin', async (origin) => {
    for (const path of IDX_PATHS) {
      const res = await preflight(path, origin);
      expect(res.headers.get('access-control-allow-origin'), `${origin} ${path}`).toBeNull();
      expect(res.headers.get('access-control-allow-credentials'), `${origin} ${path}`).toBeNull();
      expect(res.status, `${origin} ${path}`).toBeLessThan(500);
    }
  });

  it('actual POSTs echo the origin only when trusted, on success and on error answers', async () => {
    const { user, password } = await server.createUser();
    const idx = new IdxConversation(server.url, app.clientId);
    const interaction = await idx.interact();

    const post = (path: string, origin: string | null, body: unknown) =>
      fetch(`${server.url}/idp/idx/${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-okta-user-agent-extended': 'okta-auth-js/7.14.5',
          ...(origin ? { origin } : {}),
        },
        body: JSON.stringify(body),
      });

    const introspect = await post('introspect', TRUSTED, {
      interactionHandle: interaction.interactionHandle,
    });
    expect(introspect.status).toBe(200);
    expect(introspect.headers.get('access-control-allow-origin')).toBe(TRUSTED);
    expect(introspect.headers.get('access-control-allow-credentials')).toBe('true');
    expect(varyIncludesOrigin(introspect.headers)).toBe(true);
    const { stateHandle } = (await introspect.json()) as { stateHandle: string };

    // A 401 body must be readable by the page too (the widget shows it).
    const wrong = await post('identify', TRUSTED, {
      stateHandle,
      identifier: user.login,
      credentials: { passcode: 'wrong-password' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('access-control-allow-origin')).toBe(TRUSTED);
    expect(wrong.headers.get('access-control-allow-credentials')).toBe('true');

    // 4xx from the framework layer (bad JSON) also carry the headers.
    const malformed = await fetch(`${server.url}/idp/idx/identify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: TRUSTED },
      body: '{"oops":',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('access-control-allow-origin')).toBe(TRUSTED);

    for (const origin of [...UNTRUSTED, null]) {
      const res = await post('introspect', origin, { interactionHandle: interaction.interactionHandle });
      expect(res.headers.get('access-control-allow-origin'), String(origin)).toBeNull();
      expect(res.headers.get('access-control-allow-credentials'), String(origin)).toBeNull();
      expect(varyIncludesOrigin(res.headers), String(origin)).toBe(true);
    }

    const done = await post('identify', TRUSTED, {
      stateHandle,
      identifier: user.login,
      credentials: { passcode: password },
    });
    expect(done.status).toBe(200);
    expect(done.headers.get('access-control-allow-origin')).toBe(TRUSTED);
  });

  it('never answers with a wildcard origin', async () => {
    for (const origin of [TRUSTED, ...UNTRUSTED]) {
      const res = await preflight('introspect', origin);
      expect(res.headers.get('access-control-allow-origin')).not.toBe('*');
    }
  });

  it('an origin becomes trusted only once an app lists it', async () => {
    const origin = 'http://localhost:9999';
    expect((await preflight('introspect', origin)).headers.get('access-control-allow-origin')).toBeNull();
    await server.createApp({ trustedOrigins: [origin] });
    expect((await preflight('introspect', origin)).headers.get('access-control-allow-origin')).toBe(origin);
  });
});
