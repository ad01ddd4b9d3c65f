/**
 * The sample in Chromium, app policy "email" (identifier first): the emailed code typed in, the
 * magic link in a second tab of the same browser, and the magic link in another browser (which
 * shows the code; typing it in the first tab signs in). Each test runs in a fresh context.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  inFreshBrowser,
  type SampleEnv,
  signedInHome,
  startSampleEnv,
  waitForEmail,
  widgetView,
} from './support/sample-env.js';

describe('express sample: email one-time code and magic links (Chromium)', () => {
  let env: SampleEnv;
  beforeAll(async () => {
    env = await startSampleEnv({ policy: { factors: 'email', identifierFirst: true } });
  });
  afterAll(() => env?.close());

  /** Sign in → username → "Check your email" (Email, the policy's only way, is chosen for the user). */
  async function reachEmailChallenge(page: Page, login: string): Promise<void> {
    await page.goto(`${env.appUrl}/`);
    await page.locator('#sign-in').click();
    await widgetView(page, 'identify');
    await page.getByLabel('Username').fill(login);
    await page.getByRole('button', { name: 'Next' }).click();
    await widgetView(page, 'challenge-authenticator:okta_email');
  }

  async function typeCode(page: Page, otp: string): Promise<void> {
    await page.getByRole('button', { name: 'Enter a code instead' }).click();
    await page.getByLabel('Verification code').fill(otp);
    await page.keyboard.press('Enter');
  }

  it('signs in with the emailed code typed into the widget', () =>
    inFreshBrowser(env, async ({ newPage }) => {
      const { user } = await env.server.createUser();
      const page = await newPage();
      await reachEmailChallenge(page, user.login);
      const { otp, link } = await waitForEmail(env.server, user.email);
      // Sign-in links go to the app's email-verify callback.
      expect(link.startsWith(`${env.appUrl}/login/callback?otp=${otp}&state=`)).toBe(true);
      await typeCode(page, otp);
      const claims = await signedInHome(env, page);
      expect(claims.sub).toBe(user.id);
      expect(claims.email).toBe(user.email);
    }));

  it('signs in by the magic link opened in a second tab of the same browser; the first tab is told', () =>
    inFreshBrowser(env, async ({ newPage }) => {
      const { user } = await env.server.createUser();
      const first = await newPage();
      await reachEmailChallenge(first, user.login);
      const { link } = await waitForEmail(env.server, user.email);

      const second = await newPage();
      const landing = await second.goto(link);
      expect(landing?.url(), 'otp and state are removed from the address bar').toBe(`${env.appUrl}/login`);
      const claims = await signedInHome(env, second);
      expect(claims.sub).toBe(user.id);
      // The first tab polls and learns the flow went on elsewhere.
      await widgetView(first, 'terminal', 20_000);
      expect(await first.locator('.gh-widget').textContent()).toMatch(/new tab|another tab|continued/i);
      // Same browser, same session: the first tab is signed in too.
      await first.goto(`${env.appUrl}/`);
      expect((await signedInHome(env, first)).sub).toBe(user.id);
    }));

  it('a magic link opened in another browser shows the code there (after a click) and signs nobody in; typed in the first tab it signs in', () =>
    inFreshBrowser(env, async ({ newPage }) => {
      const { user } = await env.server.createUser();
      const first = await newPage();
      await reachEmailChallenge(first, user.login);
      const { link, otp } = await waitForEmail(env.server, user.email);

      await inFreshBrowser(env, async (other) => {
        const elsewhere = await other.newPage();
        const landing = await elsewhere.goto(link);
        expect(landing?.url()).toBe(`${env.appUrl}/magic-link/code`);
        expect(await elsewhere.locator('#other-browser-message').textContent()).toContain(
          'different browser',
        );
        expect(
          await elsewhere.content(),
          'the code is not in the page a link scanner would fetch',
        ).not.toContain(otp);
        await elsewhere.locator('#show-code').click();
        expect(await elsewhere.locator('#otp').textContent()).toBe(otp);
        expect(await elsewhere.locator('main').textContent()).toContain(
          'Enter this code in the original browser tab',
        );
        await elsewhere.goto(`${env.appUrl}/`);
        expect(await elsewhere.locator('main').textContent()).toContain('You are not signed in.');
      });

      await typeCode(first, otp);
      expect((await signedInHome(env, first)).sub).toBe(user.id);
    }));
});
