/** The sample's pages: server-rendered, every dynamic value escaped by `html`. */
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
}

function widgetBase(config: SampleConfig): string {
  return `${new URL(config.issuer).origin}/widget/${encodeURIComponent(config.widgetVersion)}`;
}

function signOutForm(ctx: PageContext): SafeHtml {
  return html`<form method="post" action="/logout" class="inline">
  <input type="hidden" name="_csrf" value="${ctx.csrfToken}">
  <button type="submit" class="link-button">Sign out</button>
</form>`;
}

export function layout(ctx: PageContext, title: string, body: SafeHtml, head: SafeHtml = html``): string {
  const nav = ctx.user
    ? html`<span class="who">${ctx.user}</span> ${ctx.csrfToken ? signOutForm(ctx) : ''}`
    : html`<a href="/login" id="nav-sign-in">Sign in</a> <a href="/signup" id="nav-sign-up">Sign up</a>`;
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
}

/** The page's heading and title per widget flow. */
const FLOW_PAGES: Record<WidgetFlow, { heading: string; title: string }> = {
  default: { heading: 'Welcome back', title: 'Sign in' },
  resetPassword: { heading: 'Forgot your password?', title: 'Sign in' },
  signup: { heading: 'Create your account', title: 'Sign up' },
  unlockAccount: { heading: 'Unlock your account', title: 'Unlock account' },
};

export function loginPage(ctx: PageContext, widget: WidgetConfig): string {
  const base = widgetBase(ctx.config);
  const sri = ctx.config.widgetIntegrity;
  const head = sri
    ? html`<link rel="stylesheet" href="${base}/gatehouse-sign-in.css" integrity="${sri.stylesheet}" crossorigin="anonymous">
<script nonce="${ctx.nonce}" src="${base}/gatehouse-sign-in.js" integrity="${sri.script}" crossorigin="anonymous" defer></script>`
    : html`<link rel="stylesheet" href="${base}/gatehouse-sign-in.css">
<script nonce="${ctx.nonce}" src="${base}/gatehouse-sign-in.js" defer></script>`;
  const { heading: flowHeading, title } = FLOW_PAGES[widget.flow];
  const heading = widget.otp ? 'Almost there' : flowHeading;
  const body = html`<h1>${heading}</h1>
<div id="sign-in-widget"></div>
<noscript><p>The sign-in form needs JavaScript.</p></noscript>
<p class="hint">Or <a href="/login/redirect" id="sign-in-redirect">sign in with redirect</a> on Gatehouse's own page.</p>
<script type="application/json" id="widget-config">${serializeForScript(widget)}</script>
<script nonce="${ctx.nonce}" src="/static/login.js" defer></script>`;
  return layout(ctx, title, body, head);
}

export interface HomeView {
  claims: Record<string, unknown>;
  /** How this session signed in. */
  signInMode?: 'embedded' | 'redirect' | undefined;
  userinfo: Record<string, unknown> | null;
  userinfoError?: string | undefined;
}

function claimRows(values: Record<string, unknown>): SafeHtml {
  return html`${Object.entries(values).map(
    ([name, value]) =>
      html`<tr><th scope="row">${name}</th><td><code>${typeof value === 'string' ? value : JSON.stringify(value)}</code></td></tr>`,
  )}`;
}

/**
 * What the ID token's `amr` values mean (RFC 8176; Gatehouse's authenticators:
 * docs/protocol/idx-protocol-2.md §5, §6): how this sign-in was proven.
 */
const AMR_MEANINGS: Record<string, string> = {
  pwd: 'password',
  otp: 'one-time code from an authenticator app',
  email: 'code or link sent by email',
  hwk: 'passkey or security key',
  swk: 'software passkey',
  mfa: 'multi-factor: two or more independent factors',
};

