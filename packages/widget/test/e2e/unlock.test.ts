/**
 * End to end: self-service account unlock in Chromium against Gatehouse — a user locked by wrong
 * passwords unlocks from "Unlock account?" with the emailed code, goes back to sign in and signs
 * in; `flow: 'unlockAccount'` in German; an unknown username gets the same pages (and no email);
 * an app that goes on signing in after the unlock shows the next step with the server's notice.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthClient, memoryStorage } from '../../../sdk/src/index.js';
import { IdxConversation } from '../../../server/test/support/idx-client.js';
import {
  axeScan,
  type E2EEnv,
  heading,
  outcome,
  startE2E,
  viewIs,
  waitForEmail,
  withSession,
} from '../support/e2e-env.js';

const MAX_FAILED = 3;

/** A user locked by wrong passwords at the app's sign-in form. */
async function lockUser(env: E2EEnv) {
  const { user, password } = await env.server.createUser();
  for (let i = 0; i < MAX_FAILED; i++) {
    const idx = new IdxConversation(env.server.url, env.app.clientId, env.redirectUri);
    await idx.introspect((await idx.interact()).interactionHandle);
    await idx.submit('identify', { identifier: user.login, credentials: { passcode: `wrong-${i}` } });
  }
  const locked = await env.server.services.storage.users.findById(user.id);
  expect(locked!.lockedUntil).toBeGreaterThan(env.server.clock.now());
  return { user, password };
}

/** The unlock form → username → Email → "Check your email". */
async function askForCode(page: Page, username: string, choose = /Email/) {
  await viewIs(page, 'select-authenticator-unlock-account');
  await page.getByRole('textbox').fill(username);
  await page.getByRole('button', { name: choose }).click();
  await viewIs(page, 'challenge-authenticator:okta_email');
}

describe('self-service unlock', () => {
  let env: E2EEnv;
  beforeAll(async () => {
    env = await startE2E({
      policy: { selfServiceUnlock: true },
      config: { lockout: { maxFailedAttempts: MAX_FAILED } },
    });
  });
  afterAll(() => env?.close());

  it('"Unlock account?" → username and Email → code → unlocked → Back to sign in → signed in', () =>
    withSession(env, async (session) => {
      const { user, password } = await lockUser(env);
      const page = await session.newPage();
      await page.goto(env.loginUrl());
      await viewIs(page, 'identify');
      await page.getByRole('button', { name: 'Unlock account?' }).click();
      await viewIs(page, 'select-authenticator-unlock-account');
      expect(await heading(page)).toBe('Unlock account');
      expect(await axeScan(page, session)).toEqual([]);
      // A blank username is refused before anything is sent.
      await page.getByRole('button', { name: /Email/ }).click();
      expect(await page.locator('.gh-field-error:visible').textContent()).toBe(
        'This field cannot be left blank',
      );
      await askForCode(page, user.login);
      const { otp } = await waitForEmail(env.server, user.email);
      await page.getByRole('button', { name: 'Enter a code instead' }).click();
      await page.getByLabel('Verification code').fill(otp);
      await page.keyboard.press('Enter');
      await viewIs(page, 'terminal');
      expect(await heading(page)).toBe('Account successfully unlocked!');
      expect(await page.locator('.gh-view--unlocked .gh-text').textContent()).toBe(
        'You can sign in with your username and password.',
      );
      expect(await axeScan(page, session)).toEqual([]);
      expect(await env.server.services.storage.users.findById(user.id)).toMatchObject({ lockedUntil: null });
      await page.getByRole('button', { name: 'Back to sign in' }).click();
      await viewIs(page, 'identify');
      await page.getByLabel('Username').fill(user.login);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.keyboard.press('Enter');
      expect((await outcome(page)).status).toBe('SUCCESS');
    }));

  it("flow: 'unlockAccount' in German, through the code to „Konto erfolgreich entsperrt!“", () =>
    withSession(env, async (session) => {
      const { user } = await lockUser(env);
      const page = await session.newPage();
      await page.goto(env.loginUrl({ flow: 'unlockAccount', language: 'de' }));
      await viewIs(page, 'select-authenticator-unlock-account');
      expect(await heading(page)).toBe('Konto entsperren');
      expect(await page.getByLabel('Benutzername').count()).toBe(1);
      await askForCode(page, user.login);
      expect(await heading(page)).toBe('Prüfen Sie Ihre E-Mails');
      const { otp } = await waitForEmail(env.server, user.email);
      await page.getByRole('button', { name: 'Stattdessen einen Code eingeben' }).click();
      await page.getByLabel('Bestätigungscode').fill(otp);
      await page.keyboard.press('Enter');
      await viewIs(page, 'terminal');
      expect(await heading(page)).toBe('Konto erfolgreich entsperrt!');
      expect(await page.getByRole('button', { name: 'Zurück zur Anmeldung' }).count()).toBe(1);
      expect(await axeScan(page, session)).toEqual([]);
    }));

  it('an interaction the app started: unlocked → "Back to sign in" puts the same interaction back at identify → signed in', () =>
    withSession(env, async (session) => {
      const { user, password } = await lockUser(env);
      // The app's server starts the interaction (its PKCE verifier stays there), as the sample app does.
      const auth = createAuthClient({
        issuer: env.server.issuer,
        clientId: env.app.clientId,
        redirectUri: env.redirectUri,
        storage: memoryStorage(),
      });
      await auth.idx.start({ flow: 'unlockAccount' });
      const saved = auth.idx.getSavedTransaction()!;
      const page = await session.newPage();
      const calls: string[] = [];
      page.on('request', (req) => calls.push(new URL(req.url()).pathname));
      await page.goto(
        env.loginUrl({
          state: saved.state,
          interactionHandle: saved.interactionHandle,
          flow: 'unlockAccount',
          redirect: true,
        }),
      );
      await askForCode(page, user.login);
      const { otp } = await waitForEmail(env.server, user.email);
      await page.getByRole('button', { name: 'Enter a code instead' }).click();
      await page.getByLabel('Verification code').fill(otp);
      await page.keyboard.press('Enter');
      await viewIs(page, 'terminal');
      await page.getByRole('button', { name: 'Back to sign in' }).click();
      await viewIs(page, 'identify');
      expect(calls).toContain('/idp/idx/cancel');
      expect(calls.some((path) => path.endsWith('/v1/interact'))).toBe(false);
      await page.getByLabel('Username').fill(user.login);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.keyboard.press('Enter');
      // The same interaction ends at the app's callback, whose server alone redeems the code.
      await page.waitForURL(/\/login\/callback\?/);
      const query = JSON.parse((await page.locator('#callback-query').textContent())!) as Record<
        string,
        string
      >;
      expect(query.state).toBe(saved.state);
      const tokens = await auth.idx.handleInteractionCodeRedirect(
        `${env.redirectUri}?${new URLSearchParams(query)}`,
      );
      expect(tokens.claims?.sub).toBe(user.id);
    }));

  it('an unknown username gets the same code page, no email, and a wrong-code answer', () =>
    withSession(env, async (session) => {
      const unknown = `nobody-${Date.now()}@example.com`;
      const page = await session.newPage();
      await page.goto(env.loginUrl({ flow: 'unlockAccount' }));
      await askForCode(page, unknown);
      expect(await heading(page)).toBe('Check your email');
      await page.getByRole('button', { name: 'Enter a code instead' }).click();
      await page.getByLabel('Verification code').fill('123456');
      await page.keyboard.press('Enter');
      const error = page.locator('.gh-field-error:visible');
      await error.waitFor();
      expect(await error.textContent()).toBe('Invalid code. Try again.');
      const res = await fetch(`${env.server.url}/dev/mailbox/api/messages?to=${encodeURIComponent(unknown)}`);
      expect(await res.json()).toEqual([]);
    }));
});

