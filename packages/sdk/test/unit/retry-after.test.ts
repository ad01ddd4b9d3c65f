/**
 * `Retry-After` (RFC 9110 §10.2.3) as the SDK reports it: `retryAfterSeconds` on IDX transactions,
 * on `OAuthError` and on `IdxError`, from delay-seconds or an HTTP-date; absent or unreadable
 * headers leave it undefined.
 */
import type { IdxResponse } from '@gatehouse/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { retryAfterOf } from '../../src/http.js';
import { createAuthClient, type FetchLike, IdxError, memoryStorage, OAuthError } from '../../src/index.js';
import { fixture } from '../support/fixtures.js';

const OPTIONS = {
  issuer: 'http://127.0.0.1:4455/oauth2/default',
  clientId: 'client-1',
  redirectUri: 'http://localhost:8080/login/callback',
};
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('retryAfterOf', () => {
  afterEach(() => vi.useRealTimers());

  it.each([
    ['0', 0],
    ['1', 1],
    ['42', 42],
    ['900', 900],
    ['007', 7],
  ])('delay-seconds %j → %d', (value, seconds) => {
    expect(retryAfterOf(value)).toBe(seconds);
  });

  it('an HTTP-date is the seconds from now until then, rounded up; 0 once it has passed', () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
    expect(retryAfterOf('Thu, 01 Jan 2026 12:00:42 GMT')).toBe(42);
    expect(retryAfterOf('Thu, 01 Jan 2026 12:15:00 GMT')).toBe(900);
    // The obsolete RFC 850 form.
    expect(retryAfterOf('Thursday, 01-Jan-26 12:01:00 GMT')).toBe(60);
    vi.setSystemTime(NOW + 500);
    expect(retryAfterOf('Thu, 01 Jan 2026 12:00:42 GMT')).toBe(42);
    expect(retryAfterOf('Thu, 01 Jan 2026 12:00:00 GMT')).toBe(0);
    expect(retryAfterOf('Wed, 31 Dec 2025 23:00:00 GMT')).toBe(0);
  });

  it('absent → undefined', () => {
    expect(retryAfterOf(null)).toBeUndefined();
    expect(retryAfterOf('')).toBeUndefined();
  });

  it.each([
    'soon',
    '-5',
    '1.5',
    '1e3',
    '0x10',
    ' 42',
    '42s',
    '42, 60',
    'null',
    // Dates in other shapes, or impossible ones (Date.parse would read several of these).
    'Thu, 01 Jan 2026 12:00:42 UTC',
    'Thu, 01 Jan 2026 12:00:42 GMT junk',
    'Thu Jan  1 12:00:42 2026',
    '2026-01-01T12:00:42Z',
    'Thu, 32 Jan 2026 12:00:42 GMT',
    'Thu, 01 Foo 2026 12:00:42 GMT',
    'Thu, 01 Jan 2026 25:00:42 GMT',
    'foo 2030',
  ])('garbage %j → undefined', (value) => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
    expect(retryAfterOf(value)).toBeUndefined();
  });
});

/** An identify step answered 429 (the form kept, `tooManyRequests`), as Gatehouse answers it. */
function throttled(): IdxResponse {
  const body = structuredClone(fixture('identify-one-step').body);
  return {
    ...body,
    messages: {
      type: 'array',
      value: [
        {
          message: 'You exceeded the maximum number of requests. Try again in a while.',
          i18n: { key: 'tooManyRequests' },
          class: 'ERROR',
        },
      ],
    },
  } as IdxResponse;
}

/** Discovery answers; `/v1/interact`, the identify post and introspect answer what the test says. */
function client(answers: {
  interact?: () => Response;
  identify?: () => Response;
  introspect?: () => Response;
}) {
  const fetchFn: FetchLike = async (url) => {
    if (url.endsWith('/openid-configuration'))
      return Response.json({ issuer: OPTIONS.issuer, jwks_uri: 'http://127.0.0.1:4455/keys' });
    if (url.endsWith('/v1/interact'))
      return answers.interact?.() ?? Response.json({ interaction_handle: 'ih' });
    if (url.endsWith('/idp/idx/identify') && answers.identify) return answers.identify();
    return answers.introspect?.() ?? Response.json(fixture('identify-one-step').body);
  };
  return createAuthClient({ ...OPTIONS, fetch: fetchFn, storage: memoryStorage() });
}

