import type { FastifyReply } from 'fastify';
import { randomToken } from '../secrets.js';
import { html, Markup } from './html-page.js';

/** What a page made by `sendStrictPage` holds; `nonce` is this response's, for its scripts. */
export interface StrictPage {
  title: string;
  /** The `<main>` content. */
  main: Markup;
  /** After `<main>`: the page's scripts, each with `nonce`. */
  scripts?: Markup;
  /** The page may fetch from this origin (its scripts call Gatehouse's endpoints). */
  connectSelf?: boolean;
}

const STYLE =
  ':root{color-scheme:light;--ink:#1d1d21;--muted:#4a4a55;--line:#d8d9de;--accent:#1a56b8;--bg:#f5f6f8}' +
  '[hidden]{display:none!important}body{margin:0;background:var(--bg);color:var(--ink);font:16px/1.5 system-ui,sans-serif}' +
  'header{background:#1d2433;color:#fff;padding:.9rem 1.25rem}header p{margin:0;font-weight:600;font-size:1.1rem}' +
  'header a{color:#fff}main{max-width:56rem;margin:0 auto;padding:1.5rem 1.25rem 3rem}' +
  'h1{font-size:1.6rem;margin:.3rem 0 1rem}h2{font-size:1.2rem;margin:0 0 .6rem}h3{font-size:1rem;margin:1rem 0 .4rem}' +
  'section{background:#fff;border:1px solid var(--line);border-radius:.5rem;padding:1rem 1.25rem;margin:1rem 0}' +
  'a{color:var(--accent)}a:focus-visible,button:focus-visible{outline:3px solid #f0a500;outline-offset:2px}' +
  'code{font:.9em ui-monospace,monospace;background:#eef0f4;border-radius:.25rem;padding:.05rem .3rem;overflow-wrap:anywhere}' +
  'pre{background:#eef0f4;padding:.6rem .8rem;border-radius:.35rem;overflow-x:auto;white-space:pre-wrap;overflow-wrap:anywhere}' +
  'dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0}dt{font-weight:600}dd{margin:0;min-width:0}' +
  'table{border-collapse:collapse;width:100%;font-size:.95rem}th,td{text-align:left;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid var(--line)}' +
  'td{overflow-wrap:anywhere}th{font-weight:600;width:11rem}.note{color:var(--muted)}' +
  'ul.links{padding-left:1.2rem;margin:.2rem 0}ul.links li{margin:.2rem 0}' +
  'button{font:inherit;font-weight:600;padding:.55rem 1.1rem;border-radius:.35rem;border:1px solid var(--accent);cursor:pointer;background:var(--accent);color:#fff}' +
  'button.secondary{background:#fff;color:var(--accent)}.actions{display:flex;gap:.75rem;flex-wrap:wrap;align-items:center}' +
  '.badge{display:inline-block;background:#fff3cd;color:#5c4400;border-radius:1rem;padding:.05rem .6rem;font-size:.85rem;font-weight:600}' +
  '.error{color:#a4161a;font-weight:600}';

/**
 * A Gatehouse page of its own (the home page, the playground) with the hosted page's strict
 * headers: scripts and the style only with this response's nonce, nothing framed, cached or
 * referred, nothing from elsewhere.
 */
export function sendStrictPage(reply: FastifyReply, build: (nonce: string) => StrictPage): FastifyReply {
  const nonce = randomToken(16);
  const page = build(nonce);
  const document = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,"><title>${page.title}</title><style nonce="${nonce}">${new Markup(STYLE)}</style></head><body><header><p><a href="/">Gatehouse</a></p></header><main>${page.main}</main>${page.scripts ?? html``}</body></html>`;
  const connect = page.connectSelf ? "connect-src 'self'" : "connect-src 'none'";
  return sendWithStrictHeaders(
    reply,
    `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; img-src 'self' data:; ${connect}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'`,
    document.value,
  );
}

/** A page's HTML with its CSP and the headers every Gatehouse page has: not framed, cached or referred. */
export function sendWithStrictHeaders(reply: FastifyReply, csp: string, body: string): FastifyReply {
  return reply
    .code(200)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-security-policy', csp)
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin')
    .send(body);
}
