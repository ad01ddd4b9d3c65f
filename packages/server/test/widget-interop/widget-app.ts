/**
 * The tiny "app" the widget runs in: node:http on 127.0.0.1, addressed as http://localhost:<port>
 * so the page is a secure context. It serves the widget bundle and assets from node_modules, the
 * sign-in page and the OAuth / email-verify callback page.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WIDGET_DIST = fileURLToPath(
  new URL('../../../../node_modules/@okta/okta-signin-widget/dist/', import.meta.url),
);

export interface WidgetApp {
  /** http://localhost:<port> */
  url: string;
  /** <url>/login/callback: redirect URI and email-verify URI of the app. */
  redirectUri: string;
  close(): Promise<void>;
}

export async function startWidgetApp(options: {
  issuer: string;
  clientId: () => string;
}): Promise<WidgetApp> {
  let url = '';
  const server = createServer((req, res) => {
    serveApp(req.url ?? '/', options.issuer, options.clientId(), url).then(
      ({ status, type, body }) => {
        res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(body);
      },
      (err: Error) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(err.message);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://localhost:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    redirectUri: `${url}/login/callback`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface AppResponse {
  status: number;
  type: string;
  body: string | Buffer;
}

const STATIC_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.eot': 'application/vnd.ms-fontobject',
};

/** The tiny "app": the widget bundle and its assets, a sign-in page and the callback page. */
async function serveApp(
  rawUrl: string,
  issuer: string,
  clientId: string,
  appUrl: string,
): Promise<AppResponse> {
  const url = new URL(rawUrl, appUrl);
  const path = url.pathname;
  if (path === '/widget/okta-sign-in.min.js') return serveStatic('js/okta-sign-in.min.js');
  if (path === '/widget/okta-sign-in.min.css') return serveStatic('css/okta-sign-in.min.css');
  // The stylesheet refers to ../font and ../img; language packs live under labels/
  // (docs/protocol/idx-protocol.md §12, item 3).
  for (const folder of ['font', 'img', 'labels']) {
    if (path.startsWith(`/${folder}/`)) return serveStatic(path.slice(1));
    if (path.startsWith(`/widget/${folder}/`)) return serveStatic(path.slice('/widget/'.length));
  }
  const query = Object.fromEntries(url.searchParams);
  const widgetPage = () =>
    html(
      widgetPageHtml({
        options: {
          issuer,
          // Another app of the same Gatehouse (its redirect URIs must include this page's callback).
          clientId: query.clientId || clientId,
          redirectUri: `${appUrl}/login/callback`,
          scopes: ['openid', 'profile', 'email'],
          useClassicEngine: false,
          language: 'en',
          assets: { baseUrl: `${appUrl}/widget` },
          ...(query.state ? { state: query.state } : {}),
          ...(query.otp ? { otp: query.otp } : {}),
          ...(query.flow ? { flow: query.flow } : {}),
        },
        redirect: query.redirect === '1',
      }),
    );
  if (path === '/favicon.ico') return { status: 204, type: 'image/x-icon', body: '' };
  if (path === '/login') return widgetPage();
  if (path === '/login/callback') {
    // A magic link: the widget itself decides same browser (resume) or other browser (show code).
    if (query.otp && query.state) return widgetPage();
    return html(
      `<!doctype html><html><head><meta charset="utf-8"><title>Callback</title></head><body>` +
        `<h1>Callback</h1><pre id="callback-query">${escapeHtml(JSON.stringify(query))}</pre></body></html>`,
    );
  }
  return { status: 404, type: 'text/plain', body: 'not found' };
}

async function serveStatic(relative: string): Promise<AppResponse> {
  const file = normalize(join(WIDGET_DIST, relative));
  if (!file.startsWith(WIDGET_DIST)) return { status: 404, type: 'text/plain', body: 'not found' };
  try {
    const body = await readFile(file);
    return { status: 200, type: STATIC_TYPES[extname(file)] ?? 'application/octet-stream', body };
  } catch {
    return { status: 404, type: 'text/plain', body: 'not found' };
  }
}

const html = (body: string): AppResponse => ({ status: 200, type: 'text/html; charset=utf-8', body });

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The sign-in page. Options travel as JSON in a data block (`<` escaped so nothing can close the
 * script element) and are parsed by the page; nothing from the query is spliced into code.
 */
function widgetPageHtml(page: { options: Record<string, unknown>; redirect: boolean }): string {
  const data = JSON.stringify(page).replace(/</g, '\\u003c');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Widget interop</title>
<link rel="stylesheet" href="/widget/okta-sign-in.min.css">
<script src="/widget/okta-sign-in.min.js"></script>
</head><body>
<div id="widget"></div>
<script type="application/json" id="widget-page">${data}</script>
<script>
(function () {
  var page = JSON.parse(document.getElementById('widget-page').textContent);
  var options = Object.assign({ el: '#widget' }, page.options);
  var widget = new OktaSignIn(options);
  window.widgetOutcome = null;
  function fail(err) {
    window.widgetOutcome = { error: String((err && (err.message || err.errorSummary)) || err) };
  }
  if (page.redirect) {
    widget.showSignInAndRedirect().catch(fail);
    return;
  }
  widget.showSignIn().then(function (res) {
    var tokens = res.tokens || {};
    window.widgetOutcome = {
      status: res.status,
      idToken: tokens.idToken && tokens.idToken.idToken,
      claims: tokens.idToken && tokens.idToken.claims,
      accessToken: tokens.accessToken && tokens.accessToken.accessToken
    };
  }, fail);
})();
</script>
</body></html>`;
}
