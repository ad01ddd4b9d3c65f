import type { FastifyReply } from 'fastify';
import type { AuthorizationResponse } from '../protocol/oauth/hosted-sign-in.js';
import { randomToken } from '../secrets.js';
import { html, Markup } from './html-page.js';

/**
 * Sends the answer of `/authorize` to the app: a 302 to the redirect URI with the parameters in
 * its query (`response_mode=query`), or a page that posts them there (`form_post`, OAuth 2.0 Form
 * Post Response Mode): the only script is the nonce'd one that submits the form.
 */
export function sendAuthorizationResponse(
  reply: FastifyReply,
  response: AuthorizationResponse,
): FastifyReply {
  const { target, params } = response;
  reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
  if (target.responseMode === 'query') {
    const location = new URL(target.redirectUri);
    for (const [name, value] of Object.entries(params)) location.searchParams.set(name, value);
    return reply.redirect(location.toString(), 302);
  }
  const nonce = randomToken(16);
  const inputs = Object.entries(params).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  );
  const page = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signing in…</title></head><body><form method="post" action="${target.redirectUri}">${new Markup(inputs.map((i) => i.value).join(''))}<noscript><button type="submit">Continue</button></noscript></form><script nonce="${nonce}">document.forms[0].submit()</script></body></html>`;
  return reply
    .code(200)
    .type('text/html; charset=utf-8')
    .header(
      'content-security-policy',
      `default-src 'none'; script-src 'nonce-${nonce}'; form-action ${new URL(target.redirectUri).origin}; frame-ancestors 'none'; base-uri 'none'`,
    )
    .send(page.value);
}
