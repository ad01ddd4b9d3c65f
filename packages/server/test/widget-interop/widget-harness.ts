/**
 * Drives the real `@okta/okta-signin-widget` bundle (served from node_modules, never a CDN) in
 * headless Chromium against a running Gatehouse. The app page lives on http://localhost:<port>
 * (a secure context, so PKCE works) and Gatehouse on http://127.0.0.1:<port>: two origins, as in
 * production, so CORS is exercised too (docs/protocol/idx-protocol.md §1.2, §3, §15).
 */

import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IdxResponse } from '@gatehouse/protocol';
import { type Browser, type BrowserContext, chromium, type Page, type Response } from 'playwright-core';
import { expect, onTestFailed } from 'vitest';
import type { AppPolicyInput } from '../../src/apps/app-service.js';
import type { DeepPartial } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import type { App } from '../../src/storage/apps-store.js';
import { saveScreenshots } from '../support/failure-screenshots.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startWidgetApp, WIDGET_DIST } from './widget-app.js';

const RESULTS_DIR = fileURLToPath(new URL('../../../../test-results/widget-interop/', import.meta.url));
const DOCS_IMG_DIR = fileURLToPath(new URL('../../../../docs/guides/img/', import.meta.url));

/** The widget version under test, read from the installed package. */
export const WIDGET_VERSION: string = JSON.parse(
  readFileSync(join(WIDGET_DIST, '..', 'package.json'), 'utf8'),
).version;

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Widget options the test may set through the page's query string. */
export interface PageOptions {
  state?: string;
  otp?: string;
  flow?: string;
  /** Another app's client id (from `WidgetEnv.createApp`); the default app's when absent. */
  clientId?: string;
  /** `showSignInAndRedirect()` instead of `showSignIn()`. */
  redirect?: boolean;
}

/** What `showSignIn()` resolved (or rejected) with, as the page exposes it on `window.widgetOutcome`. */
export interface WidgetOutcome {
  status?: string;
  idToken?: string;
  claims?: Record<string, unknown>;
  accessToken?: string;
  error?: string;
}

export interface WidgetEnv {
  server: TestServer;
  app: App;
  /** http://localhost:<port> */
  appUrl: string;
  redirectUri: string;
  browser: Browser;
  /** A fresh browser context ("browser profile") with diagnostics attached. */
  newSession(name: string): Promise<BrowserSession>;
  /** The URL of the app's sign-in page for the given widget options. */
  loginUrl(options?: PageOptions): string;
  /**
   * Another app with the same redirect, email-verify and origin URIs (its page: `loginUrl({clientId})`).
   * Its emails link to the callback without the client id, which serves the default app's widget.
   */
  createApp(policy: AppPolicyInput): Promise<App>;
  close(): Promise<void>;
}

export interface WidgetEnvOptions {
  policy?: AppPolicyInput;
  config?: DeepPartial<ConfigInput>;
}

export async function startWidgetEnv(options: WidgetEnvOptions = {}): Promise<WidgetEnv> {
  const server = await startTestServer(options.config ? { config: options.config } : {});
  let clientId = '';
  const appServer = await startWidgetApp({ issuer: server.issuer, clientId: () => clientId });
  const { url: appUrl, redirectUri } = appServer;
  const createApp = async (policy: AppPolicyInput | undefined) =>
    (
      await server.createApp({
        redirectUris: [redirectUri],
        emailVerifyUri: redirectUri,
        trustedOrigins: [appUrl],
        postLogoutRedirectUris: [`${appUrl}/`],
        ...(policy ? { policy } : {}),
      })
    ).app;
  const app = await createApp(options.policy);
  clientId = app.clientId;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const env: WidgetEnv = {
    server,
    app,
    appUrl,
    redirectUri,
    browser,
    async newSession(name) {
      return BrowserSession.open(browser, name, appUrl, server.url);
    },
    loginUrl(page = {}) {
      const query = new URLSearchParams();
      if (page.state) query.set('state', page.state);
      if (page.otp) query.set('otp', page.otp);
      if (page.flow) query.set('flow', page.flow);
      if (page.clientId) query.set('clientId', page.clientId);
      if (page.redirect) query.set('redirect', '1');
      const search = query.toString();
      return `${appUrl}/login${search ? `?${search}` : ''}`;
    },
    createApp,
    async close() {
      await browser.close();
      await appServer.close();
      await server.close();
    },
  };
  return env;
}

