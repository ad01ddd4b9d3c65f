/**
 * End-to-end environment: a real Gatehouse on http://127.0.0.1:<port> serving the built widget at
 * /widget/<version>/…, and an "app" on http://localhost:<port> (a secure context, another origin)
 * whose sign-in page loads the widget from Gatehouse under a strict CSP. Options reach the page
 * as JSON in a data block, escaped with `serializeForScript` — the pattern the README documents.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { AppPolicyInput } from '../../../server/src/apps/app-service.js';
import type { DeepPartial } from '../../../server/src/config/load.js';
import type { ConfigInput } from '../../../server/src/config/schema.js';
import type { App } from '../../../server/src/storage/apps-store.js';
import { startTestServer, type TestServer } from '../../../server/test/support/test-server.js';
import { buildWidget, WIDGET_VERSION } from '../../scripts/build.mjs';
import { AXE_PATH, launchChromium } from './chromium.js';

/** JSON that is safe inside `<script type="application/json">`: nothing can close the element. */
export function serializeForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export interface PageOptions {
  state?: string;
  otp?: string;
  flow?: string;
  language?: string;
  /** showSignInAndRedirect() instead of showSignIn(). */
  redirect?: boolean;
  resendIntervalSeconds?: number;
  /** "Remediation mode": the app made the PKCE pair. */
  codeChallenge?: string;
  /** The app's server started the interaction (with `state`). */
  interactionHandle?: string;
  /** Another app of the same pages (same redirect URI and origin) than `env.app`. */
  clientId?: string;
}

export interface E2EEnv {
  server: TestServer;
  app: App;
  appUrl: string;
  redirectUri: string;
  browser: Browser;
  loginUrl(options?: PageOptions): string;
  /** A fresh browser profile whose pages report errors and CSP violations. */
  newSession(): Promise<Session>;
  close(): Promise<void>;
}

