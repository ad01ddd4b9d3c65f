/**
 * End to end: self-service registration in Chromium against Gatehouse (an app that offers
 * sign-up and reveals a taken address) — from the "Sign up" link through the profile, the emailed
 * code and the password to signed in; `flow: 'signup'` with a taken address first; the email's
 * link opened in a second tab while the first tab polls; the French sign-up form; a policy that
 * leaves the password optional, skipped with Continue.
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

const PASSWORD = 'Plum-Orchard-Lantern-42';

describe('self-service registration', () => {
  let env: E2EEnv;
  let count = 0;
  const newEmail = () => `signup-${++count}-${Date.now()}@example.com`;
  beforeAll(async () => {
    env = await startE2E({
      policy: { registration: { existingEmail: 'reveal' }, selfServiceUnlock: true },
      config: { rateLimits: { registrationPerIp: { limit: 1000, windowSeconds: 3600 } } },
    });
  });
  afterAll(() => env?.close());

  /** Fills the profile and submits it. */
  async function submitProfile(page: Page, email: string, submit = 'Sign up') {
    await page.getByLabel('First name').fill('Grace');
    await page.getByLabel('Last name').fill('Hopper');
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: submit }).click();
  }

  /** "Set up security methods" → Email → "Verify your email address". */
  async function startEmailSetUp(page: Page) {
    await viewIs(page, 'select-authenticator-enroll');
    expect(await page.locator('.gh-list-title').textContent()).toBe('Required now');
    await page.getByRole('button', { name: /Email/ }).click();
    await viewIs(page, 'enroll-authenticator:okta_email');
  }

  /** "Set up security methods" → Password → typed twice → Next. */
  async function setUpPassword(page: Page, session: Session) {
    await viewIs(page, 'select-authenticator-enroll');
    await page.getByRole('button', { name: /Password/ }).click();
    await viewIs(page, 'enroll-authenticator:okta_password');
    expect(await heading(page)).toBe('Set up a password');
    expect(await axeScan(page, session)).toEqual([]);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Re-enter password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Next' }).click();
  }

  it('from "Sign up" on the sign-in form: profile, emailed code, password → signed in as the new user', () =>
    withSession(env, async (session) => {
      const email = newEmail();
      const page = await session.newPage();
      await page.goto(env.loginUrl());
      await viewIs(page, 'identify');
      await page.getByRole('button', { name: 'Sign up' }).click();
      await viewIs(page, 'enroll-profile');
      expect(await heading(page)).toBe('Sign up');
      expect(await axeScan(page, session)).toEqual([]);
      await submitProfile(page, email);
      await startEmailSetUp(page);
      expect(await page.locator('.gh-view--enroll-email strong').textContent()).toBe(email);
      expect(await axeScan(page, session)).toEqual([]);
      const { otp } = await waitForEmail(env.server, email);
      await page.getByLabel('Verification code').fill(otp === '000000' ? '111111' : '000000');
      await page.keyboard.press('Enter');
      await page.locator('.gh-field-error:visible').waitFor();
      expect(await page.locator('.gh-field-error:visible').textContent()).toBe('Invalid code. Try again.');
      await page.getByLabel('Verification code').fill(otp);
      await page.keyboard.press('Enter');
      await setUpPassword(page, session);
      const result = (await outcome(page)) as {
        status: string;
        tokens: { idToken: { claims: { email: string; sub: string } } };
      };
      expect(result.status).toBe('SUCCESS');
      expect(result.tokens.idToken.claims.email).toBe(email);
      const user = await env.server.services.storage.users.findByEmail(email);
      expect(user).toMatchObject({ status: 'ACTIVE', emailVerified: true });
      expect(result.tokens.idToken.claims.sub).toBe(user!.id);
    }));

  it("flow: 'signup' opens on the profile; a taken address is refused under Email, focused; another goes on", () =>
    withSession(env, async (session) => {
      const { user } = await env.server.createUser();
      const page = await session.newPage();
      await page.goto(env.loginUrl({ flow: 'signup' }));
      await viewIs(page, 'enroll-profile');
      await submitProfile(page, user.email);
      const error = page.locator('.gh-field-error:visible');
      await error.waitFor();
      expect(await error.textContent()).toBe('A user with this email address already exists');
      const emailInput = page.getByLabel('Email');
      expect(await emailInput.getAttribute('aria-invalid')).toBe('true');
      // Focus moves to the first field in error; what was typed is kept.
      expect(await emailInput.evaluate((el) => el === document.activeElement)).toBe(true);
      expect(await page.getByLabel('First name').inputValue()).toBe('Grace');
      expect(await axeScan(page, session)).toEqual([]);
      await emailInput.fill(newEmail());
      await page.getByRole('button', { name: 'Sign up' }).click();
      await startEmailSetUp(page);
    }));

  it("the email's link in a second tab proves the address there; the first tab's poll moves on too", () =>
    withSession(env, async (session) => {
      const email = newEmail();
      const first = await session.newPage();
      await first.goto(env.loginUrl({ flow: 'signup' }));
      await viewIs(first, 'enroll-profile');
      await submitProfile(first, email);
      await startEmailSetUp(first);
      const { link } = await waitForEmail(env.server, email);
      expect(link.startsWith(env.redirectUri)).toBe(true);
      const second = await session.newPage();
      await second.goto(link);
      await viewIs(second, 'select-authenticator-enroll');
      expect(await second.getByRole('button', { name: /Password/ }).count()).toBe(1);
      // The first tab polls the same transaction and shows where it is now.
      await first.bringToFront();
      await viewIs(first, 'select-authenticator-enroll', 15_000);
      await second.bringToFront();
      await setUpPassword(second, session);
      expect((await outcome(second)).status).toBe('SUCCESS');
    }));

  it('in French: the profile, its error, what to set up', () =>
    withSession(env, async (session) => {
      const { user } = await env.server.createUser();
      const page = await session.newPage();
      await page.goto(env.loginUrl({ language: 'fr' }));
      await viewIs(page, 'identify');
      expect(await page.locator('.gh-sign-up').textContent()).toBe("Vous n'avez pas de compte ? S'inscrire");
      await page.getByRole('button', { name: "S'inscrire" }).click();
      await viewIs(page, 'enroll-profile');
      expect(await heading(page)).toBe('Inscription');
      await page.getByLabel('Prénom').fill('Grace');
      await page.getByLabel('Nom', { exact: true }).fill('Hopper');
      await page.getByLabel('Adresse e-mail').fill(user.email);
      await page.getByRole('button', { name: "S'inscrire" }).click();
      const error = page.locator('.gh-field-error:visible');
      await error.waitFor();
      expect(await error.textContent()).toBe('Un utilisateur existe déjà avec cette adresse e-mail');
      await page.getByLabel('Adresse e-mail').fill(newEmail());
      await page.getByRole('button', { name: "S'inscrire" }).click();
      await viewIs(page, 'select-authenticator-enroll');
      expect(await heading(page)).toBe('Configurer des méthodes de sécurité');
      expect(await page.locator('.gh-list-title').textContent()).toBe('Obligatoire maintenant');
      await page.getByRole('button', { name: /E-mail|Email/ }).click();
      await viewIs(page, 'enroll-authenticator:okta_email');
      expect(await heading(page)).toBe('Confirmez votre adresse e-mail');
      expect(await axeScan(page, session)).toEqual([]);
    }));
});

