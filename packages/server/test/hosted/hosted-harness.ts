/**
 * Chromium against Gatehouse's hosted sign-in page (docs/adr/0012-hosted-sign-in.md) with real
 * relying parties on other loopback origins. Gatehouse runs on http://127.0.0.1:<port>; the apps
 * on http://localhost:<port> (a secure context, another site), as in production. A browser
 * profile may reach loopback origins only: anything else is blocked and fails the test.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Cookie, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { buildWidget } from '../../../widget/scripts/build.mjs';
import { launchChromium } from '../../../widget/test/support/chromium.js';
import type { DeepPartial } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { saveScreenshots } from '../support/failure-screenshots.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const RESULTS_DIR = fileURLToPath(new URL('../../../../test-results/hosted/', import.meta.url));
const DOCS_IMG_DIR = fileURLToPath(new URL('../../../../docs/guides/img/', import.meta.url));

/** The console error Chromium logs for an expected 401 (a wrong password or code). */
export const HTTP_401 = /Failed to load resource: the server responded with a status of 401/;

export interface HostedEnv {
  server: TestServer;
  browser: Browser;
  close(): Promise<void>;
}

export async function startHostedEnv(
  options: { config?: DeepPartial<ConfigInput> } = {},
): Promise<HostedEnv> {
  // The hosted page serves packages/widget/dist: built from the current sources, as the widget's
  // own end-to-end tests do (atomic writes, so a server reading it never sees half a file).
  await buildWidget();
  const server = await startTestServer(options.config ? { config: options.config } : {});
  const browser = await launchChromium();
  return {
    server,
    browser,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** One browser profile (a context: its own cookies) and what its pages reported. */
export class Profile {
  readonly problems: string[] = [];
  /** `status METHOD url` of every top-level navigation response, for failure reports. */
  readonly navigations: string[] = [];
  readonly pages: Page[] = [];

  private constructor(
    readonly name: string,
    readonly context: BrowserContext,
    private readonly gatehouseUrl: string,
  ) {}

  static async open(env: HostedEnv, name: string): Promise<Profile> {
    const context = await env.browser.newContext({ viewport: { width: 900, height: 900 } });
    const profile = new Profile(name, context, env.server.url);
    await context.route(
      (url) => url.hostname !== 'localhost' && url.hostname !== '127.0.0.1',
      (route) => {
        profile.problems.push(`external request blocked: ${route.request().url()}`);
        return route.abort();
      },
    );
    context.on('page', (page) => profile.track(page));
    return profile;
  }

  newPage(): Promise<Page> {
    return this.context.newPage();
  }

  /** Gatehouse's SSO session cookie in this profile (`gh_session` on http), or undefined. */
  async sessionCookie(): Promise<Cookie | undefined> {
    const cookies = await this.context.cookies(this.gatehouseUrl);
    return cookies.find((c) => c.name === 'gh_session');
  }

  /** Paths of the Gatehouse pages this profile's tabs navigated to, in order. */
  gatehousePaths(): string[] {
    return this.navigations
      .map((line) => line.split(' ')[2] ?? '')
      .filter((url) => url.startsWith(this.gatehouseUrl))
      .map((url) => new URL(url).pathname);
  }

  private track(page: Page) {
    const tag = `${this.name}#${this.pages.push(page)}`;
    page.on('console', (msg) => {
      if (msg.type() === 'error') this.problems.push(`${tag} console.error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => this.problems.push(`${tag} page error: ${err.message}`));
    page.on('response', (res) => {
      const req = res.request();
      if (req.isNavigationRequest() && req.frame() === page.mainFrame())
        this.navigations.push(`${res.status()} ${req.method()} ${res.url()}`);
    });
  }

  screenshots(testName: string): Promise<string[]> {
    return saveScreenshots(RESULTS_DIR, testName, this.name, this.pages);
  }

  close(): Promise<void> {
    return this.context.close();
  }
}

/**
 * Runs a browser test with fresh profiles; on failure saves screenshots to test-results/hosted/
 * and adds each profile's navigations and console errors to the message. A console error, page
 * error or blocked request not matched by `expectedErrors` fails the test. Profiles are closed.
 */
export async function withProfiles(
  env: HostedEnv,
  testName: string,
  body: (open: (name: string) => Promise<Profile>) => Promise<void>,
  expectedErrors: RegExp[] = [],
): Promise<void> {
  const profiles: Profile[] = [];
  const open = async (name: string) => {
    const profile = await Profile.open(env, name);
    profiles.push(profile);
    return profile;
  };
  try {
    await body(open);
    const unexpected = profiles
      .flatMap((p) => p.problems)
      .filter((p) => !expectedErrors.some((re) => re.test(p)));
    expect(unexpected, 'unexpected browser errors').toEqual([]);
  } catch (err) {
    const shots = (await Promise.all(profiles.map((p) => p.screenshots(testName)))).flat();
    const error = err instanceof Error ? err : new Error(String(err));
    for (const p of profiles)
      error.message += `\n--- ${p.name}: navigations ---\n${p.navigations.join('\n') || '(none)'}\n--- ${p.name}: problems ---\n${p.problems.join('\n') || '(none)'}`;
    error.message += `\n--- screenshots ---\n${shots.join('\n') || '(none)'}`;
    throw error;
  } finally {
    await Promise.all(profiles.map((p) => p.close().catch(() => undefined)));
  }
}

/** Waits until `page` shows Gatehouse's hosted page (`/signin?flow=…`) with the widget on `view`. */
export async function expectHostedPage(
  page: Page,
  server: TestServer,
  view = 'identify',
  timeout = 10_000,
): Promise<void> {
  await page.waitForURL((url) => url.origin === server.url && url.pathname === '/signin', { timeout });
  expect(new URL(page.url()).searchParams.get('flow')).toMatch(/^[A-Za-z0-9_-]{16,}$/);
  await page.locator(`#gatehouse-sign-in .gh-widget[data-gh-view="${view}"]`).waitFor({ timeout });
}

/** The text a user sees in `locator`: rendered text, hidden parts left out. */
export function shownText(locator: Locator, timeout = 5_000): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: rendered text is the point here.
  return locator.innerText({ timeout });
}

/** Waits until `locator` shows exactly `text` (trimmed), as the user sees it. */
export async function expectText(locator: Locator, text: string, timeout = 10_000): Promise<void> {
  const shown = () =>
    shownText(locator, 1_000).then(
      (t) => t.trim(),
      () => null,
    );
  await expect.poll(shown, { timeout }).toBe(text);
}

/** Waits until the hosted widget shows a view matching `view` (its `data-gh-view`); returns it. */
export async function widgetView(page: Page, view: string | RegExp, timeout = 10_000): Promise<string> {
  const widget = page.locator('#gatehouse-sign-in .gh-widget');
  await expect
    .poll(() => widget.getAttribute('data-gh-view', { timeout: 1_000 }).catch(() => null), { timeout })
    .toMatch(typeof view === 'string' ? new RegExp(`^${view}$`) : view);
  return (await widget.getAttribute('data-gh-view'))!;
}

/** The "Keep me signed in" checkbox of the identify form (Okta's `rememberMe` field). */
export const rememberMeBox = (page: Page) => page.getByRole('checkbox', { name: 'Keep me signed in' });

/**
 * Signs in with a password on the hosted identify form the browser shows (one-step, or
 * identifier-first with the password on the next view), ticking "Keep me signed in" when asked.
 */
export async function signInWithPassword(
  page: Page,
  credentials: { login: string; password: string; rememberMe?: boolean },
): Promise<void> {
  await page.getByLabel('Username').fill(credentials.login);
  if (credentials.rememberMe !== undefined) await rememberMeBox(page).setChecked(credentials.rememberMe);
  const password = page.getByLabel('Password', { exact: true });
  if (await password.isVisible()) {
    await password.fill(credentials.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    return;
  }
  await page.getByRole('button', { name: 'Next' }).click();
  await password.fill(credentials.password);
  await page.getByRole('button', { name: /^(Verify|Sign in)$/ }).click();
}

interface MailboxMessage {
  to: string;
  subject: string;
  text: string;
}

/** The code and magic link of the newest email to `to` once there are at least `count`. */
export async function waitForEmail(
  server: TestServer,
  to: string,
  count = 1,
): Promise<{ otp: string; link: URL }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await fetch(`${server.url}/dev/mailbox/api/messages?to=${encodeURIComponent(to)}`);
    expect(res.status).toBe(200);
    const messages = (await res.json()) as MailboxMessage[];
    if (messages.length >= count) {
      const text = messages[0]!.text;
      const link = /https?:\/\/\S+[?&]otp=\d{6}\S*/.exec(text)?.[0];
      const otp = link ? new URL(link).searchParams.get('otp') : null;
      if (!link || !otp) throw new Error(`no magic link in ${text}`);
      return { otp, link: new URL(link) };
    }
    if (Date.now() > deadline) throw new Error(`no email #${count} for ${to}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * With GATEHOUSE_SCREENSHOTS=1 (the repo's switch, as in widget-harness.ts; UPDATE_SCREENSHOTS=1
 * is accepted too), saves the hosted page as the guide shows it: docs/guides/img/hosted-<name>.png,
 * the sign-in card with 24 px of the page around it, no focus ring or caret. Does nothing otherwise.
 */
export async function docsScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.GATEHOUSE_SCREENSHOTS !== '1' && process.env.UPDATE_SCREENSHOTS !== '1') return;
  // The widget fades views in and focuses a field a moment after rendering.
  await page.waitForTimeout(600);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const clip = await page.locator('#gatehouse-sign-in').evaluate((card, m) => {
    const box = card.getBoundingClientRect();
    return {
      x: box.left + window.scrollX - m,
      y: box.top + window.scrollY - m,
      width: box.width + 2 * m,
      height: box.height + 2 * m,
    };
  }, 24);
  await mkdir(DOCS_IMG_DIR, { recursive: true });
  await page.screenshot({
    path: join(DOCS_IMG_DIR, `hosted-${name}.png`),
    clip,
    fullPage: true,
    animations: 'disabled',
    caret: 'hide',
  });
}
