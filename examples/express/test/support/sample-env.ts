/**
 * The sample next to a real Gatehouse: Gatehouse on http://127.0.0.1:<port> (in-memory SQLite,
 * serving the built widget), the sample in-process on http://localhost:<port> (another origin),
 * registered as an app with its callback URIs (embedded and redirect sign-in), sign-in page, sign-up and unlock on (as
 * `npm run example` registers it), the sample's custom Forgot Password template set, and headless
 * Chromium with one fresh context per test.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { AppPolicyInput } from '../../../../packages/server/src/apps/app-service.js';
import type { App } from '../../../../packages/server/src/storage/apps-store.js';
import {
  freePort,
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from '../../../../packages/server/test/support/test-server.js';
import { buildWidget, describe as describeWidget } from '../../../../packages/widget/scripts/build.mjs';
import { createSampleApp, type SampleApp } from '../../src/app.js';
import { loadConfig, type SampleConfig } from '../../src/config.js';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const TEMPLATE_DIR = new URL('../../templates/', import.meta.url);
/** The app URL written in the shipped template (what `npm run example` uses). */
const TEMPLATE_APP_URL = 'http://localhost:8080';

export interface SampleEnvOptions {
  policy?: AppPolicyInput;
  config?: Partial<SampleConfig>;
  /** Gatehouse's configuration (lockout, rate limits…). */
  server?: TestServerOptions['config'];
  /** Start Chromium (default true). */
  browser?: boolean;
}

export interface SampleEnv {
  server: TestServer;
  gatehouseApp: App;
  sample: SampleApp;
  config: SampleConfig;
  appUrl: string;
  browser: Browser;
  /** A fresh browser profile whose pages report errors, dialogs, CSP violations and foreign requests. */
  newSession(): Promise<BrowserSession>;
  /** Stops the sample (its HTTP server and session store); `start` again with the same config. */
  restartSample(config?: Partial<SampleConfig>): Promise<void>;
  close(): Promise<void>;
}

export interface BrowserSession {
  context: BrowserContext;
  problems: string[];
  dialogs: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Installs the sample's Forgot Password template (its links point at `appUrl`). */
export async function installForgotPasswordTemplate(server: TestServer, appUrl: string): Promise<void> {
  const read = (name: string) =>
    readFileSync(new URL(name, TEMPLATE_DIR), 'utf8').replaceAll(TEMPLATE_APP_URL, appUrl);
  await server.services.emailTemplates.set('default', 'forgot-password', 'en', {
    subject: 'Reset your Express sample password',
    html: read('forgot-password.html.vm'),
    text: read('forgot-password.text.vm'),
  });
}

function listen(sample: SampleApp, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const http = sample.app.listen(port, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(http)));
  });
}

function closeHttp(http: Server): Promise<void> {
  return new Promise((resolve) => {
    http.close(() => resolve());
    http.closeAllConnections();
  });
}

export async function startSampleEnv(options: SampleEnvOptions = {}): Promise<SampleEnv> {
  const widget = describeWidget(await buildWidget());
  const integrity = Object.fromEntries(widget.rows.map((row) => [row.name, row.integrity]));
  const server = await startTestServer({ config: options.server ?? {} });
  const port = await freePort();
  const appUrl = `http://localhost:${port}`;
  const { app: gatehouseApp } = await server.createApp({
    name: 'Express sample',
    // The widget's interaction-code callback and the redirect sign-in's authorization-code callback.
    redirectUris: [`${appUrl}/login/callback`, `${appUrl}/authorization-code/callback`],
    emailVerifyUri: `${appUrl}/login/callback`,
    postLogoutRedirectUris: [`${appUrl}/`],
    trustedOrigins: [appUrl],
    // Linked from the "account exists" email (docs/guides/registration.md).
    loginUri: `${appUrl}/login`,
    policy: {
      factors: 'password',
      identifierFirst: false,
      selfServiceRecovery: true,
      registration: true,
      selfServiceUnlock: true,
      signInAfterUnlock: true,
      ...options.policy,
    },
  });
  await installForgotPasswordTemplate(server, appUrl);
  let config = loadConfig(
    {},
    {
      mode: 'test',
      port,
      appUrl,
      issuer: server.issuer,
      clientId: gatehouseApp.clientId,
      sessionSecret: 'test-session-secret-test-session-secret',
      sessionStore: 'sqlite',
      sessionDb: ':memory:',
      devMailboxUrl: `${server.url}/dev/mailbox`,
      widgetIntegrity: {
        script: integrity['gatehouse-sign-in.js']!,
        stylesheet: integrity['gatehouse-sign-in.css']!,
      },
      ...options.config,
    },
  );
  const now = () => server.clock.now();
  let sample = createSampleApp(config, { now });
  let http = await listen(sample, port);
  const browser =
    options.browser === false
      ? (null as unknown as Browser)
      : await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  const allowed = [appUrl, server.url];

  const env: SampleEnv = {
    server,
    gatehouseApp,
    get sample() {
      return sample;
    },
    get config() {
      return config;
    },
    appUrl,
    browser,
    async newSession() {
      const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
      const problems: string[] = [];
      const dialogs: string[] = [];
      await context.route(
        (url) => !allowed.includes(url.origin),
        (route) => {
          problems.push(`external request: ${route.request().url()}`);
          return route.abort();
        },
      );
      await context.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (event) => {
          (globalThis as unknown as { cspViolations: string[] }).cspViolations ??= [];
          (globalThis as unknown as { cspViolations: string[] }).cspViolations.push(
            `${event.violatedDirective} ${event.blockedURI}`,
          );
        });
      });
      context.on('page', (page) => {
        page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
        page.on('console', (msg) => {
          // Failed answers the pages handle (401 wrong password, 400 refused links) are logged as resource errors.
          if (
            msg.type() === 'error' &&
            !/Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())
          )
            problems.push(`console.error: ${msg.text()}`);
        });
        page.on('dialog', (dialog) => {
          dialogs.push(dialog.message());
          void dialog.dismiss();
        });
      });
      return { context, problems, dialogs, newPage: () => context.newPage(), close: () => context.close() };
    },
    async restartSample(changes = {}) {
      await closeHttp(http);
      sample.close();
      config = Object.freeze({ ...config, ...changes });
      sample = createSampleApp(config, { now });
      http = await listen(sample, port);
    },
    async close() {
      await browser?.close();
      await closeHttp(http);
      sample.close();
      await server.close();
    },
  };
  return env;
}

