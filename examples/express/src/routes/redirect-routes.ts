/**
 * Signing in with redirect: the other way to sign in, beside the embedded widget. The server builds
 * the authorize URL with the SDK (`buildAuthorizeUrl`: a PKCE pair, `state` and `nonce`, saved in
 * this user's session by `serverSessionStorage`; only the challenge leaves the server), sends the
 * browser to Gatehouse's hosted sign-in page, and redeems the authorization code that comes back
 * to /authorization-code/callback (`handleLoginRedirect`: the state must be this session's, `iss`
 * must be Gatehouse, the code is exchanged with the session's verifier, the ID token is validated
 * with its nonce). Gatehouse keeps an SSO session: a second "Sign in with redirect" in the same
 * browser comes straight back without a form, until the user signs out (POST /logout: RP-initiated
 * logout with the ID token, which ends Gatehouse's session too). docs/adr/0012-hosted-sign-in.md.
 */
import { GatehouseError, ValidationError } from '@gatehouse/sdk';
import { type Request, type Response, Router } from 'express';
import { AUTHORIZATION_CODE_CALLBACK } from '../auth.js';
import { STATE_PATTERN } from '../sign-in-transactions.js';
import {
  type RouteContext,
  regenerateSession,
  showMessage,
  showSignInFailure,
  singleParams,
} from './context.js';

export function redirectRoutes(ctx: RouteContext): Router {
  const router = Router();
  const { config, auth } = ctx;

  const show = (req: Request, res: Response, status: number, title: string, text: string, id: string) =>
    showMessage(ctx, req, res, status, title, text, id);

  // "Sign in with redirect": a GET, like any link to a sign-in page (a cross-site link can only
  // start a sign-in the user then has to finish on Gatehouse's page).
  router.get('/login/redirect', async (req, res) => {
    if (req.session.user) return res.redirect(303, '/');
    let url: string;
    try {
      ({ url } = await auth
        .forRequest(req)
        .buildAuthorizeUrl({ redirectUri: auth.authorizationCodeRedirectUri }));
    } catch (err) {
      if (!(err instanceof GatehouseError)) throw err;
      return show(
        req,
        res,
        503,
        'Sign-in is unavailable',
        'Please try again in a moment.',
        'sign-in-unavailable',
      );
    }
    res.redirect(303, url);
  });

  router.get(AUTHORIZATION_CODE_CALLBACK, async (req, res) => {
    const params = singleParams(req);
    const { state, code, error } = params ?? {};
    if (!params || (!code && !error) || !state || !STATE_PATTERN.test(state))
      return show(
        req,
        res,
        400,
        'This link is not valid',
        'The sign-in response is incomplete or has been changed. Please sign in again.',
        'link-invalid',
      );
    const client = auth.forRequest(req);
    let tokens: Awaited<ReturnType<typeof client.handleLoginRedirect>>;
    try {
      // The state must name a sign-in of this session (login CSRF, docs/security.md F2); it is
      // used once. Then iss, error, the code exchange with the verifier and the ID token (nonce).
      tokens = await client.handleLoginRedirect(`${config.appUrl}${req.originalUrl}`);
    } catch (err) {
      if (err instanceof ValidationError && err.code === 'state_mismatch')
        return show(
          req,
          res,
          400,
          'Sign-in refused',
          'This sign-in response does not belong to a sign-in started in this browser. Please sign in again.',
          'state-refused',
        );
      return showSignInFailure(ctx, req, res, err);
    }
    const claims = tokens.claims;
    if (!claims)
      return show(
        req,
        res,
        400,
        'Sign-in failed',
        'No ID token: the openid scope is needed.',
        'sign-in-error',
      );
    const name = claims.name ?? claims.preferred_username ?? claims.email ?? claims.sub;
    // A new session id at sign-in (J2); the tokens move to it.
    await regenerateSession(req, {
      user: { sub: claims.sub, name },
      signedInAt: ctx.now(),
      signInMode: 'redirect',
    });
    auth.forRequest(req).storage.setTokens(tokens);
    res.redirect(303, '/');
  });

  return router;
}
