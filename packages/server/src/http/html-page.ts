import type { FastifyReply } from 'fastify';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

/** JSON safe inside `<script type="application/json">` or an import map: no `<`, so no `</script>`. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Markup made by `html`; nothing else is inserted into a page unescaped. */
export class Markup {
  constructor(readonly value: string) {}
}

/** Tagged template: every interpolated value is escaped unless it is itself `Markup`. */
export function html(strings: TemplateStringsArray, ...values: Array<string | Markup>): Markup {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += (value instanceof Markup ? value.value : escapeHtml(value)) + (strings[i + 1] ?? '');
  });
  return new Markup(out);
}

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1d1d21}h1{font-size:1.4rem}' +
  'button{font:inherit;padding:.5rem 1rem;cursor:pointer}.code{font-size:2rem;letter-spacing:.3rem;font-weight:600}';

/**
 * A minimal self-contained HTML page (no scripts, no third-party resources) with strict headers:
 * the title, a message, and optionally more markup after it (a form posting back to this page).
 */
export function htmlPage(
  reply: FastifyReply,
  status: number,
  title: string,
  message: string,
  more: Markup = html``,
): FastifyReply {
  const page = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title><style>${new Markup(STYLE)}</style></head><body><main><h1>${title}</h1><p>${message}</p>${more}</main></body></html>`;
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    )
    .header('referrer-policy', 'no-referrer')
    .send(page.value);
}
