/** The signed-in home page (ID token claims + userinfo) and sign-out (revoke + end session). */
import { GatehouseError } from '@gatehouse/sdk';
import { Router } from 'express';
import { homePage } from '../home-page.js';
import { destroySession, pageContext, type RouteContext } from './context.js';

export function homeRoutes(ctx: RouteContext, cookieName: string): Router {
  const router = Router();
  const { config, auth } = ctx;

  router.get('/', async (req, res) => {
    const client = auth.forRequest(req);
    const tokens = req.session.user ? client.token.get() : undefined;
    if (!tokens?.claims) {
      const page = { ...pageContext(ctx, req, res), features: await ctx.features.get() };
      return res.type('html').send(homePage(page, null));
    }
    let userinfo: Record<string, unknown> | null = null;
    try {
      userinfo = (await client.getUserInfo()) as Record<string, unknown>;
    } catch (err) {
      if (!(err instanceof GatehouseError)) throw err;
      // The access token was revoked or has expired: this session is over.
      await destroySession(req);
      res.clearCookie(cookieName, { path: '/' });
      const page = { config, nonce: res.locals.cspNonce as string, features: await ctx.features.get() };
      return res.type('html').send(homePage(page, null, 'Your session has ended. Please sign in again.'));
    }
    res.type('html').send(
      homePage(pageContext(ctx, req, res), {
        claims: tokens.claims,
        userinfo,
        signInMode: req.session.signInMode,
        now: ctx.now(),
      }),
    );
  });

  // CSRF-checked (app-level middleware): a cross-site form cannot sign the user out. Either way of
  // signing in ends the same: RP-initiated logout with the ID token (id_token_hint) and a
  // registered post_logout_redirect_uri, which also ends Gatehouse's SSO session of a redirect
  // sign-in (the next "Sign in with redirect" shows the form again).
  router.post('/logout', async (req, res) => {
    const client = auth.forRequest(req);
    const signedIn = Boolean(req.session.user && client.token.get());
    // signOut() revokes the refresh and access tokens and returns the end-session URL.
    const logoutUrl = signedIn ? await client.signOut({ postLogoutRedirectUri: `${config.appUrl}/` }) : '/';
    await destroySession(req);
    res.clearCookie(cookieName, { path: '/' });
    res.redirect(303, logoutUrl);
  });

  return router;
}
