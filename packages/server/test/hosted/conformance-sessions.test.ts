import type { IdxResponse } from '@gatehouse/protocol';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  type AuthorizeParams,
  authorizeInBrowser,
  type Credentials,
  findHostedConfig,
  HttpBrowser,
  newRequest,
  type RelyingParty,
  readAuthorizationResponse,
  redeem,
  relyingParty,
  sendAuthorize,
} from './http-sign-in.js';

/**
 * The SSO session seen from relying parties (docs/adr/0012 "/authorize decisions" 3–5, "The SSO
 * session", "Logout"), judged by oauth4webapi (`maxAge`, `require_auth_time`, `expectedNonce`).
 * Basic OP plan modules:
 *   oidcc-prompt-none-not-logged-in (OP-prompt-none-NotLoggedIn) → same name
 *   oidcc-prompt-none-logged-in (OP-prompt-none-LoggedIn)        → same name
 *   oidcc-prompt-login (OP-prompt-login)                         → same name
 *   oidcc-max-age-1 (OP-Req-max_age=1)                           → same name
 *   oidcc-max-age-10000 (OP-Req-max_age=10000)                   → same name
 *   oidcc-id-token-hint (OP-Req-id_token_hint)                   → same name
 *   oidcc-login-hint (OP-Req-login_hint)                         → same name
 */

const REDIRECT = 'http://localhost:8080/login/callback';