/** One browser context ("browser profile") and everything its pages logged. */
export class BrowserSession {
  readonly problems: string[] = [];
  /** Every request the session's pages made; `page` is the tab's number (1 = first opened). */
  readonly requests: Array<{
    page: number;
    method: string;
    url: string;
    headers: Record<string, string>;
    body: string | null;
  }> = [];
  readonly pages: Page[] = [];
  /**
   * Every request to Gatehouse and its answer, in the order the tabs saw them, for failure reports:
   * `+ms tab → METHOD path` when sent, `+ms tab ← status METHOD path [remediations]` when answered.
   */
  readonly traffic: string[] = [];
  private readonly openedAt = Date.now();

  private constructor(
    readonly name: string,
    readonly context: BrowserContext,
    private readonly gatehouseUrl: string,
  ) {}

  static async open(
    browser: Browser,
    name: string,
    appUrl: string,
    gatehouseUrl: string,
  ): Promise<BrowserSession> {
    const allowedOrigins = [appUrl, gatehouseUrl];
    const context = await browser.newContext();
    const session = new BrowserSession(name, context, gatehouseUrl);
    // Everything must come from the app or Gatehouse: no CDN, no third party.
    await context.route(
      (url) => !allowedOrigins.includes(url.origin),
      (route) => {
        session.problems.push(`external request blocked: ${route.request().url()}`);
        return route.abort();
      },
    );
    context.on('page', (page) => session.track(page));
    return session;
  }

  async newPage(): Promise<Page> {
    return this.context.newPage();
  }