export interface Session {
  context: BrowserContext;
  problems: string[];
  dialogs: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

const PAGE_SCRIPT = `
const config = JSON.parse(document.getElementById('widget-config').textContent);
const widget = new SignInWidget(Object.assign({ el: '#sign-in' }, config.options));
window.widget = widget;
window.widgetEvents = [];
for (const name of ['ready', 'afterRender', 'afterError'])
  widget.on(name, (context, error) => window.widgetEvents.push({ name, context, error }));
window.widgetOutcome = null;
const shown = config.redirect ? widget.showSignInAndRedirect() : widget.showSignIn();
shown.then(
  (result) => { window.widgetOutcome = result || { status: 'REDIRECTING' }; },
  (error) => { window.widgetOutcome = { error: String((error && error.message) || error) }; },
);`;

function widgetPage(gatehouse: string, nonce: string, config: unknown): string {
  const base = `${gatehouse}/widget/${WIDGET_VERSION}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in · Example app</title>
<script nonce="${nonce}">window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));</script>
<link rel="stylesheet" href="${base}/gatehouse-sign-in.css">
<script src="${base}/gatehouse-sign-in.js"></script>
</head><body><main><h1>Example app</h1><div id="sign-in"></div></main>
<script type="application/json" id="widget-config">${serializeForScript(config)}</script>
<script nonce="${nonce}">${PAGE_SCRIPT}</script>
</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export async function startE2E(
  options: { policy?: AppPolicyInput; config?: DeepPartial<ConfigInput> } = {},
): Promise<E2EEnv> {
  await buildWidget();
  const server = await startTestServer(options.config ? { config: options.config } : {});
  let clientId = '';
  let appUrl = '';
  const pages: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', appUrl);
    const query = Object.fromEntries(url.searchParams);
    const send = (
      status: number,
      type: string,
      body: string | Buffer,
      headers: Record<string, string> = {},
    ) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
      res.end(body);
    };
    const page = () => {
      const nonce = randomBytes(16).toString('base64');
      const csp = [
        "default-src 'none'",
        `script-src 'nonce-${nonce}' ${server.url} ${appUrl}`,
        `style-src ${server.url}`,
        `connect-src ${server.url}`,
        'img-src data:',
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
      ].join('; ');
      const widgetOptions = {
        issuer: server.issuer,
        clientId: query.clientId ?? clientId,
        redirectUri: `${appUrl}/login/callback`,
        scopes: ['openid', 'profile', 'email'],
        language: query.language ?? 'en',
        ...(query.state ? { state: query.state } : {}),
        ...(query.otp ? { otp: query.otp } : {}),
        ...(query.flow ? { flow: query.flow } : {}),
        ...(query.resend ? { resendIntervalSeconds: Number(query.resend) } : {}),
        ...(query.codeChallenge ? { codeChallenge: query.codeChallenge, codeChallengeMethod: 'S256' } : {}),
        ...(query.interactionHandle ? { interactionHandle: query.interactionHandle } : {}),
      };
      send(
        200,
        'text/html; charset=utf-8',
        widgetPage(server.url, nonce, { options: widgetOptions, redirect: query.redirect === '1' }),
        {
          'content-security-policy': csp,
          'referrer-policy': 'no-referrer',
        },
      );
    };
    if (url.pathname === '/login') return page();
    if (url.pathname === '/login/callback') {
      if (query.otp || (query.state && !query.interaction_code)) return page();
      return send(
        200,
        'text/html; charset=utf-8',
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Callback</title></head><body><main><h1>Callback</h1><pre id="callback-query">${escapeHtml(JSON.stringify(query))}</pre></main></body></html>`,
      );
    }
    if (url.pathname === '/axe.min.js') return send(200, 'text/javascript', readFileSync(AXE_PATH));
    if (url.pathname === '/favicon.ico') return send(204, 'image/x-icon', '');
    return send(404, 'text/plain', 'not found');
  });
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  const address = pages.address();
  appUrl = `http://localhost:${typeof address === 'object' && address ? address.port : 0}`;
  const redirectUri = `${appUrl}/login/callback`;
  const { app } = await server.createApp({
    redirectUris: [redirectUri],
    emailVerifyUri: redirectUri,
    trustedOrigins: [appUrl],
    postLogoutRedirectUris: [`${appUrl}/`],
    ...(options.policy
      ? {
          policy: {
            factors: 'password',
            identifierFirst: false,
            selfServiceRecovery: true,
            ...options.policy,
          },
        }
      : {}),
  });
  clientId = app.clientId;
  const browser = await launchChromium();
  const allowed = [appUrl, server.url];

  return {
    server,
    app,
    appUrl,
    redirectUri,
    browser,
    loginUrl(page = {}) {
      const query = new URLSearchParams();
      if (page.state !== undefined) query.set('state', page.state);
      if (page.otp !== undefined) query.set('otp', page.otp);
      if (page.flow) query.set('flow', page.flow);
      if (page.language) query.set('language', page.language);
      if (page.redirect) query.set('redirect', '1');
      if (page.resendIntervalSeconds !== undefined) query.set('resend', String(page.resendIntervalSeconds));
      if (page.codeChallenge) query.set('codeChallenge', page.codeChallenge);
      if (page.interactionHandle) query.set('interactionHandle', page.interactionHandle);
      if (page.clientId) query.set('clientId', page.clientId);
      const search = query.toString();
      return `${appUrl}/login${search ? `?${search}` : ''}`;
    },
    async newSession() {
      const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
      const problems: string[] = [];
      const dialogs: string[] = [];
      // No CDN, font or script from anywhere but the app and Gatehouse.
      await context.route(
        (url) => !allowed.includes(url.origin),
        (route) => {
          problems.push(`external request: ${route.request().url()}`);
          return route.abort();
        },
      );
      context.on('page', (page) => {
        page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
        page.on('console', (msg) => {
          // Failed IDX answers (401 wrong password, 429…) are logged by Chromium as resource errors.
          if (
            msg.type() === 'error' &&
            !/Failed to load resource: the server responded with a status of (400|401|429)/.test(msg.text())
          )
            problems.push(`console.error: ${msg.text()}`);
        });
        page.on('dialog', (dialog) => {
          dialogs.push(dialog.message());
          void dialog.dismiss();
        });
      });
      return {
        context,
        problems,
        dialogs,
        newPage: () => context.newPage(),
        close: () => context.close(),
      };
    },
    async close() {
      await browser.close();
      await new Promise<void>((resolve) => pages.close(() => resolve()));
      await server.close();
    },
  };
}

