/**
 * The real sign-in widget through self-service registration (docs/protocol/idx-protocol-2.md §3;
 * docs/guides/registration.md): the "Sign up" link only where the app allows it, the profile form
 * with a custom attribute, a taken email refused on its field, the email proven by code (or by the
 * link in a second tab), a password set against the policy, and the new user signed in. Also the
 * widget started with `flow: 'signup'` and "Already have an account?".
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppPolicyInput } from '../../src/apps/app-service.js';
import { mailbox } from '../email/email-helpers.js';
import {
  docsScreenshot,
  expectShown,
  fillForm,
  HTTP_400,
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

/** Sign-up with a custom attribute, a taken email revealed; unlock on too (both links on the page). */
const SIGN_UP: AppPolicyInput = {
  registration: {
    existingEmail: 'reveal',
    attributes: [{ name: 'favoriteColor', label: 'Favorite color', type: 'string', required: false }],
  },
  selfServiceUnlock: true,
};

/** The password page as the default policy shows it. */
const PASSWORD_RULES = [
  'Set up password',
  'Password requirements:',
  'At least 15 characters',
  'No parts of your username',
  'Does not include your first name',
];

/** What the widget POSTs to Gatehouse up to the profile form, from the "Sign up" link or `flow: 'signup'`. */
const TO_PROFILE = ['/oauth2/default/v1/interact', '/idp/idx/introspect', '/idp/idx/enroll'];

/** A password the default policy accepts (15+ characters, hard to guess, no part of the name). */
const STRONG_PASSWORD = 'violet meadow lantern quietly 7';

interface Profile {
  firstName: string;
  lastName: string;
  email: string;
  favoriteColor?: string;
}

/** The widget's input name of a profile attribute. */
const field = (name: string) => `userProfile.${name}`;

/** The profile fields as the widget's inputs are named. */
function profileInputs(profile: Profile): Record<string, string> {
  return Object.fromEntries(Object.entries(profile).map(([name, value]) => [field(name), value]));
}

/** The profile form ("Sign up") is on the page. */
async function expectProfileForm(page: Page) {
  await page.locator(`input[name="${field('firstName')}"]`).waitFor({ timeout: 10_000 });
  await expectShown(page, ['Sign up', 'Already have an account?']);
}

/** The enrollment list with exactly one required authenticator, `key` ("Required now", no skip). */
async function expectRequiredNow(page: Page, key: 'okta_email' | 'okta_password') {
  const row = page.locator(`[data-se="${key}"] .select-factor`);
  await row.waitFor({ timeout: 10_000 });
  await expectShown(page, ['Set up security methods', 'Required now']);
  expect(await visibleText(page)).not.toContain('Optional');
  expect(await page.locator('.authenticator-row').count()).toBe(1);
  expect(await page.locator('.skip-all').count()).toBe(0);
}

/** "Set up password" with the policy's rules listed. */
async function expectPasswordForm(page: Page) {
  await page.locator('input[name="confirmPassword"]').waitFor({ timeout: 10_000 });
  await expectShown(page, PASSWORD_RULES);
}

async function setPassword(page: Page, password: string) {
  await fillForm(page, { 'credentials.passcode': password, confirmPassword: password });
  await submitForm(page);
}

/** The text under one field of the widget's form. */
const fieldError = (page: Page, name: string) =>
  page.locator(`[data-se="o-form-fieldset-${name}"] .o-form-input-error`);

