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
  return { status: res.status, body: json ?? text, retryAfter: res.headers.get('retry-after') };
}

export const postForm = (url, params) => post(url, params, 'application/x-www-form-urlencoded');

/**
 * Opens a transaction for `server`'s public app (interact, introspect): resolves with its PKCE
 * verifier and the introspect response (the identify form).
 */
export async function openTransaction(server, scope = 'openid profile email offline_access') {
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
  return { verifier, introspect: intro.body };
}

/** Posts a remediation form of `response` (by name) with `values` and the response's state handle. */
export function submit(response, name, values) {
  const form = response.remediation?.value.find((f) => f.name === name);
  if (!form) throw new Error(`no ${name} form in ${JSON.stringify(response)}`);
  return post(form.href, { ...values, stateHandle: response.stateHandle }, ION);
}

/** Signs `server`'s user in; resolves with the interaction code and its PKCE verifier. */
export async function signIn(server, scope = 'openid profile email offline_access') {
  const { verifier, introspect } = await openTransaction(server, scope);
  const done = await submit(introspect, 'identify', {
    identifier: server.login,
    credentials: { passcode: server.password },
  });
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
