/**
 * End to end: self-service password recovery from both entry points — "Forgot password?" on the
 * sign-in form, and a page rendering the widget with `flow: 'resetPassword'` — through the email
 * code to the new-password form (live checklist, server rules) and success.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  axeScan,
  type E2EEnv,
  heading,
  outcome,
  type Session,
  startE2E,
  viewIs,
  waitForEmail,
  withSession,
} from '../support/e2e-env.js';

describe('password recovery', () => {
  let env: E2EEnv;
  beforeAll(async () => {
    env = await startE2E({
      policy: { factors: 'password', identifierFirst: false, selfServiceRecovery: true },
    });
  });
  afterAll(() => env?.close());

  /** "Reset your password" → username → Email → code → new password → signed in. */
  async function recover(page: Page, session: Session, login: string, email: string, newPassword: string) {
    await viewIs(page, 'identify-recovery');
    expect(await heading(page)).toBe('Reset your password');
    await page.getByLabel('Username').fill(login);
    await page.getByRole('button', { name: 'Next' }).click();
    await viewIs(page, 'select-authenticator-authenticate');
    expect(await heading(page)).toBe('Reset your password');
    await page.getByRole('button', { name: /Email/ }).click();
    await viewIs(page, 'challenge-authenticator:okta_email');
    const { otp } = await waitForEmail(env.server, email);
    await page.getByRole('button', { name: 'Enter a code instead' }).click();
    await page.getByLabel('Verification code').fill(otp);
    await page.keyboard.press('Enter');
    await viewIs(page, 'reset-authenticator');
    expect(await heading(page)).toBe('Set a new password');
    expect(await axeScan(page, session)).toEqual([]);
    const field = page.getByLabel('New password');
    const length = page.locator('.gh-rule').filter({ hasText: /^At least \d+ characters/ });
    await field.fill('short');
    expect(await length.getAttribute('class')).not.toContain('gh-rule--met');
    await field.fill(newPassword);
    expect(await length.getAttribute('class')).toContain('gh-rule--met');
    await page.getByLabel('Re-enter password').fill(newPassword);
    await page.getByRole('button', { name: 'Reset password' }).click();
    return (await outcome(page)) as { status: string; tokens: { idToken: { claims: { sub: string } } } };
  }

  /** `flow: 'resetPassword'` → username → Email → the emailed code → the new-password form. */
  async function toNewPasswordForm(page: Page, login: string, email: string) {
    await page.goto(env.loginUrl({ flow: 'resetPassword' }));
    await viewIs(page, 'identify-recovery');
    await page.getByLabel('Username').fill(login);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: /Email/ }).click();
    const { otp } = await waitForEmail(env.server, email);
    await page.getByRole('button', { name: 'Enter a code instead' }).click();
    await page.getByLabel('Verification code').fill(otp);
    await page.keyboard.press('Enter');
    await viewIs(page, 'reset-authenticator');
  }

  /** Types a new password twice and submits it. */
  async function submitNewPassword(page: Page, password: string) {
    await page.getByLabel('New password').fill(password);
    await page.getByLabel('Re-enter password').fill(password);
    await page.getByRole('button', { name: 'Reset password' }).click();
  }

  it('from "Forgot password?" on the sign-in form to a new password and success', () =>
    withSession(env, async (session) => {
      const { user } = await env.server.createUser();
      const page = await session.newPage();
      await page.goto(env.loginUrl());
      await viewIs(page, 'identify');
      await page.getByRole('button', { name: 'Forgot password?' }).click();
      const result = await recover(page, session, user.login, user.email, 'Lighthouse-Keeper-Violet-1842');
      expect(result.status).toBe('SUCCESS');
      expect(result.tokens.idToken.claims.sub).toBe(user.id);
      // The new password now signs in.
      await page.goto(env.loginUrl());
      await page.getByLabel('Username').fill(user.login);
      await page.getByLabel('Password', { exact: true }).fill('Lighthouse-Keeper-Violet-1842');
      await page.keyboard.press('Enter');
      expect((await outcome(page)).status).toBe('SUCCESS');
    }));

  it("from a page with flow: 'resetPassword', with the server refusing a reused password first", () =>
    withSession(env, async (session) => {
      const { user, password } = await env.server.createUser({ password: 'Original-Password-For-Reuse-99' });
      const page = await session.newPage();
      await toNewPasswordForm(page, user.login, user.email);
      // Every rule the browser can check passes; the server still refuses the current password.
      await submitNewPassword(page, password);
      const error = page.locator('.gh-field-error:visible');
      await error.waitFor();
      expect(await error.textContent()).toMatch(/^Password requirements were not met\. /);
      await submitNewPassword(page, 'Entirely-Different-Phrase-2024');
      expect((await outcome(page)).status).toBe('SUCCESS');
    }));

  it('states the strength rule, and shows why the server refuses a predictable password', () =>
    withSession(env, async (session) => {
      const { user } = await env.server.createUser();
      const page = await session.newPage();
      await toNewPasswordForm(page, user.login, user.email);
      const rules = await page.locator('.gh-rule').allTextContents();
      expect(rules).toContain('Hard to guess: no common words, names or patterns like aaaa, 1234, qwerty');
      // 16 characters, not the username: every rule the browser checks passes.
      await submitNewPassword(page, 'qwertyuiopasdfgh');
      const error = page.locator('.gh-field-error:visible');
      await error.waitFor();
      expect(await error.textContent()).toBe(
        'Password requirements were not met. Is hard to guess: This is similar to a commonly used password. Add more words that are less common.',
      );
      await submitNewPassword(page, 'Amber-Orchard-Telescope-58');
      expect((await outcome(page)).status).toBe('SUCCESS');
    }));

  it("the recovery email's link, opened in a second tab, continues to the new-password form there", () =>
    withSession(env, async (session) => {
      const { user } = await env.server.createUser();
      const original = await session.newPage();
      await original.goto(env.loginUrl({ flow: 'resetPassword' }));
      await viewIs(original, 'identify-recovery');
      await original.getByLabel('Username').fill(user.login);
      await original.getByRole('button', { name: 'Next' }).click();
      await original.getByRole('button', { name: /Email/ }).click();
      await viewIs(original, 'challenge-authenticator:okta_email');
      const { link } = await waitForEmail(env.server, user.email);
      const second = await session.newPage();
      await second.goto(link);
      await viewIs(second, 'reset-authenticator');
      await second.getByLabel('New password').fill('Quiet-Harbour-Lantern-7731');
      await second.getByLabel('Re-enter password').fill('Quiet-Harbour-Lantern-7731');
      await second.getByRole('button', { name: 'Reset password' }).click();
      expect((await outcome(second)).status).toBe('SUCCESS');
    }));
});
