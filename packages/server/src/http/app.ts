import { randomUUID } from 'node:crypto';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { IdxEndpoints } from '../protocol/idx/idx-endpoints.js';
import { InteractionCodes } from '../protocol/idx/interaction-codes.js';
import { AuthorizationCodes } from '../protocol/oauth/authorization-codes.js';
import { FLOW_ID, HostedSignIn } from '../protocol/oauth/hosted-sign-in.js';
import type { Services } from '../services.js';
import { SdkFiles, WidgetFiles } from './browser-builds.js';
import { BrowserCookies } from './browser-cookies.js';
import { installCors } from './cors.js';
import { installErrorHandling } from './error-handler.js';
import { rejectNulCharacters } from './reject-nul.js';
import { browserBuildRoutes, browserBuildsManifestRoute } from './routes/browser-build-routes.js';
import { devMailboxRoutes } from './routes/dev-mailbox-routes.js';
import { emailVerifyRoutes } from './routes/email-verify-routes.js';
import { faviconRoutes } from './routes/favicon-routes.js';
import { homeRoutes } from './routes/home-routes.js';
import { hostedPageRoutes, hostedServerRoutes } from './routes/hosted-routes.js';
import { idxRoutes } from './routes/idx-routes.js';
import { oauthRoutes } from './routes/oauth-routes.js';
import { drainUnreadBodies } from './unread-body.js';

/** Builds the HTTP server: the only layer that sees requests and replies. */
export async function buildHttpApp(services: Services): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    logger: {
      level: config.log.level,
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.query', 'req.body'],
    },
    // Per-request lines are off: URLs can carry one-time codes (magic links); errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.server.bodyLimitBytes,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    // Types are checked, never coerced: `{"identifier": 5}` is an error, not "5".
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });

  // auth-js posts introspect as ion+json; everything else as JSON (parameters such as okta-version are ignored).
  app.addContentTypeParser(
    'application/ion+json',
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );
  await app.register(formbody);
  installErrorHandling(app);
  drainUnreadBodies(app);
  rejectNulCharacters(app);
  await installCors(app, services.storage.apps);

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-request-id', request.id);
  });

  app.get('/healthz', { config: { protocol: 'plain' } }, async () => ({ status: 'ok' }));
  await app.register(async (instance) => idxRoutes(instance, idxEndpoints(services)));
  const cookies = new BrowserCookies(config.publicUrl);
  const widgetFiles = new WidgetFiles();
  const hosted = hostedSignIn(services);
  const hostedDeps = { services, hosted, cookies, widgetFiles };
  await app.register(async (instance) =>
    emailVerifyRoutes(instance, {
      publicUrl: config.publicUrl,
      continuesHostedFlow: async (request, state) => {
        const tx = await hosted.flow(state, FLOW_ID.test(state) ? cookies.flow(request, state) : null);
        return tx !== null && tx.status === 'active';
      },
    }),
  );
  const sdkFiles = new SdkFiles();
  const builds = [widgetFiles, sdkFiles];
  for (const build of builds) await app.register(async (instance) => browserBuildRoutes(instance, build));
  await app.register(async (instance) => browserBuildsManifestRoute(instance, config.publicUrl, builds));
  await app.register(async (instance) => homeRoutes(instance, { services, builds, sdk: sdkFiles }));
  await app.register(faviconRoutes);
  await app.register(hostedPageRoutes(hostedDeps));
  if (config.devMailbox.enabled) await app.register(async (instance) => devMailboxRoutes(instance, services));
  await app.register(oauthRoutes(services, 'default', '/oauth2/default', '/oauth2/default'));
  await app.register(oauthRoutes(services, 'org', '', '/oauth2'));
  await app.register(hostedServerRoutes(hostedDeps, 'default', '/oauth2/default'));
  await app.register(hostedServerRoutes(hostedDeps, 'org', '/oauth2'));
  return app;
}

/** Sign-in by redirect over the flow engine and the SSO sessions (ADR 0012). */
function hostedSignIn(services: Services): HostedSignIn {
  const { storage, clock, config, flows, tokens } = services;
  return new HostedSignIn({
    apps: storage.apps,
    users: storage.users,
    transactions: storage.transactions,
    interactionCodes: storage.interactionCodes,
    engine: flows,
    sessions: services.sessions,
    codes: new AuthorizationCodes({
      interactionCodes: storage.interactionCodes,
      clock,
      ttlSeconds: config.tokens.interactionCodeTtlSeconds,
    }),
    tokens,
    clock,
    server: services.server,
    transactionTtlSeconds: config.transactions.ttlSeconds,
    limiter: services.limiter,
    startsPerIp: config.rateLimits.hostedSignInsPerIp,
  });
}

/** The IDX edge over the flow engine. */
function idxEndpoints(services: Services): IdxEndpoints {
  const { storage, clock, config, flows } = services;
  const interactionCodes = new InteractionCodes({
    transactions: storage.transactions,
    interactionCodes: storage.interactionCodes,
    clock,
    ttlSeconds: config.tokens.interactionCodeTtlSeconds,
  });
  const idxBase = `${config.publicUrl}/idp/idx`;
  return new IdxEndpoints({
    engine: flows,
    transactions: storage.transactions,
    interactionCodes,
    urls: (transaction) => ({
      idxBase,
      tokenUrl: `${services.server(transaction.serverId === 'org' ? 'org' : 'default').endpointBase}/token`,
    }),
  });
}
