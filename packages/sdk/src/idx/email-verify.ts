/**
 * Query parameters of a URL, a path with a query (`/login/callback?a=1`, as Express's
 * `req.originalUrl`), its `search` or its hash (`?a=1&b=2`, `#a=1`, `#/a=1`, `a=1`),
 * decoded with `+` as space; the first of repeated names wins.
 */
export function parseParams(input: string): Record<string, string> {
  // A URL, a path (`/x?…`, not the protocol-relative `//host`) or a `?`/`#` part parse as URLs;
  // anything else is a bare query string.
  const urlLike = /^[?#]|^\/(?!\/)|:\/\//.test(input);
  const url = new URL(urlLike ? input : `?${input}`, 'http://localhost/');
  const params: Record<string, string> = {};
  new URLSearchParams(url.search || url.hash.replace(/^#\/?/, '')).forEach((value, key) => {
    params[key] ??= value;
  });
  return params;
}

/**
 * True when `search` — a whole URL, a path with a query, `?…`, `#…` or a bare query string —
 * carries both `otp=` and `state=` with values (docs/protocol/idx-protocol.md §9.2).
 */
export function isEmailVerifyCallback(search: string): boolean {
  const params = parseParams(search);
  return Boolean(params.otp && params.state);
}

export interface EmailVerifyCallback {
  otp: string;
  state: string;
}

export function parseEmailVerifyCallback(search: string): EmailVerifyCallback {
  const params = parseParams(search);
  if (!params.otp || !params.state)
    throw new TypeError('not an email verify callback: otp and state are required');
  return { otp: params.otp, state: params.state };
}
