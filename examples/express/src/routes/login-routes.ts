/**
 * Signing in: the widget page, the interaction-code redirect, and the two magic-link callbacks
 * (the sign-in email's `/login/callback?otp&state` and the custom Forgot Password email's
 * `/magic-link/callback?otp&state`). The SDK owns the transactions: `/login` starts one on the
 * server (`idx.start()`, saved in the session) and hands the widget its `state` and interaction
 * handle; the callbacks ask the SDK (`isEmailVerifyCallback` → `canProceed({ state })`,
 * `handleInteractionCodeRedirect`). Links carrying `otp`/`state` are answered with a redirect to
 * a clean URL once the values are in the session (docs/security.md F7).
 *
 * `/signup` and `/unlock` are the same page with the widget's `signup` / `unlockAccount` flow: the
 * server starts the interaction as for `/login` and the widget takes the app's sign-up
 * (`select-enroll-profile`) or unlock (`unlock-account`) step from the identify page
 * (docs/protocol/idx-protocol-2.md §3.1, §4.1; docs/guides/registration.md,
 * docs/guides/account-unlock.md). Their emails' links come back through `/login/callback` like a
 * sign-in's.
 */
import { type AuthClient, GatehouseError, OAuthError } from '@gatehouse/sdk';
import { type Request, type Response, Router } from 'express';
import { featuresOf } from '../app-features.js';
import { type EmailLinkKind, loginPage, otherBrowserPage, type WidgetConfig } from '../pages.js';
import { csrfToken } from '../security.js';
import {
  OTP_PATTERN,
  SDK_FLOW,
  STATE_PATTERN,
  type WidgetFlow,
  widgetFlowOf,
} from '../sign-in-transactions.js';
import {
  MAX_ERROR_TEXT,
  pageContext,
  type RouteContext,
  regenerateSession,
  showMessage,
  showSignInFailure,
  singleParams,
} from './context.js';

/** How long the code of a link opened in another browser can be shown there. */
const OTP_NOTICE_TTL_MS = 15 * 60 * 1000;

