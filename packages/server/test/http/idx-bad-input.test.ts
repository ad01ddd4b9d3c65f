import type { IdxResponse } from '@gatehouse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/storage/apps-store.js';
import { IdxConversation, postJson } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Hostile and sloppy input to every IDX endpoint: never a 500, never a stack trace, always an IDX body
 * (`version` + `messages`) the clients can show (docs/protocol/idx-protocol.md §1.3, §11;
 * docs/security.md G5).
 */

const ENDPOINTS = ['introspect', 'identify', 'challenge', 'challenge/answer', 'cancel'] as const;
type Endpoint = (typeof ENDPOINTS)[number];

interface Raw {
  status: number;
  headers: Headers;
  text: string;
  body: IdxResponse;
}

async function send(url: string, init: RequestInit & { duplex?: 'half' }): Promise<Raw> {
  const res = await fetch(url, { method: 'POST', ...init });
  const text = await res.text();
  let body: IdxResponse;
  try {
    body = JSON.parse(text) as IdxResponse;
  } catch {
    throw new Error(`not JSON (${res.status}): ${text.slice(0, 300)}`);
  }
  return { status: res.status, headers: res.headers, text, body };
}

/** An IDX error body: the right status and key, no form, no internals. */
function expectIdxError(res: Raw, status: number, key: string, params?: string[]) {
  const label = `${res.status} ${res.text.slice(0, 300)}`;
  expect(res.status, label).toBe(status);
  expect(res.headers.get('content-type'), label).toContain('application/json');
  expect(res.body.version, label).toBe('1.0.0');
  expect(res.body.messages?.type, label).toBe('array');
  const [message, ...more] = res.body.messages?.value ?? [];
  expect(more, label).toEqual([]);
  expect(message?.i18n.key, label).toBe(key);
  expect(message?.class, label).toBe('ERROR');
  expect(typeof message?.message, label).toBe('string');
  if (params) expect(message?.i18n.params, label).toEqual(params);
  expect(res.body, label).not.toHaveProperty('error');
  expect(res.body.successWithInteractionCode, label).toBeUndefined();
  expect(res.text, label).not.toMatch(/\.(ts|js):\d+|node_modules|\bat \w+ \(|Error:|stack/);
}

describe('IDX bad input', () => {
  let server: TestServer;
  let oneStep: App;
  let identifierFirst: App;
  beforeAll(async () => {
    server = await startTestServer();
    ({ app: oneStep } = await server.createApp());
    ({ app: identifierFirst } = await server.createApp({
      policy: { factors: 'password', identifierFirst: true, selfServiceRecovery: true },
    }));
  });
  afterAll(() => server.close());

  const url = (endpoint: Endpoint | string) => `${server.url}/idp/idx/${endpoint}`;
  const json = (body: string, contentType = 'application/json') => ({
    headers: { 'content-type': contentType },
    body,
  });

  async function started(app: App) {
    const idx = new IdxConversation(server.url, app.clientId);
    const interaction = await idx.interact();
    const res = await idx.introspect(interaction.interactionHandle);
    expect(res.status).toBe(200);
    return { idx, interaction, stateHandle: res.body.stateHandle! };
  }

  /** A well-formed body for each endpoint (whatever step the transaction is at). */
  const validBody = (endpoint: Endpoint, stateHandle: string): Record<string, unknown> =>
    ({
      introspect: { stateToken: stateHandle },
      identify: { stateHandle, identifier: 'someone@example.com', credentials: { passcode: 'a-password' } },
      challenge: { stateHandle, authenticator: { id: 'autPassword' } },
      'challenge/answer': { stateHandle, credentials: { passcode: 'a-password' } },
      cancel: { stateHandle },
    })[endpoint];

  describe.each(ENDPOINTS)('/idp/idx/%s', (endpoint) => {
    it('malformed JSON → 400 errors.E0000003', async () => {
      for (const body of ['{"stateHandle":', '{stateHandle: "x"}', "{'a':1}", '{"a":1}}', 'nul']) {
        expectIdxError(await send(url(endpoint), json(body)), 400, 'errors.E0000003');
      }
    });

    it('empty body → 400 (with and without a JSON content type)', async () => {
      expectIdxError(await send(url(endpoint), json('')), 400, 'errors.E0000003');
      expectIdxError(await send(url(endpoint), {}), 400, 'errors.E0000001', ['body']);
    });

    it('JSON that is not an object → 400 errors.E0000001 naming the body', async () => {
      for (const body of ['[]', '[{"stateHandle":"x"}]', '"text"', '5', 'true', 'null']) {
        const res = await send(url(endpoint), json(body));
        expectIdxError(res, 400, 'errors.E0000001', ['body']);
      }
    });

    it('deeply nested JSON within the size limit → 400, not a crash', async () => {
      for (const body of [
        '['.repeat(30_000) + ']'.repeat(30_000),
        `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`,
      ]) {
        const res = await send(url(endpoint), json(body));
        expect(res.status, res.text.slice(0, 300)).toBe(400);
        expect(res.body.version).toBe('1.0.0');
        expect(res.body.messages?.value[0]?.i18n.key).toBe('errors.E0000001');
      }
    });

    it('a prototype-pollution key is refused, not merged', async () => {
      const res = await send(url(endpoint), json('{"__proto__":{"polluted":true},"stateHandle":"x"}'));
      expect([400]).toContain(res.status);
      expect(res.body.version).toBe('1.0.0');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('oversized body (> 65536 bytes) → 413', async () => {
      const { stateHandle } = await started(oneStep);
      const body = JSON.stringify({ ...validBody(endpoint, stateHandle), padding: 'x'.repeat(70_000) });
      expectIdxError(await send(url(endpoint), json(body)), 413, 'gatehouse.request.too_large');
      // Without a Content-Length (chunked): the limit is enforced while reading.
      const chunked = new ReadableStream<Uint8Array>({
        start(controller) {
          const bytes = new TextEncoder().encode(body);
          for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.slice(i, i + 8192));
          controller.close();
        },
      });
      const res = await send(url(endpoint), {
        headers: { 'content-type': 'application/json' },
        body: chunked,
        duplex: 'half',
      });
      expectIdxError(res, 413, 'gatehouse.request.too_large');
    });

    it('non-JSON content types → 415, even with a JSON or form-looking body', async () => {
      const { stateHandle } = await started(oneStep);
      const body = validBody(endpoint, stateHandle);
      const form = new URLSearchParams(
        Object.entries(body).map(([k, v]): [string, string] => [
          k,
          typeof v === 'string' ? v : JSON.stringify(v),
        ]),
      ).toString();
      for (const [type, payload] of [
        ['text/plain', JSON.stringify(body)],
        ['text/plain;charset=UTF-8', JSON.stringify(body)],
        ['application/x-www-form-urlencoded', form],
        [
          'multipart/form-data; boundary=x',
          `--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--`,
        ],
        ['application/xml', '<a/>'],
      ] as const) {
        expectIdxError(
          await send(url(endpoint), { headers: { 'content-type': type }, body: payload }),
          415,
          'gatehouse.request.unsupported_media_type',
        );
      }
      // The transaction was not touched by any of them.
      const still = await postJson(url('introspect'), { stateToken: stateHandle });
      expect(still.status).toBe(200);
      expect(still.body.remediation?.value.map((f) => f.name)).toEqual(['identify']);
    });
  });

  describe('wrong types and missing fields → 400 errors.E0000001 naming the field', () => {
    const cases: Array<[Endpoint, Record<string, unknown>, string]> = [
      ['introspect', {}, 'interactionHandle'],
      ['introspect', { interactionHandle: 5 }, 'interactionHandle'],
      ['introspect', { interactionHandle: '' }, 'interactionHandle'],
      ['introspect', { stateToken: ['x'] }, 'stateToken'],
      ['identify', { identifier: 5 }, 'identifier'],
      ['identify', { identifier: null }, 'identifier'],
      ['identify', { identifier: { $ne: '' } }, 'identifier'],
      ['identify', { identifier: '' }, 'identifier'],
      ['identify', {}, 'identifier'],
      ['identify', { identifier: 'a@example.com', credentials: 'pw' }, 'credentials'],
      ['identify', { identifier: 'a@example.com', credentials: [] }, 'credentials'],
      [
        'identify',
        { identifier: 'a@example.com', credentials: { passcode: 12345678 } },
        'credentials.passcode',
      ],
      ['identify', { identifier: 'x'.repeat(300) }, 'identifier'],
      ['challenge', {}, 'authenticator'],
      ['challenge', { authenticator: 'autPassword' }, 'authenticator'],
      ['challenge', { authenticator: {} }, 'authenticator.id'],
      ['challenge', { authenticator: { id: 7 } }, 'authenticator.id'],
      ['challenge/answer', {}, 'credentials'],
      ['challenge/answer', { credentials: {} }, 'credentials.passcode'],
      ['challenge/answer', { credentials: { passcode: true } }, 'credentials.passcode'],
      ['challenge/answer', { credentials: { passcode: '' } }, 'credentials.passcode'],
    ];

    it.each(cases)('%s %j → names %s', async (endpoint, fields, name) => {
      const { stateHandle } = await started(oneStep);
      const body = endpoint === 'introspect' ? fields : { stateHandle, ...fields };
      const res = await send(url(endpoint), json(JSON.stringify(body)));
      expectIdxError(res, 400, 'errors.E0000001', [name]);
      expect(res.body.messages?.value[0]?.message).toContain(name);
    });

    it.each(['identify', 'challenge', 'challenge/answer', 'cancel'] as const)(
      '%s: a missing or mistyped stateHandle → 400 naming stateHandle',
      async (endpoint) => {
        const { stateHandle } = await started(oneStep);
        const { stateHandle: _, ...rest } = validBody(endpoint, stateHandle);
        for (const body of [rest, { ...rest, stateHandle: 42 }, { ...rest, stateHandle: '' }]) {
          const res = await send(url(endpoint), json(JSON.stringify(body)));
          expectIdxError(res, 400, 'errors.E0000001', ['stateHandle']);
        }
      },
    );

    it('one-step identify without the password → 400 naming credentials.passcode', async () => {
      const { stateHandle } = await started(oneStep);
      for (const extra of [{}, { credentials: {} }]) {
        const res = await send(
          url('identify'),
          json(JSON.stringify({ stateHandle, identifier: 'someone@example.com', ...extra })),
        );
        expectIdxError(res, 400, 'errors.E0000001', ['credentials.passcode']);
      }
    });
  });

  describe('passwords longer than 1024 characters are refused before hashing (G5)', () => {
    it('one-step identify → 400 without counting a failed attempt; 1024 characters is still checked', async () => {
      const { user, password } = await server.createUser();
      const { idx, stateHandle } = await started(oneStep);
      const t0 = performance.now();
      const res = await send(
        url('identify'),
        json(
          JSON.stringify({
            stateHandle,
            identifier: user.login,
            credentials: { passcode: 'p'.repeat(1025) },
          }),
        ),
      );
      const elapsed = performance.now() - t0;
      expectIdxError(res, 400, 'errors.E0000001', ['credentials.passcode']);
      expect((await server.services.users.getByLogin(user.login)).failedAttempts).toBe(0);
      expect(elapsed).toBeLessThan(1000);

      const atLimit = await idx.submit('identify', {
        identifier: user.login,
        credentials: { passcode: 'p'.repeat(1024) },
      });
      expect(atLimit.status).toBe(401);
      expect(atLimit.body.messages?.value[0]?.i18n.key).toBe('errors.E0000004');
      expect((await server.services.users.getByLogin(user.login)).failedAttempts).toBe(1);

      // The transaction survives all of it.
      const done = await idx.submit('identify', {
        identifier: user.login,
        credentials: { passcode: password },
      });
      expect(done.status).toBe(200);
    });

    it('challenge/answer → 400 without counting a failed attempt', async () => {
      const { user, password } = await server.createUser();
      const { idx } = await started(identifierFirst);
      await idx.submit('identify', { identifier: user.login });
      await idx.submit('select-authenticator-authenticate', { authenticator: { id: 'autPassword' } });
      expect(idx.last?.status).toBe(200);
      const stateHandle = idx.last!.body.stateHandle!;
      const res = await send(
        url('challenge/answer'),
        json(JSON.stringify({ stateHandle, credentials: { passcode: 'p'.repeat(5000) } })),
      );
      expectIdxError(res, 400, 'errors.E0000001', ['credentials.passcode']);
      expect((await server.services.users.getByLogin(user.login)).failedAttempts).toBe(0);
      const done = await idx.submit('challenge-authenticator', { credentials: { passcode: password } });
      expect(done.status).toBe(200);
    });
  });

  describe('tolerated input', () => {
    it('unknown extra keys are ignored on every step (clients add them, docs/protocol/idx-protocol.md §6.3)', async () => {
      const { user, password } = await server.createUser();
      const idx = new IdxConversation(server.url, identifierFirst.clientId);
      const interaction = await idx.interact();
      const intro = await postJson(
        url('introspect'),
        {
          interactionHandle: interaction.interactionHandle,
          extra: { nested: [1, 2] },
          stateTokenExternalId: 'x',
        },
        { 'content-type': 'application/ion+json; okta-version=1.0.0' },
      );
      expect(intro.status, JSON.stringify(intro.body)).toBe(200);
      const stateHandle = intro.body.stateHandle!;
      const select = await postJson(url('identify'), {
        stateHandle,
        identifier: user.login,
        rememberMe: false,
        credentials: { extra: 'ignored' },
        unknown: 'ignored',
      });
      expect(select.status, JSON.stringify(select.body)).toBe(200);
      const challenge = await postJson(url('challenge'), {
        stateHandle,
        authenticator: { id: 'autPassword', methodType: 'password', enrollmentId: 'laeWhatever', more: 1 },
        unknown: 'ignored',
      });
      expect(challenge.status, JSON.stringify(challenge.body)).toBe(200);
      const done = await postJson(url('challenge/answer'), {
        stateHandle,
        credentials: { passcode: password, revokeSessions: false },
        unknown: { deep: true },
      });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      idx.last = done;
      expect((await idx.exchange(interaction, idx.interactionCode())).status).toBe(200);
    });

    it.each([
      'application/ion+json; okta-version=1.0.0',
      'application/json; okta-version=1.0.0',
      'application/json',
      'application/json; charset=utf-8',
      'application/ion+json',
    ])('request content type %s is accepted on introspect and identify', async (contentType) => {
      const { user, password } = await server.createUser();
      const idx = new IdxConversation(server.url, oneStep.clientId);
      const interaction = await idx.interact();
      const intro = await postJson(
        url('introspect'),
        { interactionHandle: interaction.interactionHandle },
        { 'content-type': contentType, accept: contentType },
      );
      expect(intro.status, JSON.stringify(intro.body)).toBe(200);
      expect(intro.headers.get('content-type')).toContain('application/json');
      const done = await postJson(
        url('identify'),
        { stateHandle: intro.body.stateHandle, identifier: user.login, credentials: { passcode: password } },
        { 'content-type': contentType, accept: 'application/ion+json; okta-version=1.0.0' },
      );
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      expect(done.headers.get('content-type')).toContain('application/json');
      idx.last = done;
      expect((await idx.exchange(interaction, idx.interactionCode())).status).toBe(200);
    });

    it('any Accept header is tolerated (the server does not negotiate)', async () => {
      const { interaction } = await started(oneStep);
      for (const accept of [
        'text/html',
        'application/xml',
        '*/*',
        'application/ion+json; okta-version=1.0.0',
      ]) {
        const res = await postJson(
          url('introspect'),
          { interactionHandle: interaction.interactionHandle },
          { accept },
        );
        expect(res.status, accept).toBe(200);
        expect(res.headers.get('content-type'), accept).toContain('application/json');
      }
    });
  });

  describe('unknown paths and methods', () => {
    it.each(['nope', 'identify/extra', 'challenge/nope', 'recover-nothing', ''])(
      'POST /idp/idx/%s → 404 IDX body',
      async (path) => {
        expectIdxError(await send(url(path), json('{}')), 404, 'errors.E0000007');
      },
    );

    it.each(ENDPOINTS)('GET /idp/idx/%s → 4xx IDX body', async (endpoint) => {
      const res = await send(url(endpoint), { method: 'GET' });
      expect([404, 405]).toContain(res.status);
      expect(res.body.version).toBe('1.0.0');
      expect(res.body.messages?.value.length).toBe(1);
    });
  });
});
