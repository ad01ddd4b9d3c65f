/**
 * The real sign-in widget with an authenticator app (`google_otp`, docs/protocol/idx-protocol-2.md
 * §5): set up during a sign-in that requires it (QR code, "Can't scan?" secret, first code), then a
 * sign-in with a code; a wrong code and a reused one shown as errors. Codes are computed in the test
 * from the secret the widget shows, as the user's app would.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appCode, toNextStep, wrongCode } from '../support/totp.js';
import {
  docsScreenshot,
  expectShown,
  fillForm,
  HTTP_401,
  idxPosts,
  startWidgetEnv,
  visibleText,
  WIDGET_VERSION,
  type WidgetEnv,
  widgetOutcome,
  withBrowser,
} from './widget-harness.js';

/** Username and password on the widget's first page. */
async function signInWithPassword(env: WidgetEnv, page: Page, login: string, password: string) {
  await page.goto(env.loginUrl());
  await fillForm(page, { identifier: login, 'credentials.passcode': password });
  await page.locator('.o-form-button-bar input[type="submit"]').click();
}

/**
 * Types a code into the widget's code field and presses its button ("Verify"). The widget drops a
 * submit within 200 ms of the previous one (see `submitForm` in widget-harness.ts), and this button
 * may be the set-up view's own, so every code waits 300 ms first.
 */
async function enterCode(page: Page, code: string, button: string) {
  await fillForm(page, { 'credentials.passcode': code });
  await page.waitForTimeout(300);
  await page.locator(button).click();
}

describe(`sign-in widget ${WIDGET_VERSION}: authenticator app (google_otp)`, () => {
  let env: WidgetEnv;
  beforeAll(async () => {
    env = await startWidgetEnv({ policy: { factors: 'password,google_otp', selfServiceRecovery: false } });
  });
  afterAll(() => env?.close());

  const now = () => env.server.clock.now();

  it('sets the app up during sign-in (QR code, secret, a wrong then the right code), then signs in with a code; a wrong and a reused code are refused', async () => {
    const { user, password } = await env.server.createUser();
    await withBrowser(
      env,
      'totp enroll and sign in',
      async (open) => {
        const session = await open('browser');
        const page = await session.newPage();

        await signInWithPassword(env, page, user.login, password);
        await page.locator('[data-se="google_otp"] .select-factor').waitFor({ timeout: 10_000 });
        await expectShown(page, ['Set up security methods', 'Google Authenticator']);
        await docsScreenshot(page, 'totp-choose');
        await page.locator('[data-se="google_otp"] .select-factor').click();

        // The QR code, an image the server rendered (a PNG data URI).
        await expectShown(page, ['Set up Google Authenticator', 'Scan QR code']);
        const qr = page.locator('#okta-sign-in img[alt="qr code"]');
        await qr.waitFor();
        expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
        expect(await qr.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(100);
        await docsScreenshot(page, 'totp-enroll');
        await page.locator('.cannot-scan-link').click();
        await expectShown(page, ["Can't scan QR code?"]);
        const secret = (await visibleText(page, '.shared-secret')).trim();
        expect(secret).toMatch(/^[A-Z2-7]{32}$/);
        await docsScreenshot(page, 'totp-secret');
        await page.locator('.google-authenticator-next').click();
        await expectShown(page, ['Enter code displayed from application']);

        await enterCode(page, wrongCode(secret, now()), '.google-authenticator-verify');
        await expect.poll(() => visibleText(page), { timeout: 10_000 }).toContain('Invalid code. Try again.');
        await docsScreenshot(page, 'totp-wrong-code');
        expect(await env.server.services.storage.enrollments.listByUser(user.id)).toEqual([]);
        const proving = appCode(secret, now());
        await enterCode(page, proving, '.google-authenticator-verify');
        const enrolled = await widgetOutcome(page);
        expect(enrolled.error).toBeUndefined();
        expect(enrolled.status).toBe('SUCCESS');
        expect(enrolled.claims?.sub).toBe(user.id);
        expect(enrolled.claims?.amr).toEqual(['pwd', 'otp', 'mfa']);

        // Again: the password, then the app's code. The code that set it up is used.
        const again = await session.newPage();
        await signInWithPassword(env, again, user.login, password);
        await again.locator('[data-se="google_otp"] .select-factor').click({ timeout: 10_000 });
        await expectShown(again, ['Verify with Google Authenticator']);
        await docsScreenshot(again, 'totp-challenge');
        const submit = '.o-form-button-bar input[type="submit"]';
        await enterCode(again, wrongCode(secret, now()), submit);
        await expect
          .poll(() => visibleText(again), { timeout: 10_000 })
          .toContain("Your code doesn't match our records. Please try again.");
        await enterCode(again, proving, submit);
        await expect
          .poll(() => visibleText(again), { timeout: 10_000 })
          .toContain('Each code can only be used once. Please wait for a new code and try again.');
        await docsScreenshot(again, 'totp-used-code');
        env.server.clock.advance(toNextStep(now()));
        await enterCode(again, appCode(secret, now()), submit);
        const signedIn = await widgetOutcome(again);
        expect(signedIn.error).toBeUndefined();
        expect(signedIn.status).toBe('SUCCESS');
        expect(signedIn.claims?.amr).toEqual(['pwd', 'otp', 'mfa']);
        // The second tab: password, the app chosen, the wrong code, the used one, the new one, the token.
        expect(idxPosts(env, session, 2).slice(-6)).toEqual([
          '/idp/idx/identify',
          '/idp/idx/challenge',
          '/idp/idx/challenge/answer',
          '/idp/idx/challenge/answer',
          '/idp/idx/challenge/answer',
          '/oauth2/default/v1/token',
        ]);
      },
      [HTTP_401],
    );
  }, 90_000);
});
