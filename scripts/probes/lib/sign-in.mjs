// A raw IDX password sign-in over HTTP (interact, introspect, identify), for the probes.
import { createHash, randomBytes } from 'node:crypto';
import { REDIRECT_URI } from './server.mjs';

const ION = 'application/ion+json; okta-version=1.0.0';

async function post(url, body, type) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': type, accept: type === ION ? ION : 'application/json' },
    body: type === ION ? JSON.stringify(body) : new URLSearchParams(body).toString(),
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, body: json ?? text };
}

export const postForm = (url, params) => post(url, params, 'application/x-www-form-urlencoded');

/** Signs `server`'s user in; resolves with the interaction code and its PKCE verifier. */
export async function signIn(server, scope = 'openid profile email offline_access') {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const interact = await postForm(`${server.issuer}/v1/interact`, {
    client_id: server.clientId,
    scope,
    redirect_uri: REDIRECT_URI,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
  });
  if (interact.status !== 200)
    throw new Error(`interact: ${interact.status} ${JSON.stringify(interact.body)}`);
  const intro = await post(
    `${server.url}/idp/idx/introspect`,
    { interactionHandle: interact.body.interaction_handle },
    ION,
  );
  const identify = intro.body.remediation.value.find((f) => f.name === 'identify');
  const done = await post(
    identify.href,
    {
      identifier: server.login,
      credentials: { passcode: server.password },
      stateHandle: intro.body.stateHandle,
    },
    ION,
  );
  const code = done.body?.successWithInteractionCode?.value?.find(
    (f) => f.name === 'interaction_code',
  )?.value;
  if (typeof code !== 'string') throw new Error(`no interaction code: ${JSON.stringify(done.body)}`);
  return { code, verifier };
}

export const exchange = (server, { code, verifier }) =>
  postForm(`${server.issuer}/v1/token`, {
    grant_type: 'interaction_code',
    client_id: server.clientId,
    redirect_uri: REDIRECT_URI,
    interaction_code: code,
    code_verifier: verifier,
  });

export async function userinfoStatus(server, accessToken) {
  const res = await fetch(`${server.issuer}/v1/userinfo`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  await res.arrayBuffer();
  return res.status;
}

export const refresh = (server, refreshToken) =>
  postForm(`${server.issuer}/v1/token`, {
    grant_type: 'refresh_token',
    client_id: server.clientId,
    refresh_token: refreshToken,
  });