  private track(page: Page) {
    const index = this.pages.push(page);
    const tag = `${this.name}#${index}`;
    page.on('console', (msg) => {
      if (msg.type() === 'error') this.problems.push(`${tag} console.error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => this.problems.push(`${tag} page error: ${err.message}`));
    page.on('requestfailed', (req) => {
      // A navigation (reload, redirect) cancels what the old document was loading: not an error.
      const reason = req.failure()?.errorText ?? '';
      if (reason !== 'net::ERR_ABORTED')
        this.problems.push(`${tag} request failed: ${req.method()} ${req.url()} ${reason}`);
    });
    const log = (arrow: string, method: string, url: string) => {
      const line = `+${Date.now() - this.openedAt}ms ${tag} ${arrow} ${method} ${new URL(url).pathname}`;
      return this.traffic.push(line) - 1;
    };
    page.on('response', (res) => {
      if (!res.url().startsWith(this.gatehouseUrl)) return;
      const at = log(`← ${res.status()}`, res.request().method(), res.url());
      // The steps an IDX answer offers (filled in when its body is read): which page it renders.
      res.json().then(
        (body: IdxResponse) => {
          const names = body.remediation?.value.map((form) => form.name) ?? [];
          this.traffic[at] += ` [${names.join(', ')}]`;
        },
        () => undefined,
      );
    });
    page.on('request', (req) => {
      if (req.url().startsWith(this.gatehouseUrl)) log('→', req.method(), req.url());
      this.requests.push({
        page: index,
        method: req.method(),
        url: req.url(),
        headers: req.headers(),
        body: req.postData(),
      });
    });
  }

  /** The title of the form each open tab shows, for failure reports. */
  async formTitles(): Promise<string[]> {
    const titles = this.pages.map(async (page, i) => {
      if (page.isClosed()) return `${this.name}#${i + 1}: (closed)`;
      const title = await page
        .locator('.okta-form-title')
        .allInnerTexts()
        .catch((err: Error) => [`(unreadable: ${err.message})`]);
      return `${this.name}#${i + 1}: ${title.join(' | ') || '(no form title)'}`;
    });
    return Promise.all(titles);
  }

  screenshots(testName: string): Promise<string[]> {
    return saveScreenshots(RESULTS_DIR, testName, this.name, this.pages);
  }

  close(): Promise<void> {
    return this.context.close();
  }
}

/**
 * Runs a browser test; on failure saves screenshots to test-results/widget-interop/ and reports the
 * pages' console errors, the form each tab shows and the Gatehouse traffic in order: in the failure
 * message when the body throws, on stderr when the test times out (the body is then still waiting).
 * Any console error, page error or blocked request not matched by `expectedErrors` (e.g. the 401 of
 * a wrong password) fails the test. Sessions are closed in every case.
 */
export async function withBrowser(
  env: WidgetEnv,
  testName: string,
  body: (open: (name: string) => Promise<BrowserSession>) => Promise<void>,
  expectedErrors: RegExp[] = [],
): Promise<void> {
  const sessions: BrowserSession[] = [];
  const open = async (name: string) => {
    const session = await env.newSession(name);
    sessions.push(session);
    return session;
  };
  let reported = false;
  const report = async () => {
    reported = true;
    const shots = (await Promise.all(sessions.map((s) => s.screenshots(testName)))).flat();
    const problems = sessions.flatMap((s) => s.problems);
    const titles = (await Promise.all(sessions.map((s) => s.formTitles()))).flat();
    const traffic = sessions.flatMap((s) => s.traffic);
    return (
      `\n--- browser problems (${problems.length}) ---\n${problems.join('\n') || '(none)'}` +
      `\n--- forms shown ---\n${titles.join('\n') || '(none)'}` +
      `\n--- Gatehouse traffic ---\n${traffic.join('\n') || '(none)'}` +
      `\n--- screenshots ---\n${shots.join('\n') || '(none)'}`
    );
  };
  onTestFailed(async () => {
    if (!reported) console.error(`${testName}: failed while waiting${await report()}`);
  });
  try {
    await body(open);
    const unexpected = sessions
      .flatMap((s) => s.problems)
      .filter((p) => !expectedErrors.some((re) => re.test(p)));
    expect(unexpected, 'unexpected browser errors').toEqual([]);
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    error.message += await report();
    throw error;
  } finally {
    await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
  }
}

/** The console error Chromium logs for an expected IDX 401 (wrong password or code, expired). */
export const HTTP_401 = /console\.error: Failed to load resource: the server responded with a status of 401/;

/** The console error Chromium logs for an expected IDX 400 (a field refused: taken email, weak password). */
export const HTTP_400 = /console\.error: Failed to load resource: the server responded with a status of 400/;

/** The paths a session's tabs (or tab number `tab`, 1 = first opened) POSTed to Gatehouse, in order. */
export function idxPosts(env: WidgetEnv, session: BrowserSession, tab?: number): string[] {
  const posts = session.requests.filter((r) => r.method === 'POST' && r.url.startsWith(env.server.url));
  return posts.filter((r) => tab === undefined || r.page === tab).map((r) => new URL(r.url).pathname);
}

/** Gatehouse's answer to the next POST of `page` to `path`: start waiting before the submit. */
export function nextAnswer(env: WidgetEnv, page: Page, path: string): Promise<Response> {
  const url = `${env.server.url}${path}`;
  return page.waitForResponse((res) => res.url() === url && res.request().method() === 'POST', {
    timeout: 10_000,
  });
}

/**
 * With GATEHOUSE_SCREENSHOTS=1 in the environment, saves the widget as the docs show it:
 * docs/guides/img/okta-widget-<name>.png, the widget's card with a 10 px margin (420 px wide),
 * no focus ring or caret. Does nothing otherwise. The sign-up and unlock tests take the pictures:
 * `GATEHOUSE_SCREENSHOTS=1 npx vitest run packages/server/test/widget-interop/registration.test.ts
 * packages/server/test/widget-interop/account-unlock.test.ts` regenerates them.
 */
export async function docsScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.GATEHOUSE_SCREENSHOTS !== '1') return;
  // The widget fades views in and focuses a field a moment after rendering.
  await page.waitForTimeout(600);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const margin = 10;
  const clip = await page.locator('#okta-sign-in').evaluate((card, m) => {
    const box = card.getBoundingClientRect();
    return {
      x: box.left + window.scrollX - m,
      y: box.top + window.scrollY - m,
      width: box.width + 2 * m,
      height: box.height + 2 * m,
    };
  }, margin);
  await mkdir(DOCS_IMG_DIR, { recursive: true });
  await page.screenshot({
    path: join(DOCS_IMG_DIR, `okta-widget-${name}.png`),
    clip,
    fullPage: true,
    animations: 'disabled',
    caret: 'hide',
  });
}

