/**
 * The real sign-in widget against Gatehouse with the email authenticator (docs/protocol/idx-protocol.md §8.1,
 * §9.3, §15): the code typed in the tab, the magic link in a second tab of the same browser, and
 * the magic link opened in another browser.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/storage/users-store.js';
import {
  HTTP_401,
  latestEmail,
  parseEmailChallenge,
  startWidgetEnv,
  submitForm,
  visibleText,
  WIDGET_VERSION,
  type WidgetEnv,
  widgetOutcome,
  withBrowser,
} from './widget-harness.js';

const EMAIL_POLICY = { factors: 'email', identifierFirst: true, selfServiceRecovery: true } as const;

describe(`sign-in widget ${WIDGET_VERSION}: email authenticator`, () => {
  let env: WidgetEnv;
  beforeAll(async () => {
    env = await startWidgetEnv({ policy: EMAIL_POLICY });
  });
  afterAll(() => env?.close());

  /** identify → choose Email → the "Verify with your email" page (the email has been sent). */
  async function reachEmailChallenge(page: Page, user: User) {
    await page.goto(env.loginUrl());
    await page.locator('input[name="identifier"]').fill(user.login);
    await submitForm(page);
    await page.locator('[data-se="okta_email"] .select-factor').click();
    await expect.poll(() => visibleText(page), { timeout: 10_000 }).toContain('Verify with your email');
    return parseEmailChallenge(await latestEmail(env.server, user.email));
  }

  async function submitCode(page: Page, code: string) {
    const input = page.locator('input[name="credentials.passcode"]');
    if (!(await input.isVisible())) await page.getByText('Enter a verification code instead').click();
    await input.fill(code);
    await submitForm(page);
  }

  it('email code typed in the tab (after a wrong one) signs in', async () => {
    const { user } = await env.server.createUser();
    await withBrowser(
      env,
      'email otp in tab',
      async (open) => {
        const session = await open('browser');
        const page = await session.newPage();
        const { otp, link } = await reachEmailChallenge(page, user);
        // The link goes to the app's email-verify URI with the state the widget sent to /interact.
        expect(link.origin + link.pathname).toBe(env.redirectUri);
        const interact = session.requests.find((r) => r.url === `${env.server.issuer}/v1/interact`);
        expect(link.searchParams.get('state')).toBe(new URLSearchParams(interact?.body ?? '').get('state'));
        expect(link.searchParams.get('state')).toMatch(/^[A-Za-z0-9]{64}$/);
        await submitCode(page, otp === '000000' ? '111111' : '000000');
        await expect.poll(() => visibleText(page), { timeout: 10_000 }).toMatch(/Invalid code/);
        await submitCode(page, otp);
        const outcome = await widgetOutcome(page);
        expect(outcome.status).toBe('SUCCESS');
        expect(outcome.claims?.sub).toBe(user.id);
        expect(outcome.claims?.email).toBe(user.email);
      },
      [HTTP_401],
    );
  });

  it('magic link in a second tab of the same browser signs in there; the first tab is told', async () => {
    const { user } = await env.server.createUser();
    await withBrowser(env, 'magic link same browser', async (open) => {
      const session = await open('browser');
      const first = await session.newPage();
      const { link } = await reachEmailChallenge(first, user);
      const second = await session.newPage();
      await second.goto(link.toString());
      const outcome = await widgetOutcome(second);
      expect(outcome.error).toBeUndefined();
      expect(outcome.status).toBe('SUCCESS');
      expect(outcome.claims?.sub).toBe(user.id);
      // The second tab resumed the first tab's transaction (introspect + answer), no new interact.
      const secondTabPosts = session.requests
        .filter((r) => r.page === 2 && r.method === 'POST' && r.url.startsWith(env.server.url))
        .map((r) => new URL(r.url).pathname);
      expect(secondTabPosts).toEqual([
        '/idp/idx/introspect',
        '/idp/idx/challenge/answer',
        '/oauth2/default/v1/token',
      ]);

      await first.bringToFront();
      await expect
        .poll(() => visibleText(first), { timeout: 15_000 })
        .toContain('Flow continued in a new tab');
      expect(
        await first.evaluate(() => (globalThis as { widgetOutcome?: unknown }).widgetOutcome),
      ).toBeNull();
    });
  });

  it('magic link in another browser shows the code for the original tab; nothing signs in there', async () => {
    const { user } = await env.server.createUser();
    await withBrowser(env, 'magic link other browser', async (open) => {
      const original = await open('original');
      const first = await original.newPage();
      const { otp, link } = await reachEmailChallenge(first, user);

      const other = await open('other');
      const page = await other.newPage();
      await page.goto(link.toString());
      await expect
        .poll(() => visibleText(page), { timeout: 10_000 })
        .toContain('Enter the OTP in your original');
      expect(await visibleText(page)).toContain(otp);
      // The other browser never talked to Gatehouse: it cannot have signed anyone in.
      expect(other.requests.filter((r) => r.url.startsWith(env.server.url))).toEqual([]);

      // The challenge in the original browser is still pending: the code shown works there.
      expect(await visibleText(first)).toContain('Verify with your email');
      await submitCode(first, otp);
      const outcome = await widgetOutcome(first);
      expect(outcome.status).toBe('SUCCESS');
      expect(outcome.claims?.sub).toBe(user.id);
    });
  });
});
