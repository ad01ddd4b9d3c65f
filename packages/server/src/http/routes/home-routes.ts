import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';
import { readServerOverview } from '../../setup/server-overview.js';
import type { BrowserBuild, SdkFiles } from '../browser-builds.js';
import { sendDevelopmentHome, sendProductionHome } from '../home-page.js';
import { readPlaygroundScript, sendPlayground } from '../playground-page.js';
import { publishedBuilds } from './browser-build-routes.js';

/**
 * `/`: on a development server what runs and where to go next; in production a name only (200, so
 * that someone checking a deployment in a browser sees it answers, and nothing about its set-up).
 * `/playground` (development only): a first sign-in with the demo user, tokens shown decoded.
 */
export async function homeRoutes(
  app: FastifyInstance,
  deps: { services: Services; builds: readonly BrowserBuild[]; sdk: SdkFiles },
): Promise<void> {
  const { services } = deps;
  const { config } = services;
  const plain = { config: { protocol: 'plain' as const } };
  if (config.mode !== 'development') {
    app.get('/', plain, async (_request, reply) => sendProductionHome(reply));
    return;
  }
  app.get('/', plain, async (_request, reply) =>
    sendDevelopmentHome(
      reply,
      await readServerOverview(services),
      await publishedBuilds(config.publicUrl, deps.builds),
    ),
  );
  const script = await readPlaygroundScript();
  const playground = {
    publicUrl: config.publicUrl,
    issuer: services.server('default').issuer,
    sdk: deps.sdk,
    script,
    devMailbox: config.devMailbox.enabled,
  };
  app.get('/playground', plain, async (_request, reply) => sendPlayground(reply, playground));
  app.get('/playground/callback', plain, async (_request, reply) => sendPlayground(reply, playground));
  if (script)
    app.get('/playground/playground.js', plain, async (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(script.body),
    );
}
