/**
 * An authenticator app (`google_otp`) through the served widget against a real Gatehouse, in
 * Chromium: the policy `password,google_otp` sets it up at the first sign-in (the QR code, "Can't
 * scan?" and the key, a wrong code, the right one), then asks for a code at the next one (the code
 * already used is refused, a new one signs in). Codes are computed here from the key the page shows
 * (RFC 6238, `otpauth`), at the server's clock.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appCode, toNextStep, wrongCode } from '../../../server/test/support/totp.js';
import {
  axeScan,
  cspViolations,
  type E2EEnv,
  heading,
  outcome,
  startE2E,
  viewIs,
  withSession,
} from '../support/e2e-env.js';

const CODE = 'Enter the code from your authenticator app';

async function signInWithPassword(env: E2EEnv, page: Page, login: string, password: string): Promise<void> {
  await page.goto(env.loginUrl());
  await page.getByLabel('Username').fill(login);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

type SignedIn = { status: string; tokens: { idToken: { claims: { sub: string; amr: string[] } } } };

describe('an authenticator app (password,google_otp)', () => {
  let env: E2EEnv;
  beforeAll(async () => {
    env = await startE2E({ policy: { factors: 'password,google_otp', identifierFirst: false } });
  });
  afterAll(() => env?.close());

  it('set up at the first sign-in, a code at the next; wrong and used codes are refused on the input', () =>
    withSession(env, async (session) => {
      const { user, password } = await env.server.createUser();
      const page = await session.newPage();

      // 1. The password, then the app the policy requires and the user lacks.
      await signInWithPassword(env, page, user.login, password);
      await viewIs(page, 'select-authenticator-enroll');
      expect(await page.locator('.gh-list-title').textContent()).toBe('Required now');
      await page.getByRole('button', { name: /Google Authenticator/ }).click();
      await viewIs(page, 'enroll-authenticator:google_otp');
      expect(await heading(page)).toBe('Set up an authenticator app');
      const qr = page.getByRole('img', { name: 'QR code to scan with your authenticator app' });
      expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
      // The picture really is drawn (a CSP allowing data: images, a valid PNG).
      expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(
        0,
      );
      expect(await axeScan(page, session)).toEqual([]);
      await page.getByRole('button', { name: "Can't scan?" }).click();
      const secret = (await page.locator('[data-se="shared-secret"]').textContent()) ?? '';
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(await axeScan(page, session)).toEqual([]);

      const code = page.getByLabel(CODE);
      await code.fill(wrongCode(secret, env.server.clock.now()));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.locator('.gh-field-error:visible').waitFor();
      expect(await page.locator('.gh-field-error:visible').textContent()).toBe('Invalid code. Try again.');
      expect(await code.getAttribute('aria-invalid')).toBe('true');
      expect(await code.evaluate((el) => el === document.activeElement)).toBe(true);
      expect(await code.inputValue()).toBe('');
      // The key is still on the page: the same set-up, not a new secret.
      expect(await page.locator('[data-se="shared-secret"]').textContent()).toBe(secret);

      const enrolledWith = appCode(secret, env.server.clock.now());
      await code.fill(enrolledWith);
      await page.keyboard.press('Enter');
      const first = (await outcome(page)) as SignedIn;
      expect(first.status).toBe('SUCCESS');
      expect(first.tokens.idToken.claims.sub).toBe(user.id);
      expect(first.tokens.idToken.claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));

      // 2. The next sign-in asks for a code; the one used to set the app up is refused.
      await signInWithPassword(env, page, user.login, password);
      await viewIs(page, 'select-authenticator-authenticate');
      await page.getByRole('button', { name: /Google Authenticator/ }).click();
      await viewIs(page, 'challenge-authenticator:google_otp');
      expect(await heading(page)).toBe('Verify with your authenticator app');
      expect(await page.getByLabel(CODE).evaluate((el) => el === document.activeElement)).toBe(true);
      expect(await axeScan(page, session)).toEqual([]);
      await page.getByLabel(CODE).fill(enrolledWith);
      await page.keyboard.press('Enter');
      await page.locator('.gh-field-error:visible').waitFor();
      expect(await page.locator('.gh-field-error:visible').textContent()).toBe(
        'Each code can only be used once. Wait for a new code and try again.',
      );
      env.server.clock.advance(toNextStep(env.server.clock.now()));
      await page.getByLabel(CODE).fill(appCode(secret, env.server.clock.now()));
      await page.keyboard.press('Enter');
      expect(((await outcome(page)) as SignedIn).status).toBe('SUCCESS');
      expect(await cspViolations(page)).toEqual([]);
    }));

  it('in French and German', () =>
    withSession(env, async (session) => {
      const { user, password } = await env.server.createUser();
      const page = await session.newPage();
      await page.goto(env.loginUrl({ language: 'fr' }));
      await page.getByLabel("Nom d'utilisateur").fill(user.login);
      await page.getByLabel('Mot de passe', { exact: true }).fill(password);
      await page.keyboard.press('Enter');
      await viewIs(page, 'select-authenticator-enroll');
      await page.getByRole('button', { name: /Google Authenticator/ }).click();
      await viewIs(page, 'enroll-authenticator:google_otp');
      expect(await heading(page)).toBe("Configurer une application d'authentification");
      await page.goto(env.loginUrl({ language: 'de' }));
      await page.getByLabel('Benutzername').fill(user.login);
      await page.getByLabel('Passwort', { exact: true }).fill(password);
      await page.keyboard.press('Enter');
      await viewIs(page, 'select-authenticator-enroll');
      await page.getByRole('button', { name: /Google Authenticator/ }).click();
      await viewIs(page, 'enroll-authenticator:google_otp');
      expect(await heading(page)).toBe('Authenticator-App einrichten');
      expect(await page.getByRole('button', { name: 'Scannen nicht möglich?' }).count()).toBe(1);
    }));
});
