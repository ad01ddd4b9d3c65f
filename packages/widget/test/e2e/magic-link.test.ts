import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  axeScan,
  type E2EEnv,
  expectClean,
  heading,
  outcome,
  reachEmailChallenge,
  startE2E,
  viewIs,
  waitForEmail,
  withSession,
} from '../support/e2e-env.js';

describe('email magic link', () => {
  let env: E2EEnv;
  beforeAll(async () => {
    env = await startE2E({ policy: { factors: 'email', identifierFirst: true } });
  });
  afterAll(() => env?.close());

  it('magic link in a second tab of the same browser signs in there; the first tab says so', () =>
    withSession(env, async (session) => {
      const { user } = await env.server.createUser();
      const original = await session.newPage();
      await reachEmailChallenge(env, original, user.login);
      const { link } = await waitForEmail(env.server, user.email);
      expect(link.startsWith(env.redirectUri)).toBe(true);
      const second = await session.newPage();
      await second.goto(link);
      const result = (await outcome(second)) as {
        status: string;
        tokens: { idToken: { claims: { sub: string } } };
      };
      expect(result.status).toBe('SUCCESS');
      expect(result.tokens.idToken.claims.sub).toBe(user.id);
      await original.bringToFront();
      await viewIs(original, 'terminal', 15_000);
      expect(await heading(original)).toBe('Flow continued in a new tab');
      expect(await original.getByRole('button', { name: 'Back to sign in' }).count()).toBe(0);
      expect(await axeScan(original, session)).toEqual([]);
    }));

  it('magic link in another browser shows the code for the original tab and signs nobody in', async () => {
    const { user } = await env.server.createUser();
    const first = await env.newSession();
    const other = await env.newSession();
    try {
      const original = await first.newPage();
      await reachEmailChallenge(env, original, user.login);
      const { otp, link } = await waitForEmail(env.server, user.email);
      const elsewhere = await other.newPage();
      const idxCalls: string[] = [];
      elsewhere.on('request', (req) => {
        if (req.url().startsWith(env.server.url) && !req.url().includes('/widget/')) idxCalls.push(req.url());
      });
      await elsewhere.goto(link);
      await viewIs(elsewhere, 'terminal');
      expect(await heading(elsewhere)).toBe('Enter this code in your original tab');
      expect(await elsewhere.locator('.gh-otp').textContent()).toMatch(
        new RegExp(`^Enter this code in your original tab:\\s+${otp}$`),
      );
      expect(idxCalls).toEqual([]);
      expect(await axeScan(elsewhere, other)).toEqual([]);
      // The user types it where they started.
      await original.getByRole('button', { name: 'Enter a code instead' }).click();
      await original.getByLabel('Verification code').fill(otp);
      await original.keyboard.press('Enter');
      expect((await outcome(original)).status).toBe('SUCCESS');
      expectClean(first);
      expectClean(other);
    } finally {
      await first.close();
      await other.close();
    }
  });
});
