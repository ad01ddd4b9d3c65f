import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerId } from '../../protocol/oauth/authorization-servers.js';
import { type Browser, FLOW_ID, type HostedSignIn } from '../../protocol/oauth/hosted-sign-in.js';
import { type LogoutDeps, type LogoutOutcome, logout } from '../../protocol/oauth/logout.js';
import { OAuthError } from '../../protocol/oauth/oauth-error.js';
import { readParams } from '../../protocol/oauth/params.js';
import type { Services } from '../../services.js';
import { sendAuthorizationResponse } from '../authorization-response.js';
import type { WidgetFiles } from '../browser-builds.js';
import type { BrowserCookies } from '../browser-cookies.js';
import { sendHostedPage } from '../hosted-page.js';
import { html, htmlPage, Markup } from '../html-page.js';
import { PageCsrf } from '../page-csrf.js';

export interface HostedRoutesDeps {
  services: Services;
  hosted: HostedSignIn;
  cookies: BrowserCookies;
  widgetFiles: WidgetFiles;
}

const FORM = 'application/x-www-form-urlencoded';
const SIGN_IN_PATH = '/signin';

function browserOf(request: FastifyRequest, cookies: BrowserCookies): Browser {
  const agent = request.headers['user-agent'];
  return { sessionToken: cookies.session(request), ip: request.ip ?? null, userAgent: agent ?? null };
}

/** Query (GET) or form (POST) parameters; a body that is not a form is a 415 page. */
function paramsOf(request: FastifyRequest): Record<string, string> | 'unsupported-media-type' {
  if (request.method === 'POST') {
    const type = (request.headers['content-type'] ?? '').toLowerCase();
    if (request.body !== undefined && request.body !== null && request.body !== '' && !type.startsWith(FORM))
      return 'unsupported-media-type';
  }
  return readParams(request.method === 'POST' ? request.body : undefined, request.query);
}

/** Pages answer their own errors as pages: a bad request is never a JSON body or a stack trace. */
function pageErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError & { status?: number }, request, reply) => {
    if (error instanceof OAuthError) return htmlPage(reply, 400, 'Request not valid', error.description);
    const status = error.statusCode ?? error.status ?? 500;
    if (status >= 400 && status < 500)
      return htmlPage(reply, status, 'Request not valid', 'This request could not be used.');
    request.log.error({ err: error, reqId: request.id }, 'unhandled error');
    return htmlPage(reply, 500, 'Something went wrong', `Try again later (request id ${request.id}).`);
  });
}

/**
 * The browser side of hosted sign-in (ADR 0012) for one authorization server: `/v1/authorize`,
 * `/v1/authorize/complete` (where the hosted page's widget lands) and `/v1/logout`.
 */
