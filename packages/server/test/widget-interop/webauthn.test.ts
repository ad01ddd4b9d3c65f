/**
 * The real sign-in widget with passkeys (docs/protocol/idx-protocol-2.md §6; issue 15): Chromium's
 * DevTools virtual authenticator (`WebAuthn.addVirtualAuthenticator` over CDP: CTAP2, internal,
 * resident keys, user verification) answers `navigator.credentials.create()` / `.get()` as a
 * platform passkey would. A passkey set up during a sign-in that requires one, a sign-in with it,
 * passkey only, and a cloned key (its credential copied into another authenticator with an older
 * signature counter) refused.
 */
import type { CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/storage/apps-store.js';
import {
  type BrowserSession,
  docsScreenshot,
  expectShown,
  fillForm,
  idxPosts,
  nextAnswer,
  startWidgetEnv,
  submitForm,
  visibleText,
  WIDGET_VERSION,
  type WidgetEnv,
  widgetOutcome,
  withBrowser,
} from './widget-harness.js';

/** Chromium logs Gatehouse's 403 for a refused assertion. */
const HTTP_403 = /console\.error: Failed to load resource: the server responded with a status of 403/;

interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

/** A platform passkey for `page`: Chromium's virtual authenticator, the user always verified. */
async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
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
  return { cdp, id: authenticatorId };
}

async function credentialsOf(authenticator: { cdp: CDPSession; id: string }): Promise<VirtualCredential[]> {
  const { credentials } = await authenticator.cdp.send('WebAuthn.getCredentials', {
    authenticatorId: authenticator.id,
  });
  return credentials as VirtualCredential[];
}

/** Username and password on the widget's first page. */
async function signInWithPassword(env: WidgetEnv, page: Page, login: string, password: string, app?: App) {
  await page.goto(env.loginUrl(app ? { clientId: app.clientId } : {}));
  await fillForm(page, { identifier: login, 'credentials.passcode': password });
  await submitForm(page);
}

