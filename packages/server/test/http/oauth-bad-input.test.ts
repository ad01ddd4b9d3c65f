import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPkce } from '../support/pkce.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Hostile input on every OAuth endpoint (docs/security.md C2, M2; docs/protocol/idx-protocol.md §11.3):
 * wrong content types, oversized and empty bodies, unknown servers, odd parameter names. Always an OAuth
 * error body, never a 500, never a stack trace; `error_description` stays inside RFC 6749's character
 * set.
 */

const FORM = 'application/x-www-form-urlencoded';
const POST_ENDPOINTS = ['interact', 'token', 'revoke', 'introspect'] as const;
const SERVERS = [
  { name: 'default', prefix: '/oauth2/default' },
  { name: 'org', prefix: '/oauth2' },
] as const;
/** RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E. */
const DESCRIPTION_CHARSET = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown> | null;
}

async function send(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  const text = await res.text();
  let json: Record<string, unknown> | null = null;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A well-formed OAuth error: JSON `{error, error_description}`, no stack, no internals. */
function expectOAuthError(reply: Reply, status: number, error?: string) {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
  expect(reply.json, reply.text).not.toBeNull();
  expect(typeof reply.json!.error).toBe('string');
  if (error) expect(reply.json!.error).toBe(error);
  expect(typeof reply.json!.error_description).toBe('string');
  expect(reply.json!.error_description as string).toMatch(DESCRIPTION_CHARSET);
  expectNoLeak(reply);
}

function expectNoLeak(reply: Reply) {
  expect(reply.status, reply.text).toBeLessThan(500);
  expect(reply.text).not.toMatch(/\n\s+at\s/);
  expect(reply.text).not.toMatch(/node_modules|\.ts:\d+|\.js:\d+|\/work\/|SqliteError|PostgresError|kysely/i);
}

describe('bad input on the OAuth endpoints', () => {
  let server: TestServer;
  let clientId: string;
  beforeAll(async () => {
    server = await startTestServer();
    clientId = (await server.createApp()).app.clientId;
  });
  afterAll(() => server.close());

  const post = (path: string, body: RequestInit['body'], headers: Record<string, string> = {}) =>
    send(`${server.url}${path}`, { method: 'POST', headers, ...(body === undefined ? {} : { body }) });

  for (const { name, prefix } of SERVERS) {
    describe(`${name} server`, () => {
      for (const endpoint of POST_ENDPOINTS) {
        const path = `${prefix}/v1/${endpoint}`;

        it(`${endpoint}: a JSON body → 415 unsupported_media_type`, async () => {
          const reply = await post(
            path,
            JSON.stringify({ client_id: clientId, grant_type: 'refresh_token' }),
            {
              'content-type': 'application/json',
            },
          );
          expectOAuthError(reply, 415, 'unsupported_media_type');
          expect(reply.headers.get('cache-control')).toBe('no-store');
        });

        it(`${endpoint}: text/plain, XML and multipart bodies → 415`, async () => {
          for (const type of ['text/plain', 'application/xml', 'application/ion+json']) {
            const reply = await post(path, `client_id=${clientId}`, { 'content-type': type });
            expectOAuthError(reply, 415, 'unsupported_media_type');
          }
          const form = new FormData();
          form.set('client_id', clientId);
          expectOAuthError(await post(path, form), 415, 'unsupported_media_type');
        });

        it(`${endpoint}: any JSON body, even malformed, empty or null → 415`, async () => {
          for (const body of ['{', '', 'null', '[]', '"x"']) {
            const reply = await post(`${path}?client_id=${clientId}&grant_type=refresh_token`, body, {
              'content-type': 'application/json',
            });
            expectOAuthError(reply, 415, 'unsupported_media_type');
          }
        });

        it(`${endpoint}: an oversized body → 413 payload_too_large`, async () => {
          const big = `client_id=${clientId}&x=${'a'.repeat(70_000)}`;
          expectOAuthError(await post(path, big, { 'content-type': FORM }), 413, 'payload_too_large');
          // Without a Content-Length (chunked), too.
          const chunks = new ReadableStream({
            start(controller) {
              for (let i = 0; i < 80; i++) controller.enqueue(new TextEncoder().encode('a'.repeat(1000)));
              controller.close();
            },
          });
          const chunked = await send(`${server.url}${path}`, {
            method: 'POST',
            headers: { 'content-type': FORM },
            body: chunks,
            duplex: 'half',
          } as RequestInit);
          expectOAuthError(chunked, 413, 'payload_too_large');
        });

        it(`${endpoint}: an empty body → 400/401 OAuth error`, async () => {
          const expected = endpoint === 'token' ? [400, 'invalid_request'] : [401, 'invalid_client'];
          for (const [body, headers] of [
            ['', { 'content-type': FORM }],
            [undefined, {}],
            ['&&&', { 'content-type': FORM }],
            ['=', { 'content-type': FORM }],
          ] as const) {
            const reply = await post(path, body, headers);
            expectOAuthError(reply, expected[0] as number, expected[1] as string);
          }
        });

        it(`${endpoint}: odd parameter names and values never break it`, async () => {
          for (const body of [
            'client_id=%zz',
            'client_id=%E0%A4%A',
            'client_id=%00',
            '__proto__=x',
            '__proto__[client_id]=x',
            'client_id[]=x',
            'client_id[a]=x',
            `client_id=${clientId}&client_id=${clientId}`,
            `client_id=${'ü'.repeat(2000)}`,
            'a'.repeat(60_000),
          ]) {
            const reply = await post(path, body, { 'content-type': FORM });
            expect(reply.status, body.slice(0, 40)).toBeGreaterThanOrEqual(400);
            expectOAuthError(reply, reply.status);
          }
        });

        it(`${endpoint}: a malformed Basic header → 401 invalid_client`, async () => {
          for (const authorization of [
            'Basic !!!',
            'Basic ',
            `Basic ${Buffer.from('%E0%A4%A:secret').toString('base64')}`,
            `Basic ${Buffer.from(':').toString('base64')}`,
            `Basic ${Buffer.from('\0:secret').toString('base64')}`,
            `Basic ${Buffer.from('%00').toString('base64')}`,
            `Basic ${Buffer.from('0oa-unknown:secret').toString('base64')}`,
          ]) {
            const reply = await post(path, 'grant_type=refresh_token&refresh_token=x&token=x', {
              'content-type': FORM,
              authorization,
            });
            expectOAuthError(reply, 401, 'invalid_client');
          }
        });
      }

      it('userinfo: malformed bodies never turn into a 500', async () => {
        for (const [body, type] of [
          ['{', 'application/json'],
          ['a'.repeat(70_000), FORM],
          ['access_token=abc', FORM],
          ['x', 'text/plain'],
        ] as const) {
          const reply = await post(`${prefix}/v1/userinfo`, body, { 'content-type': type });
          expect(reply.status).toBeGreaterThanOrEqual(400);
          expectOAuthError(reply, reply.status);
        }
      });

      it('logout: odd query strings never turn into a 500', async () => {
        for (const query of [
          'id_token_hint=%zz',
          'id_token_hint[a]=1',
          'id_token_hint=a&id_token_hint=b',
          'post_logout_redirect_uri=%00',
          `id_token_hint=${'a'.repeat(8000)}`,
          'state=%E0%A4%A',
        ]) {
          const reply = await send(`${server.url}${prefix}/v1/logout?${query}`);
          expectNoLeak(reply);
          expect(reply.headers.get('location')).toBeNull();
        }
      });
    });
  }

  describe('unknown authorization servers and paths → 404 JSON', () => {
    for (const path of [
      '/oauth2/other/v1/token',
      '/oauth2/other/v1/interact',
      '/oauth2/other/v1/revoke',
      '/oauth2/other/v1/introspect',
      '/oauth2/other/v1/userinfo',
      '/oauth2/Default/v1/token',
      '/oauth2/default/v2/token',
      '/oauth2/default/v1/token/extra',
    ]) {
      it(`POST ${path}`, async () => {
        const reply = await post(path, `grant_type=refresh_token&client_id=${clientId}`, {
          'content-type': FORM,
        });
        expectOAuthError(reply, 404);
      });
    }
    for (const path of [
      '/oauth2/other/v1/keys',
      '/oauth2/other/v1/logout',
      '/oauth2/other/.well-known/openid-configuration',
    ]) {
      it(`GET ${path}`, async () => {
        expectOAuthError(await send(`${server.url}${path}`), 404);
      });
    }
  });

  it('error_description never reflects characters outside RFC 6749 §5.2', async () => {
    const hostile = ['a"b', 'a\\b', 'a\nb', 'a\tb', 'ä', '\u202e', '<script>'];
    for (const value of hostile) {
      // Reflected parameter values …
      const grant = await post(
        '/oauth2/default/v1/token',
        new URLSearchParams({ grant_type: value, client_id: clientId }).toString(),
        {
          'content-type': FORM,
        },
      );
      expectOAuthError(grant, 400, 'unsupported_grant_type');
      // … and reflected parameter names.
      const repeated = await post(
        '/oauth2/default/v1/token',
        `${encodeURIComponent(value)}=1&${encodeURIComponent(value)}=2&grant_type=refresh_token`,
        { 'content-type': FORM },
      );
      expectOAuthError(repeated, 400, 'invalid_request');
    }
  });

  it('NUL characters in stored parameters → invalid_request, not a database error', async () => {
    const valid = {
      client_id: clientId,
      scope: 'openid',
      redirect_uri: 'http://localhost:8080/login/callback',
      code_challenge: newPkce().challenge,
      code_challenge_method: 'S256',
      state: 'st',
      nonce: 'n',
    };
    for (const name of ['state', 'nonce', 'client_id', 'redirect_uri', 'scope']) {
      const body = new URLSearchParams({ ...valid, [name]: 'a\u0000b' }).toString();
      const reply = await post('/oauth2/default/v1/interact', body, { 'content-type': FORM });
      expect(reply.status, `${name}: ${reply.text}`).toBeGreaterThanOrEqual(400);
      expectOAuthError(reply, reply.status);
    }
    const token = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: 'a\u0000',
      refresh_token: 'x',
    });
    expectOAuthError(await post('/oauth2/default/v1/token', token.toString(), { 'content-type': FORM }), 400);
  });

  it('parameters named like Object.prototype members are ordinary unknown parameters (B6)', async () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__']) {
      const params = new URLSearchParams({
        client_id: clientId,
        scope: 'openid',
        redirect_uri: 'http://localhost:8080/login/callback',
        code_challenge: newPkce().challenge,
        code_challenge_method: 'S256',
        state: 'st',
      });
      params.append(name, 'x');
      const reply = await post('/oauth2/default/v1/interact', params.toString(), { 'content-type': FORM });
      expect(reply.status, `${name}: ${reply.text}`).toBe(200);
      expect(typeof reply.json?.interaction_handle).toBe('string');
    }
  });

  it('fuzz: random form bodies never produce a 500 or a stack trace', async () => {
    const paramName = fc.oneof(
      fc.constantFrom(
        'client_id',
        'client_secret',
        'grant_type',
        'interaction_code',
        'code_verifier',
        'redirect_uri',
        'refresh_token',
        'scope',
        'token',
        'token_type_hint',
        'state',
        'code_challenge',
        'code_challenge_method',
        '__proto__',
        'constructor',
      ),
      fc.string({ maxLength: 12 }),
      fc.string({ unit: 'binary-ascii', maxLength: 12 }),
    );
    const value = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.string({ unit: 'binary-ascii', maxLength: 30 }),
      fc.constantFrom(clientId, 'interaction_code', 'refresh_token', 'S256', 'openid offline_access'),
    );
    const body = fc.array(fc.tuple(paramName, value), { maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...POST_ENDPOINTS),
        fc.constantFrom('/oauth2/default', '/oauth2'),
        body,
        async (endpoint, prefix, pairs) => {
          const form = new URLSearchParams();
          for (const [k, v] of pairs) form.append(k, v);
          const reply = await post(`${prefix}/v1/${endpoint}`, form.toString(), { 'content-type': FORM });
          if (reply.status === 200) return;
          expectOAuthError(reply, reply.status);
        },
      ),
      { numRuns: 150 },
    );
  });
});
