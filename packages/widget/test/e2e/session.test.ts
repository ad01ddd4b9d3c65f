/**
 * End to end: an expired transaction and "Back to sign in", starting over from recovery, a
 * French page, and hostile `otp`/`state` values passed the documented way (JSON in a data block)
 * — shown as an invalid link, never run — all under the page's strict CSP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('sessions, restarts and safe embedding', () => {
  let env: E2EEnv;
  beforeAll(async () => {
    env = await startE2E({
      policy: { factors: 'password', identifierFirst: false, selfServiceRecovery: true },
    });
  });
  afterAll(() => env?.close());

  it('"Back to sign in" leaves a recovery for a new sign-in transaction', () =>
    withSession(env, async (session) => {
      const { user, password } = await env.server.createUser();
      const page = await session.newPage();
      const interactions: string[] = [];
      page.on('request', (req) => {
        if (req.url().endsWith('/v1/interact')) interactions.push(req.url());
      });
      await page.goto(env.loginUrl());
      await viewIs(page, 'identify');
      await page.getByRole('button', { name: 'Forgot password?' }).click();
      await viewIs(page, 'identify-recovery');
      await page.getByRole('button', { name: 'Back to sign in' }).click();
      await viewIs(page, 'identify');
      expect(await heading(page)).toBe('Sign in');
      expect(interactions).toHaveLength(2);
      await page.getByLabel('Username').fill(user.login);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.keyboard.press('Enter');
      expect((await outcome(page)).status).toBe('SUCCESS');
    }));

  it('language: fr renders French, including the server error', () =>
    withSession(env, async (session) => {
      const { user } = await env.server.createUser();
      const page = await session.newPage();
      await page.goto(env.loginUrl({ language: 'fr' }));
      await viewIs(page, 'identify');
      expect(await heading(page)).toBe('Connexion');
      await page.getByLabel("Nom d'utilisateur").fill(user.login);
      await page.getByLabel('Mot de passe', { exact: true }).fill('faux-mot-de-passe');
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.locator('.gh-banner').waitFor();
      expect(await page.locator('.gh-banner').textContent()).toBe(
        "Connexion impossible. Vérifiez votre nom d'utilisateur et votre mot de passe, puis réessayez.",
      );
    }));

  const hostile: Array<[string, string]> = [
    ["';alert(1);//", 'abcdefghijklmnopqrstuv'],
    ['</script><svg onload=alert(1)>', 'abcdefghijklmnopqrstuv'],
    ['123456', '\u2028alert(1)'],
    ['123456', '\u0027-alert(1)-\u0027'],
    ['123456', '</script><script>alert(1)</script>'],
  ];
  it.each(hostile)('otp %j / state %j: "link not valid", nothing runs, no CSP violation', (otp, state) =>
    withSession(env, async (session) => {
      const page = await session.newPage();
      await page.goto(env.loginUrl({ otp, state }));
      await viewIs(page, 'terminal');
      expect(await page.locator('.gh-banner').textContent()).toBe(
        'This sign-in link is not valid. Go back to the tab where you started signing in and request a new email.',
      );
      expect(await page.locator('svg, #sign-in script').count()).toBe(0);
      expect(await cspViolations(page)).toEqual([]);
      expect(session.dialogs).toEqual([]);
    }),
  );

  // Last: it moves the server's clock 31 minutes ahead for the rest of this file.
  it('an expired transaction ends on "Your session has expired"; "Back to sign in" starts over', () =>
    withSession(env, async (session) => {
      const { user, password } = await env.server.createUser();
      const page = await session.newPage();
      await page.clock.install();
      await page.goto(env.loginUrl());
      await viewIs(page, 'identify');
      env.server.clock.advance(31 * 60 * 1000);
      await page.getByLabel('Username').fill(user.login);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await viewIs(page, 'terminal');
      expect(await heading(page)).toBe('Your session has expired');
      expect(await page.locator('.gh-banner').textContent()).toBe(
        'You have been logged out due to inactivity. Refresh or return to the sign in screen.',
      );
      // The new step's heading has focus, so a screen reader starts there.
      expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H2');
      expect(await axeScan(page, session)).toEqual([]);
      // Tokens issued from now on carry the server's (advanced) time: the browser's clock follows.
      await page.clock.setSystemTime(env.server.clock.now());
      await page.getByRole('button', { name: 'Back to sign in' }).click();
      await viewIs(page, 'identify');
      await page.getByLabel('Username').fill(user.login);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      expect((await outcome(page)).status).toBe('SUCCESS');
    }));
});