/** The text a user sees in `selector` (the widget keeps hidden callouts in the DOM). */
export function visibleText(page: Page, selector = '#widget'): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: rendered text is the point here.
  return page.locator(selector).innerText();
}

/** Waits until the widget shows every one of `texts` (fails naming those it never showed). */
export async function expectShown(page: Page, texts: string[], timeout = 10_000): Promise<void> {
  const missing = async () => {
    const shown = await visibleText(page);
    return texts.filter((text) => !shown.includes(text));
  };
  await expect.poll(missing, { timeout }).toEqual([]);
}

const lastSubmit = new WeakMap<Page, number>();

/**
 * Submits the widget's current form as a user would. The widget drops a submit that follows the
 * previous one within 200 ms (courage BaseForm throttles `__save`, trailing: false), which a
 * quick retry after a fast 401 would hit; so submits on one page are kept 300 ms apart.
 */
export async function submitForm(page: Page): Promise<void> {
  const button = page.locator('.o-form-button-bar input[type="submit"]:not(.link-button-disabled)');
  await button.waitFor();
  const wait = (lastSubmit.get(page) ?? 0) + 300 - Date.now();
  if (wait > 0) await page.waitForTimeout(wait);
  await button.click();
  lastSubmit.set(page, Date.now());
}

/**
 * Fills fields of the form the widget shows, without depending on keyboard focus. The widget focuses
 * a field of each form it renders (`features.autoFocus`, on by default) a moment after the form
 * appears; typing into another field meanwhile sends the rest of the text to the focused one (seen:
 * a new password entered twice into the first field, the second field left empty). So each value is
 * set on its input and announced with the `input` and `change` events the widget listens to, then
 * checked.
 */
export async function fillForm(page: Page, values: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(values)) {
    const input = page.locator(`input[name="${name}"]`);
    await input.waitFor();
    await input.evaluate((element, text) => {
      const field = element as HTMLInputElement;
      field.value = text;
      field.dispatchEvent(new Event('input', { bubbles: true }));
      field.dispatchEvent(new Event('change', { bubbles: true }));
    }, value);
  }
  for (const [name, value] of Object.entries(values))
    expect(await page.locator(`input[name="${name}"]`).inputValue(), `the ${name} field`).toBe(value);
}

/** Waits for `showSignIn()` to settle and returns what it produced. */
export async function widgetOutcome(page: Page, timeout = 15_000): Promise<WidgetOutcome> {
  await page.waitForFunction(() => (globalThis as { widgetOutcome?: unknown }).widgetOutcome, null, {
    timeout,
  });
  return page.evaluate(() => (globalThis as unknown as { widgetOutcome: WidgetOutcome }).widgetOutcome);
}

export interface MailboxMessage {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  sentAt: string;
}

/** The newest message Gatehouse's dev mailbox holds for `to`, waiting briefly for it to arrive. */
export async function latestEmail(server: TestServer, to: string): Promise<MailboxMessage> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await fetch(`${server.url}/dev/mailbox/api/messages?to=${encodeURIComponent(to)}`);
    expect(res.status).toBe(200);
    const messages = (await res.json()) as MailboxMessage[];
    if (messages.length > 0) return messages[0]!;
    if (Date.now() > deadline) throw new Error(`no email for ${to}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The one-time code and the magic link of an email-challenge message. */
export function parseEmailChallenge(message: MailboxMessage): { otp: string; link: URL } {
  const link = /https?:\/\/[^\s"<>]+\?[^\s"<>]*otp=[^\s"<>]+/.exec(message.text)?.[0];
  if (!link) throw new Error(`no magic link in ${message.text}`);
  const url = new URL(link);
  const otp = url.searchParams.get('otp');
  if (!otp) throw new Error(`no otp in ${link}`);
  // The code is also in the body for typing (docs/protocol/idx-protocol.md §9.1).
  expect(message.text.replace(link, '')).toContain(otp);
  return { otp, link: url };
}
