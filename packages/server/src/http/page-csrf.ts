import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken, safeEqual } from '../secrets.js';

/**
 * CSRF protection for the few HTML forms the server renders itself: a random token per rendered
 * page, set in an HttpOnly, SameSite=Strict cookie scoped to the page's path and repeated in a
 * hidden field (double submit), compared in constant time; and a refusal of whatever the browser
 * says comes from another site (`Sec-Fetch-Site`, `Origin`).
 */
export interface PageCsrfOptions {
  /** Cookie name and the path it is scoped to (the page's own path). */
  cookie: string;
  path: string;
  /** The server's public URL: its origin is the only one allowed to post, and https makes the cookie Secure. */
  publicUrl: string;
  maxAgeSeconds: number;
}

export type CsrfCheck = 'ok' | 'cross-site' | 'bad-token';

export class PageCsrf {
  private readonly origin: string;
  private readonly secure: boolean;

  constructor(private readonly options: PageCsrfOptions) {
    const url = new URL(options.publicUrl);
    this.origin = url.origin;
    this.secure = url.protocol === 'https:';
  }

  /** A fresh token for a page being rendered; its cookie is set on `reply`. */
  issue(reply: FastifyReply): string {
    const token = randomToken(32);
    const { cookie, path, maxAgeSeconds } = this.options;
    reply.header(
      'set-cookie',
      `${cookie}=${token}; Path=${path}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${this.secure ? '; Secure' : ''}`,
    );
    return token;
  }

  /**
   * Checks a form post. Under `Referrer-Policy: no-referrer` browsers send `Origin: null` even for
   * a same-origin form, so `null` (and no Origin at all) is left to the token.
   */
  check(request: FastifyRequest, submitted: unknown): CsrfCheck {
    const site = request.headers['sec-fetch-site'];
    const origin = request.headers.origin;
    if (
      (site !== undefined && site !== 'same-origin') ||
      (origin !== undefined && origin !== 'null' && origin !== this.origin)
    )
      return 'cross-site';
    const expected = readCookie(request.headers.cookie, this.options.cookie);
    if (expected === null || typeof submitted !== 'string' || !safeEqual(expected, submitted))
      return 'bad-token';
    return 'ok';
  }
}

/** The value of cookie `name` in a Cookie header; null when absent or sent more than once. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  const values = header
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair.startsWith(`${name}=`))
    .map((pair) => pair.slice(name.length + 1));
  return values.length === 1 && values[0] ? values[0] : null;
}
