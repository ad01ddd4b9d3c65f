// The playground (development only): sign-in by redirect with the SDK's browser build, then the
// tokens decoded. Served at /playground/playground.js; loaded with the page's nonce and SRI hash.
// Everything shown is set as text, never parsed as HTML.
import { browserStorage, createAuthClient } from '@gatehouse/sdk';

const config = JSON.parse(document.getElementById('playground-config').textContent);
const status = document.getElementById('playground-status');
const signedOut = document.getElementById('playground-signed-out');
const tokensView = document.getElementById('playground-tokens');

/** Claims that are times (epoch seconds), shown with a date too. */
const TIME_CLAIMS = new Set(['exp', 'iat', 'nbf', 'auth_time', 'updated_at']);

function element(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function decodePart(part) {
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** A JWT's header and claims; null when the token is not a JWT (an opaque refresh token). */
function decodeJwt(token) {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    return { header: decodePart(parts[0]), claims: decodePart(parts[1]) };
  } catch {
    return null;
  }
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** `1767000000` → `1767000000 (2025-12-29 09:20:00 UTC, 3 minutes ago)`. */
function describeTime(seconds) {
  const date = new Date(seconds * 1000);
  const utc = `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  const delta = Math.round(seconds - Date.now() / 1000);
  const [amount, unit] =
    Math.abs(delta) < 60
      ? [delta, 'second']
      : Math.abs(delta) < 3600
        ? [Math.round(delta / 60), 'minute']
        : Math.abs(delta) < 86400
          ? [Math.round(delta / 3600), 'hour']
          : [Math.round(delta / 86400), 'day'];
  return `${seconds} (${utc}, ${relative.format(amount, unit)})`;
}

function describeValue(name, value) {
  if (TIME_CLAIMS.has(name) && typeof value === 'number') return describeTime(value);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function table(caption, object) {
  const result = element('table');
  result.append(element('caption', caption, { class: 'note' }));
  for (const [name, value] of Object.entries(object)) {
    const row = element('tr');
    row.append(element('th', name, { scope: 'row' }), element('td', describeValue(name, value)));
    result.append(row);
  }
  return result;
}

function tokenSection(title, token, note) {
  const section = element('section');
  section.append(element('h2', title));
  if (note) section.append(element('p', note, { class: 'note' }));
  const decoded = decodeJwt(token);
  if (decoded) {
    section.append(table('Header', decoded.header), table('Claims', decoded.claims));
  } else {
    section.append(element('p', 'Opaque: not a JWT, only Gatehouse can read it.'));
  }
  const raw = element('details');
  raw.append(element('summary', 'Encoded'), element('pre', token));
  section.append(raw);
  return section;
}

function showTokens(auth, tokens) {
  status.textContent = `Signed in as ${tokens.claims?.email ?? tokens.claims?.sub}.`;
  signedOut.hidden = true;
  tokensView.replaceChildren();
  const signOut = element('button', 'Sign out', { type: 'button', id: 'playground-sign-out' });
  signOut.addEventListener('click', async () => {
    signOut.disabled = true;
    location.assign(await auth.signOut({ postLogoutRedirectUri: config.postLogoutRedirectUri }));
  });
  const actions = element('div', undefined, { class: 'actions' });
  actions.append(signOut);
  tokensView.append(actions);
  if (tokens.idToken)
    tokensView.append(
      tokenSection(
        'ID token',
        tokens.idToken,
        'Its signature, issuer, audience, nonce and times were checked by the SDK against the JWKS.',
      ),
    );
  tokensView.append(
    tokenSection(
      'Access token',
      tokens.accessToken,
      `For APIs (scopes: ${tokens.scopes.join(' ')}); an API checks it, not this page.`,
    ),
  );
  if (tokens.refreshToken) tokensView.append(tokenSection('Refresh token', tokens.refreshToken));
  tokensView.hidden = false;
}

function showSignIn(auth, message) {
  status.textContent = message;
  tokensView.hidden = true;
  signedOut.hidden = false;
  const button = document.getElementById('playground-sign-in');
  button.onclick = async () => {
    button.disabled = true;
    status.textContent = 'Going to the sign-in page…';
    await auth.signInWithRedirect();
  };
}

async function main() {
  // Tokens and the sign-in's PKCE verifier live in this origin's storage: use the public one.
  if (location.origin !== config.origin) {
    location.replace(`${config.origin}/playground`);
    return;
  }
  const auth = createAuthClient({
    issuer: config.issuer,
    clientId: config.clientId,
    redirectUri: config.redirectUri,
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    // Tokens in this tab's sessionStorage: a reload still shows them.
    storage: browserStorage({ tokens: 'sessionStorage' }),
  });
  if (auth.isLoginRedirect()) {
    try {
      await auth.handleLoginRedirect();
    } catch (error) {
      history.replaceState(null, '', '/playground');
      status.classList.add('error');
      showSignIn(auth, `The sign-in did not complete: ${error.message}`);
      return;
    }
    history.replaceState(null, '', '/playground');
  }
  const tokens = auth.token.get();
  if (tokens) showTokens(auth, tokens);
  else showSignIn(auth, 'Not signed in.');
}

main().catch((error) => {
  status.classList.add('error');
  status.textContent = `The playground failed: ${error.message}`;
});