/** Runs `body` in a fresh browser context, then asserts it saw no errors, dialogs or CSP violations. */
export async function inFreshBrowser(
  env: SampleEnv,
  body: (session: BrowserSession) => Promise<void>,
): Promise<void> {
  const session = await env.newSession();
  try {
    await body(session);
    for (const page of session.context.pages()) {
      const violations = await page
        .evaluate(() => (globalThis as unknown as { cspViolations?: string[] }).cspViolations ?? [])
        .catch(() => []);
      expect(violations, `CSP violations on ${page.url()}`).toEqual([]);
    }
    expect(session.problems, 'browser problems').toEqual([]);
    expect(session.dialogs, 'dialogs').toEqual([]);
  } finally {
    await session.close();
  }
}

export interface MailboxMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** The newest email to `to` once there are at least `count`: its code and its link. */
export async function waitForEmail(
  server: TestServer,
  to: string,
  count = 1,
): Promise<{ otp: string; link: string; message: MailboxMessage }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await fetch(`${server.url}/dev/mailbox/api/messages?to=${encodeURIComponent(to)}`);
    const messages = (await res.json()) as MailboxMessage[];
    if (messages.length >= count) {
      const message = messages[0]!;
      const link = /https?:\/\/\S+[?&]otp=\d{6}\S*/.exec(message.text)?.[0];
      const otp = link ? new URL(link).searchParams.get('otp') : null;
      if (!link || !otp) throw new Error(`no link in ${message.text}`);
      return { otp, link, message };
    }
    if (Date.now() > deadline) throw new Error(`no email #${count} for ${to}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the widget shows `view` (its `data-gh-view`). */
export async function widgetView(page: Page, view: string, timeout = 15_000): Promise<void> {
  await page.locator(`.gh-widget[data-gh-view="${view}"]`).waitFor({ timeout });
}

/** Waits for the signed-in home page; returns the ID token claims the page shows (folded away). */
export async function signedInHome(
  env: SampleEnv,
  page: Page,
  timeout = 15_000,
): Promise<Record<string, string>> {
  await page.waitForURL(`${env.appUrl}/`, { timeout });
  await page.locator('#profile').waitFor({ timeout });
  return tableValues(page, '#id-token-claims');
}

export async function tableValues(page: Page, selector: string): Promise<Record<string, string>> {
  return page
    .locator(`${selector} tr`)
    .evaluateAll((rows) =>
      Object.fromEntries(
        rows.map((row) => [
          row.querySelector('th')?.textContent ?? '',
          row.querySelector('td')?.textContent ?? '',
        ]),
      ),
    );
}

/** Home → Sign in → username + password → signed in. */
export async function signInWithPassword(env: SampleEnv, page: Page, login: string, password: string) {
  await page.goto(`${env.appUrl}/`);
  await page.locator('#sign-in').click();
  await widgetView(page, 'identify');
  await page.getByLabel('Username').fill(login);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.keyboard.press('Enter');
  return signedInHome(env, page);
}

/** Sign in → "Forgot password?" → username → Email → "Check your email" (the reset email is sent). */
export async function askForResetEmail(env: SampleEnv, page: Page, login: string): Promise<void> {
  await page.goto(`${env.appUrl}/login`);
  await widgetView(page, 'identify');
  await page.getByRole('button', { name: 'Forgot password?' }).click();
  await widgetView(page, 'identify-recovery');
  await page.getByLabel('Username').fill(login);
  await page.getByRole('button', { name: 'Next' }).click();
  await widgetView(page, 'select-authenticator-authenticate');
  await page.getByRole('button', { name: /Email/ }).click();
  await widgetView(page, 'challenge-authenticator:okta_email');
}
