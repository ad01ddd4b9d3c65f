import type { Clock } from '../../clock.js';
import type { FlowEngine } from '../../flows/shared/flow-engine.js';
import type { SsoSessions } from '../../identity/sso-sessions.js';
import { type Limit, overLimit, type RateLimiter } from '../../rate-limits/rate-limiter.js';
import { hashSecret, randomToken } from '../../secrets.js';
import type { AppsStore } from '../../storage/apps-store.js';
import type { InteractionCodesStore } from '../../storage/interaction-codes-store.js';
import type { Transaction, TransactionsStore } from '../../storage/transactions-store.js';
import type { UsersStore } from '../../storage/users-store.js';
import { firstStateHandle, hashHandle, newInteractionHandle } from '../idx/state-handles.js';
import type { AuthorizationCodes } from './authorization-codes.js';
import type { AuthorizationServer, ServerId } from './authorization-servers.js';
import {
  type AuthorizeRequestParams,
  parseAuthorizeRequest,
  RedirectableError,
  type ResponseTarget,
  UntrustedRequestError,
} from './authorize-request.js';
import { OAuthError } from './oauth-error.js';
import type { TokenIssuer } from './token-issuer.js';

/** A flow id: the hosted transaction's `state`, named in URLs and in its cookie's name. */
export const FLOW_ID = /^[A-Za-z0-9_-]{22}$/;

/** What the browser holds: the SSO session cookie, client address and agent. */
export interface Browser {
  sessionToken: string | null;
  ip: string | null;
  userAgent: string | null;
}

/** The answer to the app, at its redirect URI (query) or posted there (form_post). */
export interface AuthorizationResponse {
  target: ResponseTarget;
  params: Record<string, string>;
}

export type AuthorizeOutcome =
  | { kind: 'page-error'; message: string }
  | { kind: 'respond'; response: AuthorizationResponse }
  | { kind: 'sign-in'; flowId: string; interactionHandle: string; ttlSeconds: number }
  /** Too many sign-ins started from this address. */
  | { kind: 'throttled'; retryAfterSeconds: number };

export type CompleteOutcome =
  | { kind: 'page-error'; message: string }
  | {
      kind: 'respond';
      response: AuthorizationResponse;
      /** The new SSO session's cookie value, and its lifetime (null: a browser-session cookie). */
      session: { token: string; maxAgeSeconds: number | null };
    };

export interface HostedSignInDeps {
  apps: AppsStore;
  users: UsersStore;
  transactions: TransactionsStore;
  interactionCodes: InteractionCodesStore;
  engine: FlowEngine;
  sessions: SsoSessions;
  codes: AuthorizationCodes;
  tokens: TokenIssuer;
  clock: Clock;
  server(id: ServerId): AuthorizationServer;
  transactionTtlSeconds: number;
  limiter: RateLimiter;
  /** Hosted sign-ins a client IP may start per window. */
  startsPerIp: Limit;
}

const ANOTHER_BROWSER =
  'This sign-in was started in another browser or tab that is gone, or it has expired. Go back to the app and sign in again.';

/**
 * Sign-in by redirect (ADR 0012): `/authorize` answers from the SSO session when it may, and
 * otherwise opens a hosted transaction for the sign-in page; `/authorize/complete` turns the
 * finished transaction into an SSO session and an authorization code for the app.
 */
export class HostedSignIn {
  constructor(private readonly deps: HostedSignInDeps) {}

  async authorize(
    serverId: ServerId,
    params: Record<string, string>,
    browser: Browser,
  ): Promise<AuthorizeOutcome> {
    let request: AuthorizeRequestParams;
    try {
      request = await parseAuthorizeRequest(this.deps.apps, params);
    } catch (err) {
      if (err instanceof UntrustedRequestError) return { kind: 'page-error', message: err.message };
      if (err instanceof RedirectableError) return this.error(serverId, err.target, err.error);
      throw err;
    }
    const { app, target } = request;
    const hintSubject = request.idTokenHint ? await this.hintSubject(serverId, request.idTokenHint) : null;
    if (hintSubject === false)
      return this.error(
        serverId,
        target,
        new OAuthError('invalid_request', 'The id_token_hint is not valid.'),
      );

    const live = await this.deps.sessions.current(browser.sessionToken);
    const now = this.deps.clock.now();
    const usable =
      live !== null &&
      !request.prompt.login &&
      (request.maxAge === null || now - live.session.authTime <= request.maxAge * 1000) &&
      (hintSubject === null || hintSubject === live.user.id) &&
      this.deps.sessions.satisfies(live.session, app.policy);
    if (usable) {
      await this.deps.sessions.use(live.session);
      const code = await this.deps.codes.mint({
        transactionId: live.session.id,
        serverId,
        appId: app.id,
        redirectUri: target.redirectUri,
        codeChallenge: request.codeChallenge,
        scopes: request.scopes,
        nonce: request.nonce,
        userId: live.user.id,
        authTime: live.session.authTime,
        amr: live.session.amr,
        sessionId: live.session.id,
      });
      return { kind: 'respond', response: this.response(serverId, target, { code }) };
    }
    if (request.prompt.none)
      return this.error(serverId, target, new OAuthError('login_required', 'The user must sign in.'));
    // Each start writes a transaction: counted per address, as sign-in attempts are.
    const throttled = await overLimit(
      this.deps.limiter,
      `hosted-start:${browser.ip ?? 'unknown'}`,
      this.deps.startsPerIp,
    );
    if (throttled) return { kind: 'throttled', retryAfterSeconds: throttled.retryAfterSeconds ?? 60 };

    const flowId = randomToken(16);
    const interactionHandle = newInteractionHandle();
    await this.deps.engine.start({
      interactionHandleHash: hashHandle(interactionHandle),
      stateHandleHash: hashHandle(firstStateHandle(interactionHandle)),
      stateGeneration: 0,
      serverId,
      appId: app.id,
      redirectUri: target.redirectUri,
      scopes: request.scopes,
      state: flowId,
      nonce: request.nonce,
      codeChallenge: request.codeChallenge,
      authorizeRequest: {
        clientState: target.state,
        responseMode: target.responseMode,
        loginHint: request.loginHint,
        uiLocales: request.uiLocales,
      },
    });
    return { kind: 'sign-in', flowId, interactionHandle, ttlSeconds: this.deps.transactionTtlSeconds };
  }

