/**
 * Passkeys (`webauthn`) through the served widget against a real Gatehouse, in Chromium with the
 * DevTools virtual authenticator (`WebAuthn.addVirtualAuthenticator` over CDP): the policy
 * `password,webauthn` sets one up at the first sign-in and signs in with it at the next (the
 * prompt starts by itself); a cloned key (its signature counter gone back) and a key the server
 * does not know (the same credential id, another private key) are refused with the server's
 * message and "Verify" to retry; a prompt the browser refuses says so.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  axeScan,
  cspViolations,
  type E2EEnv,
  heading,
  outcome,
  type Session,
  startE2E,
  viewIs,
  withSession,
} from '../support/e2e-env.js';

const SET_UP = 'Set up a passkey or security key';
const REFUSED = 'Your passkey or security key could not be verified. Try again or use another one.';

type SignedIn = { status: string; tokens: { idToken: { claims: { sub: string; amr: string[] } } } };

interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

/** A platform authenticator that verifies its user, answering at once (no real touch needed). */
async function virtualAuthenticator(session: Session, page: Page) {
  const cdp: CDPSession = await session.context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    async credentials(): Promise<VirtualCredential[]> {
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      return credentials as VirtualCredential[];
    },
    /** Replaces a credential by `changed` (a clone with another counter, or another key). */
    async replace(credential: VirtualCredential, changed: Partial<VirtualCredential>) {
      await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: credential.credentialId });
      await cdp.send('WebAuthn.addCredential', {
        authenticatorId,
        credential: { ...credential, ...changed },
      });
    },
    async userPresent(present: boolean) {
      await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled: present });
    },
  };
}

