import { expect } from 'vitest';

/** Gatehouse's own magic-link landing page, `/email/verify` (no browser: fetch, as a scanner would). */

export interface VerifyPage {
  status: number;
  headers: Headers;
  text: string;
  /** The CSRF token of the page's form and the cookie that carries it (`name=value`), when set. */
  token: string | null;
  cookie: string | null;
}

export const VERIFY_COOKIE = 'gatehouse_email_verify';

/** GETs the page the way a browser (or a link scanner) opens a link. */
export async function openVerifyPage(
  link: string | URL,
  headers: Record<string, string> = {},
): Promise<VerifyPage> {
  const res = await fetch(link, { headers });
  const text = await res.text();
  const setCookie = res.headers.get('set-cookie');
  return {
    status: res.status,
    headers: res.headers,
    text,
    token: /name="csrf" value="([^"]+)"/.exec(text)?.[1] ?? null,
    cookie: setCookie ? setCookie.split(';')[0]! : null,
  };
}

export interface ShowCodeOptions {
  cookie?: string | null;
  /** The hidden field (`csrf=<token>`), or a raw body. */
  token?: string | null;
  body?: string;
  contentType?: string;
  origin?: string;
  fetchSite?: string;
}

/** POSTs the page's form back to the link (what the "Show my code" button does). */
export async function showCode(link: string | URL, options: ShowCodeOptions = {}) {
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
  };
  if (options.cookie) headers.cookie = options.cookie;
  if (options.origin !== undefined) headers.origin = options.origin;
  if (options.fetchSite !== undefined) headers['sec-fetch-site'] = options.fetchSite;
  const body =
    options.body ?? (options.token != null ? new URLSearchParams({ csrf: options.token }).toString() : '');
  const res = await fetch(link, { method: 'POST', headers, body });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Opens the page, checks it offers the button and not the code, and shows the code by the form. */
export async function revealCode(link: string | URL, code: string): Promise<string> {
  const page = await openVerifyPage(link);
  expect(page.status).toBe(200);
  expect(page.text).not.toContain(code);
  expect(page.token).toBeTruthy();
  const shown = await showCode(link, { cookie: page.cookie, token: page.token });
  expect(shown.status, shown.text).toBe(200);
  return shown.text;
}
