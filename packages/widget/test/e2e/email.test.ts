import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  axeScan,
  cspViolations,
  type E2EEnv,
  heading,
  outcome,
  reachEmailChallenge,
  startE2E,
  waitForEmail,
  withSession,
} from '../support/e2e-env.js';

describe('email sign-in', () => {
  let env: E2EEnv;
  beforeAll(async () => {
    env = await startE2E({ policy: { factors: 'email', identifierFirst: true } });
  });
  afterAll(() => env?.close());

  it('types the emailed code and signs in', () =>
    withSession(env, async (session) => {
      const { user } = await env.server.createUser();
      const page = await session.newPage();
      await reachEmailChallenge(env, page, user.login);
      expect(await heading(page)).toBe('Check your email');
      expect(await page.locator('.gh-view').textContent()).toContain('We sent an email to ');
      expect(await axeScan(page, session)).toEqual([]);
      const { otp } = await waitForEmail(env.server, user.email);
      await page.getByRole('button', { name: 'Enter a code instead' }).click();
      await page.getByLabel('Verification code').fill(otp);
      await page.getByRole('button', { name: 'Verify' }).click();
      const result = (await outcome(page)) as {
        status: string;
        tokens: { idToken: { claims: { sub: string } } };
      };
      expect(result.status).toBe('SUCCESS');
      expect(result.tokens.idToken.claims.sub).toBe(user.id);
      expect(await cspViolations(page)).toEqual([]);
    }));

  it('a wrong code shows "Invalid code. Try again." on the input; the right one then works', () =>
    withSession(env, async (session) => {
      const { user } = await env.server.createUser();
      const page = await session.newPage();
      await reachEmailChallenge(env, page, user.login);
      const { otp } = await waitForEmail(env.server, user.email);
      const wrong = String((Number(otp) + 1) % 1_000_000).padStart(6, '0');
      await page.getByRole('button', { name: 'Enter a code instead' }).click();
      await page.getByLabel('Verification code').fill(wrong);
      await page.keyboard.press('Enter');
      await page.locator('.gh-field-error:visible').waitFor();
      expect(await page.locator('.gh-field-error:visible').textContent()).toBe('Invalid code. Try again.');
      const code = page.getByLabel('Verification code');
      expect(await code.getAttribute('aria-invalid')).toBe('true');
      expect(await code.evaluate((el) => el === document.activeElement)).toBe(true);
      expect(await axeScan(page, session)).toEqual([]);
      await code.fill(otp);
      await page.keyboard.press('Enter');
      expect((await outcome(page)).status).toBe('SUCCESS');
    }));

  it('"Send again" counts down, then sends a new code and counts down again', () =>
    withSession(env, async (session) => {
      const { user } = await env.server.createUser();
      const page = await session.newPage();
      await page.clock.install();
      await reachEmailChallenge(env, page, user.login);
      await waitForEmail(env.server, user.email);
      const resend = page.locator('.gh-link--resend');
      expect(await resend.isDisabled()).toBe(true);
      expect(await resend.textContent()).toMatch(/^Send again in (30|29) s$/);
      await page.clock.fastForward(10_000);
      expect(await resend.textContent()).toMatch(/^Send again in (20|19) s$/);
      // The server's resend interval is 30 s too (its clock is the test's).
      await page.clock.fastForward(21_000);
      env.server.clock.advance(31_000);
      expect(await resend.isDisabled()).toBe(false);
      expect(await resend.textContent()).toBe('Send again');
      await resend.click();
      await page.locator('.gh-banner--info').waitFor();
      expect(await page.locator('.gh-banner--info').textContent()).toBe('We sent a new email.');
      expect(await page.locator('.gh-link--resend').isDisabled()).toBe(true);
      const second = await waitForEmail(env.server, user.email, 2);
      await page.getByRole('button', { name: 'Enter a code instead' }).click();
      await page.getByLabel('Verification code').fill(second.otp);
      await page.keyboard.press('Enter');
      expect((await outcome(page)).status).toBe('SUCCESS');
    }));

  it('polls the challenge every `refresh` ms only while the page is visible; remove() stops it', () =>
    withSession(env, async (session) => {
      const { user } = await env.server.createUser();
      const page = await session.newPage();
      await page.clock.install();
      const polls: number[] = [];
      page.on('request', (req) => {
        if (req.url().endsWith('/idp/idx/challenge/poll')) polls.push(Date.now());
      });
      await reachEmailChallenge(env, page, user.login);
      // Advances the page's clock in small steps until another poll goes out (at most `maxMs`).
      const nextPoll = async (maxMs: number) => {
        const before = polls.length;
        for (let elapsed = 0; elapsed < maxMs && polls.length === before; elapsed += 250) {
          await page.clock.runFor(250);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        expect(polls.length, `a poll within ${maxMs} ms`).toBe(before + 1);
        await page.waitForLoadState('networkidle');
      };
      expect(polls).toHaveLength(0);
      await nextPoll(6_000);
      await nextPoll(6_000);
      const setVisibility = (state: 'hidden' | 'visible') =>
        page.evaluate((value) => {
          Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => value });
          document.dispatchEvent(new Event('visibilitychange'));
        }, state);
      await setVisibility('hidden');
      await page.clock.runFor(30_000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(polls).toHaveLength(2);
      await setVisibility('visible');
      // Visible again: a poll soon (500 ms), not a full interval later.
      await nextPoll(1_500);
      // Still the same challenge: the view is not rebuilt by a poll (a half-typed code survives).
      await page.getByRole('button', { name: 'Enter a code instead' }).click();
      await page.getByLabel('Verification code').fill('12');
      await nextPoll(6_000);
      expect(await page.getByLabel('Verification code').inputValue()).toBe('12');
      await page.evaluate(() => (globalThis as unknown as { widget: { remove(): void } }).widget.remove());
      expect(await page.locator('.gh-widget').count()).toBe(0);
      await page.clock.runFor(20_000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(polls).toHaveLength(4);
    }));
});
