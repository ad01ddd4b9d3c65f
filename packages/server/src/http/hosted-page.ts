import type { FastifyReply } from 'fastify';
import { randomToken } from '../secrets.js';
import type { App } from '../storage/apps-store.js';
import type { WidgetFiles } from './browser-builds.js';
import { html, jsonForScript, Markup } from './html-page.js';
import { sendWithStrictHeaders } from './strict-page.js';

const LANGUAGES = ['en', 'fr', 'de'] as const;
const TITLE_KEY = 'primaryauth.title';

export interface HostedPageInput {
  app: App;
  /** The authorization server's issuer (the widget's `issuer`). */
  issuer: string;
  /** Where the widget sends the browser with the finished sign-in's code. */
  completeUrl: string;
  interactionHandle: string;
  flowId: string;
  otp?: string | undefined;
  /** `ui_locales` as the app sent it. */
  uiLocales: string | null;
}

/** The first of the page's languages that `ui_locales` (OIDC Core §3.1.2.1) names, if any. */
export function languageOf(uiLocales: string | null): string | undefined {
  for (const tag of (uiLocales ?? '').split(' ')) {
    const primary = tag.split('-')[0]?.toLowerCase();
    if ((LANGUAGES as readonly string[]).includes(primary ?? '')) return primary;
  }
  return undefined;
}

const PAGE_STYLE =
  'body{margin:0;min-height:100vh;background:#f4f5f7;font-family:system-ui,sans-serif}' +
  'main{display:flex;justify-content:center;padding:4rem 1rem}#gatehouse-sign-in{width:100%;max-width:26rem}';

/**
 * The hosted sign-in page (ADR 0012): Gatehouse's widget in its server-started mode, continuing the
 * transaction `/authorize` opened. Strict headers: scripts and the page style only with this
 * response's nonce (the widget file also with its SRI hash), nothing framed, nothing cached.
 */
export async function sendHostedPage(
  reply: FastifyReply,
  files: WidgetFiles,
  input: HostedPageInput,
): Promise<FastifyReply> {
  const version = await files.version();
  const [script, stylesheet] = await Promise.all([
    files.read('gatehouse-sign-in.js'),
    files.read('gatehouse-sign-in.css'),
  ]);
  const nonce = randomToken(16);
  const { app } = input;
  const theme = app.hostedPage;
  const language = languageOf(input.uiLocales);
  const config = {
    issuer: input.issuer,
    clientId: app.clientId,
    redirectUri: input.completeUrl,
    interactionHandle: input.interactionHandle,
    state: input.flowId,
    ...(input.otp ? { otp: input.otp } : {}),
    ...(language ? { language } : {}),
    brand: {
      ...(theme.brandName ? { name: theme.brandName } : {}),
      ...(theme.primaryColor ? { primaryColor: theme.primaryColor } : {}),
      ...(theme.primaryTextColor ? { primaryTextColor: theme.primaryTextColor } : {}),
    },
    ...(theme.logo ? { logo: theme.logo } : {}),
    ...(theme.title
      ? { i18n: Object.fromEntries(LANGUAGES.map((lang) => [lang, { [TITLE_KEY]: theme.title }])) }
      : {}),
  };
  const base = `/widget/${version}`;
  const widget =
    script && stylesheet
      ? html`<link rel="stylesheet" href="${base}/gatehouse-sign-in.css" integrity="${stylesheet.integrity}">`
      : html``;
  const page = html`<!doctype html><html lang="${language ?? 'en'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Sign in · ${theme.brandName ?? app.name}</title>${widget}<style nonce="${nonce}">${new Markup(PAGE_STYLE)}</style></head><body><main><div id="gatehouse-sign-in"></div><noscript><p>Signing in needs JavaScript.</p></noscript></main><script type="application/json" id="gatehouse-sign-in-config">${new Markup(jsonForScript(config))}</script>${
    script
      ? html`<script nonce="${nonce}" src="${base}/gatehouse-sign-in.js" integrity="${script.integrity}"></script><script nonce="${nonce}">${new Markup(BOOT)}</script>`
      : html`<p>The sign-in widget is not built on this server (npm run build -w @gatehouse/widget).</p>`
  }</body></html>`;
  const imgSrc = "img-src 'self' https: data:";
  return sendWithStrictHeaders(
    reply,
    `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'self' 'nonce-${nonce}'; ${imgSrc}; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'`,
    page.value,
  );
}

/** Starts the widget with the page's configuration (the only inline script, nonce'd). */
const BOOT =
  "var c=JSON.parse(document.getElementById('gatehouse-sign-in-config').textContent);" +
  "c.el='#gatehouse-sign-in';new SignInWidget(c).showSignInAndRedirect();";
