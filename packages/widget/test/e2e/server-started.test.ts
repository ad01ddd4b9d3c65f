/**
 * End to end: option `interactionHandle` — the app's server started the interaction with the SDK
 * (`/v1/interact` with its own PKCE pair and nonce) and hands the widget only `state` and the
 * handle. The widget never calls `/v1/interact`, continues that interaction, and redirects with the
 * interaction code, which only the server (holding the verifier and nonce) can redeem.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthClient, memoryStorage } from '../../../sdk/src/index.js';
import { resolveOptions } from '../../src/options.js';
import { type E2EEnv, expectClean, startE2E, viewIs, waitForEmail } from '../support/e2e-env.js';

function serverSide(env: E2EEnv) {
  return createAuthClient({
    issuer: env.server.issuer,
    clientId: env.app.clientId,
    redirectUri: env.redirectUri,
    storage: memoryStorage(),
  });
}

/** Gatehouse requests the page made, other than loading the widget itself. */
function recordCalls(page: Page, env: E2EEnv): string[] {
  const calls: string[] = [];
  page.on('request', (req) => {
    if (req.url().startsWith(env.server.url) && !req.url().includes('/widget/'))
      calls.push(new URL(req.url()).pathname);
  });
  return calls;
}

async function callbackQuery(page: Page): Promise<Record<string, string>> {
  await page.waitForURL(/\/login\/callback\?/);
  return JSON.parse((await page.locator('#callback-query').textContent())!) as Record<string, string>;
}

describe('widget option interactionHandle (server-started interaction)', () => {
  let env: E2EEnv;
  beforeAll(async () => {
    env = await startE2E();
  });
  afterAll(() => env?.close());

  it('continues the server’s interaction without /v1/interact; only the server can redeem the code (nonce checked)', async () => {
    const { user, password } = await env.server.createUser();
    const auth = serverSide(env);
    const started = await auth.idx.start();
    expect(started.status).toBe('PENDING');
    const saved = auth.idx.getSavedTransaction()!;
    const session = await env.newSession();
    try {
      const page = await session.newPage();
      const calls = recordCalls(page, env);
      await page.goto(
        env.loginUrl({ state: saved.state, interactionHandle: saved.interactionHandle, redirect: true }),
      );
      await page.getByLabel('Username').fill(user.login);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const query = await callbackQuery(page);
      expect(query.state).toBe(saved.state);
      expect(query.interaction_code).toMatch(/\S/);
      expect(calls.some((path) => path.endsWith('/v1/interact'))).toBe(false);
      expect(calls.some((path) => path.endsWith('/v1/token'))).toBe(false);
      expect(calls).toContain('/idp/idx/introspect');
      // The server redeems with its verifier and validates the ID token, nonce included.
      const url = `${env.redirectUri}?${new URLSearchParams(query)}`;
      const tokens = await auth.idx.handleInteractionCodeRedirect(url);
      expect(tokens.claims?.sub).toBe(user.id);
      expect(tokens.claims?.nonce).toBe(saved.nonce);
      expectClean(session);
    } finally {
      await session.close();
    }
  });

  it('showSignIn() with interactionHandle also redirects (the widget has no verifier to exchange with)', async () => {
    const { user, password } = await env.server.createUser();
    const auth = serverSide(env);
    await auth.idx.start();
    const saved = auth.idx.getSavedTransaction()!;
    const session = await env.newSession();
    try {
      const page = await session.newPage();
      await page.goto(env.loginUrl({ state: saved.state, interactionHandle: saved.interactionHandle }));
      await page.getByLabel('Username').fill(user.login);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const query = await callbackQuery(page);
      expect(query.state).toBe(saved.state);
      const tokens = await auth.idx.handleInteractionCodeRedirect(
        `${env.redirectUri}?${new URLSearchParams(query)}`,
      );
      expect(tokens.claims?.sub).toBe(user.id);
      expectClean(session);
    } finally {
      await session.close();
    }
  });

  it('options: interactionHandle needs state, and excludes codeChallenge', () => {
    const base = {
      el: '#x',
      issuer: 'http://127.0.0.1:1/oauth2/default',
      clientId: 'c',
      redirectUri: 'http://x/cb',
    };
    expect(() => resolveOptions({ ...base, interactionHandle: 'h' })).toThrow(/needs the "state"/);
    expect(() => resolveOptions({ ...base, state: 's', interactionHandle: 'h', codeChallenge: 'c' })).toThrow(
      TypeError,
    );
    expect(resolveOptions({ ...base, state: 's', interactionHandle: 'h' }).interactionHandle).toBe('h');
  });
});

