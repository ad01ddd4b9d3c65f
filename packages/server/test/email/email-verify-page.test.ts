import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVerifyPage, showCode, VERIFY_COOKIE } from '../support/email-verify-page.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { EMAIL_POLICY, mailbox, startEmailSignIn } from './email-helpers.js';

/**
 * Gatehouse's magic-link page `/email/verify` (apps without an email-verify URI). Mail scanners and
 * link previews open links: a GET shows a "Show my code" button and never the code; only the form's
 * POST from the page itself (CSRF token in an HttpOnly SameSite=Strict cookie and a hidden field,
 * same origin) shows it. Bad requests get pages with the right status, never a 500.
 */
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const flipTopBit = (char: string): string => BASE64URL[BASE64URL.indexOf(char) ^ 32]!;

describe('/email/verify: the code only after a deliberate POST', () => {
  let server: TestServer;
  let link: string;
  let code: string;

  beforeAll(async () => {
    server = await startTestServer();
    const { app } = await server.createApp({ policy: EMAIL_POLICY, emailVerifyUri: undefined });
    const { user } = await server.createUser();
    await startEmailSignIn(server, app.clientId, user.login);
    const [message] = await mailbox(server, user.email);
    link = /(http:\/\/\S+\/email\/verify\?\S+)/.exec(message!.text)![1]!;
    code = new URL(link).searchParams.get('otp')!;
  });
  afterAll(() => server?.close());

  it('GET: a button and a CSRF cookie, never the code; strict headers', async () => {
    const page = await openVerifyPage(link);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(code);
    expect(page.text).toMatch(/<form method="post"><input type="hidden" name="csrf" value="[\w-]{43}">/);
    expect(page.text).toContain('<button type="submit" id="show-code">Show my code</button>');
    expect(page.text).not.toMatch(/<script|action=/i);
    expect(page.cookie).toBe(`${VERIFY_COOKIE}=${page.token}`);
    expect(page.headers.get('set-cookie')).toMatch(
      /; Path=\/email\/verify; Max-Age=\d+; HttpOnly; SameSite=Strict$/,
    );
    const csp = page.headers.get('content-security-policy')!;
    for (const directive of [
      "default-src 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ])
      expect(csp).toContain(directive);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    // Every GET is a new page with a new token.
    expect((await openVerifyPage(link)).token).not.toBe(page.token);
  });

  it('POST with the cookie and its token, same origin (or Origin: null) → the code', async () => {
    const page = await openVerifyPage(link);
    for (const headers of [{}, { origin: server.url, fetchSite: 'same-origin' }, { origin: 'null' }]) {
      const shown = await showCode(link, { cookie: page.cookie, token: page.token, ...headers });
      expect(shown.status, JSON.stringify(headers)).toBe(200);
      expect(shown.text).toContain(`<p class="code" id="code">${code}</p>`);
      expect(shown.headers.get('cache-control')).toBe('no-store');
      expect(shown.headers.get('referrer-policy')).toBe('no-referrer');
      expect(shown.headers.get('content-security-policy')).toContain("form-action 'self'");
    }
  });

  it('POST without the cookie, without the token, or with another token → 403, no code', async () => {
    const page = await openVerifyPage(link);
    const older = await openVerifyPage(link);
    const cases = {
      'no cookie': { token: page.token },
      'no token': { cookie: page.cookie },
      'no body': { cookie: page.cookie, body: '' },
      // The last character changed: always another token (an 'A' was the same one when it already
      // ended in A: 1 run in 64).
      'wrong token': {
        cookie: page.cookie,
        token: `${page.token!.slice(0, -1)}${flipTopBit(page.token!.at(-1)!)}`,
      },
      'shorter token': { cookie: page.cookie, token: page.token!.slice(1) },
      "another page's token": { cookie: page.cookie, token: older.token },
      'token twice': { cookie: page.cookie, body: `csrf=${page.token}&csrf=${page.token}` },
      'cookie twice': { cookie: `${page.cookie}; ${older.cookie}`, token: page.token },
      'cookie without the token field': { cookie: page.cookie, body: `other=${page.token}` },
    };
    for (const [name, options] of Object.entries(cases)) {
      const res = await showCode(link, options);
      expect(res.status, name).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.text, name).not.toContain(code);
      expect(res.text).toContain('Open the link from the email again');
    }
  });

  it('POST from another site → 403 even with the right cookie and token', async () => {
    const page = await openVerifyPage(link);
    for (const headers of [
      { origin: 'https://evil.example' },
      { origin: server.url.replace('127.0.0.1', 'localhost') },
      { fetchSite: 'cross-site' },
      { fetchSite: 'same-site' },
      { fetchSite: 'none' },
      { origin: server.url, fetchSite: 'cross-site' },
    ]) {
      const res = await showCode(link, { cookie: page.cookie, token: page.token, ...headers });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.text).not.toContain(code);
    }
  });

  it('bad input gets a page with the right status, never a 500 or the code', async () => {
    const page = await openVerifyPage(link);
    const { cookie, token } = page;
    const json = await showCode(link, {
      cookie,
      body: JSON.stringify({ csrf: token }),
      contentType: 'application/json',
    });
    const big = await showCode(link, { cookie, body: `csrf=${token}&x=${'a'.repeat(10_000)}` });
    const nul = await showCode(link, { cookie, body: `csrf=${token}%00` });
    const xml = await showCode(link, { cookie, body: '<csrf/>', contentType: 'application/xml' });
    const badOtp = await showCode(link.replace(/otp=\d+/, 'otp=12345'), { cookie, token });
    const noOtp = await showCode(link.replace(/otp=\d+&?/, ''), { cookie, token });
    for (const [res, status] of [
      [json, 415],
      [big, 413],
      [nul, 400],
      [xml, 415],
      [badOtp, 400],
      [noOtp, 400],
    ] as const) {
      expect(res.status, res.text.slice(0, 200)).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.text).not.toContain(code);
      expect(res.text).not.toMatch(/stack|node_modules|\.ts:\d+/);
    }
  });

  it('in Chromium: a link followed from another site shows a button; pressing it shows the code', async () => {
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      });
      const page = await browser.newPage();
      // The link is followed from another site, as from a webmail page.
      await page.setContent(`<a id="link" href="${link.replaceAll('&', '&amp;')}">Sign in</a>`);
      const [opened] = await Promise.all([page.waitForNavigation(), page.click('#link')]);
      expect(opened?.status()).toBe(200);
      expect((await opened!.request().allHeaders())['sec-fetch-site']).toBe('cross-site');
      expect(await page.content()).not.toContain(code);
      const [shown] = await Promise.all([page.waitForNavigation(), page.click('#show-code')]);
      expect(shown?.status()).toBe(200);
      expect(shown?.request().method()).toBe('POST');
      expect((await page.textContent('#code'))?.trim()).toBe(code);
    } finally {
      await browser?.close();
    }
  });
});
