/**
 * End to end in Chromium (issue 13): wrong passwords from one IP reach Gatehouse's per-IP limit
 * (`failedSignInPerIp`, lowered to 2 per 3 s here), the server answers 429 with `Retry-After`, and
 * the widget keeps the form and what was typed, shows the message with the wait and a countdown from
 * the server's number, holds the button until the wait is over, then enables it and says so.
 */
import type { Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeScan, type E2EEnv, outcome, startE2E, viewIs, withSession } from '../support/e2e-env.js';

const PER_IP = { limit: 2, windowSeconds: 3 };
const TOO_MANY = 'You exceeded the maximum number of requests. Try again in a while.';
const waitText = (seconds: number) =>
  seconds === 1 ? 'Try again in 1 second.' : `Try again in ${seconds} seconds.`;
const READY = 'You can try again now.';

/** Records every text the countdown and its live region show, and the button's state with each. */
function recordCountdown(page: Page): Promise<void> {
  return page.evaluate(() => {
    const log: Array<{ shown: string | null; status: string | null; disabled: boolean | null }> = [];
    (globalThis as unknown as { countdownLog: typeof log }).countdownLog = log;
    const read = () => ({
      shown: document.querySelector('[data-se="retry-countdown"] .gh-retry-wait')?.textContent ?? null,
      status: document.querySelector('[data-se="retry-status"]')?.textContent ?? null,
      disabled: document.querySelector<HTMLButtonElement>('.gh-form button[type="submit"]')?.disabled ?? null,
    });
    new MutationObserver(() => {
      const now = read();
      const last = log.at(-1);
      if (now.shown === null && now.status === null) return;
      if (!last || last.shown !== now.shown || last.status !== now.status || last.disabled !== now.disabled)
        log.push(now);
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

const countdownLog = (page: Page) =>
  page.evaluate(
    () =>
      (
        globalThis as unknown as {
          countdownLog: Array<{ shown: string | null; status: string | null; disabled: boolean | null }>;
        }
      ).countdownLog,
  );

/** Posts wrong passwords until the server answers 429 (the limit's window may roll over once). */
async function signInUntilThrottled(page: Page): Promise<Response> {
  for (let attempt = 0; attempt < 8; attempt++) {
    await page.getByLabel('Password', { exact: true }).fill(`wrong-password-${attempt}`);
    const answer = page.waitForResponse((r) => r.url().endsWith('/idp/idx/identify'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    const response = await answer;
    if (response.status() === 429) return response;
    expect(response.status()).toBe(401);
    await page.locator('.gh-banner').waitFor();
    await page.waitForFunction(
      () => document.querySelector('.gh-widget')?.getAttribute('aria-busy') === 'false',
    );
  }
  throw new Error('the per-IP limit never answered 429');
}

describe('rate limits in the widget (429 + Retry-After)', () => {
  let env: E2EEnv;
  beforeAll(async () => {
    env = await startE2E({
      policy: { factors: 'password', identifierFirst: false },
      config: { lockout: { maxFailedAttempts: 100 }, rateLimits: { failedSignInPerIp: PER_IP } },
    });
  });
  afterAll(() => env?.close());

  it('counts down from the server Retry-After with the button held, then enables it and signs in', async () => {
    const { user, password } = await env.server.createUser();
    await withSession(env, async (session) => {
      const page = await session.newPage();
      await page.goto(env.loginUrl());
      await viewIs(page, 'identify');
      await page.getByLabel('Username').fill(user.login);
      await recordCountdown(page);
      const throttled = await signInUntilThrottled(page);
      const seconds = Number(throttled.headers()['retry-after']);
      expect(seconds).toBeGreaterThan(0);
      expect(seconds).toBeLessThanOrEqual(PER_IP.windowSeconds);

      const countdown = page.locator('[data-se="retry-countdown"]');
      await countdown.waitFor();
      // The message with the server's wait, the form, and what was typed (the unjudged password too) are kept.
      expect(await page.locator('.gh-banner').textContent()).toBe(`Too many attempts. ${waitText(seconds)}`);
      expect(await page.getByLabel('Username').inputValue()).toBe(user.login);
      expect(await page.getByLabel('Password', { exact: true }).inputValue()).toMatch(/^wrong-password-/);
      const status = page.locator('[data-se="retry-status"]');
      expect(await status.getAttribute('aria-live')).toBe('polite');
      expect(await axeScan(page, session)).toEqual([]);

      // The wait ends by itself (the window is short); then the button is enabled and says so.
      const submit = page.getByRole('button', { name: 'Sign in' });
      await page.waitForFunction(
        () => !document.querySelector<HTMLButtonElement>('.gh-form button[type="submit"]')?.disabled,
        null,
        { timeout: 20_000 },
      );
      expect(await countdown.locator('.gh-retry-wait').textContent()).toBe(READY);
      expect(await status.textContent()).toBe(READY);

      const log = await countdownLog(page);
      // It started at the server's number, with the button disabled…
      expect(log[0]).toEqual({ shown: waitText(seconds), status: '', disabled: true });
      // …counted down while disabled (a busy machine may skip a second), and was enabled only at zero.
      const shown = log.map((entry) => entry.shown).filter((text, i, all) => text !== all[i - 1]);
      expect(shown.at(-1)).toBe(READY);
      const numbers = shown.slice(0, -1).map((text) => Number(/\d+/.exec(text ?? '')?.[0]));
      expect(numbers[0]).toBe(seconds);
      for (const [i, n] of numbers.entries()) {
        expect(shown[i]).toBe(waitText(n));
        if (i > 0) expect(n).toBeLessThan(numbers[i - 1]!);
      }
      for (const entry of log) expect(entry.disabled).toBe(entry.shown !== READY);
      // Screen readers heard it twice (start and end), not once a second.
      const announced = log
        .map((entry) => entry.status)
        .filter((text, i, all) => text && text !== all[i - 1]);
      expect(announced).toEqual([waitText(seconds), READY]);

      await page.getByLabel('Password', { exact: true }).fill(password);
      await submit.click();
      expect((await outcome(page)).status).toBe('SUCCESS');
    });
  });

  it('without Retry-After (stripped on the way): the message, the button enabled, no countdown', async () => {
    const { user } = await env.server.createUser();
    await withSession(env, async (session) => {
      const page = await session.newPage();
      await page.route('**/idp/idx/identify', async (route) => {
        const response = await route.fetch();
        const headers = { ...response.headers() };
        delete headers['retry-after'];
        await route.fulfill({ response, headers });
      });
      await page.goto(env.loginUrl());
      await viewIs(page, 'identify');
      await page.getByLabel('Username').fill(user.login);
      const throttled = await signInUntilThrottled(page);
      expect(throttled.headers()['retry-after']).toBeUndefined();
      await page.locator('.gh-banner').waitFor();
      await page.waitForFunction(
        () => document.querySelector('.gh-widget')?.getAttribute('aria-busy') === 'false',
      );
      expect(await page.locator('.gh-banner').textContent()).toBe(TOO_MANY);
      expect(await page.getByRole('button', { name: 'Sign in' }).isEnabled()).toBe(true);
      expect(await page.locator('[data-se="retry-countdown"]').count()).toBe(0);
      expect(await page.getByLabel('Username').inputValue()).toBe(user.login);
    });
  });
});
