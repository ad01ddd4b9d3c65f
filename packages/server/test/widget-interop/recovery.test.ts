/**
 * The real sign-in widget through self-service password recovery (docs/protocol/idx-protocol.md §8.2, §15;
 * docs/guides/password-recovery.md): "Forgot password?" on the identify page (the widget restarts
 * with flow resetPassword) and on the password page, the widget started with `flow: 'resetPassword'`,
 * the reset link opened in a second tab, and an app with recovery turned off.
 */
import type { IdxResponse } from '@gatehouse/protocol';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/storage/apps-store.js';
import type { User } from '../../src/storage/users-store.js';
import { IdxConversation } from '../support/idx-client.js';
import {
  type BrowserSession,
  fillForm,
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

const ONE_STEP = { factors: 'password', identifierFirst: false, selfServiceRecovery: true } as const;
const IDENTIFIER_FIRST = { factors: 'password', identifierFirst: true, selfServiceRecovery: true } as const;
const NO_RECOVERY = { factors: 'password', identifierFirst: false, selfServiceRecovery: false } as const;

/** The console error Chromium logs for the 400 of a refused new password. */
const HTTP_400 = /console\.error: Failed to load resource: the server responded with a status of 400/;

let counter = 0;
/** A new password the default policy accepts (15+ characters, no part of the login). */
const newPassword = () => `violet meadow lantern ${++counter} quietly`;

/** The POSTs a tab made to Gatehouse, as paths. */
function gatehousePosts(env: WidgetEnv, session: BrowserSession, page?: number): string[] {
  return session.requests
    .filter((r) => r.method === 'POST' && r.url.startsWith(env.server.url))
    .filter((r) => page === undefined || r.page === page)
    .map((r) => new URL(r.url).pathname);
}

/** identify-recovery ("Reset your password", username only) → submit the user. */
async function identifyForRecovery(page: Page, user: User) {
  await expect.poll(() => visibleText(page), { timeout: 10_000 }).toContain('Reset your password');
  const identifier = page.locator('input[name="identifier"]');
  await identifier.waitFor();
  // identify-recovery asks for the username only.
  expect(await page.locator('input[name="credentials.passcode"]').count()).toBe(0);
  await identifier.fill(user.login);
  // Returns once the answer is in, so what follows sees the request among the tab's posts.
  const answered = page.waitForResponse((res) => new URL(res.url()).pathname === '/idp/idx/identify');
  await submitForm(page);
  await answered;
}

/** The recovery select ("Reset your password", Email only) → Email → the email challenge page. */
async function chooseEmail(page: Page) {
  const email = page.locator('[data-se="okta_email"] .select-factor');
  await email.waitFor({ timeout: 10_000 });
  expect(await visibleText(page)).toContain('Reset your password');
  expect(await page.locator('[data-se="okta_password"]').count()).toBe(0);
  await email.click();
  await expect.poll(() => visibleText(page), { timeout: 10_000 }).toContain('Verify with your email');
}

/** Types the code of the newest recovery email to the user on the email challenge page. */
async function enterEmailCode(env: WidgetEnv, page: Page, user: User) {
  const { otp } = parseEmailChallenge(await latestEmail(env.server, user.email));
  await page.getByText('Enter a verification code instead').click();
  await page.locator('input[name="credentials.passcode"]').fill(otp);
  await submitForm(page);
}

/** The new-password form (reset-authenticator) with the policy shown. */
async function expectResetForm(page: Page) {
  await page.locator('input[name="confirmPassword"]').waitFor({ timeout: 10_000 });
  const text = await visibleText(page);
  expect(text).toContain('Reset your password');
  expect(text).toContain('Password requirements:');
  expect(text).toContain('At least 15 characters');
}

async function setNewPassword(page: Page, password: string) {
  await fillForm(page, { 'credentials.passcode': password, confirmPassword: password });
  await submitForm(page);
}

/** The messages on `credentials.passcode` of the first remediation of a response. */
function passcodeMessages(body: IdxResponse) {
  const credentials = body.remediation?.value[0]?.value.find((f) => f.name === 'credentials');
  return credentials?.form?.value.find((f) => f.name === 'passcode')?.messages?.value ?? [];
}

/** A one-step (identify + password) sign-in over raw IDX: the status of the identify answer. */
async function oneStepSignInStatus(env: WidgetEnv, login: string, password: string): Promise<number> {
  const idx = new IdxConversation(env.server.url, env.app.clientId, env.redirectUri);
  const interaction = await idx.interact();
  await idx.introspect(interaction.interactionHandle);
  const res = await idx.submit('identify', { identifier: login, credentials: { passcode: password } });
  if (res.status === 200) {
    const tokens = await idx.exchange(interaction, idx.interactionCode());
    expect(tokens.status).toBe(200);
  }
  return res.status;
}

describe(`sign-in widget ${WIDGET_VERSION}: password recovery`, () => {
  let env: WidgetEnv;
  /** Apps of the same Gatehouse; the default app (`env.app`) is a one-step password app. */
  let identifierFirst: App;
  let noRecovery: App;
  beforeAll(async () => {
    env = await startWidgetEnv({ policy: ONE_STEP });
    identifierFirst = await env.createApp(IDENTIFIER_FIRST);
    noRecovery = await env.createApp(NO_RECOVERY);
  });
  afterAll(() => env?.close());

  it('"Forgot password?" on the identify page → email code → policy error → new password signs in', async () => {
    const { user, password } = await env.server.createUser();
    const chosen = newPassword();
    await withBrowser(
      env,
      'recovery from identify',
      async (open) => {
        const session = await open('browser');
        const page = await session.newPage();
        await page.goto(env.loginUrl());
        await page.locator('input[name="credentials.passcode"]').waitFor();
        await page.getByText('Forgot password?').click();

        // OAuth mode: the widget restarts with flow resetPassword and auth-js runs `recover` itself.
        await identifyForRecovery(page, user);
        expect(gatehousePosts(env, session)).toEqual([
          '/oauth2/default/v1/interact',
          '/idp/idx/introspect',
          '/oauth2/default/v1/interact',
          '/idp/idx/introspect',
          '/idp/idx/recover',
          '/idp/idx/identify',
        ]);
        await chooseEmail(page);
        const mail = await latestEmail(env.server, user.email);
        expect(mail.subject).toMatch(/^Reset your .+ password$/);
        const { link } = parseEmailChallenge(mail);
        expect(link.origin + link.pathname).toBe(env.redirectUri);
        await enterEmailCode(env, page, user);
        await expectResetForm(page);

        // Too short: the server refuses it (400, field message password.passwordRequirementsNotMet)
        // and the widget shows it on the field; it recognises the key and shows its own wording,
        // leaving the reasons to the requirements list above.
        const refused = page.waitForResponse(
          (res) => res.url() === `${env.server.url}/idp/idx/challenge/answer` && res.status() === 400,
        );
        await setNewPassword(page, 'short pass 1');
        const body = (await (await refused).json()) as IdxResponse;
        expect(passcodeMessages(body)).toEqual([
          {
            message: 'Password requirements were not met. At least 15 characters',
            i18n: { key: 'password.passwordRequirementsNotMet', params: ['At least 15 characters'] },
            class: 'ERROR',
          },
        ]);
        const fieldError = page.locator(
          '[data-se="o-form-fieldset-credentials.passcode"] .o-form-input-error',
        );
        await expect
          .poll(() => fieldError.textContent(), { timeout: 10_000 })
          .toBe('Password requirements were not met');
        expect(await visibleText(page, '.o-form-error-container')).toContain('We found some errors');
        // Still the new-password form, on the same transaction.
        await expectResetForm(page);

        // Long enough but predictable: refused for Gatehouse's strength rule (settings.strength,
        // beside settings.complexity, which this widget neither lists nor trips over).
        const predictable = page.waitForResponse(
          (res) => res.url() === `${env.server.url}/idp/idx/challenge/answer` && res.status() === 400,
        );
        await setNewPassword(page, 'qwertyuiopasdfgh');
        const weak = (await (await predictable).json()) as IdxResponse;
        expect(weak.currentAuthenticator?.value.settings?.strength).toEqual({ minScore: 3 });
        expect(passcodeMessages(weak)[0]?.i18n).toEqual({
          key: 'password.passwordRequirementsNotMet',
          params: [
            'Is hard to guess: This is similar to a commonly used password. Add more words that are less common.',
          ],
        });
        await expect
          .poll(() => fieldError.textContent(), { timeout: 10_000 })
          .toBe('Password requirements were not met');
        await expectResetForm(page);
        expect(await visibleText(page)).not.toContain('L10N_ERROR');

        await setNewPassword(page, chosen);
        const outcome = await widgetOutcome(page);
        expect(outcome.error).toBeUndefined();
        expect(outcome.status).toBe('SUCCESS');
        expect(outcome.claims?.sub).toBe(user.id);
        expect(outcome.claims?.amr).toEqual(['email', 'pwd']);
      },
      [HTTP_400],
    );
    // The new password signs in; the old one no longer does.
    expect(await oneStepSignInStatus(env, user.login, chosen)).toBe(200);
    expect(await oneStepSignInStatus(env, user.login, password)).toBe(401);
  });

  it("the widget started with flow 'resetPassword' opens on identify-recovery", async () => {
    const { user } = await env.server.createUser();
    const chosen = newPassword();
    await withBrowser(env, 'flow resetPassword', async (open) => {
      const session = await open('browser');
      const page = await session.newPage();
      await page.goto(env.loginUrl({ flow: 'resetPassword' }));
      await identifyForRecovery(page, user);
      // Straight to recovery: one interaction, `recover` right after the first introspect.
      expect(gatehousePosts(env, session)).toEqual([
        '/oauth2/default/v1/interact',
        '/idp/idx/introspect',
        '/idp/idx/recover',
        '/idp/idx/identify',
      ]);
      await chooseEmail(page);
      await enterEmailCode(env, page, user);
      await expectResetForm(page);
      await setNewPassword(page, chosen);
      const outcome = await widgetOutcome(page);
      expect(outcome.status).toBe('SUCCESS');
      expect(outcome.claims?.sub).toBe(user.id);
    });
    expect(await oneStepSignInStatus(env, user.login, chosen)).toBe(200);
  });

  it('the reset link opened in a second tab shows the new-password form there and signs in', async () => {
    const { user, password } = await env.server.createUser();
    const chosen = newPassword();
    await withBrowser(env, 'reset link second tab', async (open) => {
      const session = await open('browser');
      const first = await session.newPage();
      await first.goto(env.loginUrl({ flow: 'resetPassword' }));
      await identifyForRecovery(first, user);
      await chooseEmail(first);
      const { link } = parseEmailChallenge(await latestEmail(env.server, user.email));
      const interact = session.requests.find((r) => r.url === `${env.server.issuer}/v1/interact`);
      expect(link.searchParams.get('state')).toBe(new URLSearchParams(interact?.body ?? '').get('state'));

      const second = await session.newPage();
      await second.goto(link.toString());
      await expectResetForm(second);
      await setNewPassword(second, chosen);
      const outcome = await widgetOutcome(second);
      expect(outcome.error).toBeUndefined();
      expect(outcome.status).toBe('SUCCESS');
      expect(outcome.claims?.sub).toBe(user.id);
      // The second tab resumed the first tab's transaction: no new interact.
      expect(gatehousePosts(env, session, 2)).toEqual([
        '/idp/idx/introspect',
        '/idp/idx/challenge/answer',
        '/idp/idx/challenge/answer',
        '/oauth2/default/v1/token',
      ]);
      expect(
        await first.evaluate(() => (globalThis as { widgetOutcome?: unknown }).widgetOutcome),
      ).toBeNull();
    });
    expect(await oneStepSignInStatus(env, user.login, chosen)).toBe(200);
    expect(await oneStepSignInStatus(env, user.login, password)).toBe(401);
  });

  it('"Forgot password?" on the password page (identifier-first app) → Email → code → new password signs in', async () => {
    const { user } = await env.server.createUser();
    const chosen = newPassword();
    await withBrowser(env, 'recovery from password page', async (open) => {
      const session = await open('browser');
      const page = await session.newPage();
      await page.goto(env.loginUrl({ clientId: identifierFirst.clientId }));
      await page.locator('input[name="identifier"]').fill(user.login);
      await submitForm(page);
      await page.locator('[data-se="okta_password"] .select-factor').click();
      await page.locator('input[name="credentials.passcode"]').waitFor({ timeout: 10_000 });
      await page.getByText('Forgot password?').click();

      // No restart: `recover` on the same transaction answers the recovery select.
      await chooseEmail(page);
      expect(gatehousePosts(env, session)).toEqual([
        '/oauth2/default/v1/interact',
        '/idp/idx/introspect',
        '/idp/idx/identify',
        '/idp/idx/challenge',
        '/idp/idx/recover',
        '/idp/idx/challenge',
      ]);
      await enterEmailCode(env, page, user);
      await expectResetForm(page);
      await setNewPassword(page, chosen);
      const outcome = await widgetOutcome(page);
      expect(outcome.error).toBeUndefined();
      expect(outcome.status).toBe('SUCCESS');
      expect(outcome.claims?.sub).toBe(user.id);
      expect(outcome.claims?.aud).toBe(identifierFirst.clientId);
    });
  });

  it('app with recovery turned off: no "Forgot password?" link on the identify page', async () => {
    await withBrowser(env, 'recovery off', async (open) => {
      const session = await open('browser');
      const page = await session.newPage();
      const introspected = page.waitForResponse(
        (res) => res.url() === `${env.server.url}/idp/idx/introspect` && res.request().method() === 'POST',
      );
      await page.goto(env.loginUrl({ clientId: noRecovery.clientId }));
      // The identify form has the password field, so only the missing `recover` can hide the link.
      const envelope = (await (await introspected).json()) as IdxResponse;
      expect(envelope.app?.value.id).toBe(noRecovery.clientId);
      expect(envelope.remediation?.value.map((f) => f.name)).toEqual(['identify']);
      expect(envelope.remediation?.value[0]?.value.map((f) => f.name)).toContain('credentials');
      expect(envelope.currentAuthenticator).toBeUndefined();
      await page.locator('input[name="credentials.passcode"]').waitFor();
      await page.locator('.o-form-button-bar input[type="submit"]').waitFor();
      expect(await visibleText(page)).not.toContain('Forgot password?');
      expect(await page.getByText('Forgot password?').count()).toBe(0);
      expect(gatehousePosts(env, session)).not.toContain('/idp/idx/recover');
    });
  });
});