export function loginRoutes(ctx: RouteContext): Router {
  const router = Router();
  const { config, auth } = ctx;

  const show = (req: Request, res: Response, status: number, title: string, text: string, id: string) =>
    showMessage(ctx, req, res, status, title, text, id);

  const invalidLink = (req: Request, res: Response) =>
    show(
      req,
      res,
      400,
      'This link is not valid',
      'The link is incomplete or has been changed. Open it again from the email, or start over.',
      'link-invalid',
    );

  const failed = (req: Request, res: Response, err: unknown) => showSignInFailure(ctx, req, res, err);

  /**
   * A magic link: in the browser that started the sign-in (its session holds the SDK transaction
   * for `state`: `canProceed({ state })`) the widget continues with the code; anywhere else nobody
   * is signed in and the user is told to type the code in the original tab (docs/security.md F2, F5).
   */
  function emailLink(req: Request, res: Response, params: Record<string, string>, kind: EmailLinkKind) {
    const { otp, state } = params;
    if (!otp || !state || !OTP_PATTERN.test(otp) || !STATE_PATTERN.test(state)) return invalidLink(req, res);
    if (auth.forRequest(req).idx.canProceed({ state })) {
      req.session.resumeSignIn = { state, otp };
      return res.redirect(303, '/login');
    }
    req.session.otpNotice = { otp, at: ctx.now(), kind };
    return res.redirect(303, '/magic-link/code');
  }

  /** The widget's options for a transaction the SDK saved in this session. */
  function widgetFor(client: AuthClient, state: string | undefined, otp?: string): WidgetConfig | undefined {
    const tx = client.idx.getSavedTransaction(state);
    if (!tx) return undefined;
    const flow = widgetFlowOf(tx.flow);
    return {
      issuer: config.issuer,
      clientId: config.clientId,
      redirectUri: auth.redirectUri,
      scopes: config.scopes,
      state: tx.state,
      interactionHandle: tx.interactionHandle,
      flow,
      ...(otp ? { otp } : {}),
      homeUri: '/',
    };
  }

  /**
   * The widget page: resumes the sign-in a magic link (or `interaction_required`) left in this
   * session, else starts a new interaction for `flow` with the SDK.
   */
  async function widgetPage(req: Request, res: Response, flow: WidgetFlow) {
    if (req.session.user) return res.redirect(303, '/');
    const client = auth.forRequest(req);
    const resume = req.session.resumeSignIn;
    delete req.session.resumeSignIn;
    // A magic link (or interaction_required) for a transaction of this session: the same
    // interaction goes on, by its saved handle.
    let widget = resume ? widgetFor(client, resume.state, resume.otp) : undefined;
    if (!widget) {
      try {
        // `/v1/interact` with PKCE and a nonce; the meta is saved in this session. Its first step
        // says what the app offers besides signing in (the links on the pages).
        ctx.features.remember(featuresOf(await client.idx.start({ flow: SDK_FLOW[flow] })));
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
      widget = widgetFor(client, undefined);
      if (!widget) throw new Error('The SDK saved no transaction.');
      widget.flow = flow;
    }
    const page = { ...pageContext(ctx, req, res), features: await ctx.features.get() };
    res.type('html').send(loginPage(page, widget));
  }

  router.get('/login', async (req, res) => {
    const params = singleParams(req);
    if (!params) return invalidLink(req, res);
    // The seed's form of the same-browser forward (`/login?state=…&otp=…`) is accepted too.
    if (params.otp !== undefined || params.state !== undefined)
      return emailLink(req, res, params, 'emailCode');
    // `?flow=resetPassword` is also the reset link of Gatehouse's "account exists" email.
    return widgetPage(req, res, params.flow === 'resetPassword' ? 'resetPassword' : 'default');
  });

  // Self-service registration: the widget opens on the sign-up form (the app must allow sign-up).
  router.get('/signup', (req, res) => widgetPage(req, res, 'signup'));

  // Self-service unlock: the widget opens on "Unlock account" (the app must allow unlock).
  router.get('/unlock', (req, res) => widgetPage(req, res, 'unlockAccount'));

  router.get('/login/callback', async (req, res) => {
    const params = singleParams(req);
    if (!params) return invalidLink(req, res);
    const client = auth.forRequest(req);
    if (client.idx.isEmailVerifyCallback(req.originalUrl)) return emailLink(req, res, params, 'emailCode');

    // The interaction-code redirect: `state` must be one this session started (login CSRF, F2).
    const { state, interaction_code: code, error } = params;
    if (!code && !error) return invalidLink(req, res);
    if (!state || !STATE_PATTERN.test(state) || !client.idx.canProceed({ state }))
      return show(
        req,
        res,
        400,
        'Sign-in refused',
        'This sign-in response does not belong to a sign-in started in this browser. Please sign in again.',
        'state-refused',
      );
    let tokens: Awaited<ReturnType<typeof client.idx.handleInteractionCodeRedirect>>;
    let identity: Awaited<ReturnType<typeof client.getIdentityFromTokenResponse>>;
    try {
      // Checks state, surfaces error/error_description, redeems the code with the verifier only
      // this session holds, validates the ID token (nonce included) and forgets the transaction.
      tokens = await client.idx.handleInteractionCodeRedirect(`${config.appUrl}${req.originalUrl}`);
      identity = await client.getIdentityFromTokenResponse(tokens);
    } catch (err) {
      if (err instanceof OAuthError && err.code === 'interaction_required') {
        // More steps are needed in the same interaction: the widget continues it.
        req.session.resumeSignIn = { state };
        return res.redirect(303, '/login');
      }
      client.idx.clearTransaction(state);
      return failed(req, res, err);
    }
    const name = identity.name ?? identity.preferredUsername ?? identity.email ?? identity.sub;
    // A new session id at sign-in (J2); the tokens move to it.
    await regenerateSession(req, {
      user: { sub: identity.sub, name },
      signedInAt: ctx.now(),
      signInMode: 'embedded',
    });
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
    if (!auth.forRequest(req).idx.isEmailVerifyCallback(req.originalUrl)) return invalidLink(req, res);
    return emailLink(req, res, params, 'resetPassword');
  });

  const freshNotice = (req: Request) => {
    const notice = req.session.otpNotice;
    return notice && ctx.now() - notice.at <= OTP_NOTICE_TTL_MS ? notice : undefined;
  };

  // A notice saved before the sample said what the link was for reads as the general one.
  const noticeKind = (req: Request): EmailLinkKind => req.session.otpNotice?.kind ?? 'emailCode';

  router.get('/magic-link/code', (req, res) => {
    if (!freshNotice(req))
      return show(req, res, 404, 'Nothing to show', 'Open the link from the email again.', 'no-code');
    const page = { ...pageContext(ctx, req, res), csrfToken: csrfToken(req) };
    res.type('html').send(otherBrowserPage(page, noticeKind(req), null));
  });

  // The code is only shown after an explicit POST, never to a GET (link scanners, F5).
  router.post('/magic-link/code', (req, res) => {
    const notice = freshNotice(req);
    if (!notice)
      return show(req, res, 404, 'Nothing to show', 'Open the link from the email again.', 'no-code');
    res.type('html').send(otherBrowserPage(pageContext(ctx, req, res), noticeKind(req), notice.otp));
  });

  return router;
}
