/**
 * A server-side relying party built on openid-client v6, as its README shows one: discovery, an
 * authorization URL with PKCE (S256), state and nonce, the authorization code grant with every
 * check openid-client makes (state, `iss`, nonce, ID token signature and claims, `max_age`), and
 * userinfo. It runs on node:http at http://localhost:<port>:
 *   /login?prompt=…&max_age=…&login_hint=…&ui_locales=…  → Gatehouse's /v1/authorize
 *   /callback                                           → the grant; "Signed in as …" or the error
 *   /logout                                             → Gatehouse's /v1/logout with id_token_hint
 *   /                                                    → "Signed out" (the post-logout page)
 * Each outcome is also kept in `results`, in order, for the test to read.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import * as client from 'openid-client';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { AppPolicyInput, NewAppInput } from '../../src/apps/app-service.js';
import type { App } from '../../src/storage/apps-store.js';
import type { TestServer } from '../support/test-server.js';
import { expectHostedPage, signInWithPassword } from './hosted-harness.js';

export interface RpSignIn {
  ok: true;
  idToken: string;
  claims: client.IDToken;
  userinfo: client.UserInfoResponse;
  accessToken: string;
}

export interface RpError {
  ok: false;
  /** The OAuth error (`login_required`…) or the message of what openid-client refused. */
  error: string;
  description?: string;
}

export interface OpenIdClientRp {
  name: string;
  /** http://localhost:<port> */
  url: string;
  redirectUri: string;
  app: App;
  results: Array<RpSignIn | RpError>;
  /** The URL that starts a sign-in, with extra authorization parameters. */
  loginUrl(params?: Record<string, string>): string;
  close(): Promise<void>;
}

export interface RpOptions {
  name: string;
  policy?: AppPolicyInput;
  hostedPage?: NewAppInput['hostedPage'];
}

interface Pending {
  verifier: string;
  nonce: string;
  maxAge?: number;
}

const PASSED = ['prompt', 'max_age', 'login_hint', 'ui_locales', 'id_token_hint'];