describe(`sign-in widget ${WIDGET_VERSION}: passkeys (WebAuthn) with Chromium's virtual authenticator`, () => {
  let env: WidgetEnv;
  beforeAll(async () => {
    env = await startWidgetEnv({ policy: { factors: 'password,webauthn', selfServiceRecovery: false } });
  });
  afterAll(() => env?.close());

  it('sets a passkey up during sign-in, then signs in with it; a cloned key is refused', async () => {
    const { user, password } = await env.server.createUser();
    await withBrowser(
      env,
      'webauthn enroll and sign in',
      async (open) => {
        const session: BrowserSession = await open('browser');
        const page = await session.newPage();
        const passkey = await virtualAuthenticator(page);

        await signInWithPassword(env, page, user.login, password);
        await page.locator('[data-se="webauthn"] .select-factor').waitFor({ timeout: 10_000 });
        await expectShown(page, ['Set up security methods']);
        await docsScreenshot(page, 'webauthn-choose');
        await page.locator('[data-se="webauthn"] .select-factor').click();
        await page.locator('.webauthn-setup').waitFor({ timeout: 10_000 });
        // The widget titles a non-default display name as given (Okta's own is "Security Key or Biometric").
        await expectShown(page, ['Set up Security key or biometric authenticator', 'Set up']);
        await docsScreenshot(page, 'webauthn-enroll');
        await page.locator('.webauthn-setup').click();
        const enrolled = await widgetOutcome(page);
        expect(enrolled.error).toBeUndefined();
        expect(enrolled.status).toBe('SUCCESS');
        expect(enrolled.claims?.sub).toBe(user.id);
        expect(enrolled.claims?.amr).toEqual(['pwd', 'hwk', 'mfa']);
        const [credential] = await credentialsOf(passkey);
        expect(credential?.rpId).toBe('localhost');
        const [stored] = await env.server.services.storage.enrollments.listByUser(user.id);
        // CDP gives the id in standard base64; Gatehouse keeps base64url.
        expect(stored?.credentialId).toBe(
          Buffer.from(credential!.credentialId, 'base64').toString('base64url'),
        );
        expect(stored?.data.transports).toEqual(['internal']);
        // The widget posted clientData and attestation (standard base64), transports and client extensions
        // (docs/protocol/idx-protocol-2.md §6.2).
        const body = JSON.parse(
          session.requests.filter((r) => r.url.endsWith('/idp/idx/challenge/answer')).at(-1)!.body!,
        ) as { credentials: Record<string, string> };
        expect(Object.keys(body.credentials).sort()).toEqual(
          ['attestation', 'clientData', 'clientExtensions', 'transports'].sort(),
        );
        for (const name of ['clientData', 'attestation'])
          expect(body.credentials[name], name).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
        expect(body.credentials.transports).toBe('["internal"]');

        // Again: the password, the list, and the passkey's challenge starts by itself.
        await signInWithPassword(env, page, user.login, password);
        await page.locator('[data-se="webauthn"] .select-factor').waitFor({ timeout: 10_000 });
        await docsScreenshot(page, 'webauthn-select');
        await page.locator('[data-se="webauthn"] .select-factor').click();
        const signedIn = await widgetOutcome(page);
        expect(signedIn.error).toBeUndefined();
        expect(signedIn.status).toBe('SUCCESS');
        expect(signedIn.claims?.amr).toEqual(['pwd', 'hwk', 'mfa']);
        const counter = (await credentialsOf(passkey))[0]!.signCount;
        expect((await env.server.services.storage.enrollments.listByUser(user.id))[0]!.counter).toBe(counter);
        expect(idxPosts(env, session).slice(-5)).toEqual([
          '/idp/idx/introspect',
          '/idp/idx/identify',
          '/idp/idx/challenge',
          '/idp/idx/challenge/answer',
          '/oauth2/default/v1/token',
        ]);

        // A clone: the same credential in another authenticator whose counter is behind.
        await passkey.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: passkey.id });
        const clone = await virtualAuthenticator(page);
        await clone.cdp.send('WebAuthn.addCredential', {
          authenticatorId: clone.id,
          credential: { ...credential!, signCount: counter - 1 },
        });
        await signInWithPassword(env, page, user.login, password);
        await page.locator('[data-se="webauthn"] .select-factor').click({ timeout: 10_000 });
        await expect
          .poll(() => visibleText(page), { timeout: 10_000 })
          .toContain('You are currently unable to use a Security key or biometric authenticator');
        await docsScreenshot(page, 'webauthn-refused');
        const events = await env.server.services.storage.events.listForUser(user.id);
        expect(events.map((e) => e.type)).toContain('user.mfa.factor.clone_suspected');
      },
      [HTTP_403],
    );
  });
  it('passkey only: the username, then the passkey (user verified) signs in', async () => {
    const passkeyOnly = await env.createApp({
      factors: 'webauthn',
      identifierFirst: true,
      selfServiceRecovery: false,
    });
    const { user, password } = await env.server.createUser();
    await withBrowser(env, 'webauthn passkey only', async (open) => {
      const session = await open('browser');
      const page = await session.newPage();
      const passkey = await virtualAuthenticator(page);
      // The passkey is set up where the policy asks for password and passkey.
      await signInWithPassword(env, page, user.login, password);
      await page.locator('[data-se="webauthn"] .select-factor').click({ timeout: 10_000 });
      await page.locator('.webauthn-setup').click({ timeout: 10_000 });
      expect((await widgetOutcome(page)).status).toBe('SUCCESS');
      expect(await credentialsOf(passkey)).toHaveLength(1);

      await page.goto(env.loginUrl({ clientId: passkeyOnly.clientId }));
      await fillForm(page, { identifier: user.login });
      await submitForm(page);
      const challenge = nextAnswer(env, page, '/idp/idx/challenge');
      await page.locator('[data-se="webauthn"] .select-factor').click({ timeout: 10_000 });
      // The request options ask the authenticator to verify the user.
      const shown = (await (await challenge).json()) as {
        currentAuthenticator: { value: { contextualData: { challengeData: Record<string, unknown> } } };
      };
      expect(shown.currentAuthenticator.value.contextualData.challengeData).toMatchObject({
        userVerification: 'required',
        rpId: 'localhost',
      });
      const outcome = await widgetOutcome(page);
      expect(outcome.error).toBeUndefined();
      expect(outcome.status).toBe('SUCCESS');
      expect(outcome.claims?.sub).toBe(user.id);
      expect(outcome.claims?.aud).toBe(passkeyOnly.clientId);
      expect(outcome.claims?.amr).toEqual(['hwk']);
    });
  });
});