describe(`sign-in widget ${WIDGET_VERSION}: self-service registration`, () => {
  let env: WidgetEnv;
  let counter = 0;
  /** A fresh address, so no test meets another's account or per-address limit. */
  const newEmail = (name: string) => `${name}.${++counter}@example.com`;

  beforeAll(async () => {
    env = await startWidgetEnv({
      policy: SIGN_UP,
      // Every sign-up of the suite comes from 127.0.0.1.
      config: { rateLimits: { registrationPerIp: { limit: 1000 } } },
    });
  });
  afterAll(() => env?.close());

  /** The app's page → "Sign up" → the profile form, filled and submitted. */
  async function signUp(page: Page, profile: Profile) {
    await page.goto(env.loginUrl());
    await page.locator('a[data-se="enroll"]').click();
    await expectProfileForm(page);
    await fillForm(page, profileInputs(profile));
    await submitForm(page);
  }

  /** Sign up, then choose Email: the "Verify with your email" page; the email's code and link. */
  async function reachEmailCode(page: Page, profile: Profile) {
    await signUp(page, profile);
    await expectRequiredNow(page, 'okta_email');
    await page.locator('[data-se="okta_email"] .select-factor').click();
    await expectShown(page, ['Verify with your email']);
    return latestEmail(env.server, profile.email);
  }

  it('"Sign up" and "Unlock account?" show on the sign-in form only where the app allows them', async () => {
    const cases: Array<{ policy: AppPolicyInput; signUpLink: boolean; unlockLink: boolean }> = [
      { policy: { registration: true }, signUpLink: true, unlockLink: false },
      { policy: { selfServiceUnlock: true }, signUpLink: false, unlockLink: true },
      { policy: {}, signUpLink: false, unlockLink: false },
    ];
    await withBrowser(env, 'sign-up link', async (open) => {
      const session = await open('browser');
      const page = await session.newPage();
      for (const { policy, signUpLink, unlockLink } of cases) {
        const app = await env.createApp(policy);
        await page.goto(env.loginUrl({ clientId: app.clientId }));
        // The whole identify view (form and footer links) renders from one response.
        await page.locator('input[name="credentials.passcode"]').waitFor({ timeout: 10_000 });
        await page.locator('.o-form-button-bar input[type="submit"]').waitFor();
        expect(await page.locator('a[data-se="enroll"]').count(), JSON.stringify(policy)).toBe(
          signUpLink ? 1 : 0,
        );
        expect(await page.locator('a[data-se="unlock"]').count(), JSON.stringify(policy)).toBe(
          unlockLink ? 1 : 0,
        );
        expect((await visibleText(page)).includes('Sign up'), JSON.stringify(policy)).toBe(signUpLink);
        expect((await visibleText(page)).includes('Unlock account?'), JSON.stringify(policy)).toBe(
          unlockLink,
        );
      }
    });
  });

  it('sign up: profile with a custom attribute → taken email refused on its field → email code → password rules, a weak one refused → signed in as the new user', async () => {
    // Addresses no other test uses (they show in the docs' pictures).
    const { user: existing } = await env.server.createUser({ login: 'ada@example.com' });
    const email = 'ada.lovelace@example.com';
    await withBrowser(
      env,
      'sign-up journey',
      async (open) => {
        const session = await open('browser');
        const page = await session.newPage();
        await page.goto(env.loginUrl());
        const signUpLink = page.locator('a[data-se="enroll"]');
        await signUpLink.waitFor({ timeout: 10_000 });
        expect(await signUpLink.textContent()).toBe('Sign up');
        expect(await visibleText(page)).toContain("Don't have an account?");
        expect(await page.locator('a[data-se="unlock"]').textContent()).toBe('Unlock account?');
        await docsScreenshot(page, 'sign-up-link');

        // The profile form: the widget's own labels for the base attributes, the app's for its own.
        await signUpLink.click();
        await expectProfileForm(page);
        expect(idxPosts(env, session)).toEqual(TO_PROFILE);
        const labels = await page.locator('.o-form-fieldset label').allInnerTexts();
        expect(labels.map((l) => l.trim())).toEqual(['First name', 'Last name', 'Email', 'Favorite color']);
        expect(await page.locator('.o-form-fieldset .o-form-explain').allInnerTexts()).toEqual(['Optional']);
        expect(
          await page.locator(`[data-se="o-form-fieldset-${field('favoriteColor')}"] .o-form-explain`).count(),
        ).toBe(1);
        expect(await page.locator('.o-form-button-bar input[type="submit"]').inputValue()).toBe('Sign Up');

        // An address an account already uses: the app reveals it, on the Email field.
        const profile = {
          firstName: 'Ada',
          lastName: 'Lovelace',
          email: existing.email,
          favoriteColor: 'teal',
        };
        await fillForm(page, profileInputs(profile));
        await docsScreenshot(page, 'sign-up-profile');
        const refused = nextAnswer(env, page, '/idp/idx/enroll/new');
        await submitForm(page);
        expect((await refused).status()).toBe(400);
        await expect
          .poll(() => fieldError(page, field('email')).textContent(), { timeout: 10_000 })
          .toBe('A user with this Email already exists');
        expect(await visibleText(page, '.o-form-error-container')).toContain('We found some errors');
        expect(await fieldError(page, field('firstName')).count()).toBe(0);
        await expectProfileForm(page);
        await docsScreenshot(page, 'sign-up-duplicate-email');
        expect(await mailbox(env.server, existing.email)).toEqual([]);

        // Another address: only Email is offered first, and required.
        await fillForm(page, { [field('email')]: email });
        await submitForm(page);
        await expectRequiredNow(page, 'okta_email');
        const enrollNew = session.requests.filter((r) => r.url === `${env.server.url}/idp/idx/enroll/new`);
        expect(JSON.parse(enrollNew.at(-1)?.body ?? '{}').userProfile).toEqual({ ...profile, email });
        const staged = await env.server.services.storage.users.findByEmail(email);
        expect(staged?.status).toBe('STAGED');

        await page.locator('[data-se="okta_email"] .select-factor').click();
        await expectShown(page, [
          'Verify with your email',
          email,
          'Please check your email and enter the code below.',
        ]);
        const mail = await latestEmail(env.server, email);
        expect(mail.subject).toMatch(/^Confirm your email address for /);
        expect(mail.text).toContain('Hi Ada,');
        const { otp, link } = parseEmailChallenge(mail);
        expect(link.origin + link.pathname).toBe(env.redirectUri);
        const interact = session.requests.find((r) => r.url === `${env.server.issuer}/v1/interact`);
        expect(link.searchParams.get('state')).toBe(new URLSearchParams(interact?.body ?? '').get('state'));

        await fillForm(page, { 'credentials.passcode': otp });
        await docsScreenshot(page, 'sign-up-email-code');
        // A wrong code is refused on the field; the right one proves the address.
        await fillForm(page, { 'credentials.passcode': otp === '000000' ? '111111' : '000000' });
        await submitForm(page);
        await expect
          .poll(() => fieldError(page, 'credentials.passcode').textContent(), { timeout: 10_000 })
          .toMatch(/Invalid code/);
        await fillForm(page, { 'credentials.passcode': otp });
        await submitForm(page);

        // Then what the sign-in policy requires: a password.
        await expectRequiredNow(page, 'okta_password');
        expect(await page.locator('[data-se="okta_email"]').count()).toBe(0);
        await page.locator('[data-se="okta_password"] .select-factor').click();
        await expectPasswordForm(page);
        await docsScreenshot(page, 'sign-up-password');
        const weak = nextAnswer(env, page, '/idp/idx/challenge/answer');
        await setPassword(page, 'too short 1');
        expect((await weak).status()).toBe(400);
        await expect
          .poll(() => fieldError(page, 'credentials.passcode').textContent(), { timeout: 10_000 })
          .toBe('Password requirements were not met');
        await expectPasswordForm(page);
        // The account is not active until everything required is set up.
        expect((await env.server.services.storage.users.findByEmail(email))?.status).toBe('STAGED');

        await setPassword(page, STRONG_PASSWORD);
        const outcome = await widgetOutcome(page);
        expect(outcome.error).toBeUndefined();
        expect(outcome.status).toBe('SUCCESS');
        const user = await env.server.services.storage.users.findByEmail(email);
        expect(user).toMatchObject({ status: 'ACTIVE', emailVerified: true, login: email });
        expect(user?.profile).toMatchObject({ ...profile, email });
        expect(outcome.claims).toMatchObject({
          sub: user?.id,
          aud: env.app.clientId,
          email,
          email_verified: true,
          given_name: 'Ada',
          family_name: 'Lovelace',
          amr: ['email', 'pwd'],
        });
        expect(idxPosts(env, session).slice(-2)).toEqual([
          '/idp/idx/challenge/answer',
          '/oauth2/default/v1/token',
        ]);
        // The one account the address had is untouched.
        expect(await env.server.services.storage.users.findById(existing.id)).toMatchObject({
          status: 'ACTIVE',
          profile: existing.profile,
        });
      },
      [HTTP_400, HTTP_401],
    );
  });

  it('the email link opened in a second tab of the same browser continues the sign-up there', async () => {
    const email = newEmail('grace');
    await withBrowser(env, 'sign-up magic link', async (open) => {
      const session = await open('browser');
      const first = await session.newPage();
      const mail = await reachEmailCode(first, { firstName: 'Grace', lastName: 'Hopper', email });
      const { link } = parseEmailChallenge(mail);

      const second = await session.newPage();
      await second.goto(link.toString());
      // The app page loaded with otp and state: the widget resumes the transaction and proves the address.
      expect(link.searchParams.get('otp')).toMatch(/^\d{6}$/);
      await expectRequiredNow(second, 'okta_password');
      expect(idxPosts(env, session, 2)).toEqual(['/idp/idx/introspect', '/idp/idx/challenge/answer']);
      await second.locator('[data-se="okta_password"] .select-factor').click();
      await expectPasswordForm(second);
      await setPassword(second, STRONG_PASSWORD);
      const outcome = await widgetOutcome(second);
      expect(outcome.error).toBeUndefined();
      expect(outcome.status).toBe('SUCCESS');
      const user = await env.server.services.storage.users.findByEmail(email);
      expect(user?.status).toBe('ACTIVE');
      expect(outcome.claims?.sub).toBe(user?.id);
      // No new interaction in the second tab: it finished the first tab's.
      expect(idxPosts(env, session, 2)).toEqual([
        '/idp/idx/introspect',
        '/idp/idx/challenge/answer',
        '/idp/idx/credential/enroll',
        '/idp/idx/challenge/answer',
        '/oauth2/default/v1/token',
      ]);
      expect(
        await first.evaluate(() => (globalThis as { widgetOutcome?: unknown }).widgetOutcome),
      ).toBeNull();
    });
  });

  it("the widget started with flow 'signup' opens on the profile form", async () => {
    const email = newEmail('alan');
    await withBrowser(env, 'flow signup', async (open) => {
      const session = await open('browser');
      const page = await session.newPage();
      await page.goto(env.loginUrl({ flow: 'signup' }));
      await expectProfileForm(page);
      expect(await page.locator('input[name="identifier"]').count()).toBe(0);
      // auth-js chose "Sign up" itself, right after the first introspect.
      expect(idxPosts(env, session)).toEqual(TO_PROFILE);
      await fillForm(page, profileInputs({ firstName: 'Alan', lastName: 'Turing', email }));
      await submitForm(page);
      await expectRequiredNow(page, 'okta_email');
      expect(await page.locator('[data-se="identifier"]').textContent()).toBe(email);
    });
  });

  it('"Already have an account?" goes back to the sign-in form, where an existing user signs in', async () => {
    const { user, password } = await env.server.createUser({ login: newEmail('existing') });
    await withBrowser(env, 'already have an account', async (open) => {
      const session = await open('browser');
      const page = await session.newPage();
      await page.goto(env.loginUrl());
      await page.locator('a[data-se="enroll"]').click();
      await expectProfileForm(page);
      const back = page.locator('.auth-footer a[data-se="back"]');
      expect(await back.textContent()).toBe('Already have an account?');
      await back.click();
      await page.locator('input[name="identifier"]').waitFor({ timeout: 10_000 });
      expect(await visibleText(page)).toContain('Sign In');
      expect(await page.locator('a[data-se="enroll"]').count()).toBe(1);
      expect(await page.locator(`input[name="${field('firstName')}"]`).count()).toBe(0);
      // Back on the same transaction, not a new one.
      expect(idxPosts(env, session)).toEqual([...TO_PROFILE, '/idp/idx/identify/select']);
      await fillForm(page, { identifier: user.login, 'credentials.passcode': password });
      await submitForm(page);
      const outcome = await widgetOutcome(page);
      expect(outcome.status).toBe('SUCCESS');
      expect(outcome.claims?.sub).toBe(user.id);
    });
  });
});