export async function startOpenIdClientRp(server: TestServer, options: RpOptions): Promise<OpenIdClientRp> {
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  const url = `http://localhost:${typeof address === 'object' && address ? address.port : 0}`;
  const redirectUri = `${url}/callback`;
  const { app, clientSecret } = await server.createApp({
    name: `openid-client ${options.name}`,
    public: false,
    redirectUris: [redirectUri],
    postLogoutRedirectUris: [`${url}/`],
    trustedOrigins: [url],
    // Hosted flows send magic links to Gatehouse's own /email/verify, never here.
    emailVerifyUri: `${url}/email-verify`,
    ...(options.policy ? { policy: options.policy } : {}),
    ...(options.hostedPage ? { hostedPage: options.hostedPage } : {}),
  });
  // Gatehouse runs on plain http on loopback in these tests: openid-client refuses a non-https
  // issuer unless told otherwise, so `allowInsecureRequests` is expected here (and only here).
  const config = await client.discovery(
    new URL(server.issuer),
    app.clientId,
    { client_secret: clientSecret! },
    client.ClientSecretBasic(clientSecret!),
    { execute: [client.allowInsecureRequests] },
  );
  const pending = new Map<string, Pending>();
  /** The RP's own sessions (cookie `rp_<port>`): the ID token for logout. */
  const sessions = new Map<string, string>();
  const cookieName = `rp_${new URL(url).port}`;
  const results: Array<RpSignIn | RpError> = [];

  async function login(req: URL, res: ServerResponse) {
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const state = client.randomState();
    const extra = Object.fromEntries(
      PASSED.flatMap((k) => (req.searchParams.has(k) ? [[k, req.searchParams.get(k)!]] : [])),
    );
    pending.set(state, { verifier, nonce, ...(extra.max_age ? { maxAge: Number(extra.max_age) } : {}) });
    const target = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    res.writeHead(302, { location: target.href }).end();
  }

  async function callback(current: URL, res: ServerResponse) {
    const state = current.searchParams.get('state') ?? '';
    const request = pending.get(state);
    pending.delete(state);
    if (!request) return page(res, 400, 'Unknown sign-in', '<p id="rp-error">unknown state</p>');
    try {
      const tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: request.verifier,
        expectedNonce: request.nonce,
        expectedState: state,
        ...(request.maxAge !== undefined ? { maxAge: request.maxAge } : {}),
      });
      const claims = tokens.claims()!;
      const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      const result: RpSignIn = {
        ok: true,
        idToken: tokens.id_token!,
        claims,
        userinfo,
        accessToken: tokens.access_token,
      };
      results.push(result);
      const session = randomBytes(16).toString('hex');
      sessions.set(session, result.idToken);
      res.setHeader('set-cookie', `${cookieName}=${session}; Path=/; HttpOnly; SameSite=Lax`);
      return page(
        res,
        200,
        'Signed in',
        `<p id="rp-user">Signed in as ${escapeHtml(String(userinfo.email))}</p>`,
      );
    } catch (err) {
      const e = err as { error?: string; error_description?: string; message?: string };
      const result: RpError = {
        ok: false,
        error: e.error ?? String(e.message),
        ...(e.error_description ? { description: e.error_description } : {}),
      };
      results.push(result);
      return page(res, 200, 'Sign-in failed', `<p id="rp-error">${escapeHtml(result.error)}</p>`);
    }
  }

  function logout(req: IncomingMessage, res: ServerResponse) {
    const session = /(?:^|;\s*)rp_\d+=([0-9a-f]+)/.exec(req.headers.cookie ?? '')?.[1];
    const idToken = session ? sessions.get(session) : undefined;
    if (session) sessions.delete(session);
    const target = client.buildEndSessionUrl(config, {
      post_logout_redirect_uri: `${url}/`,
      state: 'signed-out',
      ...(idToken ? { id_token_hint: idToken } : {}),
    });
    res.writeHead(302, { location: target.href, 'set-cookie': `${cookieName}=; Path=/; Max-Age=0` }).end();
  }

  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const current = new URL(req.url ?? '/', url);
    const handle = async () => {
      if (current.pathname === '/login') return login(current, res);
      if (current.pathname === '/callback') return callback(current, res);
      if (current.pathname === '/logout') return logout(req, res);
      if (current.pathname === '/favicon.ico') return void res.writeHead(204).end();
      if (current.pathname === '/')
        return page(res, 200, 'Signed out', `<p id="rp-home">${escapeHtml(current.search)}</p>`);
      return page(res, 404, 'Not found', '');
    };
    handle().catch((err: Error) =>
      page(res, 500, 'RP error', `<p id="rp-error">${escapeHtml(err.message)}</p>`),
    );
  });

  return {
    name: options.name,
    url,
    redirectUri,
    app,
    results,
    loginUrl(params = {}) {
      const query = new URLSearchParams(params).toString();
      return `${url}/login${query ? `?${query}` : ''}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

function page(res: ServerResponse, status: number, title: string, body: string) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`,
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Waits until the browser is back at the RP's callback and the RP has finished with it (one more
 * entry in `results` than `before`), and returns the outcome: a verified sign-in or an error.
 */
export async function nextResult(
  page: Page,
  rp: OpenIdClientRp,
  before: number,
): Promise<RpSignIn | RpError> {
  await page.waitForURL((url) => url.href.startsWith(`${rp.redirectUri}?`), { timeout: 15_000 });
  await expect.poll(() => rp.results.length, { timeout: 10_000 }).toBeGreaterThan(before);
  await page.locator('#rp-user, #rp-error').waitFor({ timeout: 10_000 });
  return rp.results[before]!;
}

/** Expects a verified sign-in and returns it. */
export function signedIn(result: RpSignIn | RpError): RpSignIn {
  expect(result, 'the RP signed the user in').toMatchObject({ ok: true });
  return result as RpSignIn;
}

/**
 * Starts a sign-in at `rp` (with extra authorization parameters), expects Gatehouse's hosted
 * form, signs in with the password there, and returns what the RP verified.
 */
export async function signInThroughForm(
  page: Page,
  server: TestServer,
  rp: OpenIdClientRp,
  credentials: { login: string; password: string; rememberMe?: boolean },
  params: Record<string, string> = {},
): Promise<RpSignIn> {
  const before = rp.results.length;
  await page.goto(rp.loginUrl(params));
  await expectHostedPage(page, server);
  await signInWithPassword(page, credentials);
  return signedIn(await nextResult(page, rp, before));
}

/** Starts a sign-in at `rp` and returns the outcome, without touching any form on the way. */
export async function signInWithoutForm(
  page: Page,
  rp: OpenIdClientRp,
  params: Record<string, string> = {},
): Promise<RpSignIn | RpError> {
  const before = rp.results.length;
  await page.goto(rp.loginUrl(params));
  return nextResult(page, rp, before);
}
