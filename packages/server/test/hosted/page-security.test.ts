import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  authorizeInBrowser,
  type Credentials,
  findHostedConfig,
  HttpBrowser,
  newRequest,
  parseFormPost,
  proveOverIdx,
  type RelyingParty,
  readAuthorizationResponse,
  redeem,
  relyingParty,
  sendAuthorize,
} from './http-sign-in.js';

/**
 * The hosted page's defences over plain HTTP (docs/adr/0012 "Binding the flow to the browser",
 * "The hosted page", "Logout"; issue 16 "Clickjacking and open-redirect checks"): its headers
 * (CSP with per-response nonces and frame-ancestors 'none', SRI, no-referrer, no-store), redirect
 * URIs matched byte for byte, the flow bound to the browser by its cookie, and the logout
 * confirmation protected against CSRF. The Chromium half is page-security-browser.test.ts.
 */

const REDIRECT = 'https://app.example.test/callback';
const POST_LOGOUT = 'https://app.example.test/signed-out';

/** Redirect URIs that differ from REDIRECT by a byte or more, and so are not registered. */
const NOT_REGISTERED = [
  'https://app.example.test/callback/extra',
  'https://app.example.test/callback?x=1',
  'https://app.example.test/callback?',
  'https://app.example.test:8443/callback',
  'https://app.example.test:443/callback',
  'http://app.example.test/callback',
  'https://app.example.test/callback/',
  'https://app.example.test/%63allback',
  'https://app.example.test/callback%2F..%2Fevil',
  'https://app.example.test/Callback',
  'HTTPS://APP.EXAMPLE.TEST/callback',
  'https://app.example.test./callback',
  'https://app.example.test/callback#fragment',
  'https://app.example.test@evil.example/callback',
  'https://user@app.example.test/callback',
  'https://app.example.test%40evil.example/callback',
  'https://evil.example/?https://app.example.test/callback',
  '//app.example.test/callback',
  '/callback',
  ' https://app.example.test/callback',
  'https://app.example.test/callback ',
  'https://app.example.test/callback\r\nLocation: https://evil.example',
  'javascript:alert(1)//https://app.example.test/callback',
];

