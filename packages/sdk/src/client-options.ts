import { ConfigurationError } from './errors.js';
import type { FetchLike } from './http.js';
import type { ClientCredentials } from './oauth/client-auth.js';
import { type Discovery, fetchDiscovery } from './oauth/discovery.js';
import { DEFAULT_CLOCK_SKEW_SECONDS } from './oauth/id-token.js';
import { JwksCache } from './oauth/jwks.js';
import { deriveUrls, type IssuerUrls } from './oauth/urls.js';
import type { AuthStorage } from './storage/auth-storage.js';
import { browserStorage } from './storage/browser-storage.js';
import { memoryStorage } from './storage/memory-storage.js';

export interface AuthClientOptions {
  /** e.g. `https://id.example.com/oauth2/default` (a custom server) or `https://id.example.com` (org). */
  issuer: string;
  clientId: string;
  /** Server-side (confidential) clients only. */
  clientSecret?: string;
  /** Where the interaction code comes back; relative URIs resolve against the page in browsers. */
  redirectUri: string;
  /** Default `['openid', 'profile', 'email']`; add `offline_access` for a refresh token. */
  scopes?: string[];
  /** Default: `browserStorage()` where `sessionStorage`/`localStorage` exist, else `memoryStorage()`. */
  storage?: AuthStorage;
  /** Default: the global `fetch`. */
  fetch?: FetchLike;
  /** Allowed clock difference for ID token `exp`/`iat`; default 120 s. */
  clockSkewSeconds?: number;
  /** Clock in epoch milliseconds (tests). */
  now?: () => number;
}

/** What every client built from one set of options shares: checked settings and caches. */
export interface Shared {
  issuer: string;
  credentials: ClientCredentials;
  redirectUri: string;
  scopes: string[];
  fetch: FetchLike;
  urls: IssuerUrls;
  now: () => number;
  clockSkewSeconds: number;
  discovery: () => Promise<Discovery>;
  jwks: JwksCache;
}

function assertHttpUrl(value: unknown, name: string): URL {
  if (typeof value !== 'string' || !value) throw new ConfigurationError(`${name} is required.`);
  let url: URL;
  try {
    const base = (globalThis as { location?: { href?: string } }).location?.href;
    url = base ? new URL(value, base) : new URL(value);
  } catch {
    throw new ConfigurationError(`${name} must be an absolute URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigurationError(`${name} must be an http(s) URL.`);
  return url;
}

export function defaultStorage(): AuthStorage {
  const g = globalThis as { sessionStorage?: unknown; localStorage?: unknown };
  try {
    if (g.sessionStorage && g.localStorage) return browserStorage();
  } catch {
    // Storage access can throw (disabled cookies, sandboxed frames): fall back to memory.
  }
  return memoryStorage();
}

/** Checks the options (ConfigurationError) and sets up the discovery and key caches. */
export function resolveShared(options: AuthClientOptions): Shared {
  if (!options || typeof options !== 'object') throw new ConfigurationError('Options are required.');
  const issuerUrl = assertHttpUrl(options.issuer, 'issuer');
  if (issuerUrl.search || issuerUrl.hash)
    throw new ConfigurationError('issuer must not have a query or fragment.');
  if (typeof options.clientId !== 'string' || !options.clientId)
    throw new ConfigurationError('clientId is required.');
  const redirectUri = assertHttpUrl(options.redirectUri, 'redirectUri').toString();
  const scopes = options.scopes ?? ['openid', 'profile', 'email'];
  if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string' || !s || /\s/.test(s)))
    throw new ConfigurationError('scopes must be an array of scope names.');
  const fetchFn = options.fetch ?? (globalThis.fetch ? globalThis.fetch.bind(globalThis) : undefined);
  if (!fetchFn) throw new ConfigurationError('No fetch is available; pass one in the options.');
  const urls = deriveUrls(options.issuer);
  let discovery: Promise<Discovery> | null = null;
  const getDiscovery = () => {
    discovery ??= fetchDiscovery(fetchFn, urls.issuer).catch((err: unknown) => {
      discovery = null;
      throw err;
    });
    return discovery;
  };
  return {
    issuer: urls.issuer,
    credentials: { clientId: options.clientId, clientSecret: options.clientSecret },
    redirectUri: options.redirectUri.includes('://') ? options.redirectUri : redirectUri,
    scopes: [...scopes],
    fetch: fetchFn,
    urls,
    now: options.now ?? Date.now,
    clockSkewSeconds: options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS,
    discovery: getDiscovery,
    jwks: new JwksCache(fetchFn, async () => (await getDiscovery()).jwks_uri),
  };
}
