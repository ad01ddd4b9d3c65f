import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';
import type { OutboxMessage } from '../../storage/outbox-store.js';
import { escapeHtml } from '../html-page.js';

interface MessagesQuery {
  to?: string;
  limit?: string;
}

function apiMessage(m: OutboxMessage) {
  return {
    id: m.id,
    to: m.to,
    subject: m.subject,
    text: m.text,
    html: m.html,
    sentAt: new Date(m.createdAt).toISOString(),
    /** `sent` (kept here, or handed to the SMTP relay: then its content is removed), `pending`, `dead`, … */
    status: m.status,
  };
}

/**
 * The dev mailbox (development mode only): every email in the outbox but the suppressed stand-ins,
 * newest first, as a page and as JSON. Email HTML is shown in a sandboxed frame so it cannot run
 * script on this origin.
 */
export async function devMailboxRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const config = { protocol: 'plain' as const };
  const querySchema = {
    type: 'object',
    properties: {
      to: { type: 'string', maxLength: 320 },
      limit: { type: 'string', pattern: '^[0-9]{1,3}$' },
    },
  } as const;

  app.get<{ Querystring: MessagesQuery }>(
    '/dev/mailbox/api/messages',
    { config, schema: { querystring: querySchema } },
    async (request, reply) => {
      const messages = await services.storage.outbox.listMailbox({
        to: request.query.to,
        limit: Number(request.query.limit ?? 100),
      });
      return reply.header('cache-control', 'no-store').send(messages.map(apiMessage));
    },
  );

  app.delete('/dev/mailbox/api/messages', { config }, async (_request, reply) => {
    await services.storage.outbox.clear();
    return reply.code(204).send();
  });

  app.get<{ Querystring: MessagesQuery }>(
    '/dev/mailbox',
    { config, schema: { querystring: querySchema } },
    async (request, reply) => {
      const messages = await services.storage.outbox.listMailbox({
        to: request.query.to,
        limit: Number(request.query.limit ?? 50),
      });
      const items = messages
        .map(
          (m) => `<article>
  <h2>${escapeHtml(m.subject)}</h2>
  <p class="meta">To <strong>${escapeHtml(m.to)}</strong> · ${escapeHtml(new Date(m.createdAt).toISOString())} · template ${escapeHtml(m.templateId)} · ${escapeHtml(m.status)}${m.lastError ? ` (${escapeHtml(m.lastError)})` : ''}</p>
  <iframe title="HTML body of ${escapeHtml(m.subject)}" sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc="${escapeHtml(`<base target="_blank">${m.html}`)}"></iframe>
  <details><summary>Text part</summary><pre>${escapeHtml(m.text)}</pre></details>
</article>`,
        )
        .join('\n');
      const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Gatehouse dev mailbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d1d21}article{border:1px solid #ccc;border-radius:.4rem;padding:1rem;margin:1rem 0}h2{font-size:1.1rem;margin:0 0 .3rem}.meta{color:#555;margin:0 0 .6rem}iframe{width:100%;height:22rem;border:1px solid #ddd}pre{white-space:pre-wrap}</style></head>
<body><main><h1>Dev mailbox</h1><p>Every email in Gatehouse's outbox (development mode). Without an SMTP relay they are kept here instead of being sent; with one, a delivered email keeps only its envelope. JSON: <a href="/dev/mailbox/api/messages">/dev/mailbox/api/messages</a>.</p>
${items || '<p>No messages yet.</p>'}</main></body></html>`;
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .header(
          'content-security-policy',
          "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'",
        )
        .send(body);
    },
  );
}
