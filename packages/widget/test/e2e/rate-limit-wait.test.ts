/**
 * End to end in Chromium (issue 18): a rate limit's wait is in the widget's message, in the
 * widget's language, from the server's `Retry-After` ("Trop de tentatives. Réessayez dans 10
 * minutes."). A plain 429 on a step (the per-recipient email limit, lowered to 1 per 10 minutes
 * here, on the path where the widget chooses Email for the user right after identify) and the
 * email resend throttle (the widget's own resend countdown shorter than the server's interval).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2EEnv, reachEmailChallenge, startE2E, viewIs, withSession } from '../support/e2e-env.js';

const PER_RECIPIENT = { limit: 1, windowSeconds: 600 };

/** The banner's text once the widget is idle again. */
async function bannerText(page: Page): Promise<string | null> {
  await page.locator('.gh-banner').waitFor();
  await page.waitForFunction(
    () => document.querySelector('.gh-widget')?.getAttribute('aria-busy') === 'false',
  );
  return page.locator('.gh-banner').textContent();
}

describe('the wait of a 429 on a step', () => {
  let env: E2EEnv;
  beforeAll(async () => {
    env = await startE2E({
      policy: { factors: 'email', identifierFirst: true },
      config: { rateLimits: { emailPerRecipient: PER_RECIPIENT } },
    });
  });
  afterAll(() => env?.close());

  it('Email chosen for the user after identify, refused: the wait in French, the choice held', async () => {
    const { user } = await env.server.createUser();
    await withSession(env, async (session) => {
      const first = await session.newPage();
      await reachEmailChallenge(env, first, user.login); // the one email the limit allows

      const page = await session.newPage();
      await page.goto(env.loginUrl({ language: 'fr' }));
      await viewIs(page, 'identify');
      await page.locator('input[name="identifier"]').fill(user.login);
      const answer = page.waitForResponse((r) => r.url().endsWith('/idp/idx/challenge'));
      await page.locator('.gh-form button[type="submit"]').click();
      const throttled = await answer;
      expect(throttled.status()).toBe(429);
      const seconds = Number(throttled.headers()['retry-after']);
      expect(seconds).toBeGreaterThan(60);
      expect(seconds).toBeLessThanOrEqual(PER_RECIPIENT.windowSeconds);
      const minutes = Math.ceil(seconds / 60);
      expect(await bannerText(page)).toBe(`Trop de tentatives. Réessayez dans ${minutes} minutes.`);
      // The choice stays on screen, held, under a countdown in words (not hundreds of seconds).
      const countdown = page.locator('[data-se="retry-countdown"] .gh-retry-wait');
      expect(await countdown.textContent()).toBe(`Réessayez dans ${minutes} minutes.`);
      expect(await page.locator('[data-se="choice-okta_email"]').isDisabled()).toBe(true);
    });
  });
});

describe('the wait of a throttled "Send again"', () => {
  let env: E2EEnv;
  beforeAll(async () => {
    env = await startE2E({ policy: { factors: 'email', identifierFirst: true } });
  });
  afterAll(() => env?.close());

  it('says the wait the server gave, when the widget let the user ask sooner', async () => {
    const { user } = await env.server.createUser();
    await withSession(env, async (session) => {
      const page = await session.newPage();
      await page.goto(env.loginUrl({ resendIntervalSeconds: 1 }));
      await page.getByLabel('Username').fill(user.login);
      await page.getByRole('button', { name: 'Next' }).click();
      await viewIs(page, 'challenge-authenticator:okta_email');
      const resend = page.getByRole('button', { name: 'Send again', exact: true });
      await resend.waitFor();
      const answer = page.waitForResponse((r) => r.url().endsWith('/idp/idx/challenge/resend'));
      await resend.click();
      const throttled = await answer;
      expect(throttled.status()).toBe(429);
      const seconds = Number(throttled.headers()['retry-after']);
      expect(seconds).toBeGreaterThan(0);
      expect(seconds).toBeLessThan(60); // the server's resend interval (30 s), not an email cap
      const words = seconds === 1 ? '1 second' : `${seconds} seconds`;
      expect(await bannerText(page)).toBe(`Too many attempts. Try again in ${words}.`);
      // "Send again" waits for the server's number (counting down), not the widget's 1 s.
      const label = await page.getByRole('button', { name: /^Send again in \d+ s$/ }).textContent();
      const left = Number(/\d+/.exec(label ?? '')?.[0]);
      expect(left).toBeGreaterThan(1);
      expect(left).toBeLessThanOrEqual(seconds);
    });
  });
});
