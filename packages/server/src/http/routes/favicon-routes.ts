import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';

const FAVICON_URL = new URL('../../../assets/favicon.ico', import.meta.url);

/**
 * `/favicon.ico`, which browsers ask for on every page Gatehouse serves (the home page, the
 * hosted sign-in, the dev mailbox): a small icon from packages/server/assets, in production too
 * (it reveals nothing), cached for a day. An installation without the assets folder answers 404
 * as before.
 */
export async function faviconRoutes(app: FastifyInstance): Promise<void> {
  const icon = await readFile(FAVICON_URL).catch(() => null);
  if (!icon) return;
  app.get('/favicon.ico', { config: { protocol: 'plain' } }, async (_request, reply) =>
    reply.type('image/x-icon').header('cache-control', 'public, max-age=86400').send(icon),
  );
}
