/**
 * The real sign-in widget against Gatehouse with a one-step password policy
 * (docs/protocol/idx-protocol.md §8.3, §8.6, §15): sign-in with tokens, wrong password, and
 * `showSignInAndRedirect()`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fillForm,
  HTTP_401,
  startWidgetEnv,
  submitForm,
  visibleText,
  WIDGET_VERSION,
  type WidgetEnv,
  widgetOutcome,
  withBrowser,
} from './widget-harness.js';

describe(`sign-in widget ${WIDGET_VERSION}: password sign-in`, () => {
  let env: WidgetEnv;
  beforeAll(async () => {
    env = await startWidgetEnv({ policy: { factors: 'password', identifierFirst: false } });
  });
  afterAll(() => env?.close());

  it('is the widget version under test', () => {
    expect(WIDGET_VERSION).toBe('7.49.0');
  });

  it('signs in with username and password: showSignIn resolves with tokens for the user', async () => {
    const { user, password } = await env.server.createUser();
    await withBrowser(env, 'password sign-in', async (open) => {
      const session = await open('browser');
      const page = await session.newPage();
      await page.goto(env.loginUrl());
      await fillForm(page, { identifier: user.login, 'credentials.passcode': password });
      await submitForm(page);
      const outcome = await widgetOutcome(page);
      expect(outcome.error).toBeUndefined();
      expect(outcome.status).toBe('SUCCESS');
      expect(outcome.claims?.sub).toBe(user.id);
      expect(outcome.claims?.aud).toBe(env.app.clientId);
      expect(outcome.claims?.iss).toBe(env.server.issuer);
      // The access token the widget holds is one Gatehouse honours.
      const userinfo = await fetch(`${env.server.issuer}/v1/userinfo`, {
        headers: { authorization: `Bearer ${outcome.accessToken}` },
      });
      expect(userinfo.status).toBe(200);
      expect(((await userinfo.json()) as { sub: string }).sub).toBe(user.id);
      // Every IDX call came from the real widget, cross-origin.
      const idxCalls = session.requests.filter((r) => r.url.startsWith(`${env.server.url}/idp/idx/`));
      expect(idxCalls.map((r) => new URL(r.url).pathname)).toEqual([
        '/idp/idx/introspect',
        '/idp/idx/identify',
      ]);
      for (const call of idxCalls)
        expect(call.headers['x-okta-user-agent-extended']).toContain(`okta-signin-widget-${WIDGET_VERSION}`);
    });
  });

  it('shows the error on a wrong password and stays usable', async () => {
    const { user, password } = await env.server.createUser();
    await withBrowser(
      env,
      'wrong password',
      async (open) => {
        const session = await open('browser');
        const page = await session.newPage();
        await page.goto(env.loginUrl());
        await fillForm(page, { identifier: user.login, 'credentials.passcode': `${password}-wrong` });
        await submitForm(page);
        await expect
          .poll(() => visibleText(page, '.o-form-error-container'), { timeout: 10_000 })
          .toMatch(/Unable to sign in|Authentication failed/);
        // Same form, same transaction: the right password now signs in.
        await page.locator('input[name="credentials.passcode"]').fill(password);
        await submitForm(page);
        const outcome = await widgetOutcome(page);
        expect(outcome.status).toBe('SUCCESS');
        expect(outcome.claims?.sub).toBe(user.id);
      },
      [HTTP_401],
    );
  });

  it('showSignInAndRedirect lands on the callback with interaction_code and state', async () => {
    const { user, password } = await env.server.createUser();
    const state = `app-state-${Date.now()}`;
    await withBrowser(env, 'redirect', async (open) => {
      const session = await open('browser');
      const page = await session.newPage();
      await page.goto(env.loginUrl({ redirect: true, state }));
      await fillForm(page, { identifier: user.login, 'credentials.passcode': password });
      await submitForm(page);
      await page.waitForURL((url) => url.pathname === '/login/callback', { timeout: 15_000 });
      const landed = new URL(page.url());
      expect(landed.origin).toBe(env.appUrl);
      expect(landed.searchParams.get('state')).toBe(state);
      expect(landed.searchParams.get('interaction_code')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      expect(JSON.parse((await page.locator('#callback-query').textContent()) ?? '')).toEqual({
        interaction_code: landed.searchParams.get('interaction_code'),
        state,
      });
    });
  });
});
