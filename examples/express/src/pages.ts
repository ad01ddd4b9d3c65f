/** The sample's pages: server-rendered, every dynamic value escaped by `html`. */
import type { AppFeatures } from './app-features.js';
import type { SampleConfig } from './config.js';
import { html, type SafeHtml, serializeForScript } from './html.js';
import type { WidgetFlow } from './sign-in-transactions.js';

export interface PageContext {
  config: SampleConfig;
  nonce: string;
  /** The signed-in user's display name, for the header. */
  user?: string | undefined;
  /** Needed when the page shows the sign-out button. */
  csrfToken?: string | undefined;
  /** What the app's policy offers (links to sign-up, unlock, password reset); unknown: none. */
  features?: AppFeatures | undefined;
}

function widgetBase(config: SampleConfig): string {
  return `${new URL(config.issuer).origin}/widget/${encodeURIComponent(config.widgetVersion)}`;
}

export function signOutForm(ctx: PageContext): SafeHtml {
  return html`<form method="post" action="/logout" class="inline">
  <input type="hidden" name="_csrf" value="${ctx.csrfToken}">
  <button type="submit" class="link-button">Sign out</button>
</form>`;
}

export function layout(ctx: PageContext, title: string, body: SafeHtml, head: SafeHtml = html``): string {
  const nav = ctx.user
    ? html`<span class="who">${ctx.user}</span> ${ctx.csrfToken ? signOutForm(ctx) : ''}`
    : html`<a href="/login" id="nav-sign-in">Sign in</a>${ctx.features?.signUp ? html` <a href="/signup" id="nav-sign-up">Sign up</a>` : ''}`;
  const mailbox = ctx.config.devMailboxUrl
    ? html`<p class="dev-note">Development: emails are not sent, read them in the
  <a href="${ctx.config.devMailboxUrl}" target="_blank" rel="noopener noreferrer" id="dev-mailbox">Gatehouse dev mailbox</a>.</p>`
    : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Express sample</title>
<link rel="icon" href="/favicon.ico">
<link rel="stylesheet" href="/static/app.css">
${head}
</head>
<body>
<header class="top"><a class="brand" href="/">Express sample</a><nav>${nav}</nav></header>
<main>
${body}
</main>
<footer>${mailbox}</footer>
</body>
</html>`.value;
}

/** Options handed to `new SignInWidget(…)`, as JSON in a data block. */
export interface WidgetConfig {
  issuer: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string;
  /** The interaction the server started with the SDK (its verifier and nonce stay in the session). */
  interactionHandle: string;
  flow: WidgetFlow;
  otp?: string;
  /** Where "Flow continued in a new tab" links onward: this app's home page. */
  homeUri: string;
}

/**
 * The page's heading follows the widget (public/login.js, on its `afterRender` event): what the
 * user is doing — signing in, resetting a password, signing up, unlocking — and how a flow ended
 * in this tab. The server renders the first one; `login.js` the rest.
 */
export const PAGE_HEADINGS = {
  default: 'Welcome back',
  resetPassword: 'Forgot your password?',
  signup: 'Create your account',
  unlockAccount: 'Unlock your account',
  resumed: 'Almost there',
  success: 'Signing you in…',
  transferred: 'Finished in another tab',
  expired: 'Start again',
  unlocked: 'Account unlocked',
} as const;

export function loginPage(ctx: PageContext, widget: WidgetConfig): string {
  const base = widgetBase(ctx.config);
  const sri = ctx.config.widgetIntegrity;
  const head = sri
    ? html`<link rel="stylesheet" href="${base}/gatehouse-sign-in.css" integrity="${sri.stylesheet}" crossorigin="anonymous">
<script nonce="${ctx.nonce}" src="${base}/gatehouse-sign-in.js" integrity="${sri.script}" crossorigin="anonymous" defer></script>`
    : html`<link rel="stylesheet" href="${base}/gatehouse-sign-in.css">
<script nonce="${ctx.nonce}" src="${base}/gatehouse-sign-in.js" defer></script>`;
  const heading = widget.otp ? PAGE_HEADINGS.resumed : PAGE_HEADINGS[widget.flow];
  const body = html`<h1 id="page-heading">${heading}</h1>
<div id="sign-in-widget"></div>
<noscript><p>The sign-in form needs JavaScript.</p></noscript>
<p class="hint">Or <a href="/login/redirect" id="sign-in-redirect">sign in with redirect</a> on Gatehouse's own page.</p>
<script type="application/json" id="widget-config">${serializeForScript(widget)}</script>
<script type="application/json" id="page-headings">${serializeForScript(PAGE_HEADINGS)}</script>
<script nonce="${ctx.nonce}" src="/static/login.js" defer></script>`;
  return layout(ctx, heading, body, head);
}

/**
 * What an email's link was for, as far as the link tells: the sample's Forgot Password link
 * (`/magic-link/callback`) resets a password; Gatehouse's sign-in, sign-up and unlock links all
 * come back to `/login/callback`, and another browser has no session to tell which it was.
 */
export type EmailLinkKind = 'resetPassword' | 'emailCode';

const OTHER_BROWSER_TEXT: Record<EmailLinkKind, { title: string; message: string }> = {
  resetPassword: {
    title: 'Continue your password reset in the original tab',
    message:
      'This link was opened in a different browser than the one where you asked to reset your password, so the reset does not go on here. Go back to the browser tab where you started and enter the code from the email.',
  },
  emailCode: {
    title: 'Continue where you started',
    message:
      'This link was opened in a different browser than the one you started in, so it does not go on here. Go back to the browser tab where you were signing in, creating your account or unlocking it, and enter the code from the email.',
  },
};

/** A magic link opened where the flow did not start: the code is shown only on request (F5). */
export function otherBrowserPage(ctx: PageContext, kind: EmailLinkKind, otp: string | null): string {
  const text = OTHER_BROWSER_TEXT[kind];
  const reveal = otp
    ? html`<p>Enter this code in the original browser tab to go on:</p>
<p class="otp" id="otp">${otp}</p>
<p class="warning">Only type it into a page you opened yourself. Nobody from this site will ever ask you for it.</p>`
    : html`<form method="post" action="/magic-link/code">
  <input type="hidden" name="_csrf" value="${ctx.csrfToken}">
  <button type="submit" class="button" id="show-code">Show the code</button>
</form>`;
  return layout(
    ctx,
    'Continue in the original tab',
    html`<h1>${text.title}</h1>
<p id="other-browser-message" data-kind="${kind}">${text.message}</p>
${reveal}
<p><a href="/" id="home-link">Go to the home page</a></p>`,
  );
}

export function messagePage(ctx: PageContext, title: string, message: string, id = 'message'): string {
  return layout(
    ctx,
    title,
    html`<h1>${title}</h1>
<p id="${id}">${message}</p>
<p><a href="/">Home</a> · <a href="/login">Sign in</a></p>`,
  );
}
