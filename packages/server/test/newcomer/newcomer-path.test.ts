/**
 * The newcomer's path (issue 18, "Done means"): a fresh data directory, the built `gatehouse start`,
 * then in Chromium: open `/`, follow the playground, sign in with the demo credentials the start
 * printed and see the tokens; sign out; sign in again by the magic link from the dev mailbox and
 * see the tokens. With GATEHOUSE_SCREENSHOTS=1 it also writes the getting-started guide's pictures,
 * docs/guides/img/newcomer-home.png and newcomer-playground.png:
 * `GATEHOUSE_SCREENSHOTS=1 npx vitest run packages/server/test/newcomer/newcomer-path.test.ts`.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeBrowserBundle } from '../../../sdk/scripts/build-browser.mjs';
import { buildWidget } from '../../../widget/scripts/build.mjs';
import { AXE_PATH, axeViolations, launchChromium } from '../../../widget/test/support/chromium.js';
import {
  BUILD_TIMEOUT_MS,
  buildCli,
  killAllServers,
  type RunningServer,
  startServer,
  TempDirs,
} from '../cli/cli-harness.js';
import { saveScreenshots } from '../support/failure-screenshots.js';
import { freePort } from '../support/test-server.js';

const DOCS_IMG_DIR = fileURLToPath(new URL('../../../../docs/guides/img/', import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL('../../../../test-results/newcomer/', import.meta.url));

/** With GATEHOUSE_SCREENSHOTS=1: the whole page as the guide shows it, no focus ring. */
async function guideScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.GATEHOUSE_SCREENSHOTS !== '1' && process.env.UPDATE_SCREENSHOTS !== '1') return;
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await mkdir(DOCS_IMG_DIR, { recursive: true });
  await page.screenshot({ path: join(DOCS_IMG_DIR, `${name}.png`), fullPage: true });
}

/**
 * axe-core's serious and critical findings. The pages' CSP forbids an injected script tag, so axe
 * is evaluated over the DevTools protocol, which the page's CSP does not govern.
 */
async function accessibilityViolations(page: Page): Promise<unknown[]> {
  await page.evaluate(await readFile(AXE_PATH, 'utf8'));
  return axeViolations(page);
}

/** The playground's ID-token claims as shown: claim → the text of its cell. */
async function shownIdClaims(page: Page): Promise<Record<string, string>> {
  const idToken = page.locator('section', { has: page.getByRole('heading', { name: 'ID token' }) });
  const rows = idToken
    .locator('table', { has: page.locator('caption', { hasText: 'Claims' }) })
    .locator('tr');
  const entries: Array<[string, string]> = [];
  for (const row of await rows.all())
    entries.push([
      (await row.locator('th').textContent()) ?? '',
      (await row.locator('td').textContent()) ?? '',
    ]);
  return Object.fromEntries(entries);
}

/** From the playground to the hosted page: the demo user's login, then the way in chosen. */
async function startPlaygroundSignIn(
  context: BrowserContext,
  home: string,
  way: 'Password' | 'Email',
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${home}playground`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/signin');
  await page.getByLabel('Username').fill('demo@example.com');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: new RegExp(way) }).click();
  return page;
}

/** Waits for the playground to show tokens, and checks what it shows of them. */
async function expectTokensShown(page: Page, port: number): Promise<Record<string, string>> {
  await page.waitForURL(`http://localhost:${port}/playground`, { timeout: 20_000 });
  await expect
    .poll(() => page.locator('#playground-status').textContent(), { timeout: 15_000 })
    .toBe('Signed in as demo@example.com.');
  expect(await page.getByRole('button', { name: 'Sign in' }).isVisible()).toBe(false);
  for (const heading of ['ID token', 'Access token', 'Refresh token'])
    expect(await page.getByRole('heading', { name: heading, level: 2 }).isVisible()).toBe(true);
  const claims = await shownIdClaims(page);
  expect(claims).toMatchObject({
    iss: `http://localhost:${port}/oauth2/default`,
    aud: 'gatehouse-playground',
    email: 'demo@example.com',
  });
  // Times read as dates as well as epoch seconds.
  for (const claim of ['iat', 'exp', 'auth_time'])
    expect(claims[claim]).toMatch(/^\d{10} \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, .+\)$/);
  return claims;
}

