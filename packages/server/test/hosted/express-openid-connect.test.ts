/**
 * express-openid-connect (Auth0's Express middleware, on openid-client v6) as a third relying
 * party: a confidential client with the code flow, `response_mode` query in one scenario and
 * form_post in the other, and `idpLogout` (RP-initiated logout at Gatehouse's end_session_endpoint).
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { auth } from 'express-openid-connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectHostedPage,
  expectText,
  type HostedEnv,
  signInWithPassword,
  startHostedEnv,
  withProfiles,
} from './hosted-harness.js';

interface ExpressRp {
  url: string;
  clientId: string;
  close(): Promise<void>;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;

async function startExpressRp(env: HostedEnv, responseMode: 'query' | 'form_post'): Promise<ExpressRp> {
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://localhost:${port}`;
  const { app, clientSecret } = await env.server.createApp({
    name: `express-openid-connect ${responseMode}`,
    public: false,
    redirectUris: [`${url}/callback`],
    // The middleware sends urlJoin(baseURL, routes.postLogoutRedirect): the origin without a slash.
    postLogoutRedirectUris: [url],
    trustedOrigins: [url],
  });
  const rp = express();
  rp.use(
    auth({
      issuerBaseURL: env.server.issuer,
      baseURL: `${url}/`,
      clientID: app.clientId,
      clientSecret: clientSecret!,
      secret: randomBytes(32).toString('hex'),
      authRequired: false,
      idpLogout: true,
      // The middleware sees the http issuer and turns on openid-client's allowInsecureRequests
      // itself: expected for these loopback tests.
      authorizationParams: {
        response_type: 'code',
        response_mode: responseMode,
        scope: 'openid profile email',
      },
      session: { name: `appSession_${port}` },
      transactionCookie: { name: `auth_verification_${port}` },
    }),
  );
  rp.get('/favicon.ico', (_req, res) => void res.status(204).end());
  rp.get('/', (req, res) => {
    if (!req.oidc.isAuthenticated()) return void res.send(page('Signed out', '<p id="anon">Signed out</p>'));
    const user = req.oidc.user ?? {};
    res.send(
      page(
        'Home',
        `<p id="user">Hello ${escapeHtml(String(user.email))}</p><pre id="claims">${escapeHtml(JSON.stringify(req.oidc.idTokenClaims))}</pre>`,
      ),
    );
  });
  rp.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).send(page('RP error', `<p id="rp-error">${escapeHtml(err.message)}</p>`));
  });
  http.on('request', rp);
  return {
    url,
    clientId: app.clientId,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

describe('express-openid-connect relying party, hosted sign-in in Chromium', () => {
  let env: HostedEnv;
  const rps: ExpressRp[] = [];
  beforeAll(async () => {
    env = await startHostedEnv();
    rps.push(await startExpressRp(env, 'query'), await startExpressRp(env, 'form_post'));
  });
  afterAll(async () => {
    for (const rp of rps) await rp.close();
    await env?.close();
  });

  for (const [index, mode] of (['query', 'form_post'] as const).entries()) {
    it(`response_mode=${mode}: signs in via the hosted page (req.oidc.user); /logout ends the Gatehouse session`, async () => {
      const rp = rps[index]!;
      const { user, password } = await env.server.createUser();
      await withProfiles(env, `express-openid-connect ${mode}`, async (open) => {
        const profile = await open('browser');
        const tab = await profile.newPage();
        await tab.goto(`${rp.url}/login`);
        await expectHostedPage(tab, env.server);
        const authorize = new URL(
          profile.navigations.find((l) => l.includes('/v1/authorize?'))!.split(' ')[2]!,
        );
        expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
          client_id: rp.clientId,
          response_type: 'code',
          response_mode: mode,
          redirect_uri: `${rp.url}/callback`,
        });

        await signInWithPassword(tab, { login: user.login, password });
        await expectText(tab.locator('#user'), `Hello ${user.email}`, 15_000);
        expect(new URL(tab.url()).href).toBe(`${rp.url}/`);
        const claims = JSON.parse((await tab.locator('#claims').textContent()) ?? '{}');
        expect(claims).toMatchObject({
          sub: user.id,
          aud: rp.clientId,
          amr: ['pwd'],
          sid: expect.any(String),
        });
        // The code came back as the mode asked: a POSTed form, or a query on a GET.
        const callback = profile.navigations.find((l) => l.includes(`${rp.url}/callback`))!;
        expect(callback.split(' ')[1]).toBe(mode === 'form_post' ? 'POST' : 'GET');
        expect(await profile.sessionCookie()).toBeDefined();

        // RP-initiated logout: the middleware sends id_token_hint to Gatehouse's end_session_endpoint.
        await tab.goto(`${rp.url}/logout`);
        await expectText(tab.locator('#anon'), 'Signed out', 15_000);
        const logout = profile.navigations.find((l) => l.includes('/v1/logout?'));
        expect(new URL(logout!.split(' ')[2]!).searchParams.get('id_token_hint')).toBeTruthy();
        expect(await profile.sessionCookie()).toBeUndefined();

        // Gatehouse's session is over: a new sign-in shows the form again.
        await tab.goto(`${rp.url}/login`);
        await expectHostedPage(tab, env.server);
        expect(await tab.getByLabel('Password', { exact: true }).isVisible()).toBe(true);
      });
    });
  }
});
