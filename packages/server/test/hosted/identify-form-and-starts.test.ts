/**
 * What the hosted sign-in's identify form carries (the `login_hint` value, "Keep me signed in") and
 * the per-IP limit on hosted sign-ins started (docs/adr/0012-hosted-sign-in.md), over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPkce } from '../support/pkce.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { findHostedConfig, HttpBrowser, sendAuthorize } from './http-sign-in.js';

const REDIRECT = 'http://localhost:8080/login/callback';

function request(clientId: string, extra: Record<string, string> = {}) {
  return {
    client_id: clientId,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'openid',
    code_challenge: newPkce().challenge,
    code_challenge_method: 'S256',
    ...extra,
  };
}

describe('the hosted identify form', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('is filled with login_hint and offers "Keep me signed in" (rememberMe)', async () => {
    const { app } = await server.createApp();
    const browser = new HttpBrowser(server.url);
    const authorize = await sendAuthorize(
      browser,
      `${server.issuer}/v1/authorize`,
      request(app.clientId, { login_hint: 'hinted@example.com' }),
    );
    const page = await browser.request(authorize.headers.get('location')!);
    const config = findHostedConfig(await page.text())!;
    const introspected = await browser.request('/idp/idx/introspect', {
      json: { interactionHandle: config.interactionHandle },
    });
    const body = (await introspected.json()) as {
      remediation: { value: Array<{ name: string; value: Array<Record<string, unknown>> }> };
    };
    const identify = body.remediation.value.find((r) => r.name === 'identify')!;
    expect(identify.value).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'identifier', value: 'hinted@example.com' }),
        expect.objectContaining({ name: 'rememberMe', type: 'boolean', label: 'Keep me signed in' }),
      ]),
    );
  });

  it('of an embedded sign-in has neither (no SSO session to keep)', async () => {
    const { app } = await server.createApp();
    const pkce = newPkce();
    const interact = await fetch(`${server.issuer}/v1/interact`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: app.clientId,
        redirect_uri: REDIRECT,
        scope: 'openid',
        state: 'embedded-state',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      }),
    });
    const { interaction_handle } = (await interact.json()) as { interaction_handle: string };
    const introspected = await fetch(`${server.url}/idp/idx/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ interactionHandle: interaction_handle }),
    });
    const body = (await introspected.json()) as {
      remediation: { value: Array<{ name: string; value: Array<{ name: string; value?: unknown }> }> };
    };
    const identify = body.remediation.value.find((r) => r.name === 'identify')!;
    expect(identify.value.map((f) => f.name)).not.toContain('rememberMe');
    expect(identify.value.find((f) => f.name === 'identifier')?.value).toBeUndefined();
  });
});

describe('hosted sign-ins started per IP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      config: { rateLimits: { hostedSignInsPerIp: { limit: 2, windowSeconds: 600 } } },
    });
  });
  afterAll(() => server?.close());

  it('are limited: past the limit /authorize is a 429 page with Retry-After', async () => {
    const { app } = await server.createApp();
    const browser = new HttpBrowser(server.url);
    const endpoint = `${server.issuer}/v1/authorize`;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await sendAuthorize(browser, endpoint, request(app.clientId))).status);
    expect(statuses).toEqual([302, 302, 429]);
    const refused = await sendAuthorize(browser, endpoint, request(app.clientId));
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('content-type')).toContain('text/html');
    expect(refused.headers.get('location')).toBeNull();
    expect(await refused.text()).toContain('Too many sign-ins');
  });
});