describe('self-service registration with an optional password (policy email|password)', () => {
  let env: E2EEnv;
  beforeAll(async () => {
    env = await startE2E({ policy: { factors: 'email|password', registration: true } });
  });
  afterAll(() => env?.close());

  it('the proven email meets the policy: "Optional" Password, Continue skips it → signed in by email only', () =>
    withSession(env, async (session) => {
      const email = `optional-${Date.now()}@example.com`;
      const page = await session.newPage();
      await page.goto(env.loginUrl({ flow: 'signup' }));
      await viewIs(page, 'enroll-profile');
      await page.getByLabel('First name').fill('Katherine');
      await page.getByLabel('Last name').fill('Johnson');
      await page.getByLabel('Email').fill(email);
      await page.getByRole('button', { name: 'Sign up' }).click();
      await viewIs(page, 'select-authenticator-enroll');
      expect(await page.locator('.gh-list-title').textContent()).toBe('Required now');
      expect(await page.getByRole('button', { name: 'Continue' }).count()).toBe(0);
      await page.getByRole('button', { name: /Email/ }).click();
      await viewIs(page, 'enroll-authenticator:okta_email');
      const { otp } = await waitForEmail(env.server, email);
      await page.getByLabel('Verification code').fill(otp);
      await page.keyboard.press('Enter');
      await viewIs(page, 'select-authenticator-enroll');
      await page.locator('.gh-list-title', { hasText: 'Optional' }).waitFor();
      expect(await page.getByRole('button', { name: /Password/ }).textContent()).toContain('Set up');
      expect(await axeScan(page, session)).toEqual([]);
      await page.getByRole('button', { name: 'Continue' }).click();
      const result = (await outcome(page)) as {
        status: string;
        tokens: { idToken: { claims: { email: string; amr: string[] } } };
      };
      expect(result.status).toBe('SUCCESS');
      expect(result.tokens.idToken.claims).toMatchObject({ email, amr: ['email'] });
      expect(await env.server.services.storage.users.findByEmail(email)).toMatchObject({ status: 'ACTIVE' });
    }));
});