  /** The hosted transaction a browser's flow cookie names, when it is the one `flowId` names. */
  async flow(flowId: string, interactionHandle: string | null): Promise<Transaction | null> {
    if (!FLOW_ID.test(flowId) || !interactionHandle) return null;
    const tx = await this.deps.transactions.findByInteractionHandleHash(hashHandle(interactionHandle));
    if (!tx || tx.state !== flowId || !tx.authorizeRequest || this.deps.clock.now() >= tx.expiresAt)
      return null;
    return tx;
  }

  /**
   * The widget's redirect at the end of a hosted sign-in: redeems the transaction's own code (only
   * with the browser's flow cookie), starts the SSO session, and answers the app with a new
   * authorization code.
   */
  async complete(
    serverId: ServerId,
    params: { flowId: string; interactionCode: string | undefined },
    flowHandle: string | null,
    browser: Browser,
  ): Promise<CompleteOutcome> {
    const tx = await this.flow(params.flowId, flowHandle);
    if (!tx || tx.serverId !== serverId || !params.interactionCode)
      return { kind: 'page-error', message: ANOTHER_BROWSER };
    const now = this.deps.clock.now();
    const redeemed = await this.deps.interactionCodes.consume(hashSecret(params.interactionCode), now);
    if (
      !redeemed ||
      redeemed.grantType !== 'hosted' ||
      redeemed.transactionId !== tx.id ||
      redeemed.expiresAt <= now
    )
      return {
        kind: 'page-error',
        message: 'This sign-in has already finished or has expired. Go back to the app and sign in again.',
      };
    const user = await this.deps.users.findById(redeemed.userId);
    if (!user || user.status !== 'ACTIVE') return { kind: 'page-error', message: ANOTHER_BROWSER };

    // A sign-in replaces the browser's session (a new token too: no fixation).
    const previous = await this.deps.sessions.current(browser.sessionToken);
    if (previous)
      await this.deps.sessions.end(previous.session, 'replaced', browser.ip, { revokeGrants: false });
    const { session, token } = await this.deps.sessions.begin({
      user,
      authTime: redeemed.authTime,
      factors: tx.verified,
      amr: redeemed.amr,
      rememberMe: tx.rememberMe,
      ip: browser.ip,
      userAgent: browser.userAgent,
      appId: tx.appId,
    });
    const code = await this.deps.codes.mint({
      transactionId: tx.id,
      serverId,
      appId: tx.appId,
      redirectUri: tx.redirectUri,
      codeChallenge: tx.codeChallenge,
      scopes: tx.scopes,
      nonce: tx.nonce,
      userId: user.id,
      authTime: redeemed.authTime,
      amr: redeemed.amr,
      sessionId: session.id,
    });
    const { authorizeRequest } = tx;
    const target: ResponseTarget = {
      redirectUri: tx.redirectUri,
      responseMode: authorizeRequest!.responseMode,
      state: authorizeRequest!.clientState,
    };
    return {
      kind: 'respond',
      response: this.response(serverId, target, { code }),
      session: { token, maxAgeSeconds: this.deps.sessions.cookieMaxAgeSeconds(session) },
    };
  }

  private error(serverId: ServerId, target: ResponseTarget, error: OAuthError): AuthorizeOutcome {
    return {
      kind: 'respond',
      response: this.response(serverId, target, { error: error.error, error_description: error.description }),
    };
  }

  /** The response parameters with `state` and `iss` (RFC 9207). */
  private response(
    serverId: ServerId,
    target: ResponseTarget,
    params: Record<string, string>,
  ): AuthorizationResponse {
    return {
      target,
      params: {
        ...params,
        ...(target.state !== null ? { state: target.state } : {}),
        iss: this.deps.server(serverId).issuer,
      },
    };
  }

  /** The subject of an ID token this server issued (expired or not); false when it is not one. */
  private async hintSubject(serverId: ServerId, idToken: string): Promise<string | false> {
    const claims = await this.deps.tokens.verify(idToken, this.deps.server(serverId).issuer, {
      ignoreExpiry: true,
    });
    return claims && typeof claims.sub === 'string' ? claims.sub : false;
  }
}