describe('self-service unlock that goes on signing in (signInAfterUnlock)', () => {
  let env: E2EEnv;
  beforeAll(async () => {
    env = await startE2E({
      policy: { selfServiceUnlock: true, signInAfterUnlock: true },
      config: { lockout: { maxFailedAttempts: MAX_FAILED } },
    });
  });
  afterAll(() => env?.close());

  it('after the code: the next sign-in step with "Account successfully unlocked!", then the password → signed in', () =>
    withSession(env, async (session) => {
      const { user, password } = await lockUser(env);
      const page = await session.newPage();
      await page.goto(env.loginUrl());
      await viewIs(page, 'identify');
      await page.getByRole('button', { name: 'Unlock account?' }).click();
      await askForCode(page, user.login);
      const { otp } = await waitForEmail(env.server, user.email);
      await page.getByRole('button', { name: 'Enter a code instead' }).click();
      await page.getByLabel('Verification code').fill(otp);
      await page.keyboard.press('Enter');
      const banner = page.locator('.gh-banner--info');
      await banner.waitFor();
      expect(await banner.textContent()).toBe(
        'Account successfully unlocked! Verify your account with a security method to continue.',
      );
      // Announced politely, not as an error.
      await page.waitForFunction(() =>
        document.querySelector('[role="status"]')?.textContent?.startsWith('Account successfully unlocked!'),
      );
      expect(await page.locator('[aria-live="assertive"]').textContent()).toBe('');
      expect(await axeScan(page, session)).toEqual([]);
      expect(await env.server.services.storage.users.findById(user.id)).toMatchObject({ lockedUntil: null });
      // The email just proven counts; the policy's password is what is left to verify.
      await viewIs(page, 'select-authenticator-authenticate');
      expect(await heading(page)).toBe("Verify it's you with a security method");
      await page.getByRole('button', { name: /Password/ }).click();
      await viewIs(page, 'challenge-authenticator:okta_password');
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.keyboard.press('Enter');
      expect((await outcome(page)).status).toBe('SUCCESS');
    }));
});
