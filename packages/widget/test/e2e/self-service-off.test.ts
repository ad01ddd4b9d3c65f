/**
 * End to end: an app whose policy offers neither sign-up nor unlock — the sign-in form has no
 * "Sign up" or "Unlock account?", and a page asking for `flow: 'signup'` or `'unlockAccount'`
 * gets the sign-in form saying it is not available here (no request for a step the server does
 * not offer).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2EEnv, heading, startE2E, viewIs, withSession } from '../support/e2e-env.js';

describe('an app without sign-up or unlock', () => {
  let env: E2EEnv;
  beforeAll(async () => {
    env = await startE2E({ policy: { selfServiceUnlock: false, registration: false } });
  });
  afterAll(() => env?.close());

  it('the sign-in form offers neither link', () =>
    withSession(env, async (session) => {
      const page = await session.newPage();
      await page.goto(env.loginUrl());
      await viewIs(page, 'identify');
      expect(await page.getByRole('button', { name: 'Forgot password?' }).count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Sign up' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Unlock account?' }).count()).toBe(0);
      expect(await page.locator('.gh-sign-up').count()).toBe(0);
    }));

  it.each([
    ['signup', 'Sign-up is not available here.', 'en'],
    ['unlockAccount', 'Account unlock is not available here.', 'en'],
    ['signup', "L'inscription n'est pas disponible ici.", 'fr'],
  ])("flow: '%s' opens on the sign-in form saying “%s”", (flow, notice, language) =>
    withSession(env, async (session) => {
      const page = await session.newPage();
      const posts: string[] = [];
      page.on('request', (request) => {
        if (request.method() === 'POST') posts.push(new URL(request.url()).pathname);
      });
      await page.goto(env.loginUrl({ flow, language }));
      await viewIs(page, 'identify');
      expect(await page.locator('.gh-banner--warning').textContent()).toBe(notice);
      expect(await heading(page)).toBe(language === 'fr' ? 'Connexion' : 'Sign in');
      expect(posts.filter((p) => p.endsWith('/enroll') || p.endsWith('/unlock-account'))).toEqual([]);
    }),
  );
});