const idx = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers: { 'content-type': 'application/ion+json', ...headers } });

describe('retryAfterSeconds on IDX transactions', () => {
  afterEach(() => vi.useRealTimers());

  it('a 429 with Retry-After: 42 → PENDING on the same step, httpStatus 429, retryAfterSeconds 42', async () => {
    const auth = client({ identify: () => idx(429, throttled(), { 'retry-after': '42' }) });
    expect((await auth.idx.start()).retryAfterSeconds).toBeUndefined();
    const tx = await auth.idx.proceed({ username: 'ada@example.com', password: 'wrong' });
    expect(tx).toMatchObject({ status: 'PENDING', httpStatus: 429, retryAfterSeconds: 42 });
    expect(tx.nextStep?.name).toBe('identify');
    expect(tx.messages.map((m) => m.key)).toEqual(['tooManyRequests']);
  });

  it('an HTTP-date Retry-After is converted to seconds', async () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
    const auth = client({
      identify: () => idx(429, throttled(), { 'retry-after': 'Thu, 01 Jan 2026 12:02:00 GMT' }),
    });
    await auth.idx.start();
    const tx = await auth.idx.proceed({ username: 'ada@example.com', password: 'wrong' });
    expect(tx.retryAfterSeconds).toBe(120);
  });

  it('no Retry-After, or an unreadable one → no retryAfterSeconds', async () => {
    const variants: Record<string, string>[] = [{}, { 'retry-after': 'in a while' }];
    for (const headers of variants) {
      const auth = client({ identify: () => idx(429, throttled(), headers) });
      await auth.idx.start();
      const tx = await auth.idx.proceed({ username: 'ada@example.com', password: 'wrong' });
      expect(tx.httpStatus).toBe(429);
      expect('retryAfterSeconds' in tx).toBe(false);
    }
  });
});

describe('retryAfterSeconds on errors', () => {
  it('OAuthError: a throttled /v1/interact (429 too_many_requests) carries it', async () => {
    const auth = client({
      interact: () =>
        Response.json(
          { error: 'too_many_requests', error_description: 'Too many failed client authentications.' },
          { status: 429, headers: { 'retry-after': '30' } },
        ),
    });
    const error = await auth.idx.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({ error: 'too_many_requests', status: 429, retryAfterSeconds: 30 });
  });

  it('OAuthError: 503 temporarily_unavailable, and an error only in WWW-Authenticate', async () => {
    const unavailable = client({
      interact: () =>
        Response.json({ error: 'temporarily_unavailable' }, { status: 503, headers: { 'retry-after': '5' } }),
    });
    await expect(unavailable.idx.start()).rejects.toMatchObject({
      error: 'temporarily_unavailable',
      status: 503,
      retryAfterSeconds: 5,
    });
    const bearer = client({
      interact: () =>
        new Response(null, {
          status: 429,
          headers: { 'www-authenticate': 'Bearer error="too_many_requests"', 'retry-after': '9' },
        }),
    });
    await expect(bearer.idx.start()).rejects.toMatchObject({
      error: 'too_many_requests',
      error_description: '',
      retryAfterSeconds: 9,
    });
  });

  it('OAuthError without Retry-After, or built by hand → undefined', async () => {
    const auth = client({
      interact: () => Response.json({ error: 'invalid_client' }, { status: 401 }),
    });
    const error = (await auth.idx.start().catch((e: unknown) => e)) as OAuthError;
    expect(error.status).toBe(401);
    expect(error.retryAfterSeconds).toBeUndefined();
    expect(new OAuthError('access_denied', '').retryAfterSeconds).toBeUndefined();
    expect(new OAuthError('too_many_requests', '', 429, 12).retryAfterSeconds).toBe(12);
  });

  it('IdxError: a proxy page answering 429 → idx_invalid_response with status and retryAfterSeconds', async () => {
    const auth = client({
      introspect: () =>
        new Response('<html>Slow down</html>', {
          status: 429,
          headers: { 'content-type': 'text/html', 'retry-after': '7' },
        }),
    });
    const error = await auth.idx.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdxError);
    expect(error).toMatchObject({ code: 'idx_invalid_response', status: 429, retryAfterSeconds: 7 });
    expect(new IdxError('idx_no_transaction', 'none').retryAfterSeconds).toBeUndefined();
  });
});
