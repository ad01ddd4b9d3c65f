/**
 * A single-page app on http://localhost:<port> (a secure context: auth-js needs WebCrypto for
 * PKCE) built on `@okta/okta-auth-js`'s browser bundle, served from node_modules like
 * widget-interop/widget-app.ts serves the widget's. "Sign in" calls `signInWithRedirect()`; the
 * callback page calls `handleLoginRedirect()` and exposes what the token manager then holds on
 * `window.spaOutcome` (and says "Signed in as …").
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const AUTH_JS = fileURLToPath(
  new URL('../../../../node_modules/@okta/okta-auth-js/dist/okta-auth-js.min.js', import.meta.url),
);

export interface SpaApp {
  /** http://localhost:<port> */
  url: string;
  /** <url>/login/callback */
  redirectUri: string;
  setClientId(clientId: string): void;
  close(): Promise<void>;
}

/** What the page reports once `handleLoginRedirect()` settled. */
export interface SpaOutcome {
  error?: string;
  idToken?: string;
  claims?: Record<string, unknown>;
  accessToken?: string;
  scopes?: string[];
}

const PAGE_SCRIPT = `
(function () {
  var config = JSON.parse(document.getElementById('spa-config').textContent);
  var Ctor = OktaAuth.OktaAuth || OktaAuth;
  var authClient = new Ctor({
    issuer: config.issuer,
    clientId: config.clientId,
    redirectUri: config.redirectUri,
    scopes: ['openid', 'profile', 'email'],
    pkce: true,
    // Stay on the callback page: the test reads the outcome there.
    restoreOriginalUri: function () { return Promise.resolve(); }
  });
  window.spaOutcome = null;
  document.getElementById('sign-in').addEventListener('click', function () {
    authClient.signInWithRedirect({ originalUri: '/' }).catch(function (err) {
      window.spaOutcome = { error: String((err && (err.errorSummary || err.message)) || err) };
    });
  });
  if (!authClient.isLoginRedirect()) return;
  authClient.handleLoginRedirect().then(function () {
    return authClient.tokenManager.getTokens();
  }).then(function (tokens) {
    var id = tokens.idToken, access = tokens.accessToken;
    document.getElementById('status').textContent = 'Signed in as ' + id.claims.email;
    window.spaOutcome = { idToken: id.idToken, claims: id.claims, accessToken: access.accessToken, scopes: access.scopes };
  }, function (err) {
    document.getElementById('status').textContent = 'Sign-in failed';
    window.spaOutcome = { error: String((err && (err.errorSummary || err.message)) || err) };
  });
})();`;

function pageHtml(config: Record<string, string>): string {
  const data = JSON.stringify(config).replace(/</g, '\\u003c');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SPA</title>
<script src="/okta-auth-js.min.js"></script></head><body>
<h1>Example SPA</h1><p id="status">Signed out</p><button id="sign-in">Sign in</button>
<script type="application/json" id="spa-config">${data}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>`;
}

export async function startSpaApp(issuer: string): Promise<SpaApp> {
  let clientId = '';
  let url = '';
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', url).pathname;
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (path === '/okta-auth-js.min.js')
      return void readFile(AUTH_JS).then(
        (body) => send(200, 'text/javascript; charset=utf-8', body),
        (err: Error) => send(500, 'text/plain', err.message),
      );
    if (path === '/' || path === '/login/callback')
      return send(
        200,
        'text/html; charset=utf-8',
        pageHtml({ issuer, clientId, redirectUri: `${url}/login/callback` }),
      );
    if (path === '/favicon.ico') return send(204, 'image/x-icon', '');
    send(404, 'text/plain', 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://localhost:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    redirectUri: `${url}/login/callback`,
    setClientId(id) {
      clientId = id;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