export function hostedServerRoutes(deps: HostedRoutesDeps, serverId: ServerId, endpointPrefix: string) {
  const { services, hosted, cookies } = deps;
  const server = services.server(serverId);
  const { storage, tokens, clock } = services;
  const logoutDeps: LogoutDeps = {
    apps: storage.apps,
    grants: storage.grants,
    events: storage.events,
    tokens,
    clock,
    sessions: storage.sessions,
    ssoSessions: services.sessions,
  };
  const csrf = new PageCsrf({
    cookie: 'gatehouse_logout',
    path: `${endpointPrefix}/v1/logout`,
    publicUrl: services.config.publicUrl,
    maxAgeSeconds: 10 * 60,
  });

  return async (app: FastifyInstance): Promise<void> => {
    const config = { protocol: 'plain' as const };
    pageErrors(app);

    const authorize = async (request: FastifyRequest, reply: FastifyReply) => {
      const params = paramsOf(request);
      if (params === 'unsupported-media-type')
        return htmlPage(reply, 415, 'Request not valid', `Send the parameters as ${FORM}.`);
      const outcome = await hosted.authorize(serverId, params, browserOf(request, cookies));
      if (outcome.kind === 'page-error')
        return htmlPage(reply, 400, 'Sign-in request not valid', outcome.message);
      if (outcome.kind === 'respond') return sendAuthorizationResponse(reply, outcome.response);
      if (outcome.kind === 'throttled')
        return htmlPage(
          reply.header('retry-after', String(outcome.retryAfterSeconds)),
          429,
          'Too many sign-ins',
          `Too many sign-ins were started from your network. Try again in ${Math.ceil(outcome.retryAfterSeconds / 60)} minute(s).`,
        );
      cookies.set(reply, cookies.flowName(outcome.flowId), outcome.interactionHandle, outcome.ttlSeconds);
      return reply
        .header('cache-control', 'no-store')
        .redirect(`${SIGN_IN_PATH}?${new URLSearchParams({ flow: outcome.flowId })}`, 302);
    };
    app.get(`${endpointPrefix}/v1/authorize`, { config }, authorize);
    app.post(`${endpointPrefix}/v1/authorize`, { config, bodyLimit: 16 * 1024 }, authorize);

    app.get(`${endpointPrefix}/v1/authorize/complete`, { config }, async (request, reply) => {
      const params = readParams(undefined, request.query);
      const flowId = params.state ?? '';
      const flowHandle = FLOW_ID.test(flowId) ? cookies.flow(request, flowId) : null;
      const outcome = await hosted.complete(
        serverId,
        { flowId, interactionCode: params.interaction_code },
        flowHandle,
        browserOf(request, cookies),
      );
      if (outcome.kind === 'page-error') return htmlPage(reply, 400, 'Sign-in not finished', outcome.message);
      cookies.clear(reply, cookies.flowName(flowId));
      cookies.set(reply, cookies.sessionName, outcome.session.token, outcome.session.maxAgeSeconds);
      return sendAuthorizationResponse(reply, outcome.response);
    });

    const signOut = async (request: FastifyRequest, reply: FastifyReply) => {
      const params = paramsOf(request);
      if (params === 'unsupported-media-type')
        return htmlPage(reply, 415, 'Request not valid', `Send the parameters as ${FORM}.`);
      const confirming = request.method === 'POST' && params.csrf !== undefined;
      if (confirming && csrf.check(request, params.csrf) !== 'ok')
        return htmlPage(
          reply,
          403,
          'Sign-out not confirmed',
          'Open the sign-out page again and confirm there.',
        );
      const { csrf: _token, ...rest } = params;
      const browser = await services.sessions.current(cookies.session(request));
      const outcome = await logout(logoutDeps, server, rest, browser, confirming);
      return sendLogout(reply, outcome);
    };
    app.get(`${endpointPrefix}/v1/logout`, { config }, signOut);
    app.post(`${endpointPrefix}/v1/logout`, { config, bodyLimit: 16 * 1024 }, signOut);

    const sendLogout = (reply: FastifyReply, outcome: LogoutOutcome) => {
      if (outcome.kind === 'error') return htmlPage(reply, 400, 'Sign-out failed', outcome.message);
      if (outcome.kind === 'confirm') {
        const token = csrf.issue(reply);
        const hidden = new Markup(
          Object.entries(outcome.params)
            .map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`.value)
            .join(''),
        );
        return htmlPage(
          reply,
          200,
          'Sign out?',
          `You are signed in as ${outcome.session.user.login}. Sign out of every app that uses this sign-in?`,
          html`<form method="post"><input type="hidden" name="csrf" value="${token}">${hidden}<button type="submit" id="sign-out">Sign out</button></form>`,
        );
      }
      if (outcome.endedBrowserSession) cookies.clear(reply, cookies.sessionName);
      if (outcome.kind === 'redirect')
        return reply.header('cache-control', 'no-store').redirect(outcome.location, 302);
      return htmlPage(reply, 200, 'Signed out', 'You have been signed out. You can close this window.');
    };
  };
}

/** `/signin?flow=…[&otp=…]`: the hosted sign-in page, for the browser holding that flow's cookie. */
export function hostedPageRoutes(deps: HostedRoutesDeps) {
  const { services, hosted, cookies, widgetFiles } = deps;
  return async (app: FastifyInstance): Promise<void> => {
    pageErrors(app);
    app.get(SIGN_IN_PATH, { config: { protocol: 'plain' } }, async (request, reply) => {
      const params = readParams(undefined, request.query);
      const flowId = params.flow ?? '';
      const handle = FLOW_ID.test(flowId) ? cookies.flow(request, flowId) : null;
      const tx = await hosted.flow(flowId, handle);
      const client = tx ? await services.storage.apps.findById(tx.appId) : null;
      if (!tx || !handle || !client || tx.status !== 'active')
        return htmlPage(
          reply,
          400,
          'This sign-in cannot continue here',
          'It was started in another browser, has finished, or has expired. Go back to the app and sign in again.',
        );
      const otp = params.otp && /^[0-9]{6}$/.test(params.otp) ? params.otp : undefined;
      const server = services.server(tx.serverId === 'org' ? 'org' : 'default');
      return sendHostedPage(reply, widgetFiles, {
        app: client,
        issuer: server.issuer,
        completeUrl: `${server.endpointBase}/authorize/complete`,
        interactionHandle: handle,
        flowId,
        otp,
        uiLocales: tx.authorizeRequest?.uiLocales ?? null,
      });
    });
  };
}
