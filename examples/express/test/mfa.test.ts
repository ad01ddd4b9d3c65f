/**
 * The sample in Chromium for an app that requires an authenticator app after the password
 * (policy `password,google_otp`, what `npm run example -- --mfa totp` sets): the first sign-in sets
 * the app up in the widget (docs/protocol/idx-protocol-2.md §5.1, §5.2: "Set up security methods",
 * the QR code, "Can't scan?" and the shared secret, the first code), the home page shows the ID
 * token's `amr` with `otp` and `mfa`; after signing out, the next sign-in asks for a code (§5.3):
 * the code that set the app up is refused as used, the app's next code signs in. The same for a
 * passkey (policy `password,webauthn`, `--mfa passkey`; §6) with Chromium's DevTools virtual
 * authenticator (`WebAuthn.addVirtualAuthenticator` over CDP) as the user's device.
 *
 * Codes are computed here from the secret the widget shows, as the user's app would (RFC 6238:
 * SHA-1, 6 digits, 30 s), at the time of Gatehouse's clock.
 */
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  inFreshBrowser,
  type SampleEnv,
  signedInHome,
  startSampleEnv,
  widgetView,
} from './support/sample-env.js';

/** What an authenticator app shows at `at` for `secret`. */
function appCode(secret: string, at: number): string {
  return TOTP.generate({
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    timestamp: at,
  });
}

/** The ms from `now` to one second into the next 30-s step, when the app shows a new code. */
function toNextStep(now: number): number {
  return (Math.floor(now / 30_000) + 1) * 30_000 - now + 1_000;
}

/** The shared secrets the IDX responses sent to the page (`currentAuthenticator.value.contextualData`). */
function recordSharedSecrets(page: Page): string[] {
  const secrets: string[] = [];
  page.on('response', async (response) => {
    if (!new URL(response.url()).pathname.startsWith('/idp/idx/')) return;
    const body = (await response.json().catch(() => null)) as {
      currentAuthenticator?: { value?: { contextualData?: { sharedSecret?: unknown } } };
    } | null;
    const secret = body?.currentAuthenticator?.value?.contextualData?.sharedSecret;
    if (typeof secret === 'string') secrets.push(secret);
  });
  return secrets;
}

