/**
 * Hostile input in Chromium (docs/security.md F6, K1, K4): `otp`/`state`/`error_description` carrying
 * markup and script breakouts never run and are never written raw into a page; values in the
 * widget's JSON block survive `</script>` and U+2028; the pages cannot be framed; a cross-site
 * form cannot sign the user out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginPage } from '../src/pages.js';
import { widgetOptionsOf } from './support/http-browser.js';
import { inFreshBrowser, type SampleEnv, signInWithPassword, startSampleEnv } from './support/sample-env.js';

const MARKUP_OTPS = [
  "';alert(1);//",
  '</script><svg onload=alert(1)>',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "12345'",
];

describe('express sample: hostile input, framing, cross-site forms (Chromium)', () => {
  let env: SampleEnv;
  beforeAll(async () => {
    env = await startSampleEnv();
  });
  afterAll(() => env?.close());

  it('otp and state with markup, quotes or U+2028 are refused and nothing of them runs or is echoed', () =>
    inFreshBrowser(env, async ({ newPage }) => {
      const page = await newPage();
      await page.goto(`${env.appUrl}/login`);
      const { state } = widgetOptionsOf(await page.content());
      const urls: string[] = [];
      for (const otp of MARKUP_OTPS)
        for (const path of ['/login/callback', '/magic-link/callback', '/login'])
          urls.push(`${path}?${new URLSearchParams({ otp, state })}`);
      for (const hostileState of ['\u2028alert(1)', "'-alert(1)-'", `${state}<script>alert(1)</script>`])
        urls.push(`/magic-link/callback?${new URLSearchParams({ otp: '123456', state: hostileState })}`);
      for (const url of urls) {
        const res = await page.goto(`${env.appUrl}${url}`);
        expect(res?.status(), url).toBe(400);
        const body = await res!.text();
        expect(body, url).not.toMatch(/alert\(1\)|onerror|onload/);
        expect(await page.locator('#link-invalid').count(), url).toBe(1);
      }
      // The genuine sign-in in this browser is still there: a valid link resumes it.
      await page.goto(`${env.appUrl}/login/callback?otp=123456&state=${state}`);
      expect(page.url()).toBe(`${env.appUrl}/login`);
      expect(widgetOptionsOf(await page.content())).toMatchObject({ otp: '123456', state });
    }));

  it('error and error_description on a callback are shown as text', () =>
    inFreshBrowser(env, async ({ newPage }) => {
      const page = await newPage();
      const description = `"'><img src=x onerror=alert(1)></p><script>alert(2)</script>\u2028`;
      const res = await page.goto(
        `${env.appUrl}/magic-link/callback?${new URLSearchParams({ error: '<b>access_denied</b>', error_description: description })}`,
      );
      expect(res?.status()).toBe(400);
      const shown = await page.locator('#link-error').textContent();
      expect(shown).toBe(`<b>access_denied</b>: ${description}`);
      expect(await page.locator('main img, main script, main b').count()).toBe(0);

      await page.goto(`${env.appUrl}/login`);
      const { state } = widgetOptionsOf(await page.content());
      await page.goto(
        `${env.appUrl}/login/callback?${new URLSearchParams({ state, error: 'access_denied', error_description: description })}`,
      );
      expect(await page.locator('#sign-in-error').textContent()).toBe(`access_denied: ${description}`);
      expect(await page.locator('main img, main script').count()).toBe(0);
    }));

  it('values in the widget JSON block cannot close it: </script>, quotes, U+2028 round-trip as data (no CSP needed)', async () => {
    const context = await env.browser.newContext();
    try {
      const page = await context.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      // Only the page itself: its scripts are not fetched, and no CSP header backs it up.
      await page.route('**/*', (route) =>
        route.request().resourceType() === 'document' ? route.continue() : route.abort(),
      );
      const evil = `</script><script>alert(1)</script><!--\u2028\u2029'"&<>`;
      const widget = {
        issuer: env.server.issuer,
        clientId: evil,
        redirectUri: `${env.appUrl}/login/callback`,
        scopes: ['openid', evil],
        state: evil,
        interactionHandle: evil,
        flow: 'default' as const,
        otp: evil,
        homeUri: evil,
      };
      const html = loginPage({ config: env.config, nonce: 'n' }, widget);
      await page.goto(`${env.appUrl}/nothing-here`);
      await page.setContent(html);
      const parsed = await page.evaluate(() =>
        JSON.parse(document.getElementById('widget-config')!.textContent!),
      );
      expect(parsed).toEqual(widget);
      // The widget's options and the page headings (data), the widget bundle and login.js.
      expect(await page.evaluate(() => document.scripts.length)).toBe(4);
      expect(dialogs).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('pages cannot be framed by another site, and a cross-site form cannot sign the user out', () =>
    inFreshBrowser(env, async ({ newPage }) => {
      const { user, password } = await env.server.createUser();
      const page = await newPage();
      await signInWithPassword(env, page, user.login, password);
      const attacker = await newPage();
      const logoutPosts: number[] = [];
      attacker.on('response', (res) => {
        if (res.url() === `${env.appUrl}/logout`) logoutPosts.push(res.status());
      });
      await attacker.route('http://attacker.test/**', (route) =>
        route.fulfill({
          contentType: 'text/html',
          body: `<!doctype html><title>attacker</title>
<iframe id="framed" src="${env.appUrl}/"></iframe>
<form id="f" method="post" action="${env.appUrl}/logout"><input name="_csrf" value="guess"></form>`,
        }),
      );
      await attacker.goto('http://attacker.test/');
      const framed = attacker.frames().find((frame) => frame !== attacker.mainFrame());
      await expect.poll(() => framed?.url()).toMatch(/^chrome-error:/);
      const framedText = await framed!.evaluate(() => document.body?.textContent ?? '').catch(() => '');
      expect(framedText).not.toContain('Hello');
      await attacker.evaluate(() => (document.getElementById('f') as HTMLFormElement).submit());
      await attacker.waitForURL(`${env.appUrl}/logout`);
      expect(logoutPosts).toEqual([403]);
      await attacker.close();
      // Still signed in.
      await page.goto(`${env.appUrl}/`);
      expect(await page.locator('#user-name').count()).toBe(1);
    }));
});