export interface MailboxMessage {
  to: string;
  subject: string;
  text: string;
}

/** The newest email to `to` once there are at least `count`; its code and magic link. */
export async function waitForEmail(
  server: TestServer,
  to: string,
  count = 1,
): Promise<{ otp: string; link: string }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await fetch(`${server.url}/dev/mailbox/api/messages?to=${encodeURIComponent(to)}`);
    const messages = (await res.json()) as MailboxMessage[];
    if (messages.length >= count) {
      const text = messages[0]!.text;
      const link = /https?:\/\/\S+[?&]otp=\d{6}\S*/.exec(text)?.[0];
      const otp = link ? new URL(link).searchParams.get('otp') : null;
      if (!link || !otp) throw new Error(`no magic link in ${text}`);
      return { otp, link };
    }
    if (Date.now() > deadline) throw new Error(`no email #${count} for ${to}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What showSignIn() settled with. */
export async function outcome(page: Page, timeout = 15_000): Promise<Record<string, unknown>> {
  await page.waitForFunction(() => (globalThis as { widgetOutcome?: unknown }).widgetOutcome, null, {
    timeout,
  });
  return page.evaluate(
    () => (globalThis as unknown as { widgetOutcome: Record<string, unknown> }).widgetOutcome,
  );
}

/** Waits until the widget shows `view` (its `data-gh-view`). */
export async function viewIs(page: Page, view: string, timeout = 10_000): Promise<void> {
  await page.locator(`.gh-widget[data-gh-view="${view}"]`).waitFor({ timeout });
}

export async function heading(page: Page): Promise<string> {
  return (await page.locator('.gh-widget h2').textContent()) ?? '';
}

export async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as unknown as { cspViolations: string[] }).cspViolations);
}

/**
 * axe-core on the live page (served from the app origin, as the CSP allows). axe itself applies
 * inline styles while it measures, which the page's CSP refuses: those reports are dropped.
 */
export async function axeScan(
  page: Page,
  session: Session,
): Promise<Array<{ id: string; impact: string | null; nodes: number }>> {
  const before = session.problems.length;
  const cspBefore = (await cspViolations(page)).length;
  if (!(await page.evaluate(() => 'axe' in globalThis))) {
    const origin = new URL(page.url()).origin;
    await page.addScriptTag({ url: `${origin}/axe.min.js` });
  }
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run(
            o: unknown,
          ): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: unknown[] }> }>;
        };
      }
    ).axe;
    const result = await axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
  const added = session.problems.splice(before);
  session.problems.push(...added.filter((p) => !/Applying inline style violates/.test(p)));
  await page.evaluate((keep) => {
    const list = (globalThis as unknown as { cspViolations: string[] }).cspViolations;
    const extra = list.splice(keep);
    list.push(
      ...extra.filter((v) => !v.startsWith('style-src-attr') && !v.startsWith('style-src-elem inline')),
    );
  }, cspBefore);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Asserts a session saw no unexpected errors, dialogs or external requests. */
export function expectClean(session: Session): void {
  expect(session.problems, 'browser problems').toEqual([]);
  expect(session.dialogs, 'dialogs').toEqual([]);
}

/** Runs `body` in a fresh browser profile, fails on any error the browser reported, then closes it. */
export async function withSession(env: E2EEnv, body: (session: Session) => Promise<void>): Promise<void> {
  const session = await env.newSession();
  try {
    await body(session);
    expectClean(session);
  } finally {
    await session.close();
  }
}

/** identify → "Check your email" (an email-policy app: Email, the only choice, is chosen for the user). */
export async function reachEmailChallenge(env: E2EEnv, page: Page, login: string): Promise<void> {
  await page.goto(env.loginUrl());
  await page.getByLabel('Username').fill(login);
  await page.getByRole('button', { name: 'Next' }).click();
  await viewIs(page, 'challenge-authenticator:okta_email');
}
