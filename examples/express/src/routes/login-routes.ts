/**
 * Signing in: the widget page, the interaction-code redirect, and the two magic-link callbacks
 * (the sign-in email's `/login/callback?otp&state` and the custom Forgot Password email's
 * `/magic-link/callback?otp&state`). Links carrying `otp`/`state` are answered with a redirect
 * to a clean URL once the values are in the session (security F7).
 */
import { GatehouseError, isEmailVerifyCallback } from '@gatehouse/sdk';
import { type Request, type Response, Router } from 'express';
import { loginPage, messagePage, otherBrowserPage, type WidgetConfig } from '../pages.js';
import { csrfToken } from '../security.js';
import {
  beginSignIn,
  findSignIn,
  forgetSignIn,
  OTP_PATTERN,
  STATE_PATTERN,
} from '../sign-in-transactions.js';
import { pageContext, type RouteContext, regenerateSession, singleParams } from './context.js';

/** How long the code of a link opened in another browser can be shown there. */
const OTP_NOTICE_TTL_MS = 15 * 60 * 1000;
/** Error texts from a redirect are shown, never trusted: kept short. */
const MAX_ERROR_TEXT = 300;

export function loginRoutes(ctx: RouteContext): Router {
  const router = Router();
  const { config, auth } = ctx;

  const show = (req: Request, res: Response, status: number, title: string, text: string, id: string) =>
    res
      .status(status)
      .type('html')
      .send(messagePage(pageContext(ctx, req, res), title, text, id));

  const invalidLink = (req: Request, res: Response) =>
    show(
      req,
      res,
      400,
      'This link is not valid',
      'The link is incomplete or has been changed. Open it again from the email, or start over.',
      'link-invalid',
    );

  /**
   * A magic link: in the browser that started the sign-in (its session holds the `state`) the
   * widget continues with the code; anywhere else nobody is signed in and the user is told to
   * type the code in the original tab (security F2, F5).
   */
  function emailLink(req: Request, res: Response, params: Record<string, string>) {
    const { otp, state } = params;
    if (!otp || !state || !OTP_PATTERN.test(otp) || !STATE_PATTERN.test(state)) return invalidLink(req, res);
    // `canProceed({ state })`: in remediation mode the transaction is the app's, kept in its session.
    if (findSignIn(req.session, state, ctx.now())) {
      req.session.magicLink = { state, otp };
      return res.redirect(303, '/login');
    }
    req.session.otpNotice = { otp, at: ctx.now() };
    return res.redirect(303, '/magic-link/code');
  }

  router.get('/login', async (req, res) => {
    const params = singleParams(req);
    if (!params) return invalidLink(req, res);
    // The seed's form of the same-browser forward (`/login?state=…&otp=…`) is accepted too.
    if (params.otp !== undefined || params.state !== undefined) return emailLink(req, res, params);
    if (req.session.user) return res.redirect(303, '/');
    const link = req.session.magicLink;
    delete req.session.magicLink;
    const resumed = link ? findSignIn(req.session, link.state, ctx.now()) : undefined;
    const signIn =
      resumed ??
      (await beginSignIn(
        req.session,
        params.flow === 'resetPassword' ? 'resetPassword' : 'default',
        ctx.now(),
      ));
    const widget: WidgetConfig = {
      issuer: config.issuer,
      clientId: config.clientId,
      redirectUri: auth.redirectUri,
      scopes: config.scopes,
      state: signIn.state,
      codeChallenge: signIn.codeChallenge,
      codeChallengeMethod: 'S256',
      flow: signIn.flow,
      ...(resumed && link ? { otp: link.otp } : {}),
    };
    res.type('html').send(loginPage(pageContext(ctx, req, res), widget));
  });

  router.get('/login/callback', async (req, res) => {
    const params = singleParams(req);
    if (!params) return invalidLink(req, res);
    if (isEmailVerifyCallback(`${config.appUrl}${req.originalUrl}`)) return emailLink(req, res, params);

    // The interaction-code redirect: `state` must be one this session started (login CSRF, F2).
    const { state, interaction_code: code, error, error_description: description } = params;
    if (!code && !error) return invalidLink(req, res);
    const signIn = state ? findSignIn(req.session, state, ctx.now()) : undefined;
    if (!signIn)
      return show(
        req,
        res,
        400,
        'Sign-in refused',
        'This sign-in response does not belong to a sign-in started in this browser. Please sign in again.',
        'state-refused',
      );
    forgetSignIn(req.session, signIn.state);
    if (error) {
      if (error === 'interaction_required') return res.redirect(303, '/login');
      const text = `${error}: ${description ?? ''}`.slice(0, MAX_ERROR_TEXT);
      return show(req, res, 400, 'Sign-in failed', text, 'sign-in-error');
    }
    if (!code) return invalidLink(req, res);
    const client = auth.forRequest(req);
    let tokens: Awaited<ReturnType<typeof client.exchangeInteractionCode>>;
    let identity: Awaited<ReturnType<typeof client.getIdentityFromTokenResponse>>;
    try {
      // Redeem with the verifier only this session holds, then validate the ID token.
      tokens = await client.exchangeInteractionCode(
        { codeVerifier: signIn.codeVerifier, redirectUri: auth.redirectUri, scopes: config.scopes },
        code,
      );
      identity = await client.getIdentityFromTokenResponse(tokens);
    } catch (err) {
      if (!(err instanceof GatehouseError)) throw err;
      return show(
        req,
        res,
        400,
        'Sign-in failed',
        `${err.code}: ${err.message}`.slice(0, MAX_ERROR_TEXT),
        'sign-in-error',
      );
    }
    const name = identity.name ?? identity.preferredUsername ?? identity.email ?? identity.sub;
    await regenerateSession(req, { user: { sub: identity.sub, name }, signedInAt: ctx.now() });
    auth.forRequest(req).storage.setTokens(tokens);
    res.redirect(303, '/');
  });

  router.get('/magic-link/callback', (req, res) => {
    const params = singleParams(req);
    if (!params) return invalidLink(req, res);
    if (params.error !== undefined || params.error_description !== undefined) {
      const text = `${params.error ?? 'error'}: ${params.error_description ?? ''}`.slice(0, MAX_ERROR_TEXT);
      return show(req, res, 400, 'The link could not be used', text, 'link-error');
    }
    return emailLink(req, res, params);
  });

  const freshNotice = (req: Request) => {
    const notice = req.session.otpNotice;
    return notice && ctx.now() - notice.at <= OTP_NOTICE_TTL_MS ? notice : undefined;
  };

  router.get('/magic-link/code', (req, res) => {
    if (!freshNotice(req))
      return show(req, res, 404, 'Nothing to show', 'Open the link from the email again.', 'no-code');
    const page = { ...pageContext(ctx, req, res), csrfToken: csrfToken(req) };
    res.type('html').send(otherBrowserPage(page, null));
  });

  // The code is only shown after an explicit POST, never to a GET (link scanners, F5).
  router.post('/magic-link/code', (req, res) => {
    const notice = freshNotice(req);
    if (!notice)
      return show(req, res, 404, 'Nothing to show', 'Open the link from the email again.', 'no-code');
    res.type('html').send(otherBrowserPage(pageContext(ctx, req, res), notice.otp));
  });

  return router;
}