describe('the newcomer path: gatehouse start, the home page, the playground', () => {
  const dirs = new TempDirs();
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let home: string;
  let password: string;
  const errors: string[] = [];

  beforeAll(async () => {
    buildCli();
    // What `npm run build` makes and the server serves: the widget and the SDK's browser build.
    await Promise.all([buildWidget(), writeBrowserBundle()]);
    const port = await freePort();
    server = await startServer(
      ['--data-dir', join(dirs.make('gatehouse-newcomer-'), 'data'), '--port', String(port)],
      {
        port,
        timeoutMs: 60_000,
      },
    );
    home = `http://localhost:${port}/`;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    // Only this server: any other destination fails the test.
    await context.route(
      (url) => url.hostname !== 'localhost',
      (route) => {
        errors.push(`blocked ${route.request().url()}`);
        return route.abort();
      },
    );
    context.on('page', (page) => {
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
    });
  }, BUILD_TIMEOUT_MS);

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail')
      await saveScreenshots(RESULTS_DIR, task.name, 'newcomer', context.pages());
    for (const page of context.pages()) await page.close();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    killAllServers();
    dirs.cleanup();
  });

  it('prints the demo credentials and where to go', () => {
    const stdout = server.stdout();
    expect(stdout).toContain('login:         demo@example.com');
    password = /^ {2}password: +(\S+)$/m.exec(stdout)?.[1] ?? '';
    expect(password).not.toBe('');
    expect(stdout).toContain(`Open ${home} for what is running and a playground`);
  });

  it('/ shows what runs (never the password), passes axe, and links to the playground', async () => {
    const page = await context.newPage();
    await page.goto(home);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'Gatehouse is running development',
    );
    const text = await page.locator('main').textContent();
    expect(text).toContain(`http://localhost:${server.port}/oauth2/default`);
    expect(text).toMatch(/SQLite file \/.+\/data\/gatehouse\.db/);
    expect(text).toContain('kept in the outbox, shown in the dev mailbox');
    expect(text).toContain('gatehouse-playground');
    expect(text).toContain('http://localhost:8080/login/callback');
    expect(text).toContain('demo@example.com');
    expect(text).not.toContain(password);
    for (const name of ['OpenID Connect discovery', 'Signing keys (JWKS)', 'Dev mailbox'])
      expect(await page.getByRole('link', { name }).isVisible()).toBe(true);
    expect(await accessibilityViolations(page)).toEqual([]);
    await guideScreenshot(page, 'newcomer-home');

    await page.getByRole('link', { name: 'Open the playground' }).click();
    await page.waitForURL(`${home}playground`);
    await expect
      .poll(() => page.locator('#playground-status').textContent(), { timeout: 15_000 })
      .toBe('Not signed in.');
  }, 60_000);

  it('the playground signs in with the printed password, shows the tokens decoded, and signs out', async () => {
    const page = await startPlaygroundSignIn(context, home, 'Password');
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: /^(Verify|Sign in)$/ }).click();

    const claims = await expectTokensShown(page, server.port);
    expect(claims.amr).toBe('["pwd"]');
    await page.reload();
    expect((await expectTokensShown(page, server.port)).sub).toBe(claims.sub);
    expect(await accessibilityViolations(page)).toEqual([]);
    await guideScreenshot(page, 'newcomer-playground');

    // Out through Gatehouse's logout and back: the same URL, a new page.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect
      .poll(() => page.locator('#playground-status').textContent(), { timeout: 15_000 })
      .toBe('Not signed in.');
    expect(await page.getByRole('heading', { name: 'ID token' }).isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Sign in' }).isVisible()).toBe(true);
  }, 60_000);

  it('the playground signs in by the magic link from the dev mailbox, in the same browser', async () => {
    await fetch(`${server.url}/dev/mailbox/api/messages`, { method: 'DELETE' });
    const page = await startPlaygroundSignIn(context, home, 'Email');
    await expect
      .poll(() => page.getByRole('heading', { level: 2 }).textContent(), { timeout: 15_000 })
      .toBe('Check your email');

    // The dev mailbox, as the home page links it: the email's link, opened in a new tab.
    const mailbox = await context.newPage();
    await mailbox.goto(`${home}dev/mailbox`);
    const message = await mailbox.locator('article pre').first().textContent();
    const link = /http:\/\/\S+\/email\/verify\?\S+/.exec(message ?? '')?.[0];
    expect(link).toBeDefined();
    await mailbox.goto(link!);

    const claims = await expectTokensShown(mailbox, server.port);
    expect(claims.amr).toContain('email');
    expect(errors).toEqual([]);
  }, 60_000);
});
