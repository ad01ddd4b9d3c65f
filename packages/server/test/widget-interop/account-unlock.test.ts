/**
 * The real sign-in widget through self-service account unlock (docs/protocol/idx-protocol-2.md §4;
 * docs/guides/account-unlock.md): a user locked by wrong passwords unlocks with an emailed code from
 * "Unlock account?" and signs in again; the widget started with `flow: 'unlockAccount'`; an app
 * whose policy goes on signing in after the unlock; and usernames that are unknown or not locked,
 * which see the same pages and get no code.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/storage/users-store.js';
import { mailbox } from '../email/email-helpers.js';
import { IdxConversation } from '../support/idx-client.js';
import {
  docsScreenshot,
  expectShown,
  fillForm,
  HTTP_401,
  idxPosts,
  latestEmail,
  nextAnswer,
  parseEmailChallenge,
  startWidgetEnv,
  submitForm,
  visibleText,
  WIDGET_VERSION,
  type WidgetEnv,
  widgetOutcome,
  withBrowser,
} from './widget-harness.js';

const MAX_FAILED_ATTEMPTS = 3;
const UNLOCKED = 'Account successfully unlocked!';
const LANDING_MESSAGE =
  'Account successfully unlocked! Verify your account with a security method to continue.';
/** What the widget POSTs to Gatehouse from the app's page to the answer of an unlock's email challenge. */
const UNLOCK_POSTS = [
  '/oauth2/default/v1/interact',
  '/idp/idx/introspect',
  '/idp/idx/unlock-account',
  '/idp/idx/challenge',
  '/idp/idx/challenge/answer',
];

/** The unlock form: username and the authenticators that can prove it, on one page. */
async function expectUnlockForm(page: Page) {
  await page.locator('[data-se="okta_email"] .select-factor').waitFor({ timeout: 10_000 });
  await page.locator('input[name="identifier"]').waitFor();
  await expectShown(page, ["Verify it's you with a security method", 'Username']);
  expect(await page.locator('input[name="credentials.passcode"]').count()).toBe(0);
  expect(await page.locator('.authenticator-row').count()).toBe(1);
}

/** The email challenge page of an unlock, the code field revealed. */
async function expectEmailChallenge(page: Page) {
  await expectShown(page, ['Verify with your email']);
  expect(await visibleText(page)).toMatch(
    /We sent an email to \S+\. Click the verification link in your email to continue or enter the code below\./,
  );
  await page.getByText('Enter a verification code instead').click();
  await page.locator('input[name="credentials.passcode"]').waitFor();
}

/** The message under the code field. */
const codeError = (page: Page) =>
  page.locator('[data-se="o-form-fieldset-credentials.passcode"] .o-form-input-error');

async function submitCode(page: Page, code: string) {
  await fillForm(page, { 'credentials.passcode': code });
  await submitForm(page);
}