describe('hosted sign-in, Basic OP conformance: the SSO session', () => {
  let server: TestServer;
  let alice: Credentials & { id: string };
  let bob: Credentials & { id: string };
  let rp: RelyingParty;
  let second: RelyingParty;

  beforeAll(async () => {
    server = await startTestServer();
    const a = await server.createUser();
    alice = { id: a.user.id, login: a.user.login, password: a.password };
    const b = await server.createUser();
    bob = { id: b.user.id, login: b.user.login, password: b.password };
    const confidential = await server.createApp({ public: false, redirectUris: [REDIRECT] });
    rp = await relyingParty(server.issuer, {
      clientId: confidential.app.clientId,
      secret: confidential.clientSecret,
      clock: server.clock,
    });
    const other = await server.createApp({ public: true, redirectUris: [REDIRECT] });
    second = await relyingParty(server.issuer, { clientId: other.app.clientId, clock: server.clock });
  });
  afterAll(() => server.close());

  /** One authorization in `browser` (signing in as `who` when asked); the validated ID token claims. */
  async function authorize(
    browser: HttpBrowser,
    extra: AuthorizeParams = {},
    who: Credentials | null = alice,
    options: { maxAge?: number; party?: RelyingParty } = {},
  ) {
    const party = options.party ?? rp;
    const request = await newRequest(party, extra);
    const { response, signedIn } = await authorizeInBrowser(browser, party, request, who);
    const tokens = await redeem(party, response, request, options);
    return { signedIn, tokens, claims: oauth.getValidatedIdTokenClaims(tokens)! };
  }

  /** A browser with a fresh session of `who`, and the ID token claims of that sign-in. */
  async function signedInBrowser(who: Credentials = alice) {
    const browser = new HttpBrowser(server.url);
    const first = await authorize(browser, {}, who);
    expect(first.signedIn).toBe(true);
    return { browser, ...first };
  }

  /** `prompt=none` (and `extra`) in `browser` must come back as `login_required`, with state and iss. */
  async function expectLoginRequired(browser: HttpBrowser, extra: AuthorizeParams = {}) {
    const request = await newRequest(rp, { prompt: 'none', ...extra });
    const res = await sendAuthorize(browser, rp.as.authorization_endpoint!, request.params);
    const response = await readAuthorizationResponse(res, REDIRECT);
    expect(response, `${res.status} ${res.headers.get('location')}`).not.toBeNull();
    expect(() => oauth.validateAuthResponse(rp.as, rp.client, response!.params, request.state!)).toThrow(
      oauth.AuthorizationResponseError,
    );
    expect(response!.params.get('error')).toBe('login_required');
    expect(response!.params.get('iss')).toBe(server.issuer);
    expect(response!.params.has('code')).toBe(false);
    return response!;
  }

  it('oidcc-prompt-none-not-logged-in: login_required at the redirect URI, in the query or as form_post', async () => {
    await expectLoginRequired(new HttpBrowser(server.url));
    const posted = await expectLoginRequired(new HttpBrowser(server.url), { response_mode: 'form_post' });
    expect(posted.mode).toBe('form_post');
  });

  it('oidcc-prompt-none-logged-in: a code at once, for the same sign-in (sub, auth_time, sid)', async () => {
    const { browser, claims } = await signedInBrowser();
    const again = await authorize(browser, { prompt: 'none' }, null);
    expect(again.signedIn).toBe(false);
    expect(again.claims.sub).toBe(alice.id);
    expect(again.claims.auth_time).toBe(claims.auth_time);
    expect(again.claims.sid).toBe(claims.sid);
  });

  it('a second /authorize without prompt skips the page, for this app and another one (SSO)', async () => {
    const { browser, claims } = await signedInBrowser();
    const same = await authorize(browser, {}, null);
    expect(same.signedIn).toBe(false);
    const other = await authorize(browser, {}, null, { party: second });
    expect(other.signedIn).toBe(false);
    expect(other.claims).toMatchObject({
      sub: alice.id,
      aud: second.client.client_id,
      auth_time: claims.auth_time,
    });
    // Another browser has no session.
    await expectLoginRequired(new HttpBrowser(server.url));
  });

  it('oidcc-prompt-login: the page is shown again and auth_time moves on', async () => {
    const { browser, claims } = await signedInBrowser();
    server.clock.advance(5_000);
    const again = await authorize(browser, { prompt: 'login' });
    expect(again.signedIn).toBe(true);
    expect(again.claims.sub).toBe(alice.id);
    expect(again.claims.auth_time!).toBeGreaterThanOrEqual(claims.auth_time! + 5);
  });

  it('oidcc-max-age-1: an older sign-in is not reused; the new auth_time satisfies maxAge=1', async () => {
    const { browser, claims } = await signedInBrowser();
    server.clock.advance(2_000);
    const again = await authorize(browser, { max_age: '1' }, alice, { maxAge: 1 });
    expect(again.signedIn).toBe(true);
    expect(again.claims.auth_time!).toBeGreaterThan(claims.auth_time!);
  });

  it('oidcc-max-age-10000: a recent sign-in is reused and its auth_time satisfies maxAge=10000', async () => {
    const { browser, claims } = await signedInBrowser();
    server.clock.advance(2_000);
    const again = await authorize(browser, { max_age: '10000' }, null, { maxAge: 10000 });
    expect(again.signedIn).toBe(false);
    expect(again.claims.auth_time).toBe(claims.auth_time);
  });

  it("oidcc-id-token-hint: the session user's hint gives a code at once; another user's is login_required", async () => {
    const { browser, tokens } = await signedInBrowser(alice);
    const own = await authorize(browser, { prompt: 'none', id_token_hint: tokens.id_token! }, null);
    expect(own.signedIn).toBe(false);
    expect(own.claims.sub).toBe(alice.id);
    const bobs = await signedInBrowser(bob);
    await expectLoginRequired(browser, { id_token_hint: bobs.tokens.id_token! });
  });

  it('oidcc-login-hint: login_hint pre-fills the identifier on the hosted page', async () => {
    const request = await newRequest(rp, { login_hint: alice.login });
    const browser = new HttpBrowser(server.url);
    const start = await sendAuthorize(browser, rp.as.authorization_endpoint!, request.params);
    const page = await browser.request(new URL(start.headers.get('location')!, server.url));
    const config = findHostedConfig(await page.text())!;
    // The widget fills its identifier input from the IDX field's value (packages/widget field-controls).
    const res = await browser.request(`${server.url}/idp/idx/introspect`, {
      json: { interactionHandle: config.interactionHandle },
    });
    const body = (await res.json()) as IdxResponse;
    const identify = body.remediation?.value.find((form) => form.name === 'identify');
    const identifier = identify?.value.find((field) => field.name === 'identifier');
    expect(identifier?.value, JSON.stringify(identify)).toBe(alice.login);
  });

  it('logout with id_token_hint ends the session: prompt=none is login_required afterwards', async () => {
    const { browser, tokens } = await signedInBrowser();
    // The same cookies, kept: the session must end on the server, not only lose its cookie.
    const stale = browser.clone();
    const res = await browser.request(
      `${server.issuer}/v1/logout?${new URLSearchParams({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://localhost:8080/', state: 'bye' })}`,
    );
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('http://localhost:8080/?state=bye');
    await expectLoginRequired(browser);
    await expectLoginRequired(stale);
  });

  it('an idle session expires (sessions.idleTtlSeconds)', async () => {
    const { browser } = await signedInBrowser();
    server.clock.advance((server.services.config.sessions.idleTtlSeconds + 5) * 1000);
    await expectLoginRequired(browser);
  });
});