/** A Content-Security-Policy header as directive → sources. */
function parseCsp(header: string | null): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of (header ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

describe('hosted page security (HTTP)', () => {
  let server: TestServer;
  let user: Credentials & { id: string };
  let rp: RelyingParty;

  beforeAll(async () => {
    server = await startTestServer();
    const created = await server.createUser();
    user = { id: created.user.id, login: created.user.login, password: created.password };
    const app = await server.createApp({
      public: true,
      redirectUris: [REDIRECT, 'http://localhost:8080/login/callback'],
      postLogoutRedirectUris: [POST_LOGOUT],
    });
    rp = await relyingParty(server.issuer, { clientId: app.app.clientId, redirectUri: REDIRECT });
  });
  afterAll(() => server.close());

  /** /authorize in `browser`: the hosted page's URL (`/signin?flow=…`). */
  async function startFlow(browser: HttpBrowser, extra = {}) {
    const request = await newRequest(rp, extra);
    const res = await sendAuthorize(browser, rp.as.authorization_endpoint!, request.params);
    expect(res.status).toBe(302);
    const signin = new URL(res.headers.get('location')!, server.url);
    expect(signin.pathname).toBe('/signin');
    return { request, signin: signin.href, authorizeResponse: res };
  }

  describe('the page /signin', () => {
    it('has a strict CSP (nonce scripts, no unsafe-inline, frame-ancestors none), no-referrer, no-store', async () => {
      const browser = new HttpBrowser(server.url);
      const { signin } = await startFlow(browser);
      const page = await browser.request(signin);
      const html = await page.text();
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(findHostedConfig(html)).not.toBeNull();

      const header = page.headers.get('content-security-policy');
      const csp = parseCsp(header);
      expect(csp.get('frame-ancestors'), header!).toEqual(["'none'"]);
      const scriptSrc = csp.get('script-src') ?? csp.get('default-src');
      expect(scriptSrc, header!).toBeDefined();
      const nonce = scriptSrc!.find((s) => s.startsWith("'nonce-"))?.slice(7, -1);
      expect(nonce, header!).toMatch(/^[A-Za-z0-9+/_=-]{16,}$/);
      for (const forbidden of ["'unsafe-inline'", "'unsafe-eval'", '*', 'http:', 'https:', 'data:'])
        expect(scriptSrc, header!).not.toContain(forbidden);
      const scriptElem = csp.get('script-src-elem');
      if (scriptElem) expect(scriptElem).not.toContain("'unsafe-inline'");
      const formAction = csp.get('form-action');
      expect(formAction, header!).toBeDefined();
      expect(formAction).not.toContain('*');

      // Every script that runs carries the nonce (the JSON configuration is data, not a script);
      // the widget file is pinned by SRI.
      const scripts = [...html.matchAll(/<script\b([^>]*)>/gi)]
        .map((m) => m[1]!)
        .filter((attributes) => !/\stype="application\/json"/.test(attributes));
      expect(scripts.length).toBeGreaterThanOrEqual(2);
      for (const attributes of scripts) expect(attributes).toContain(`nonce="${nonce}"`);
      const external = scripts.find((a) => /\ssrc=/.test(a));
      expect(external, 'the widget file').toBeDefined();
      const src = /\ssrc="([^"]+)"/.exec(external!)![1]!;
      const integrity = /\sintegrity="(sha(256|384|512))-([^"]+)"/.exec(external!);
      expect(integrity, external).not.toBeNull();
      const file = Buffer.from(await (await fetch(new URL(src, signin))).arrayBuffer());
      expect(createHash(integrity![1]!).update(file).digest('base64')).toBe(integrity![3]);

      const xfo = page.headers.get('x-frame-options');
      if (xfo !== null) expect(xfo.toUpperCase()).toBe('DENY');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(page.headers.get('cache-control')).toContain('no-store');
    });

    it('the script nonce differs on every response, for the same flow and across flows', async () => {
      const browser = new HttpBrowser(server.url);
      const nonces = new Set<string>();
      const nonceOf = async (url: string) => {
        const res = await browser.request(url);
        await res.text();
        return /'nonce-([^']+)'/.exec(res.headers.get('content-security-policy') ?? '')?.[1];
      };
      const { signin } = await startFlow(browser);
      for (let i = 0; i < 3; i++) nonces.add((await nonceOf(signin))!);
      nonces.add((await nonceOf((await startFlow(browser)).signin))!);
      expect(nonces.size).toBe(4);
      expect(nonces.has(undefined as unknown as string)).toBe(false);
    });

    it('without the flow cookie (another browser) it is an error page, not the widget', async () => {
      const owner = new HttpBrowser(server.url);
      const { signin } = await startFlow(owner);
      const ownerPage = await owner.request(signin);
      const config = findHostedConfig(await ownerPage.text())!;

      for (const stranger of [new HttpBrowser(server.url), owner.clone()]) {
        // The clone keeps the owner's other cookies but loses this flow's.
        for (const name of stranger.flowCookies()) stranger.cookies.delete(name);
        const res = await stranger.request(signin);
        const html = await res.text();
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(findHostedConfig(html)).toBeNull();
        expect(html).not.toContain(config.interactionHandle);
        expect(res.headers.get('location')).toBeNull();
      }
      // With another flow's cookie only, still no.
      const other = new HttpBrowser(server.url);
      await startFlow(other);
      const crossed = await other.request(signin);
      expect(findHostedConfig(await crossed.text())).toBeNull();
      // The owner's page still works.
      const again = await owner.request(signin);
      expect(findHostedConfig(await again.text())?.interactionHandle).toBe(config.interactionHandle);
    });

    it('flow and session cookies are HttpOnly, SameSite=Lax, Path=/, host-only', async () => {
      const browser = new HttpBrowser(server.url);
      const { signin, authorizeResponse } = await startFlow(browser);
      const flowCookie = authorizeResponse.headers.getSetCookie().find((c) => c.startsWith('gh_flow_'));
      expect(flowCookie).toBeDefined();
      expect(flowCookie).toMatch(/;\s*HttpOnly/i);
      expect(flowCookie).toMatch(/;\s*SameSite=Lax/i);
      expect(flowCookie).toMatch(/;\s*Path=\/(;|$)/i);
      expect(flowCookie).toMatch(/;\s*Max-Age=\d+/i);
      expect(flowCookie).not.toMatch(/;\s*Domain=/i);

      const page = await browser.request(signin);
      const config = findHostedConfig(await page.text())!;
      const code = await proveOverIdx(browser, config, user);
      const complete = new URL(config.redirectUri, signin);
      complete.searchParams.set('interaction_code', code);
      complete.searchParams.set('state', config.state);
      const done = await browser.request(complete);
      expect(done.status).toBe(302);
      const session = done.headers.getSetCookie().find((c) => c.startsWith('gh_session='));
      expect(session, done.headers.getSetCookie().join('\n')).toBeDefined();
      expect(session).toMatch(/;\s*HttpOnly/i);
      expect(session).toMatch(/;\s*SameSite=Lax/i);
      expect(session).toMatch(/;\s*Path=\/(;|$)/i);
      expect(session).not.toMatch(/;\s*Domain=/i);
      // Without "Keep me signed in": a browser-session cookie.
      expect(session).not.toMatch(/;\s*(Max-Age|Expires)=/i);
    });
  });

  describe('open redirects', () => {
    it('every redirect_uri that is not registered byte for byte gets the 400 page and never a Location', async () => {
      for (const redirectUri of NOT_REGISTERED) {
        for (const method of ['GET', 'POST'] as const) {
          const request = await newRequest(rp, { redirect_uri: redirectUri });
          const res = await sendAuthorize(
            new HttpBrowser(server.url),
            rp.as.authorization_endpoint!,
            request.params,
            method,
          );
          const html = await res.text();
          expect(res.status, `${method} ${JSON.stringify(redirectUri)}`).toBe(400);
          expect(res.headers.get('location'), redirectUri).toBeNull();
          expect(res.headers.get('content-type')).toContain('text/html');
          expect(res.headers.get('refresh')).toBeNull();
          expect(html).not.toMatch(/http-equiv=["']?refresh/i);
          expect(parseFormPost(html)?.action ?? '').not.toContain('evil');
        }
      }
      // The registered one, for contrast, starts a sign-in.
      const ok = await sendAuthorize(
        new HttpBrowser(server.url),
        rp.as.authorization_endpoint!,
        (await newRequest(rp)).params,
      );
      expect(ok.status).toBe(302);
    });

    it('the same unregistered redirect URIs with an error-provoking request still get the page', async () => {
      for (const redirectUri of NOT_REGISTERED.slice(0, 8)) {
        const request = await newRequest(rp, {
          redirect_uri: redirectUri,
          response_type: 'token',
          prompt: 'none',
        });
        const res = await sendAuthorize(
          new HttpBrowser(server.url),
          rp.as.authorization_endpoint!,
          request.params,
        );
        expect(res.status, redirectUri).toBe(400);
        expect(res.headers.get('location')).toBeNull();
      }
    });

    it('a post_logout_redirect_uri that is not registered is not followed', async () => {
      for (const target of ['https://evil.example/', `${POST_LOGOUT}/x`, `${POST_LOGOUT}?x=1`, REDIRECT]) {
        const browser = new HttpBrowser(server.url);
        const request = await newRequest(rp);
        const { response } = await authorizeInBrowser(browser, rp, request, user);
        const tokens = await redeem(rp, response, request);
        const res = await browser.request(
          `${server.issuer}/v1/logout?${new URLSearchParams({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: target, state: 's' })}`,
        );
        await res.text();
        expect(res.headers.get('location'), target).toBeNull();
        expect(res.status, target).not.toBe(302);
      }
    });
  });

  it('/v1/authorize/complete without the flow cookie issues no code (a completion URL sent to a victim)', async () => {
    const attacker = new HttpBrowser(server.url);
    const { signin } = await startFlow(attacker);
    const page = await attacker.request(signin);
    const config = findHostedConfig(await page.text())!;
    const code = await proveOverIdx(attacker, config, user);
    const complete = new URL(config.redirectUri, signin);
    complete.searchParams.set('interaction_code', code);
    complete.searchParams.set('state', config.state);

    for (const victim of [new HttpBrowser(server.url), await withOwnFlow()]) {
      const res = await victim.request(complete);
      const response = await readAuthorizationResponse(res, REDIRECT);
      expect(response?.params.get('code') ?? null, `${res.status} ${res.headers.get('location')}`).toBeNull();
      expect(res.headers.getSetCookie().some((c) => /^(__Host-)?gh_session=[^;]+/.test(c))).toBe(false);
    }

    async function withOwnFlow() {
      const browser = new HttpBrowser(server.url);
      await startFlow(browser);
      return browser;
    }
  });

  describe('logout confirmation', () => {
    /** A browser with a session and the logout confirm page it is shown (no id_token_hint). */
    async function confirmPage() {
      const browser = new HttpBrowser(server.url);
      const request = await newRequest(rp);
      await authorizeInBrowser(browser, rp, request, user);
      const res = await browser.request(`${server.issuer}/v1/logout`);
      const html = await res.text();
      expect(res.status).toBe(200);
      expect(html).toContain('id="sign-out"');
      const form = parseFormPost(html)!;
      expect(form.method).toBe('post');
      return { browser, form, action: new URL(form.action || `${server.issuer}/v1/logout`, server.url).href };
    }

    /** Whether `browser` still has a usable session: prompt=none gives a code at once. */
    async function hasSession(browser: HttpBrowser): Promise<boolean> {
      const request = await newRequest(rp, { prompt: 'none' });
      const res = await sendAuthorize(browser, rp.as.authorization_endpoint!, request.params);
      const response = await readAuthorizationResponse(res, REDIRECT);
      return response?.params.has('code') ?? false;
    }

    it('a post with a wrong or cookieless CSRF token, or cross-site, is refused (403) and the session kept', async () => {
      const { browser, form, action } = await confirmPage();
      // The double-submit token: the hidden field whose value is also a cookie.
      const cookieValues = new Set(browser.cookies.values());
      const tokenField = [...form.fields.keys()].find((name) => cookieValues.has(form.fields.get(name)!));
      expect(tokenField, [...form.fields.keys()].join()).toBeDefined();
      const csrfCookie = [...browser.cookies].find(([, value]) => value === form.fields.get(tokenField!))![0];
      const withToken = (token: string) => {
        const fields = new URLSearchParams(form.fields);
        fields.set(tokenField!, token);
        return fields;
      };
      const withoutCsrfCookie = [...browser.cookies]
        .filter(([name]) => name !== csrfCookie)
        .map(([name, value]) => `${name}=${value}`)
        .join('; ');
      const refusals: Array<{ why: string; form: URLSearchParams; headers: Record<string, string> }> = [
        { why: 'wrong token', form: withToken('A'.repeat(43)), headers: {} },
        { why: 'no CSRF cookie', form: form.fields, headers: { cookie: withoutCsrfCookie } },
        { why: 'Sec-Fetch-Site', form: form.fields, headers: { 'sec-fetch-site': 'cross-site' } },
        { why: 'Origin', form: form.fields, headers: { origin: 'https://evil.example' } },
        { why: 'same-site', form: form.fields, headers: { 'sec-fetch-site': 'same-site' } },
      ];
      for (const attempt of refusals) {
        const res = await browser.request(action, { form: attempt.form, headers: attempt.headers });
        await res.text();
        expect(res.status, attempt.why).toBe(403);
        // The session cookie is neither cleared (the jar would drop it) nor ended on the server.
        expect(await hasSession(browser), attempt.why).toBe(true);
      }
      // The genuine confirmation signs out (so the refusals above were not for a broken form).
      const ok = await browser.request(action, {
        form: form.fields,
        headers: { 'sec-fetch-site': 'same-origin' },
      });
      await ok.text();
      expect(ok.status).toBeLessThan(400);
      expect(await hasSession(browser)).toBe(false);
    });

    it('a post without the token (a cross-site form, an empty field) does not sign out: it is a new logout request that asks again', async () => {
      const { browser, form, action } = await confirmPage();
      const cookieValues = new Set(browser.cookies.values());
      const without = new URLSearchParams(form.fields);
      const empty = new URLSearchParams(form.fields);
      for (const name of [...without.keys()])
        if (cookieValues.has(without.get(name)!)) {
          without.delete(name);
          empty.set(name, '');
        }
      const attempts: Array<{ fields: URLSearchParams; headers: Record<string, string> }> = [
        { fields: without, headers: {} },
        { fields: empty, headers: {} },
        { fields: without, headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } },
      ];
      for (const { fields, headers } of attempts) {
        const res = await browser.request(action, { form: fields, headers });
        const html = await res.text();
        // RP-Initiated Logout lets the RP POST here; without a hint the OP asks the user (or refuses).
        if (res.status === 200) expect(html).toContain('id="sign-out"');
        else expect(res.status).toBe(403);
        expect(res.headers.get('location')).toBeNull();
        expect(await hasSession(browser), JSON.stringify(headers)).toBe(true);
      }
    });
  });
});