describe('express sample: an app that requires an authenticator app (google_otp, Chromium)', () => {
  let env: SampleEnv;
  beforeAll(async () => {
    env = await startSampleEnv({ policy: { factors: 'password,google_otp', identifierFirst: false } });
  });
  afterAll(() => env?.close());

  const now = () => env.server.clock.now();

  /** Home → Sign in → username + password (the widget then goes on to the second factor). */
  async function enterPassword(page: Page, login: string, password: string) {
    await page.goto(`${env.appUrl}/`);
    await page.locator('#sign-in').click();
    await widgetView(page, 'identify');
    await page.getByLabel('Username').fill(login);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.keyboard.press('Enter');
  }

  async function enterCode(page: Page, code: string) {
    const input = page.getByLabel(/code from your authenticator app/i);
    await input.fill(code);
    await input.press('Enter');
  }

  /** The `amr` values the home page lists, and its summary. */
  async function shownAmr(page: Page) {
    return {
      values: await page
        .locator('#amr li')
        .evaluateAll((items) => items.map((li) => li.getAttribute('data-amr'))),
      summary: (await page.locator('#amr-summary').textContent()) ?? '',
    };
  }

  it('sets the app up during the first sign-in (QR code, secret, first code), then signs in with its code; amr shows otp and mfa', () =>
    inFreshBrowser(env, async ({ newPage }) => {
      const { user, password } = await env.server.createUser({ firstName: 'Katherine', lastName: 'Johnson' });
      const page = await newPage();
      const sentSecrets = recordSharedSecrets(page);

      // The password alone does not sign in: the policy's authenticator app is "Required now".
      await enterPassword(page, user.login, password);
      await widgetView(page, 'select-authenticator-enroll');
      expect(page.url()).toBe(`${env.appUrl}/login`);
      await page.getByRole('button', { name: /Google Authenticator/ }).click();

      // Set-up: the QR code (an inline PNG Gatehouse rendered), "Can't scan?" shows the key.
      await widgetView(page, 'enroll-authenticator:google_otp');
      const qr = page.locator('.gh-widget img');
      expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
      expect(await qr.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(100);
      await page.getByRole('button', { name: "Can't scan?" }).click();
      const secret = ((await page.locator('[data-se="shared-secret"]').textContent()) ?? '').trim();
      expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
      expect(sentSecrets, 'the key shown is the one Gatehouse sent').toEqual([secret]);
      expect(await env.server.services.storage.enrollments.listByUser(user.id)).toEqual([]);

      const firstCode = appCode(secret, now());
      await enterCode(page, firstCode);
      const claims = await signedInHome(env, page);
      expect(claims.sub).toBe(user.id);
      expect(claims.amr).toBe(JSON.stringify(['pwd', 'otp', 'mfa']));
      const amr = await shownAmr(page);
      expect(amr.values).toEqual(['pwd', 'otp', 'mfa']);
      expect(amr.summary).toContain('Multi-factor authentication');
      expect(await page.locator('#amr li[data-amr="otp"]').textContent()).toContain('authenticator app');
      const enrollments = await env.server.services.storage.enrollments.listByUser(user.id);
      expect(enrollments.map((e) => e.authenticatorKey)).toContain('google_otp');

      // Sign out; the next sign-in asks for a code from the app.
      await page.getByRole('button', { name: 'Sign out' }).first().click();
      await page.waitForURL(`${env.appUrl}/`);
      await page.locator('#sign-in').waitFor();
      expect(await page.locator('main').textContent()).toContain('You are not signed in.');

      await enterPassword(page, user.login, password);
      await widgetView(page, 'select-authenticator-authenticate');
      await page.getByRole('button', { name: /Google Authenticator/ }).click();
      await widgetView(page, 'challenge-authenticator:google_otp');
      // The code that set the app up is used: refused, and the user stays on the code page.
      await enterCode(page, firstCode);
      await expect
        .poll(() => page.locator('.gh-widget').textContent(), { timeout: 10_000 })
        .toContain('Each code can only be used once');
      expect(page.url()).toBe(`${env.appUrl}/login`);
      // Half a minute later the app shows a new code.
      env.server.clock.advance(toNextStep(now()));
      const nextCode = appCode(secret, now());
      expect(nextCode).not.toBe(firstCode);
      await enterCode(page, nextCode);
      const again = await signedInHome(env, page);
      expect(again.sub).toBe(user.id);
      expect(again.amr).toBe(JSON.stringify(['pwd', 'otp', 'mfa']));
      expect((await shownAmr(page)).values).toEqual(['pwd', 'otp', 'mfa']);
      expect(sentSecrets, 'a sign-in with the app sends no secret').toHaveLength(1);
    }));
});

/** A platform passkey for `page`: Chromium's DevTools virtual authenticator, the user always verified. */
async function virtualAuthenticator(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return async () => {
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    return credentials as { rpId?: string; signCount: number }[];
  };
}

describe('express sample: an app that requires a passkey (webauthn, Chromium virtual authenticator)', () => {
  let env: SampleEnv;
  beforeAll(async () => {
    env = await startSampleEnv({ policy: { factors: 'password,webauthn', identifierFirst: false } });
  });
  afterAll(() => env?.close());

  async function enterPassword(page: Page, login: string, password: string) {
    await page.goto(`${env.appUrl}/login`);
    await widgetView(page, 'identify');
    await page.getByLabel('Username').fill(login);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.keyboard.press('Enter');
  }

  it('sets a passkey up during the first sign-in, then signs in with it; amr shows hwk and mfa', () =>
    inFreshBrowser(env, async ({ newPage }) => {
      const { user, password } = await env.server.createUser();
      const page = await newPage();
      const credentials = await virtualAuthenticator(page);

      await enterPassword(page, user.login, password);
      await widgetView(page, 'select-authenticator-enroll');
      await page.getByRole('button', { name: /Security key or biometric/ }).click();
      await widgetView(page, 'enroll-authenticator:webauthn');
      await page.getByRole('button', { name: 'Set up a passkey or security key' }).click();
      const claims = await signedInHome(env, page);
      expect(claims.sub).toBe(user.id);
      expect(claims.amr).toBe(JSON.stringify(['pwd', 'hwk', 'mfa']));
      expect(await page.locator('#amr-summary').textContent()).toContain('Multi-factor authentication');
      const made = await credentials();
      expect(made).toHaveLength(1);
      // The passkey belongs to the sample's host (the relying party), not to Gatehouse's.
      expect(made[0]!.rpId).toBe('localhost');

      await page.getByRole('button', { name: 'Sign out' }).first().click();
      await page.locator('#sign-in').waitFor();
      await enterPassword(page, user.login, password);
      await widgetView(page, 'select-authenticator-authenticate');
      await page.getByRole('button', { name: /Security key or biometric/ }).click();
      // The challenge asks the browser at once; the virtual authenticator answers.
      const again = await signedInHome(env, page);
      expect(again.sub).toBe(user.id);
      expect(again.amr).toBe(JSON.stringify(['pwd', 'hwk', 'mfa']));
      expect((await credentials())[0]!.signCount).toBeGreaterThan(made[0]!.signCount);
    }));
});
