/** What every route needs: config, the SDK client, page context and session helpers. */

import { GatehouseError, OAuthError } from '@gatehouse/sdk';
import type { Request, Response } from 'express';
import type { SessionData } from 'express-session';
import type { AppFeaturesCache } from '../app-features.js';
import type { SampleAuth } from '../auth.js';
import type { SampleConfig } from '../config.js';
import { type EmailLinkKind, messagePage, type PageContext } from '../pages.js';
import { csrfToken } from '../security.js';

declare module 'express-session' {
  interface SessionData {
    /** Who is signed in (from the validated ID token). */
    user?: { sub: string; name: string };
    /** Epoch milliseconds of the sign-in (absolute session lifetime). */
    signedInAt?: number;
    /** How the user signed in: the embedded widget, or the redirect to Gatehouse's hosted page. */
    signInMode?: 'embedded' | 'redirect';
    /** The code of a magic link opened in a browser that did not start the flow, and what the link was for. */
    otpNotice?: { otp: string; at: number; kind: EmailLinkKind };
  }
}

export interface RouteContext {
  config: SampleConfig;
  auth: SampleAuth;
  /** What the app's policy offers (sign-up, unlock, password reset), for the pages' links. */
  features: AppFeaturesCache;
  now(): number;
}

export function pageContext(ctx: RouteContext, req: Request, res: Response): PageContext {
  const user = req.session.user;
  return {
    config: ctx.config,
    nonce: res.locals.cspNonce as string,
    user: user?.name,
    csrfToken: user ? csrfToken(req) : undefined,
  };
}

/** Error texts from a redirect are shown, never trusted: kept short. */
export const MAX_ERROR_TEXT = 300;

/** A message page with its status (`id` names the page for tests and styles). */
export function showMessage(
  ctx: RouteContext,
  req: Request,
  res: Response,
  status: number,
  title: string,
  text: string,
  id: string,
): Response {
  return res
    .status(status)
    .type('html')
    .send(messagePage(pageContext(ctx, req, res), title, text, id));
}

/** "Sign-in failed" with the SDK's error, shortened; anything but an SDK error is rethrown. */
export function showSignInFailure(ctx: RouteContext, req: Request, res: Response, err: unknown): Response {
  if (!(err instanceof GatehouseError)) throw err;
  // An OAuthError's message is already `error: error_description`.
  const text = (err instanceof OAuthError ? err.message : `${err.code}: ${err.message}`).slice(
    0,
    MAX_ERROR_TEXT,
  );
  return showMessage(ctx, req, res, 400, 'Sign-in failed', text, 'sign-in-error');
}

/**
 * The query's parameters, refusing repeated ones (`?otp=1&otp=2` is not a link Gatehouse sends,
 * and two parsers could disagree on which one counts).
 */
export function singleParams(req: Request): Record<string, string> | null {
  const params: Record<string, string> = {};
  const search = new URL(req.originalUrl, 'http://sample.invalid').searchParams;
  for (const [key, value] of search) {
    if (Object.hasOwn(params, key)) return null;
    params[key] = value;
  }
  return params;
}

/** A new session id with the given data kept (docs/security.md J2: no fixation across sign-in). */
export function regenerateSession(req: Request, keep: Partial<SessionData> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.regenerate((err) => {
      if (err) return reject(err);
      Object.assign(req.session, keep);
      resolve();
    });
  });
}

export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));
}
