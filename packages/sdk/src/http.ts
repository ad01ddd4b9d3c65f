import { OAuthError } from './errors.js';

/** The `fetch` the SDK calls (global `fetch` by default; inject one for tests or proxies). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface HttpResult {
  status: number;
  ok: boolean;
  headers: Headers;
  /** Parsed JSON, or null when the body is empty or not JSON. */
  json: unknown;
  /** Seconds from `Retry-After` (see {@link retryAfterOf}); undefined when absent or unreadable. */
  retryAfterSeconds?: number | undefined;
}

export interface HttpRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

/**
 * One HTTP exchange. Cookies are never sent (`credentials: 'omit'`): the protocol correlates by
 * handles only, so nothing depends on third-party cookies. Network failures propagate as thrown.
 */
export async function httpRequest(
  fetchFn: FetchLike,
  url: string,
  req: HttpRequest = {},
): Promise<HttpResult> {
  const res = await fetchFn(url, {
    method: req.method ?? 'GET',
    headers: { accept: 'application/json', ...req.headers },
    credentials: 'omit',
    body: req.body,
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // Empty or not JSON: json stays null.
  }
  const { status, ok, headers } = res;
  return { status, ok, headers, json, retryAfterSeconds: retryAfterOf(headers.get('retry-after')) };
}

/**
 * `Retry-After` (RFC 9110 §10.2.3) as seconds to wait: delay-seconds as they are, an HTTP-date
 * (IMF-fixdate, or the obsolete RFC 850 form) as the seconds from now until then, 0 when past.
 * Anything else (absent, negative, fractional, asctime dates, garbage) is undefined. The shape is
 * checked before `Date.parse`, which reads almost anything (`"-5"` is a date in 2001 to V8).
 */
export function retryAfterOf(value: string | null): number | undefined {
  // `test(null)` reads "null", which matches neither form (no String() call: the bundle is capped).
  const wait = /^\d+$/.test(value!)
    ? +value!
    : /^\w{3,9}, \d\d[ -]\w{3}[ -]\d{2,4} [\d:]{8} GMT$/.test(value!)
      ? Math.max(0, Math.ceil((Date.parse(value!) - Date.now()) / 1e3))
      : NaN;
  return wait >= 0 ? wait : undefined;
}

/** `application/x-www-form-urlencoded` body; undefined values are left out. */
export function formBody(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, value);
  return search.toString();
}

export const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded' };

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The OAuth error of a failed answer: its `{error, error_description}` body, else a generic one. */
export function oauthErrorOf(result: HttpResult): OAuthError {
  const body = isRecord(result.json) ? result.json : {};
  // RFC 6750 §3: a bearer-token failure may only be in WWW-Authenticate.
  const challenge = result.headers.get('www-authenticate') ?? '';
  const inBody = typeof body.error === 'string';
  const error = inBody ? (body.error as string) : /error="([^"]*)"/.exec(challenge)?.[1];
  const description = inBody ? body.error_description : /error_description="([^"]*)"/.exec(challenge)?.[1];
  return new OAuthError(
    error || 'server_error',
    error ? (typeof description === 'string' ? description : '') : `Unexpected HTTP ${result.status} answer.`,
    result.status,
    result.retryAfterSeconds,
  );
}

/** The JSON object of a successful answer, or the OAuth error it carries. */
export function assertOAuthSuccess(result: HttpResult): Record<string, unknown> {
  if (!result.ok || !isRecord(result.json) || typeof result.json.error === 'string')
    throw oauthErrorOf(result);
  return result.json;
}
