/**
 * The real sign-in widget resuming an expired transaction on reload (docs/protocol/idx-protocol.md §8.4,
 * §8.5, §15): introspect → 401 session expired → the "logged out due to inactivity" terminal.
 * Own file: it moves the server clock.
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

const TTL_SECONDS = 60;

describe(`sign-in widget ${WIDGET_VERSION}: expired transaction`, () => {
  let env: WidgetEnv;
  beforeAll(async () => {
    env = await startWidgetEnv({
      policy: { factors: 'password', identifierFirst: false },
      config: { transactions: { ttlSeconds: TTL_SECONDS } },
    });
  });
  afterAll(() => env?.close());

  it('reload after the transaction expired shows "logged out due to inactivity"; back to sign in works', async () => {
    const { user, password } = await env.server.createUser();
    await withBrowser(
      env,
      'expired transaction',
      async (open) => {
        const session = await open('browser');
        const page = await session.newPage();
        await page.goto(env.loginUrl());
        await page.locator('input[name="identifier"]').waitFor();
        const interacts = () =>
          session.requests.filter((r) => r.url === `${env.server.issuer}/v1/interact` && r.method === 'POST');
        expect(interacts()).toHaveLength(1);

        // Within the ID token's clock-skew allowance, so the sign-in below still validates.
        env.server.clock.advance((TTL_SECONDS + 1) * 1000);
        const introspect = page.waitForResponse(
          (res) => res.url() === `${env.server.url}/idp/idx/introspect` && res.request().method() === 'POST',
        );
        await page.reload();
        // The widget resumed the saved transaction (no new interact) and the server said it is over.
        expect((await introspect).status()).toBe(401);
        await expect
          .poll(() => visibleText(page), { timeout: 10_000 })
          .toContain('You have been logged out due to inactivity');
        expect(interacts()).toHaveLength(1);

        await page.getByText('Back to sign in').click();
        await fillForm(page, { identifier: user.login, 'credentials.passcode': password });
        await submitForm(page);
        const outcome = await widgetOutcome(page);
        expect(outcome.status).toBe('SUCCESS');
        expect(outcome.claims?.sub).toBe(user.id);
        expect(interacts()).toHaveLength(2);
      },
      [HTTP_401],
    );
  });
});