async function signInWithPassword(env: E2EEnv, page: Page, login: string, password: string): Promise<void> {
  await page.goto(env.loginUrl());
  await page.getByLabel('Username').fill(login);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The password, then the passkey chosen on the list (the prompt then starts by itself). */
async function toPasskeyChallenge(env: E2EEnv, page: Page, login: string, password: string) {
  await signInWithPassword(env, page, login, password);
  await viewIs(page, 'select-authenticator-authenticate');
  await page.getByRole('button', { name: /Security key or biometric/ }).click();
}

describe('passkeys (password,webauthn)', () => {
  let env: E2EEnv;
  beforeAll(async () => {
    env = await startE2E({ policy: { factors: 'password,webauthn', identifierFirst: false } });
  });
  afterAll(() => env?.close());

  /** A user who set a passkey up on this page's authenticator (signed in once). */
  async function enrolled(session: Session, page: Page) {
    const authenticator = await virtualAuthenticator(session, page);
    const { user, password } = await env.server.createUser();
    await signInWithPassword(env, page, user.login, password);
    await viewIs(page, 'select-authenticator-enroll');
    await page.getByRole('button', { name: /Security key or biometric/ }).click();
    await viewIs(page, 'enroll-authenticator:webauthn');
    return { authenticator, user, password };
  }

  it('set up at the first sign-in, then signs in with it: the prompt starts by itself', () =>
    withSession(env, async (session) => {
      const page = await session.newPage();
      const { authenticator, user, password } = await enrolled(session, page);
      expect(await heading(page)).toBe('Set up a passkey');
      expect(await page.locator('.gh-widget input').count()).toBe(0);
      expect(await axeScan(page, session)).toEqual([]);
      // Nothing is created before the user asks.
      expect(await authenticator.credentials()).toEqual([]);
      await page.getByRole('button', { name: SET_UP }).click();
      const first = (await outcome(page)) as SignedIn;
      expect(first.status).toBe('SUCCESS');
      expect(first.tokens.idToken.claims.sub).toBe(user.id);
      expect(first.tokens.idToken.claims.amr).toEqual(expect.arrayContaining(['pwd', 'mfa']));
      const [credential] = await authenticator.credentials();
      expect(credential?.rpId).toBe('localhost');
      const [stored] = await env.server.services.storage.enrollments.listByUser(user.id);
      expect(stored?.credentialId).toBe(
        Buffer.from(credential!.credentialId, 'base64').toString('base64url'),
      );
      // The transports the browser told went with the registration (the form declares them).
      expect(stored?.data.transports).toEqual(['internal']);

      await page.evaluate(() => {
        (window as unknown as { widgetOutcome: unknown }).widgetOutcome = null;
      });
      await toPasskeyChallenge(env, page, user.login, password);
      const second = (await outcome(page)) as SignedIn;
      expect(second.status).toBe('SUCCESS');
      expect(second.tokens.idToken.claims.sub).toBe(user.id);
      expect((await authenticator.credentials())[0]!.signCount).toBeGreaterThan(credential!.signCount);
      expect(await cspViolations(page)).toEqual([]);
    }));

  it("a cloned key (its counter gone back) and an unknown key: the server's refusal, Verify to retry", () =>
    withSession(env, async (session) => {
      const page = await session.newPage();
      const { authenticator, user, password } = await enrolled(session, page);
      await page.getByRole('button', { name: SET_UP }).click();
      expect(((await outcome(page)) as SignedIn).status).toBe('SUCCESS');
      await toPasskeyChallenge(env, page, user.login, password);
      await page.waitForFunction(() => (window as unknown as { widgetOutcome: unknown }).widgetOutcome);
      const [used] = await authenticator.credentials();
      expect(used!.signCount).toBeGreaterThan(1);

      // A copy of the key that has signed less than the original: a clone.
      await authenticator.replace(used!, { signCount: 0 });
      await toPasskeyChallenge(env, page, user.login, password);
      await page.locator('.gh-banner--error:visible').waitFor();
      expect(await page.locator('.gh-banner--error:visible').textContent()).toBe(REFUSED);
      const verify = page.getByRole('button', { name: 'Verify' });
      expect(await verify.isEnabled()).toBe(true);
      expect(await axeScan(page, session)).toEqual([]);
      const events = await env.server.services.storage.events.listForUser(user.id);
      expect(events.map((e) => e.type)).toContain('user.mfa.factor.clone_suspected');

      // The same credential id with another private key: no key of the user made the signature.
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      await authenticator.replace((await authenticator.credentials())[0]!, {
        privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
        signCount: 1000,
      });
      await toPasskeyChallenge(env, page, user.login, password);
      await page.locator('.gh-banner--error:visible').waitFor();
      expect(await page.locator('.gh-banner--error:visible').textContent()).toBe(REFUSED);
      // Verify tries again with the same challenge (still open: the signature proved nothing).
      const posts: string[] = [];
      page.on('request', (req) => {
        if (req.method() === 'POST' && req.url().endsWith('/idp/idx/challenge/answer')) posts.push(req.url());
      });
      await verify.click();
      await expect.poll(() => posts.length).toBe(1);
      await page.locator('.gh-banner--error:visible').waitFor();
      expect(await page.locator('.gh-banner--error:visible').textContent()).toBe(REFUSED);
      // Chromium logs each refusal (403) as a failed resource (when it gets to it): expected here.
      const others = session.problems.filter((p) => !p.includes('status of 403 (Forbidden)'));
      session.problems.splice(0, Infinity, ...others);
    }));

  it('passkey only (--policy webauthn): the username, then the passkey alone signs in', () =>
    withSession(env, async (session) => {
      const { app } = await env.server.createApp({
        redirectUris: [env.redirectUri],
        trustedOrigins: [env.appUrl],
        policy: { factors: 'webauthn', identifierFirst: true, selfServiceRecovery: false },
      });
      const page = await session.newPage();
      const { user } = await enrolled(session, page);
      await page.getByRole('button', { name: SET_UP }).click();
      expect(((await outcome(page)) as SignedIn).status).toBe('SUCCESS');

      await page.goto(env.loginUrl({ clientId: app.clientId }));
      await page.getByLabel('Username').fill(user.login);
      await page.getByRole('button', { name: 'Next' }).click();
      await viewIs(page, 'select-authenticator-authenticate');
      await page.getByRole('button', { name: /Security key or biometric/ }).click();
      const signedIn = (await outcome(page)) as SignedIn;
      expect(signedIn.status).toBe('SUCCESS');
      expect(signedIn.tokens.idToken.claims.sub).toBe(user.id);
      // One authenticator proven: no `mfa`.
      expect(signedIn.tokens.idToken.claims.amr).toEqual(['hwk']);
    }));

  it('the browser refuses the prompt: a readable message, Verify to retry, then signed in', () =>
    withSession(env, async (session) => {
      const page = await session.newPage();
      const { authenticator, user, password } = await enrolled(session, page);
      await page.getByRole('button', { name: SET_UP }).click();
      expect(((await outcome(page)) as SignedIn).status).toBe('SUCCESS');
      // The credential is gone from this device: the browser finds none of the allowed ones.
      const [credential] = await authenticator.credentials();
      await page.addInitScript(() => {
        // Without a credential Chromium waits for the prompt's timeout: the page's abort stands
        // in for the user closing the dialog.
        const get = navigator.credentials.get.bind(navigator.credentials);
        navigator.credentials.get = (options) => {
          const controller = new AbortController();
          setTimeout(() => controller.abort(), 300);
          return get({ ...options, signal: controller.signal });
        };
      });
      await authenticator.replace(credential!, { credentialId: Buffer.from('another').toString('base64') });
      await toPasskeyChallenge(env, page, user.login, password);
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toBe(
        'The request was cancelled or timed out, or no passkey was found. Try again.',
      );
      const verify = page.getByRole('button', { name: 'Verify' });
      expect(await verify.evaluate((el) => el === document.activeElement)).toBe(true);
      await authenticator.replace((await authenticator.credentials())[0]!, {
        credentialId: credential!.credentialId,
      });
      await verify.click();
      expect(((await outcome(page)) as SignedIn).status).toBe('SUCCESS');
    }));
});