/** The `amr` claim as a list with the meaning of each value, and whether MFA happened. */
function amrBlock(amr: unknown): SafeHtml {
  if (!Array.isArray(amr) || !amr.every((v) => typeof v === 'string')) return html``;
  const values = amr as string[];
  const mfa = values.includes('mfa');
  return html`<h2>How you signed in</h2>
<p id="amr-summary">${mfa ? 'Multi-factor authentication' : 'No multi-factor claim'} — the ID token's <code>amr</code> (authentication methods) claim:</p>
<ul class="amr" id="amr">${values.map(
    (value) =>
      html`<li data-amr="${value}"><code>${value}</code> ${Object.hasOwn(AMR_MEANINGS, value) ? AMR_MEANINGS[value] : ''}</li>`,
  )}</ul>`;
}

/** Which of the sample's two ways of signing in this session used. */
function modeBlock(mode: HomeView['signInMode']): SafeHtml {
  if (!mode) return html``;
  const text =
    mode === 'redirect'
      ? "with redirect: Gatehouse's hosted sign-in page sent an authorization code to /authorization-code/callback. Signing out also ends your Gatehouse session."
      : 'with the embedded widget on this site: the interaction code came back to /login/callback.';
  return html`<p id="sign-in-mode" data-mode="${mode}">You signed in ${text}</p>`;
}

export function homePage(ctx: PageContext, view: HomeView | null, notice?: string): string {
  const noticeBlock = notice ? html`<p class="notice" role="status">${notice}</p>` : '';
  if (!view) {
    return layout(
      ctx,
      'Home',
      html`${noticeBlock}<h1>Welcome</h1>
<p>You are not signed in.</p>
<p><a class="button" href="/login" id="sign-in">Sign in</a> <a class="button secondary" href="/login/redirect" id="sign-in-redirect">Sign in with redirect</a> <a href="/login?flow=resetPassword" id="forgot-password">Forgot your password?</a></p>
<p class="hint"><em>Sign in</em> shows the sign-in form on this site (the embedded widget); <em>Sign in with redirect</em> goes to Gatehouse's own sign-in page and back.</p>
<p>New here? <a href="/signup" id="sign-up">Create an account</a> · Locked out? <a href="/unlock" id="unlock-account">Unlock your account</a></p>`,
    );
  }
  const name = (view.claims.name ?? view.claims.preferred_username ?? view.claims.sub) as string;
  const userinfo = view.userinfo
    ? html`<table class="claims" id="userinfo"><tbody>${claimRows(view.userinfo)}</tbody></table>`
    : html`<p class="notice">${view.userinfoError ?? 'Userinfo is not available.'}</p>`;
  return layout(
    ctx,
    'Home',
    html`${noticeBlock}<h1>Hello, <span id="user-name">${name}</span></h1>
<p>You are signed in. These claims come from the ID token Gatehouse issued, after the app validated it
(signature, issuer, audience, expiry):</p>
<table class="claims" id="id-token-claims"><tbody>${claimRows(view.claims)}</tbody></table>
${amrBlock(view.claims.amr)}
${modeBlock(view.signInMode)}
<h2>Userinfo</h2>
<p>Fetched from Gatehouse's userinfo endpoint with the access token kept in this server-side session:</p>
${userinfo}
<p>${signOutForm(ctx)}</p>`,
  );
}

/** A magic link opened where the sign-in did not start: the code is shown only on request (F5). */
export function otherBrowserPage(ctx: PageContext, otp: string | null): string {
  const reveal = otp
    ? html`<p>Enter this code in the original browser tab to finish the flow:</p>
<p class="otp" id="otp">${otp}</p>
<p class="warning">Only type it into a page you opened yourself. Nobody from this site will ever ask you for it.</p>`
    : html`<form method="post" action="/magic-link/code">
  <input type="hidden" name="_csrf" value="${ctx.csrfToken}">
  <button type="submit" class="button" id="show-code">Show the code</button>
</form>`;
  return layout(
    ctx,
    'Continue in the original tab',
    html`<h1>Continue where you started</h1>
<p id="other-browser-message">This link was opened in a different browser than the one you started in, so it cannot sign you in here.
Go back to the browser tab where you started and enter the code from the email.</p>
${reveal}`,
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