describe(`sign-in widget ${WIDGET_VERSION}: self-service account unlock`, () => {
  let env: WidgetEnv;
  beforeAll(async () => {
    env = await startWidgetEnv({
      policy: { selfServiceUnlock: true },
      config: { lockout: { maxFailedAttempts: MAX_FAILED_ATTEMPTS } },
    });
  });
  afterAll(() => env?.close());

  const lockedUntil = async (user: User) =>
    (await env.server.services.storage.users.findById(user.id))?.lockedUntil ?? null;

  async function expectLocked(user: User) {
    expect(await lockedUntil(user)).toBeGreaterThan(env.server.clock.now());
  }

  /** Locks `user` with wrong passwords over raw IDX (the first test does it in the widget). */
  async function lockOverIdx(user: User) {
    for (let i = 0; i < MAX_FAILED_ATTEMPTS; i++) {
      const idx = new IdxConversation(env.server.url, env.app.clientId, env.redirectUri);
      await idx.introspect((await idx.interact()).interactionHandle);
      const res = await idx.submit('identify', {
        identifier: user.login,
        credentials: { passcode: 'wrong' },
      });
      expect(res.status).toBe(401);
    }
    await expectLocked(user);
  }

  /** On the unlock form: the username, Email, then the email challenge page. */
  async function askUnlock(page: Page, username: string, screenshot = false) {
    await expectUnlockForm(page);
    await fillForm(page, { identifier: username });
    if (screenshot) await docsScreenshot(page, 'unlock-form');
    await page.locator('[data-se="okta_email"] .select-factor').click();
    await expectEmailChallenge(page);
  }

  /** The unlock form → the code of the unlock email → what the widget shows next. */
  async function unlockWithEmail(page: Page, user: User, screenshot = false) {
    await askUnlock(page, user.login, screenshot);
    const mail = await latestEmail(env.server, user.email);
    expect(mail.subject).toMatch(/^Unlock your .+ account/);
    expect(mail.text).toContain(user.login);
    await submitCode(page, parseEmailChallenge(mail).otp);
  }

  /** The "unlocked" end: its title and text, the "Back to sign in" link; the lock is gone. */
  async function expectUnlocked(page: Page, user: User) {
    await expectShown(page, [UNLOCKED, 'You can log in using your existing username and password.']);
    expect(await page.locator('[data-se="o-form-head"]').textContent()).toBe(UNLOCKED);
    expect(await page.locator('.auth-footer a[data-se="cancel"]').textContent()).toBe('Back to sign in');
    expect(await page.locator('input').count()).toBe(0);
    expect(await lockedUntil(user)).toBeNull();
  }

  it('a user locked by wrong passwords: "Unlock account?" → username → Email → code → unlocked → "Back to sign in" → signs in', async () => {
    // An address no other test uses (it shows in the docs' pictures).
    const { user, password } = await env.server.createUser({ login: 'ada@example.com' });
    await withBrowser(
      env,
      'unlock',
      async (open) => {
        const session = await open('browser');
        const page = await session.newPage();
        await page.goto(env.loginUrl());
        const signInWith = async (passcode: string) => {
          const refused = nextAnswer(env, page, '/idp/idx/identify');
          await fillForm(page, { identifier: user.login, 'credentials.passcode': passcode });
          await submitForm(page);
          expect((await refused).status()).toBe(401);
          await expect
            .poll(() => visibleText(page, '.o-form-error-container'), { timeout: 10_000 })
            .toContain('Unable to sign in');
        };
        for (let i = 0; i < MAX_FAILED_ATTEMPTS; i++) await signInWith(`${password}-wrong`);
        await expectLocked(user);
        // Locked: the right password is refused too, with the same words.
        await signInWith(password);

        await page.locator('a[data-se="unlock"]').click();
        await expectUnlockForm(page);
        expect(idxPosts(env, session).slice(-1)).toEqual(['/idp/idx/unlock-account']);
        await unlockWithEmail(page, user, true);
        await expectUnlocked(page, user);
        await docsScreenshot(page, 'unlocked');
        expect(idxPosts(env, session).slice(-3)).toEqual(UNLOCK_POSTS.slice(2));

        // "Back to sign in" starts over; the password works again.
        await page.locator('.auth-footer a[data-se="cancel"]').click();
        await page.locator('input[name="credentials.passcode"]').waitFor({ timeout: 10_000 });
        expect(await visibleText(page)).toContain('Sign In');
        await fillForm(page, { identifier: user.login, 'credentials.passcode': password });
        await submitForm(page);
        const outcome = await widgetOutcome(page);
        expect(outcome.error).toBeUndefined();
        expect(outcome.status).toBe('SUCCESS');
        expect(outcome.claims?.sub).toBe(user.id);
        expect(outcome.claims?.amr).toEqual(['pwd']);
      },
      [HTTP_401],
    );
  });

  it("the widget started with flow 'unlockAccount' opens on the unlock form", async () => {
    const { user, password } = await env.server.createUser();
    await lockOverIdx(user);
    await withBrowser(env, 'flow unlockAccount', async (open) => {
      const session = await open('browser');
      const page = await session.newPage();
      await page.goto(env.loginUrl({ flow: 'unlockAccount' }));
      await expectUnlockForm(page);
      // auth-js chose "Unlock account?" itself, right after the first introspect.
      expect(idxPosts(env, session)).toEqual(UNLOCK_POSTS.slice(0, 3));
      await unlockWithEmail(page, user);
      await expectUnlocked(page, user);
      expect(await page.evaluate(() => (globalThis as { widgetOutcome?: unknown }).widgetOutcome)).toBeNull();
    });
    // Unlocked over the wire too: the password signs in.
    const idx = new IdxConversation(env.server.url, env.app.clientId, env.redirectUri);
    const interaction = await idx.interact();
    await idx.introspect(interaction.interactionHandle);
    const signIn = await idx.submit('identify', {
      identifier: user.login,
      credentials: { passcode: password },
    });
    expect(signIn.status).toBe(200);
    expect((await idx.exchange(interaction, idx.interactionCode())).status).toBe(200);
  });

  it('an app that signs in after the unlock: the unlock message over the sign-in choices, then the password signs in', async () => {
    const app = await env.createApp({ selfServiceUnlock: true, signInAfterUnlock: true });
    const { user, password } = await env.server.createUser();
    await lockOverIdx(user);
    await withBrowser(env, 'sign in after unlock', async (open) => {
      const session = await open('browser');
      const page = await session.newPage();
      await page.goto(env.loginUrl({ clientId: app.clientId }));
      await page.locator('a[data-se="unlock"]').click();
      await unlockWithEmail(page, user);

      // No "unlocked" end: the sign-in goes on with the email proof counted, the INFO message on top.
      const passwordRow = page.locator('[data-se="okta_password"] .select-factor');
      await passwordRow.waitFor({ timeout: 10_000 });
      expect(await visibleText(page, '.infobox-success')).toBe(LANDING_MESSAGE);
      expect(await page.locator('[data-se="o-form-head"]').textContent()).toBe(
        "Verify it's you with a security method",
      );
      expect(await page.locator('[data-se="okta_email"]').count()).toBe(0);
      expect(await lockedUntil(user)).toBeNull();
      await passwordRow.click();
      await expectShown(page, ['Verify with your password']);
      await fillForm(page, { 'credentials.passcode': password });
      await submitForm(page);
      const outcome = await widgetOutcome(page);
      expect(outcome.error).toBeUndefined();
      expect(outcome.status).toBe('SUCCESS');
      expect(outcome.claims?.sub).toBe(user.id);
      expect(outcome.claims?.aud).toBe(app.clientId);
      expect(outcome.claims?.amr).toEqual(['email', 'pwd']);
      expect(idxPosts(env, session)).toEqual([
        ...UNLOCK_POSTS,
        '/idp/idx/challenge',
        '/idp/idx/challenge/answer',
        '/oauth2/default/v1/token',
      ]);
    });
  });

  it('an unknown username, or an account that is not locked, goes through the same pages as a locked one and gets no code', async () => {
    const { user: active } = await env.server.createUser();
    const { user: locked } = await env.server.createUser();
    await lockOverIdx(locked);
    const unknown = 'nobody@example.com';
    await withBrowser(
      env,
      'unlock unknown',
      async (open) => {
        // The locked account last: once its email is in, any other would be too.
        for (const username of [unknown, active.login, locked.login]) {
          const session = await open(username);
          const page = await session.newPage();
          await page.goto(env.loginUrl());
          await page.locator('a[data-se="unlock"]').click();
          await askUnlock(page, username);
          const sent =
            username === locked.login
              ? parseEmailChallenge(await latestEmail(env.server, locked.email)).otp
              : null;
          await submitCode(page, sent === '123456' ? '654321' : '123456');
          await expect.poll(() => codeError(page).textContent(), { timeout: 10_000 }).toMatch(/Invalid code/);
          expect(await visibleText(page)).toContain('Verify with your email');
          expect(idxPosts(env, session)).toEqual(UNLOCK_POSTS);
        }
        expect(await mailbox(env.server, locked.email)).toHaveLength(1);
        expect(await mailbox(env.server, unknown)).toEqual([]);
        expect(await mailbox(env.server, active.email)).toEqual([]);
        expect(await env.server.services.storage.users.findById(active.id)).toMatchObject({
          status: 'ACTIVE',
          lockedUntil: null,
        });
        await expectLocked(locked);
      },
      [HTTP_401],
    );
  });
});
