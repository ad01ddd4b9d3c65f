/**
 * The Express sample: an integrator's app that signs users in with the Gatehouse Sign-In Widget
 * ("remediation mode") or by redirect to Gatehouse's hosted page, and `@gatehouse/sdk` on the
 * server, with server-side sessions.
 *
 * @example
 * const sample = createSampleApp(loadConfig());
 * sample.app.listen(8080);
 */
import { fileURLToPath } from 'node:url';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { appFeaturesCache } from './app-features.js';
import { createSampleAuth } from './auth.js';
import type { SampleConfig } from './config.js';
import { messagePage } from './pages.js';
import { homeRoutes } from './routes/home-routes.js';
import { loginRoutes } from './routes/login-routes.js';
import { redirectRoutes } from './routes/redirect-routes.js';
import { ForbiddenError, securityHeaders, verifyCsrf } from './security.js';
import { SqliteSessionStore } from './session-store.js';

export interface SampleApp {
  app: Express;
  store: session.Store;
  /** The session cookie's name (`__Host-…` over https). */
  cookieName: string;
  /** Closes the session store (call after the HTTP server has closed). */
  close(): void;
}

export interface SampleAppOptions {
  /** Epoch milliseconds (tests move time for session lifetimes). */
  now?: () => number;
}

const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

export function createSampleApp(config: SampleConfig, options: SampleAppOptions = {}): SampleApp {
  const now = options.now ?? Date.now;
  const https = new URL(config.appUrl).protocol === 'https:';
  const cookieName = https ? '__Host-sample.sid' : 'sample.sid';
  const store =
    config.sessionStore === 'sqlite'
      ? new SqliteSessionStore({ file: config.sessionDb, defaultTtlSeconds: config.sessionIdleSeconds, now })
      : new session.MemoryStore();
  const auth = createSampleAuth(config, now);
  const ctx = { config, auth, features: appFeaturesCache(auth, now), now };

  const app = express();
  app.disable('x-powered-by');
  if (config.trustProxy) app.set('trust proxy', 1);
  app.use(securityHeaders(config));
  app.use('/static', express.static(PUBLIC_DIR, { index: false, maxAge: '1h', fallthrough: false }));
  // Browsers ask for /favicon.ico on their own; the pages name it too.
  app.get('/favicon.ico', (_req: Request, res: Response) =>
    res.sendFile('favicon.ico', {
      root: PUBLIC_DIR,
      maxAge: '1d',
      headers: { 'Content-Type': 'image/x-icon' },
    }),
  );
  app.use(
    session({
      name: cookieName,
      secret: config.sessionSecret,
      store,
      resave: false,
      saveUninitialized: false,
      rolling: true,
      proxy: config.trustProxy,
      // Lax, not Strict: the magic link is a cross-site navigation from a mail client (docs/security.md F3).
      cookie: {
        httpOnly: true,
        secure: https,
        sameSite: 'lax',
        path: '/',
        maxAge: config.sessionIdleSeconds * 1000,
      },
    }),
  );
  app.use((req: Request, _res: Response, next: NextFunction) => {
    const signedInAt = req.session.signedInAt;
    if (signedInAt !== undefined && now() - signedInAt > config.sessionAbsoluteSeconds * 1000)
      return req.session.regenerate(next);
    next();
  });
  app.use(express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 }));
  app.use(verifyCsrf(config));
  app.use(loginRoutes(ctx));
  app.use(redirectRoutes(ctx));
  app.use(homeRoutes(ctx, cookieName));

  const page = (res: Response, status: number, title: string, text: string) =>
    res
      .status(status)
      .type('html')
      .send(messagePage({ config, nonce: res.locals.cspNonce as string }, title, text));
  app.use((_req: Request, res: Response) => page(res, 404, 'Not found', 'There is no page here.'));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ForbiddenError) return page(res, 403, 'Forbidden', err.message);
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500)
      return page(res, status, 'Bad request', 'The request could not be understood.');
    console.error('express sample: unexpected error', err);
    page(res, 500, 'Something went wrong', 'Please try again.');
  });

  return {
    app,
    store,
    cookieName,
    close() {
      if (store instanceof SqliteSessionStore) store.close();
    },
  };
}
