/**
 * End to end in Chromium against a running Gatehouse: password sign-in with the widget loaded
 * from Gatehouse's /widget/<version>/ route into an app page on another origin under a strict CSP.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPkce } from '../../../server/test/support/pkce.js';
import {
  axeScan,
  cspViolations,
  type E2EEnv,
  expectClean,
  heading,
  outcome,
  startE2E,
  viewIs,
} from '../support/e2e-env.js';

describe('password sign-in (one step)', () => {
  let env: E2EEnv;
  beforeAll(async () => {
    env = await startE2E({ policy: { factors: 'password', identifierFirst: false } });
  });
  afterAll(() => env?.close());

  it('signs in and resolves showSignIn() with validated tokens', async () => {
    const { user, password } = await env.server.createUser();
    const session = await env.newSession();
    try {
      const page = await session.newPage();
      await page.goto(env.loginUrl());
      await viewIs(page, 'identify');
      await page.getByLabel('Username').fill(user.login);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const result = (await outcome(page)) as {
        status: string;
        tokens: { idToken: { claims: { sub: string; email: string } }; accessToken: { accessToken: string } };
      };
      expect(result.status).toBe('SUCCESS');
      expect(result.tokens.idToken.claims.sub).toBe(user.id);
      expect(result.tokens.accessToken.accessToken.split('.')).toHaveLength(3);
      await viewIs(page, 'success');
      expect(await heading(page)).toBe("You're signed in");
      const events = await page.evaluate(
        () =>
          (
            globalThis as unknown as {
              widgetEvents: Array<{ name: string; context: { controller: string } }>;
            }
          ).widgetEvents,
      );
      expect(events[0]).toMatchObject({ name: 'ready', context: { controller: 'identify' } });
      expect(await cspViolations(page)).toEqual([]);
      expectClean(session);
    } finally {
      await session.close();
    }
  });

  it('a wrong password keeps the form with "Unable to sign in" and what to check, then the right one succeeds', async () => {
    const { user, password } = await env.server.createUser();
    const session = await env.newSession();
    try {
      const page = await session.newPage();
      await page.goto(env.loginUrl());
      await page.getByLabel('Username').fill(user.login);
      await page.getByLabel('Password', { exact: true }).fill('not-my-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('.gh-banner').waitFor();
      expect(await page.locator('.gh-banner').textContent()).toBe(
        'Unable to sign in. Check your username and password, then try again.',
      );
      // Errors are announced and focus goes to the banner (no field error here).
      await page.waitForFunction(
        () =>
          document.querySelector('.gh-widget [aria-live="assertive"]')?.textContent ===
          'Unable to sign in. Check your username and password, then try again.',
      );
      expect(await page.evaluate(() => document.activeElement?.classList.contains('gh-banner'))).toBe(true);
      expect(await axeScan(page, session)).toEqual([]);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      expect((await outcome(page)).status).toBe('SUCCESS');
      expectClean(session);
    } finally {
      await session.close();
    }
  });

  it('keyboard only: focus starts in the form, Tab and Enter sign in', async () => {
    const { user, password } = await env.server.createUser();
    const session = await env.newSession();
    try {
      const page = await session.newPage();
      await page.goto(env.loginUrl());
      await viewIs(page, 'identify');
      await page.keyboard.type(user.login);
      await page.keyboard.press('Tab');
      await page.keyboard.type(password);
      await page.keyboard.press('Enter');
      expect((await outcome(page)).status).toBe('SUCCESS');
      expectClean(session);
    } finally {
      await session.close();
    }
  });

  it('identify page has no serious or critical axe violations', async () => {
    const session = await env.newSession();
    try {
      const page = await session.newPage();
      await page.goto(env.loginUrl());
      await viewIs(page, 'identify');
      expect(await axeScan(page, session)).toEqual([]);
      expectClean(session);
    } finally {
      await session.close();
    }
  });

  it('showSignInAndRedirect(): the browser lands on the redirect URI with interaction_code and state', async () => {
    const { user, password } = await env.server.createUser();
    const session = await env.newSession();
    try {
      const page = await session.newPage();
      await page.goto(env.loginUrl({ redirect: true }));
      await page.getByLabel('Username').fill(user.login);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/login\/callback\?/);
      const query = JSON.parse((await page.locator('#callback-query').textContent())!) as Record<
        string,
        string
      >;
      // The transaction (with its PKCE verifier) is still saved in this tab for the app to redeem.
      const saved = await page.evaluate(() =>
        JSON.parse(sessionStorage.getItem('gatehouse.transaction') ?? 'null'),
      );
      expect(query.state).toBe(saved.state);
      const tokens = await fetch(`${env.server.issuer}/v1/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'interaction_code',
          client_id: env.app.clientId,
          redirect_uri: env.redirectUri,
          code_verifier: saved.codeVerifier,
          interaction_code: query.interaction_code!,
        }),
      });
      expect(tokens.status).toBe(200);
      expectClean(session);
    } finally {
      await session.close();
    }
  });

  it('codeChallenge ("remediation mode"): the app keeps the verifier; the widget only redirects', async () => {
    const { user, password } = await env.server.createUser();
    const pkce = newPkce();
    const state = 'app-made-state-0123456789abcdef';
    const session = await env.newSession();
    try {
      const page = await session.newPage();
      await page.goto(`${env.loginUrl({ state, codeChallenge: pkce.challenge })}`);
      await page.getByLabel('Username').fill(user.login);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/login\/callback\?/);
      const query = JSON.parse((await page.locator('#callback-query').textContent())!) as Record<
        string,
        string
      >;
      expect(query.state).toBe(state);
      const tokens = await fetch(`${env.server.issuer}/v1/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'interaction_code',
          client_id: env.app.clientId,
          redirect_uri: env.redirectUri,
          code_verifier: pkce.verifier,
          interaction_code: query.interaction_code!,
        }),
      });
      expect(tokens.status).toBe(200);
      expectClean(session);
    } finally {
      await session.close();
    }
  });
});
