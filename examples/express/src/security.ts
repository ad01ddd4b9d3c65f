/**
 * Browser hardening for every response (docs/security.md K1): a nonce-based CSP that lets in only this
 * app and Gatehouse, no referrer, no framing, no caching of pages; and CSRF protection for the
 * app's own forms (K4): a per-session synchronizer token plus an Origin check.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import type { SampleConfig } from './config.js';

declare module 'express-session' {
  interface SessionData {
    csrfToken?: string;
  }
}

export function securityHeaders(config: SampleConfig): RequestHandler[] {
  const gatehouse = new URL(config.issuer).origin;
  const https = new URL(config.appUrl).protocol === 'https:';
  const nonce: RequestHandler = (_req, res, next) => {
    res.locals.cspNonce = randomBytes(18).toString('base64');
    next();
  };
  const headers = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        // Only scripts carrying this response's nonce run: the app's and the widget bundle.
        scriptSrc: [(_req, res) => `'nonce-${(res as Response).locals.cspNonce}'`],
        styleSrc: ["'self'", gatehouse],
        imgSrc: ["'self'", 'data:'],
        connectSrc: [gatehouse],
        // Sign-out posts here and is redirected to Gatehouse's logout endpoint.
        formAction: ["'self'", gatehouse],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
  });
  const noStore: RequestHandler = (req, res, next) => {
    if (!req.path.startsWith('/static/') && req.path !== '/favicon.ico')
      res.setHeader('Cache-Control', 'no-store');
    next();
  };
  return [nonce, headers, noStore];
}

/** The session's CSRF token, created on first use (for a form being rendered). */
export function csrfToken(req: Request): string {
  req.session.csrfToken ??= randomBytes(32).toString('base64url');
  return req.session.csrfToken;
}

function sameToken(expected: string | undefined, given: unknown): boolean {
  if (!expected || typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class ForbiddenError extends Error {
  readonly status = 403;
}

/**
 * Refuses state-changing requests without this session's token, or that the browser says come
 * from another site: `Sec-Fetch-Site` other than `same-origin`, or a foreign `Origin`. (Under
 * `Referrer-Policy: no-referrer` browsers send `Origin: null` even for same-origin forms, so
 * `null` is left to the token.)
 */
export function verifyCsrf(config: SampleConfig): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    const site = req.get('sec-fetch-site');
    const origin = req.get('origin');
    if (
      (site !== undefined && site !== 'same-origin') ||
      (origin !== undefined && origin !== 'null' && origin !== config.appUrl)
    )
      return next(new ForbiddenError('This form was sent from another site.'));
    const given = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (!sameToken(req.session?.csrfToken, given))
      return next(
        new ForbiddenError('This form has expired or was not sent from this site. Reload the page.'),
      );
    next();
  };
}
