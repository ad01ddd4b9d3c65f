import { OAuthError } from './errors.js';

/** The `fetch` the SDK calls (global `fetch` by default; inject one for tests or proxies). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface HttpResult {
  status: number;
  ok: boolean;
  headers: Headers;
  /** Parsed JSON, or null when the body is empty or not JSON. */
  json: unknown;
  text: string;
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
    ...(req.body !== undefined ? { body: req.body } : {}),
  });
  const text = await res.text();
  let json: unknown = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  return { status: res.status, ok: res.ok, headers: res.headers, json, text };
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
  if (typeof body.error === 'string')
    return new OAuthError(
      body.error,
      typeof body.error_description === 'string' ? body.error_description : '',
      result.status,
    );
  // RFC 6750 §3: a bearer-token failure may only be in WWW-Authenticate.
  const challenge = result.headers.get('www-authenticate') ?? '';
  const error = /error="([^"]*)"/.exec(challenge)?.[1];
  if (error)
    return new OAuthError(error, /error_description="([^"]*)"/.exec(challenge)?.[1] ?? '', result.status);
  return new OAuthError('server_error', `Unexpected HTTP ${result.status} answer.`, result.status);
}

/** The JSON object of a successful answer, or the OAuth error it carries. */
export function assertOAuthSuccess(result: HttpResult): Record<string, unknown> {
  if (!result.ok || !isRecord(result.json) || typeof result.json.error === 'string')
    throw oauthErrorOf(result);
  return result.json;
}
