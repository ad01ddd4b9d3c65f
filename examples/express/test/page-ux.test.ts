/**
 * The sample's pages as a user meets them in Chromium (issue 18, list 9): what a wrong password
 * and a wrong code say, the page heading following the widget, the way on from "Flow continued in
 * a new tab", the other-browser page of a password reset, an email-only app going straight to the
 * code with no password links, the signed-in profile, and the favicon.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  askForResetEmail,
  inFreshBrowser,
  type SampleEnv,
  signedInHome,
  signInWithPassword,
  startSampleEnv,
  tableValues,
  waitForEmail,
  widgetView,
} from './support/sample-env.js';

const pageHeading = (page: Page) => page.locator('#page-heading').textContent();

/** Every view the widget showed in this page, in order (its `data-gh-view` changes). */
async function recordViews(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (globalThis as unknown as { widgetViews: string[] }).widgetViews = seen;
    new MutationObserver((records) => {
      for (const record of records) {
        const view = (record.target as Element).getAttribute?.('data-gh-view');
        if (view && seen.at(-1) !== view) seen.push(view);
      }
    }).observe(document, { attributes: true, attributeFilter: ['data-gh-view'], subtree: true });
  });
}

const viewsOf = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { widgetViews: string[] }).widgetViews);

describe('express sample pages, password policy (Chromium)', () => {
  let env: SampleEnv;
  beforeAll(async () => {
    env = await startSampleEnv({ policy: { factors: 'password', identifierFirst: false } });
  });
  afterAll(() => env?.close());

  it('a wrong password, or an unknown user, gets one helpful message that tells neither apart', () =>
    inFreshBrowser(env, async ({ newPage }) => {
      const { user, password } = await env.server.createUser();
      const page = await newPage();
      const attempt = async (login: string, secret: string) => {
        await page.goto(`${env.appUrl}/login`);
        await widgetView(page, 'identify');
        await page.getByLabel('Username').fill(login);
        await page.getByLabel('Password', { exact: true }).fill(secret);
        await page.keyboard.press('Enter');
        await page.locator('.gh-banner').waitFor();
        return page.locator('.gh-banner').textContent();
      };
      const wrongPassword = await attempt(user.login, `${password}x`);
      expect(wrongPassword).toBe('Unable to sign in. Check your username and password, then try again.');
      expect(await attempt('nobody-here@example.com', password)).toBe(wrongPassword);
      // The way out is on the form: reset or unlock (the app allows both).
      expect(await page.getByRole('button', { name: 'Forgot password?' }).isVisible()).toBe(true);
      expect(await page.getByRole('button', { name: 'Unlock account?' }).isVisible()).toBe(true);
    }));

  it('the heading follows the widget; the tab a reset link left behind links home, signed in', async () => {
    const { user } = await env.server.createUser();
    await inFreshBrowser(env, async ({ newPage }) => {
      const first = await newPage();
      await first.goto(`${env.appUrl}/`);
      await first.locator('#forgot-password').click();
      await widgetView(first, 'identify-recovery');
      expect(await pageHeading(first)).toBe('Forgot your password?');
      expect(await first.title()).toBe('Forgot your password? · Express sample');
      // "Back to sign in" from the reset form: the page is a sign-in page again.
      await first.getByRole('button', { name: 'Back to sign in' }).click();
      await widgetView(first, 'identify');
      expect(await pageHeading(first)).toBe('Welcome back');
      await first.getByRole('button', { name: 'Forgot password?' }).click();
      await widgetView(first, 'identify-recovery');
      expect(await pageHeading(first)).toBe('Forgot your password?');
      await first.getByLabel('Username').fill(user.login);
      await first.getByRole('button', { name: 'Next' }).click();
      await widgetView(first, 'select-authenticator-authenticate');
      await first.getByRole('button', { name: /Email/ }).click();
      await widgetView(first, 'challenge-authenticator:okta_email');
      expect(await pageHeading(first)).toBe('Forgot your password?');

      const { link } = await waitForEmail(env.server, user.email);
      const second = await newPage();
      await second.goto(link);
      await widgetView(second, 'reset-authenticator');
      await second.getByLabel('New password').fill('Orchard-Velvet-Anchor-7712');
      await second.getByLabel('Re-enter password').fill('Orchard-Velvet-Anchor-7712');
      await second.getByRole('button', { name: 'Reset password' }).click();
      expect((await signedInHome(env, second)).sub).toBe(user.id);

      // Back in the first tab (it polls while visible), it learns the flow went on elsewhere: its
      // heading says so, and a link goes on.
      await first.bringToFront();
      await widgetView(first, 'terminal', 20_000);
      expect(await pageHeading(first)).toBe('Finished in another tab');
      expect(await first.locator('.gh-widget').textContent()).toContain('You can close this tab.');
      await first.getByRole('link', { name: 'Go to the home page' }).click();
      expect((await signedInHome(env, first)).sub).toBe(user.id);
    });
  });

  it('a reset link opened in another browser speaks of the reset, not of signing in', async () => {
    const { user } = await env.server.createUser();
    await inFreshBrowser(env, async ({ newPage }) => {
      const page = await newPage();
      await askForResetEmail(env, page, user.login);
      const { link, otp } = await waitForEmail(env.server, user.email);

      await inFreshBrowser(env, async (other) => {
        const elsewhere = await other.newPage();
        await elsewhere.goto(link);
        const message = await elsewhere.locator('#other-browser-message').textContent();
        expect(message).toContain('where you asked to reset your password');
        expect(message).not.toMatch(/sign you in/);
        expect(await elsewhere.locator('h1').textContent()).toBe(
          'Continue your password reset in the original tab',
        );
        await elsewhere.locator('#show-code').click();
        expect(await elsewhere.locator('#otp').textContent()).toBe(otp);
        await elsewhere.locator('#home-link').click();
        expect(await elsewhere.locator('main').textContent()).toContain('You are not signed in.');
      });
    });
  });

  it('a wrong code is said once: under the code input, with no banner repeating it', async () => {
    const { user } = await env.server.createUser();
    await inFreshBrowser(env, async ({ newPage }) => {
      const page = await newPage();
      await askForResetEmail(env, page, user.login);
      const { otp } = await waitForEmail(env.server, user.email);
      await page.getByRole('button', { name: 'Enter a code instead' }).click();
      await page.getByLabel('Verification code').fill(otp === '000000' ? '111111' : '000000');
      await page.keyboard.press('Enter');
      const fieldError = page.locator('.gh-field-error:not([hidden])');
      await fieldError.waitFor();
      expect(await fieldError.textContent()).toBe('Invalid code. Try again.');
      expect(await page.getByLabel('Verification code').getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('.gh-banner:visible').count()).toBe(0);
      // Screen readers still hear it.
      await expect
        .poll(() => page.locator('.gh-widget [aria-live="assertive"]').textContent())
        .toBe('Invalid code. Try again.');
    });
  });

  it('the signed-in page reads as a profile; the raw claims are folded away', () =>
    inFreshBrowser(env, async ({ newPage }) => {
      const { user, password } = await env.server.createUser({ firstName: 'Grace', lastName: 'Hopper' });
      const page = await newPage();
      const claims = await signInWithPassword(env, page, user.login, password);
      expect(await page.locator('#profile-name').textContent()).toBe('Grace Hopper');
      expect(await page.locator('#profile-email').textContent()).toMatch(
        new RegExp(`^${user.email.replace(/[.+]/g, '\\$&')}( \\((not )?verified\\))?$`),
      );
      expect(await page.locator('#profile-methods').textContent()).toBe('password');
      // The times are the token's own, shown as dates (the machine-readable form is the same instant).
      const signedIn = await page.locator('#profile-signed-in time').getAttribute('datetime');
      const expires = await page.locator('#profile-expires time').getAttribute('datetime');
      expect(signedIn).toBe(new Date(Number(claims.auth_time ?? claims.iat) * 1000).toISOString());
      expect(expires).toBe(new Date(Number(claims.exp) * 1000).toISOString());
      expect(await page.locator('#profile-expires').textContent()).toMatch(/ UTC \(in \d+ minutes?\)$/);
      // Raw claims and userinfo are there, folded.
      expect(await page.locator('#id-token-claims').isVisible()).toBe(false);
      expect(await page.locator('#userinfo').isVisible()).toBe(false);
      await page.locator('#raw-claims summary').click();
      expect(await page.locator('#id-token-claims').isVisible()).toBe(true);
      expect((await tableValues(page, '#id-token-claims')).sub).toBe(user.id);
    }));

  it('serves a favicon the pages name', () =>
    inFreshBrowser(env, async ({ newPage }) => {
      const res = await fetch(`${env.appUrl}/favicon.ico`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/x-icon');
      const bytes = new Uint8Array(await res.arrayBuffer());
      // An ICO file: reserved 0, type 1 (icon), at least one image.
      expect([...bytes.slice(0, 4)]).toEqual([0, 0, 1, 0]);
      const page = await newPage();
      await page.goto(`${env.appUrl}/`);
      expect(await page.locator('link[rel="icon"]').getAttribute('href')).toBe('/favicon.ico');
      // Headless Chromium fetches no tab icons (and answers /favicon.ico itself): the page loads the
      // one it names as an image, under its CSP (img-src 'self').
      const size = await page.evaluate(async () => {
        const image = new Image();
        image.src = `${(document.querySelector('link[rel="icon"]') as HTMLLinkElement).href}?as-image`;
        await image.decode();
        return [image.naturalWidth, image.naturalHeight];
      });
      expect(size).toEqual([32, 32]);
    }));
});

describe('express sample pages, email-only policy (Chromium)', () => {
  let env: SampleEnv;
  beforeAll(async () => {
    env = await startSampleEnv({ policy: { factors: 'email', identifierFirst: true } });
  });
  afterAll(() => env?.close());

  it('goes from the username straight to "Check your email": no list of one to pick from', () =>
    inFreshBrowser(env, async ({ newPage }) => {
      const { user } = await env.server.createUser();
      const page = await newPage();
      await recordViews(page);
      await page.goto(`${env.appUrl}/login`);
      await widgetView(page, 'identify');
      await page.getByLabel('Username').fill(user.login);
      await page.getByRole('button', { name: 'Next' }).click();
      await widgetView(page, 'challenge-authenticator:okta_email');
      expect(await viewsOf(page)).toEqual(['loading', 'identify', 'challenge-authenticator:okta_email']);
      const { otp } = await waitForEmail(env.server, user.email);
      await page.getByRole('button', { name: 'Enter a code instead' }).click();
      await page.getByLabel('Verification code').fill(otp);
      await page.keyboard.press('Enter');
      expect((await signedInHome(env, page)).sub).toBe(user.id);
      expect(await page.locator('#profile-methods').textContent()).toBe('code or link sent by email');
    }));

  it('offers no password reset: no "Forgot your password?" link, and its URL is a sign-in page', () =>
    inFreshBrowser(env, async ({ newPage }) => {
      const page = await newPage();
      await page.goto(`${env.appUrl}/`);
      await page.locator('#sign-in').waitFor();
      expect(await page.locator('#forgot-password').count()).toBe(0);
      // Sign-up and unlock are on for this app: their links stay.
      expect(await page.locator('#sign-up').count()).toBe(1);
      expect(await page.locator('#nav-sign-up').count()).toBe(1);
      await page.goto(`${env.appUrl}/login?flow=resetPassword`);
      await widgetView(page, 'identify');
      expect(await page.locator('.gh-banner').textContent()).toBe('Password reset is not available here.');
      expect(await pageHeading(page)).toBe('Welcome back');
    }));
});
