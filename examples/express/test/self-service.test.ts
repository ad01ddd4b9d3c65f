/**
 * The sample in Chromium, app policy "password" with sign-up and unlock on (as `npm run example`
 * registers it): `/signup` from the sign-in page's "Sign up" link — profile, the emailed code,
 * a password, signed in on the home page as the new user; the widget's own "Sign up" with the
 * email's link in a second tab; an address that has an account (the owner is told, with links to
 * the sample); a user locked by wrong passwords unlocking at `/unlock` with the emailed code (and
 * with the link in a second tab) and going on to sign in (the app's `signInAfterUnlock`); and an
 * app without sign-up or unlock. The journeys are docs/guides/registration.md and
 * docs/guides/account-unlock.md.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  inFreshBrowser,
  type MailboxMessage,
  type SampleEnv,
  signedInHome,
  startSampleEnv,
  tableValues,
  waitForEmail,
  widgetView,
} from './support/sample-env.js';

const MAX_FAILED = 3;
const NEW_PASSWORD = 'Plum-Orchard-Lantern-4417';

describe('express sample: sign-up and account unlock (Chromium)', () => {
  let env: SampleEnv;
  let count = 0;
  const newEmail = () => `newcomer-${++count}-${Date.now()}@example.com`;
  beforeAll(async () => {
    env = await startSampleEnv({
      policy: {
        factors: 'password',
        identifierFirst: false,
        registration: true,
        selfServiceUnlock: true,
        signInAfterUnlock: true,
      },
      server: { lockout: { maxFailedAttempts: MAX_FAILED } },
    });
  });
  afterAll(() => env?.close());

  const heading = async (page: Page) => (await page.locator('.gh-widget h2').textContent())?.trim();

  /** The sign-up form → the profile submitted. */
  async function submitProfile(page: Page, email: string, first = 'Grace', last = 'Hopper') {
    await widgetView(page, 'enroll-profile');
    await page.getByLabel('First name').fill(first);
    await page.getByLabel('Last name').fill(last);
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Sign up' }).click();
  }

  /** "Set up security methods" → Email → "Verify your email address". */
  async function chooseEmail(page: Page) {
    await widgetView(page, 'select-authenticator-enroll');
    await page.getByRole('button', { name: /Email/ }).click();
    await widgetView(page, 'enroll-authenticator:okta_email');
  }

  /** "Set up security methods" → Password → typed twice → Next. */
  async function setUpPassword(page: Page) {
    await widgetView(page, 'select-authenticator-enroll');
    await page.getByRole('button', { name: /Password/ }).click();
    await widgetView(page, 'enroll-authenticator:okta_password');
    await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Re-enter password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Next' }).click();
  }

  async function mailbox(to: string): Promise<MailboxMessage[]> {
    const res = await fetch(`${env.server.url}/dev/mailbox/api/messages?to=${encodeURIComponent(to)}`);
    return (await res.json()) as MailboxMessage[];
  }

  it('signs up at /signup (linked from the sign-in page): profile, emailed code, password → signed in as the new user', () =>
    inFreshBrowser(env, async ({ newPage }) => {
      const email = newEmail();
      const page = await newPage();
      await page.goto(`${env.appUrl}/login`);
      await widgetView(page, 'identify');
      await page.locator('#nav-sign-up').click();
      await page.waitForURL(`${env.appUrl}/signup`);
      expect(await page.locator('main h1').textContent()).toBe('Create your account');
      // The widget opens on the sign-up form itself (flow 'signup'), not on identify.
      await widgetView(page, 'enroll-profile');
      expect(await heading(page)).toBe('Sign up');
      await submitProfile(page, email);
      await chooseEmail(page);
      const { otp, link, message } = await waitForEmail(env.server, email);
      // The sign-up email's link comes back to the sample's email-verify callback.
      expect(link.startsWith(`${env.appUrl}/login/callback?otp=${otp}&state=`)).toBe(true);
      expect(message.text).toContain(otp);
      // Not active yet: the email and a password are still to be set up.
      expect(await env.server.services.storage.users.findByEmail(email)).toMatchObject({ status: 'STAGED' });
      await page.getByLabel('Verification code').fill(otp);
      await page.keyboard.press('Enter');
      await setUpPassword(page);

      const claims = await signedInHome(env, page);
      const user = await env.server.services.storage.users.findByEmail(email);
      expect(user).toMatchObject({ status: 'ACTIVE', emailVerified: true });
      expect(claims.sub).toBe(user!.id);
      expect(claims.email).toBe(email);
      expect(await page.locator('#user-name').textContent()).toBe('Grace Hopper');
      expect(await page.locator('header .who').textContent()).toBe('Grace Hopper');
      const userinfo = await tableValues(page, '#userinfo');
      expect(userinfo.sub).toBe(user!.id);
      expect(userinfo.email).toBe(email);
      // Signed in, /signup goes home.
      await page.goto(`${env.appUrl}/signup`);
      expect(page.url()).toBe(`${env.appUrl}/`);
    }));

  it("the widget's own Sign up on /login; the email's link in a second tab continues the sign-up there", () =>
    inFreshBrowser(env, async ({ newPage }) => {
      const email = newEmail();
      const first = await newPage();
      await first.goto(`${env.appUrl}/login`);
      await widgetView(first, 'identify');
      await first.getByRole('button', { name: 'Sign up' }).click();
      await submitProfile(first, email, 'Katherine', 'Johnson');
      await chooseEmail(first);
      const { link } = await waitForEmail(env.server, email);

      const second = await newPage();
      const landing = await second.goto(link);
      expect(landing?.url(), 'otp and state are removed from the address bar').toBe(`${env.appUrl}/login`);
      expect(await second.locator('main h1').textContent()).toBe('Almost there');
      // The widget answered the email enrollment with the link's code: next is the password, and
      // the heading (kept by login.js on each view the widget renders) still says where we are.
      await widgetView(second, 'select-authenticator-enroll');
      expect(await second.locator('main h1').textContent()).toBe('Almost there');
      await setUpPassword(second);
      const claims = await signedInHome(env, second);
      const user = await env.server.services.storage.users.findByEmail(email);
      expect(claims.sub).toBe(user!.id);
      expect(await second.locator('#user-name').textContent()).toBe('Katherine Johnson');
      // The new password signs in on its own (same browser, after signing out).
      await second.getByRole('button', { name: 'Sign out' }).first().click();
      await second.waitForURL(`${env.appUrl}/`);
      await second.locator('#sign-in').click();
      await widgetView(second, 'identify');
      await second.getByLabel('Username').fill(email);
      await second.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
      await second.keyboard.press('Enter');
      expect((await signedInHome(env, second)).sub).toBe(user!.id);
    }));

  it('an address that has an account: the same pages and no code; the owner is emailed links to the sample, nothing changes', () =>
    inFreshBrowser(env, async ({ newPage }) => {
      const { user: owner } = await env.server.createUser({ firstName: 'Ada', lastName: 'Lovelace' });
      const page = await newPage();
      await page.goto(`${env.appUrl}/signup`);
      await submitProfile(page, owner.email, 'Mallory', 'Doe');
      await chooseEmail(page);
      const deadline = Date.now() + 10_000;
      let messages = await mailbox(owner.email);
      while (messages.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        messages = await mailbox(owner.email);
      }
      expect(messages).toHaveLength(1);
      const { text } = messages[0]!;
      expect(text).not.toMatch(/otp=\d{6}/);
      // The app's sign-in page (its login URI) and the sample's recovery link.
      expect(text).toContain(`${env.appUrl}/login\n`);
      expect(text).toContain(`${env.appUrl}/login?flow=resetPassword`);
      expect(await env.server.services.storage.users.findById(owner.id)).toMatchObject({
        status: 'ACTIVE',
        profile: expect.objectContaining({ firstName: 'Ada', lastName: 'Lovelace' }),
      });
      // The reset link opens the sample's "Forgot your password?" page.
      await page.goto(`${env.appUrl}/login?flow=resetPassword`);
      await widgetView(page, 'identify-recovery');
    }));

  /** A user locked by wrong passwords typed into the sample's sign-in page. */
  async function lockAtSignIn(page: Page, login: string, password: string) {
    await page.goto(`${env.appUrl}/login`);
    await widgetView(page, 'identify');
    const attempt = async (passcode: string) => {
      await page.getByLabel('Username').fill(login);
      await page.getByLabel('Password', { exact: true }).fill(passcode);
      const answer = page.waitForResponse((res) => res.url().endsWith('/idp/idx/identify'));
      await page.keyboard.press('Enter');
      expect((await answer).status()).toBe(401);
      await widgetView(page, 'identify');
    };
    for (let i = 0; i < MAX_FAILED; i++) await attempt(`wrong-password-${i}`);
    // Locked: the right password is refused now, with the same answer.
    await attempt(password);
    expect(page.url()).toBe(`${env.appUrl}/login`);
  }

  async function lockedUntil(userId: string): Promise<number | null | undefined> {
    return (await env.server.services.storage.users.findById(userId))?.lockedUntil;
  }

  /** The unlock form → username → Email → "Check your email". */
  async function askForUnlockCode(page: Page, login: string) {
    await widgetView(page, 'select-authenticator-unlock-account');
    expect(await heading(page)).toBe('Unlock account');
    await page.getByRole('textbox').fill(login);
    await page.getByRole('button', { name: /Email/ }).click();
    await widgetView(page, 'challenge-authenticator:okta_email');
  }

  /** After the unlock: "Account successfully unlocked!" above the sign-in's next step → Password. */
  async function continueWithPassword(page: Page, password: string) {
    await widgetView(page, 'select-authenticator-authenticate');
    expect(await page.locator('.gh-widget').textContent()).toContain('Account successfully unlocked!');
    await page.getByRole('button', { name: /Password/ }).click();
    await widgetView(page, 'challenge-authenticator:okta_password');
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.keyboard.press('Enter');
  }

  it('a user locked by wrong passwords unlocks at /unlock with the emailed code, then signs in', () =>
    inFreshBrowser(env, async ({ newPage }) => {
      const { user, password } = await env.server.createUser({ firstName: 'Alan', lastName: 'Turing' });
      const page = await newPage();
      await lockAtSignIn(page, user.login, password);
      expect(await lockedUntil(user.id)).toBeGreaterThan(env.server.clock.now());

      await page.goto(`${env.appUrl}/`);
      await page.locator('#unlock-account').click();
      await page.waitForURL(`${env.appUrl}/unlock`);
      expect(await page.locator('main h1').textContent()).toBe('Unlock your account');
      await askForUnlockCode(page, user.login);
      const { otp, link } = await waitForEmail(env.server, user.email);
      expect(link.startsWith(`${env.appUrl}/login/callback?otp=${otp}&state=`)).toBe(true);
      await page.getByRole('button', { name: 'Enter a code instead' }).click();
      await page.getByLabel('Verification code').fill(otp);
      await page.keyboard.press('Enter');
      // The app goes on signing in after the unlock (signInAfterUnlock): the password is next.
      await continueWithPassword(page, password);
      expect(await lockedUntil(user.id)).toBeNull();
      const claims = await signedInHome(env, page);
      expect(claims.sub).toBe(user.id);
      expect(await page.locator('#user-name').textContent()).toBe('Alan Turing');
    }));

  it("the unlock email's link opened in a second tab unlocks there; the user signs in in that tab", () =>
    inFreshBrowser(env, async ({ newPage }) => {
      const { user, password } = await env.server.createUser();
      const first = await newPage();
      await lockAtSignIn(first, user.login, password);
      await first.goto(`${env.appUrl}/unlock`);
      await askForUnlockCode(first, user.login);
      const { link } = await waitForEmail(env.server, user.email);

      const second = await newPage();
      const landing = await second.goto(link);
      expect(landing?.url()).toBe(`${env.appUrl}/login`);
      // The widget answered the challenge with the link's code; the sign-in goes on in this tab.
      await continueWithPassword(second, password);
      expect(await lockedUntil(user.id)).toBeNull();
      expect((await signedInHome(env, second)).sub).toBe(user.id);
    }));

  it('for an app without sign-up or unlock, /signup and /unlock show the sign-in form with a notice', async () => {
    const { app } = await env.server.createApp({
      name: 'Express sample without self-service',
      redirectUris: [`${env.appUrl}/login/callback`],
      emailVerifyUri: `${env.appUrl}/login/callback`,
      postLogoutRedirectUris: [`${env.appUrl}/`],
      trustedOrigins: [env.appUrl],
      policy: { factors: 'password', registration: false, selfServiceUnlock: false },
    });
    const clientId = env.config.clientId;
    await env.restartSample({ clientId: app.clientId });
    try {
      await inFreshBrowser(env, async ({ newPage }) => {
        const page = await newPage();
        await page.goto(`${env.appUrl}/signup`);
        await widgetView(page, 'identify');
        expect(await page.locator('.gh-widget').textContent()).toContain('Sign-up is not available here.');
        expect(await page.getByRole('button', { name: 'Sign up' }).count()).toBe(0);
        await page.goto(`${env.appUrl}/unlock`);
        await widgetView(page, 'identify');
        expect(await page.locator('.gh-widget').textContent()).toContain(
          'Account unlock is not available here.',
        );
        expect(await page.getByRole('button', { name: 'Unlock account?' }).count()).toBe(0);
      });
    } finally {
      await env.restartSample({ clientId });
    }
  });
});