describe('widget option interactionHandle with otp (magic link the server vouched for)', () => {
  let env: E2EEnv;
  beforeAll(async () => {
    env = await startE2E({ policy: { factors: 'email', identifierFirst: true } });
  });
  afterAll(() => env?.close());

  it('otp + state + interactionHandle: resumes the server’s interaction, submits the code, redirects', async () => {
    const { user } = await env.server.createUser();
    const auth = serverSide(env);
    await auth.idx.authenticate({ username: user.login });
    const challenge = await auth.idx.proceed({ authenticator: 'okta_email' });
    expect(challenge.nextStep?.name).toBe('challenge-authenticator');
    const saved = auth.idx.getSavedTransaction()!;
    const { otp } = await waitForEmail(env.server, user.email);
    // A fresh browser profile: nothing saved in its storage; the handle alone lets it continue.
    const session = await env.newSession();
    try {
      const page = await session.newPage();
      const calls = recordCalls(page, env);
      await page.goto(
        env.loginUrl({ state: saved.state, otp, interactionHandle: saved.interactionHandle, redirect: true }),
      );
      const query = await callbackQuery(page);
      expect(query.state).toBe(saved.state);
      expect(calls).toContain('/idp/idx/challenge/answer');
      expect(calls.some((path) => path.endsWith('/v1/interact'))).toBe(false);
      const tokens = await auth.idx.handleInteractionCodeRedirect(
        `${env.redirectUri}?${new URLSearchParams(query)}`,
      );
      expect(tokens.claims?.sub).toBe(user.id);
      expectClean(session);
    } finally {
      await session.close();
    }
  });

  it('"Back to sign in" cancels: the same interaction starts over at identify, no /v1/interact; a new code signs in', async () => {
    const { user } = await env.server.createUser();
    const auth = serverSide(env);
    await auth.idx.authenticate({ username: user.login });
    await auth.idx.proceed({ authenticator: 'okta_email' });
    const saved = auth.idx.getSavedTransaction()!;
    const { otp: oldOtp } = await waitForEmail(env.server, user.email);
    const session = await env.newSession();
    try {
      const page = await session.newPage();
      const calls = recordCalls(page, env);
      await page.goto(
        env.loginUrl({ state: saved.state, interactionHandle: saved.interactionHandle, redirect: true }),
      );
      await viewIs(page, 'challenge-authenticator:okta_email');
      await page.getByRole('button', { name: 'Back to sign in' }).click();
      await viewIs(page, 'identify');
      expect(calls).toContain('/idp/idx/cancel');
      expect(calls.some((path) => path.endsWith('/v1/interact'))).toBe(false);
      // Sign in again in the same interaction: a new email, and the server still redeems the code.
      // Past the per-recipient resend interval (server time) first: Email, the only choice, is
      // chosen as soon as the username is in.
      env.server.clock.advance(61_000);
      await page.getByLabel('Username').fill(user.login);
      await page.getByRole('button', { name: 'Next' }).click();
      await viewIs(page, 'challenge-authenticator:okta_email');
      const { otp } = await waitForEmail(env.server, user.email, 2);
      expect(otp).not.toBe(oldOtp);
      await page.getByRole('button', { name: 'Enter a code instead' }).click();
      await page.getByLabel('Verification code').fill(otp);
      await page.getByRole('button', { name: 'Verify' }).click();
      const query = await callbackQuery(page);
      expect(query.state).toBe(saved.state);
      const tokens = await auth.idx.handleInteractionCodeRedirect(
        `${env.redirectUri}?${new URLSearchParams(query)}`,
      );
      expect(tokens.claims?.sub).toBe(user.id);
      expectClean(session);
    } finally {
      await session.close();
    }
  });

  it('otp + state without the handle in a fresh browser still shows the code for the original tab', async () => {
    const { user } = await env.server.createUser();
    const auth = serverSide(env);
    await auth.idx.authenticate({ username: user.login });
    await auth.idx.proceed({ authenticator: 'okta_email' });
    const saved = auth.idx.getSavedTransaction()!;
    const { otp } = await waitForEmail(env.server, user.email);
    const session = await env.newSession();
    try {
      const page = await session.newPage();
      await page.goto(env.loginUrl({ state: saved.state, otp, redirect: true }));
      await viewIs(page, 'terminal');
      expect(await page.locator('.gh-widget').textContent()).toContain(otp);
      expectClean(session);
    } finally {
      await session.close();
    }
  });
});
