import { join } from 'node:path';
import * as oauth from 'oauth4webapi';
import {
  authorizeInBrowser,
  HttpBrowser,
  insecure,
  newRequest,
  type RelyingParty,
  redeem,
  relyingParty,
  sendAuthorize,
} from '../hosted/http-sign-in.js';
import { freePort } from '../support/test-server.js';
import { buildCli, type RunningServer, startServer, type TempDirs } from './cli-harness.js';

/**
 * A `gatehouse start` child process on a new data directory, and sign-ins against it, for the CLI
 * tests that check what deleting or changing a record does to live sessions and tokens: a hosted
 * sign-in over HTTP (one browser profile with its SSO cookie) and what a relying party then does
 * with its tokens.
 */

/** Builds the binary and starts it on a new data directory in `dirs` (for a `beforeAll`). */
export async function startOnNewStore(dirs: TempDirs): Promise<{ dataDir: string; server: RunningServer }> {
  buildCli();
  const dataDir = join(dirs.make(), 'data');
  const port = await freePort();
  // A first start makes keys and the demo user; on a busy 2-core box that can take a while.
  const server = await startServer(['--data-dir', dataDir, '--port', String(port)], {
    port,
    timeoutMs: 90_000,
  });
  return { dataDir, server };
}

/** The server's public origin (`http://localhost:<port>`): its issuer and the cookies' origin. */
export const publicOrigin = (server: RunningServer) => `http://localhost:${server.port}`;

export interface HostedTokens {
  browser: HttpBrowser;
  rp: RelyingParty;
  tokens: oauth.TokenEndpointResponse;
}

/** Signs in by redirect at `clientId` in `browser` (a new profile by default), with a refresh token. */
export async function hostedSignIn(
  server: RunningServer,
  clientId: string,
  credentials: { login: string; password: string },
  browser = new HttpBrowser(publicOrigin(server)),
): Promise<HostedTokens> {
  const rp = await relyingParty(`${publicOrigin(server)}/oauth2/default`, { clientId });
  const request = await newRequest(rp);
  const { response } = await authorizeInBrowser(browser, rp, request, credentials);
  return { browser, rp, tokens: await redeem(rp, response, request) };
}

/** Whether `browser` is still signed in at Gatehouse: /authorize for `clientId` answers without the page. */
export async function hasSsoSession(
  server: RunningServer,
  browser: HttpBrowser,
  clientId: string,
): Promise<boolean> {
  const rp = await relyingParty(`${publicOrigin(server)}/oauth2/default`, { clientId });
  const res = await sendAuthorize(browser, rp.as.authorization_endpoint!, (await newRequest(rp)).params);
  const location = new URL(res.headers.get('location') ?? '', publicOrigin(server));
  if (location.pathname === '/signin') return false;
  if (location.searchParams.get('code')) return true;
  throw new Error(`/authorize answered ${res.status} ${location}`);
}

/** The status of userinfo with the access token (200 while the token is good). */
export async function userinfoStatus(rp: RelyingParty, tokens: oauth.TokenEndpointResponse): Promise<number> {
  const res = await oauth.userInfoRequest(rp.as, rp.client, tokens.access_token, insecure);
  return res.status;
}

/** The status and OAuth error of a refresh with the refresh token. */
export async function refreshOutcome(
  rp: RelyingParty,
  tokens: oauth.TokenEndpointResponse,
): Promise<{ status: number; error: string | undefined }> {
  const res = await oauth.refreshTokenGrantRequest(
    rp.as,
    rp.client,
    rp.auth,
    tokens.refresh_token!,
    insecure,
  );
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  return { status: res.status, error: body.error };
}
