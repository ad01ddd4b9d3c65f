import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdxConversation, postForm } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * The org authorization server (issuer = the base URL, endpoints under `/oauth2/v1/…`) end to end,
 * and its separation from the `default` server.
 */

type Body = Record<string, unknown>;

describe('org authorization server end to end', () => {
  let server: TestServer;
  let clientId: string;
  let login: string;
  let password: string;
  let userId: string;

  async function signIn(path: '/oauth2' | '/oauth2/default', scope = 'openid profile email offline_access') {
    const idx = new IdxConversation(server.url, clientId, undefined, path);
    const interaction = await idx.interact({ scope });
    await idx.introspect(interaction.interactionHandle);
    const done = await idx.submit('identify', { identifier: login, credentials: { passcode: password } });
    expect(done.status).toBe(200);
    // The IDX success response names the token endpoint of the server the interaction started at.
    const success = done.body.successWithInteractionCode as unknown as { href: string } | undefined;
    expect(success?.href).toBe(`${server.url}${path}/v1/token`);
    const res = await idx.exchange(interaction, idx.interactionCode());
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return { tokens: res.body as Record<string, string>, interaction };
  }

  beforeAll(async () => {
    server = await startTestServer();
    clientId = (await server.createApp()).app.clientId;
    const created = await server.createUser();
    login = created.user.login;
    password = created.password;
    userId = created.user.id;
  });
  afterAll(() => server.close());

  it('interact + token at /oauth2/v1 issue tokens with iss = the base URL', async () => {
    const doc = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Body;
    expect(doc.issuer).toBe(server.url);
    const { tokens, interaction } = await signIn('/oauth2');
    const jwks = createRemoteJWKSet(new URL(doc.jwks_uri as string));

    const id = await jwtVerify(tokens.id_token!, jwks, {
      issuer: server.url,
      audience: clientId,
      algorithms: ['RS256'],
    });
    expect(id.payload.iss).toBe(server.url);
    expect(id.payload.sub).toBe(userId);
    expect(id.payload.nonce).toBe(interaction.nonce);

    const at = await jwtVerify(tokens.access_token!, jwks, {
      issuer: server.url,
      audience: server.url,
      algorithms: ['RS256'],
      typ: 'at+jwt',
    });
    expect(at.payload.cid).toBe(clientId);
  });

  it('userinfo, refresh, introspect and revoke work under /oauth2/v1', async () => {
    const { tokens } = await signIn('/oauth2');
    const base = `${server.url}/oauth2/v1`;
    const info = await fetch(`${base}/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(info.status).toBe(200);
    expect(((await info.json()) as Body).sub).toBe(userId);

    const refreshed = await postForm<Body>(`${base}/token`, {
      grant_type: 'refresh_token',
      client_id: clientId,
      refresh_token: tokens.refresh_token!,
    });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(refreshed.body.id_token as string).iss).toBe(server.url);

    const active = await postForm<Body>(`${base}/introspect`, {
      client_id: clientId,
      token: refreshed.body.access_token as string,
    });
    expect(active.body).toMatchObject({ active: true, iss: server.url, client_id: clientId });

    expect(
      (
        await postForm(`${base}/revoke`, {
          client_id: clientId,
          token: refreshed.body.refresh_token as string,
        })
      ).status,
    ).toBe(200);
    const after = await fetch(`${base}/userinfo`, {
      headers: { authorization: `Bearer ${refreshed.body.access_token}` },
    });
    expect(after.status).toBe(401);
  });

  it('the two servers do not accept each other’s tokens', async () => {
    const org = (await signIn('/oauth2')).tokens;
    const def = (await signIn('/oauth2/default')).tokens;
    expect(decodeJwt(def.access_token!).iss).toBe(server.issuer);

    const cross = async (path: string, token: string) =>
      (await postForm<Body>(`${server.url}${path}/v1/introspect`, { client_id: clientId, token })).body;
    expect(await cross('/oauth2/default', org.access_token!)).toEqual({ active: false });
    expect(await cross('/oauth2', def.access_token!)).toEqual({ active: false });
    expect(await cross('/oauth2/default', org.refresh_token!)).toEqual({ active: false });
    expect(await cross('/oauth2', def.refresh_token!)).toEqual({ active: false });

    // Revoking at the wrong server does nothing.
    await postForm(`${server.url}/oauth2/default/v1/revoke`, {
      client_id: clientId,
      token: org.access_token!,
    });
    const still = await fetch(`${server.url}/oauth2/v1/userinfo`, {
      headers: { authorization: `Bearer ${org.access_token}` },
    });
    expect(still.status).toBe(200);
  });

  it('a code from an org-server interaction is refused at the default server', async () => {
    const idx = new IdxConversation(server.url, clientId, undefined, '/oauth2');
    const interaction = await idx.interact();
    await idx.introspect(interaction.interactionHandle);
    await idx.submit('identify', { identifier: login, credentials: { passcode: password } });
    const wrong = new IdxConversation(server.url, clientId, undefined, '/oauth2/default');
    const res = await wrong.exchange(interaction, idx.interactionCode());
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });
});
