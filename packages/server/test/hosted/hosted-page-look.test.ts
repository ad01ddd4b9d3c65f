/**
 * What the hosted page looks like (docs/adr/0012-hosted-sign-in.md, "The hosted page"): the
 * default page, an app's theme (`hostedPage`: brand name, colour, logo, title), "Keep me signed
 * in", and the French page (`ui_locales=fr`). With GATEHOUSE_SCREENSHOTS=1 (or UPDATE_SCREENSHOTS=1)
 * these tests also write the guide's pictures, docs/guides/img/hosted-*.png:
 * `GATEHOUSE_SCREENSHOTS=1 npx vitest run packages/server/test/hosted/hosted-page-look.test.ts`.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  docsScreenshot,
  expectHostedPage,
  expectText,
  type HostedEnv,
  rememberMeBox,
  shownText,
  startHostedEnv,
  withProfiles,
} from './hosted-harness.js';
import { type OpenIdClientRp, startOpenIdClientRp } from './openid-client-rp.js';

const THEME = { brandName: 'Acme Travel', primaryColor: '#0b6e4f', title: 'Sign in to Acme Travel' };

/** A small PNG logo drawn by Chromium itself (a green disc with an "A"), as a data: URI. */
async function drawLogo(env: HostedEnv): Promise<string> {
  const page = await env.browser.newPage();
  try {
    return await page.evaluate(() => {
      const canvas = document.createElement('canvas');
      canvas.width = 96;
      canvas.height = 96;
      const g = canvas.getContext('2d')!;
      g.fillStyle = '#0b6e4f';
      g.beginPath();
      g.arc(48, 48, 46, 0, 2 * Math.PI);
      g.fill();
      g.fillStyle = '#ffffff';
      g.font = 'bold 56px sans-serif';
      g.textAlign = 'center';
      g.textBaseline = 'middle';
      g.fillText('A', 48, 52);
      return canvas.toDataURL('image/png');
    });
  } finally {
    await page.close();
  }
}

describe('the hosted sign-in page: default, themed, "Keep me signed in", French', () => {
  let env: HostedEnv;
  let plain: OpenIdClientRp;
  let themed: OpenIdClientRp;
  let logo: string;
  beforeAll(async () => {
    env = await startHostedEnv();
    logo = await drawLogo(env);
    plain = await startOpenIdClientRp(env.server, { name: 'plain' });
    themed = await startOpenIdClientRp(env.server, { name: 'themed', hostedPage: { ...THEME, logo } });
  });
  afterAll(async () => {
    await plain?.close();
    await themed?.close();
    await env?.close();
  });

  const submitButton = (page: Page) => page.locator('#gatehouse-sign-in button[type="submit"]');

  it('default: the identify form (username, password, "Keep me signed in", Sign in)', async () => {
    await withProfiles(env, 'hosted default', async (open) => {
      const page = await (await open('browser')).newPage();
      await page.goto(plain.loginUrl());
      await expectHostedPage(page, env.server);
      await expectText(page.locator('#gatehouse-sign-in h2'), 'Sign in');
      expect(await page.getByLabel('Username').isVisible()).toBe(true);
      expect(await page.getByLabel('Password', { exact: true }).isVisible()).toBe(true);
      expect(await rememberMeBox(page).isVisible()).toBe(true);
      expect(await shownText(submitButton(page))).toBe('Sign in');
      expect(await shownText(page.locator('body'))).not.toContain(THEME.brandName);
      await docsScreenshot(page, 'sign-in');
    });
  });

  it("themed: the app's brand name, logo, colour and title", async () => {
    await withProfiles(env, 'hosted themed', async (open) => {
      const page = await (await open('browser')).newPage();
      await page.goto(themed.loginUrl());
      await expectHostedPage(page, env.server);
      // The brand names the document; `title` replaces the form's heading.
      expect(await page.title()).toBe(`Sign in · ${THEME.brandName}`);
      await expectText(page.locator('#gatehouse-sign-in h2'), THEME.title);
      // The logo, named by the brand (its text alternative).
      const img = page.getByRole('img', { name: THEME.brandName });
      expect(await img.getAttribute('src')).toBe(logo);
      expect(await img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(96);
      // #0b6e4f on the primary button.
      expect(await submitButton(page).evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(
        'rgb(11, 110, 79)',
      );
      await docsScreenshot(page, 'themed');
    });
  });

  it('"Keep me signed in" ticked, username filled', async () => {
    await withProfiles(env, 'hosted keep me signed in', async (open) => {
      const page = await (await open('browser')).newPage();
      await page.goto(plain.loginUrl());
      await expectHostedPage(page, env.server);
      await page.getByLabel('Username').fill('ada@example.com');
      await rememberMeBox(page).check();
      expect(await rememberMeBox(page).isChecked()).toBe(true);
      await docsScreenshot(page, 'keep-me-signed-in');
    });
  });

  it('login_hint pre-fills the username', async () => {
    await withProfiles(env, 'hosted login_hint', async (open) => {
      const page = await (await open('browser')).newPage();
      await page.goto(plain.loginUrl({ login_hint: 'ada@example.com' }));
      await expectHostedPage(page, env.server);
      expect(await page.getByLabel('Username').inputValue()).toBe('ada@example.com');
    });
  });

  it('ui_locales=fr: the page in French', async () => {
    await withProfiles(env, 'hosted french', async (open) => {
      const page = await (await open('browser')).newPage();
      await page.goto(plain.loginUrl({ ui_locales: 'fr-CA fr' }));
      await expectHostedPage(page, env.server);
      expect(await page.locator('#gatehouse-sign-in .gh-widget').getAttribute('lang')).toBe('fr');
      await expectText(page.locator('#gatehouse-sign-in h2'), 'Connexion');
      expect(await page.getByLabel("Nom d'utilisateur").isVisible()).toBe(true);
      expect(await page.getByLabel('Mot de passe', { exact: true }).isVisible()).toBe(true);
      expect(await page.getByRole('checkbox', { name: 'Rester connecté' }).isVisible()).toBe(true);
      expect(await shownText(submitButton(page))).toBe('Se connecter');
      await docsScreenshot(page, 'fr');
    });
  });
});
