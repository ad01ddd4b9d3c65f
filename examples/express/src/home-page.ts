/**
 * The home page: signed out, the ways in the app's policy offers; signed in, a readable profile
 * (name, email, when and how the user signed in, when the tokens expire) with the raw ID token
 * claims and the userinfo answer folded away underneath.
 */
import type { AppFeatures } from './app-features.js';
import { html, type SafeHtml } from './html.js';
import { layout, type PageContext, signOutForm } from './pages.js';

export interface HomeView {
  claims: Record<string, unknown>;
  /** How this session signed in. */
  signInMode?: 'embedded' | 'redirect' | undefined;
  userinfo: Record<string, unknown> | null;
  userinfoError?: string | undefined;
  /** Epoch milliseconds now (for "in 59 minutes"). */
  now: number;
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

const amrValues = (amr: unknown): string[] =>
  Array.isArray(amr) && amr.every((v) => typeof v === 'string') ? (amr as string[]) : [];

/** The `amr` claim as a list with the meaning of each value, and whether MFA happened. */
function amrBlock(values: string[]): SafeHtml {
  if (values.length === 0) return html``;
  const mfa = values.includes('mfa');
  return html`<h2>How you signed in</h2>
<p id="amr-summary">${mfa ? 'Multi-factor authentication' : 'No multi-factor claim'} — the ID token's <code>amr</code> (authentication methods) claim:</p>
<ul class="amr" id="amr">${values.map(
    (value) =>
      html`<li data-amr="${value}"><code>${value}</code> ${Object.hasOwn(AMR_MEANINGS, value) ? AMR_MEANINGS[value] : ''}</li>`,
  )}</ul>`;
}

/** "password and a code or link sent by email" (the methods, not the `mfa` marker). */
function amrInWords(values: string[]): string {
  const words = values
    .filter((value) => value !== 'mfa')
    .map((value) => (Object.hasOwn(AMR_MEANINGS, value) ? AMR_MEANINGS[value]! : value));
  if (words.length === 0) return '';
  const list = words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words.at(-1)}` : words[0]!;
  return values.includes('mfa') ? `${list} (multi-factor)` : list;
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

const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/** "in 59 minutes" / "3 minutes ago" (whole minutes, hours past two hours). */
function relative(at: number, now: number): string {
  const minutes = Math.round((at - now) / 60_000);
  const size = Math.abs(minutes);
  const amount = size >= 120 ? `${Math.round(size / 60)} hours` : size === 1 ? '1 minute' : `${size} minutes`;
  if (size === 0) return 'now';
  return minutes > 0 ? `in ${amount}` : `${amount} ago`;
}

/** An epoch-seconds claim as a `<time>`: the UTC date and time, and how far from now. */
function timeOf(epochSeconds: unknown, now: number): SafeHtml | null {
  if (typeof epochSeconds !== 'number' || !Number.isFinite(epochSeconds)) return null;
  const at = new Date(epochSeconds * 1000);
  return html`<time datetime="${at.toISOString()}">${DATE_TIME.format(at)} UTC</time> (${relative(at.getTime(), now)})`;
}

/** The profile as people read it: the claims that mean something to them, in words. */
function profileBlock(view: HomeView): SafeHtml {
  const { claims, now } = view;
  const row = (label: string, id: string, value: SafeHtml | string | null | undefined) =>
    value ? html`<dt>${label}</dt><dd id="${id}">${value}</dd>` : '';
  const name = typeof claims.name === 'string' ? claims.name : undefined;
  const email = typeof claims.email === 'string' ? claims.email : undefined;
  const verified =
    claims.email_verified === true ? ' (verified)' : claims.email_verified === false ? ' (not verified)' : '';
  const methods = amrInWords(amrValues(claims.amr));
  return html`<dl class="profile" id="profile">
${row('Name', 'profile-name', name)}
${row('Email', 'profile-email', email ? `${email}${verified}` : undefined)}
${row('Signed in', 'profile-signed-in', timeOf(claims.auth_time ?? claims.iat, now))}
${row('Signed in with', 'profile-methods', methods)}
${row('ID token expires', 'profile-expires', timeOf(claims.exp, now))}
</dl>`;
}

function signedOutBody(features: AppFeatures | undefined): SafeHtml {
  const more = [
    features?.signUp ? html`New here? <a href="/signup" id="sign-up">Create an account</a>` : null,
    features?.unlock ? html`Locked out? <a href="/unlock" id="unlock-account">Unlock your account</a>` : null,
  ].filter((part) => part !== null);
  const forgot = features?.recoverPassword
    ? html` <a href="/login?flow=resetPassword" id="forgot-password">Forgot your password?</a>`
    : '';
  return html`<h1>Welcome</h1>
<p>You are not signed in.</p>
<p><a class="button" href="/login" id="sign-in">Sign in</a> <a class="button secondary" href="/login/redirect" id="sign-in-redirect">Sign in with redirect</a>${forgot}</p>
<p class="hint"><em>Sign in</em> shows the sign-in form on this site (the embedded widget); <em>Sign in with redirect</em> goes to Gatehouse's own sign-in page and back.</p>
${more.length ? html`<p>${more.map((part, i) => html`${i > 0 ? ' · ' : ''}${part}`)}</p>` : ''}`;
}

export function homePage(ctx: PageContext, view: HomeView | null, notice?: string): string {
  const noticeBlock = notice ? html`<p class="notice" role="status">${notice}</p>` : '';
  if (!view) return layout(ctx, 'Home', html`${noticeBlock}${signedOutBody(ctx.features)}`);
  const name = (view.claims.name ?? view.claims.preferred_username ?? view.claims.sub) as string;
  const userinfo = view.userinfo
    ? html`<table class="claims" id="userinfo"><tbody>${claimRows(view.userinfo)}</tbody></table>`
    : html`<p class="notice">${view.userinfoError ?? 'Userinfo is not available.'}</p>`;
  return layout(
    ctx,
    'Home',
    html`${noticeBlock}<h1>Hello, <span id="user-name">${name}</span></h1>
<p>You are signed in.</p>
${profileBlock(view)}
${modeBlock(view.signInMode)}
<p>${signOutForm(ctx)}</p>
${amrBlock(amrValues(view.claims.amr))}
<details class="raw" id="raw-claims">
<summary>All ID token claims</summary>
<p>From the ID token Gatehouse issued, after the app validated it (signature, issuer, audience,
expiry); times are seconds since 1970 (UTC):</p>
<table class="claims" id="id-token-claims"><tbody>${claimRows(view.claims)}</tbody></table>
</details>
<details class="raw" id="raw-userinfo">
<summary>Userinfo</summary>
<p>Fetched from Gatehouse's userinfo endpoint with the access token kept in this server-side session:</p>
${userinfo}
</details>`,
  );
}
