import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerId } from '../../protocol/oauth/authorization-servers.js';
import { ClientAuthenticator } from '../../protocol/oauth/client-auth.js';
import { discoveryDocument } from '../../protocol/oauth/discovery.js';
import { codeGrant } from '../../protocol/oauth/grants/code-grant.js';
import { refreshTokenGrant } from '../../protocol/oauth/grants/refresh-token-grant.js';
import { interact } from '../../protocol/oauth/interact.js';
import { introspect } from '../../protocol/oauth/introspect.js';
import { OAuthError } from '../../protocol/oauth/oauth-error.js';
import { readParams } from '../../protocol/oauth/params.js';
import { revoke } from '../../protocol/oauth/revoke.js';
import { TokenEndpoint } from '../../protocol/oauth/token-endpoint.js';
import { userinfo } from '../../protocol/oauth/userinfo.js';
import type { Services } from '../../services.js';

const FORM = 'application/x-www-form-urlencoded';

/** Parameters of a form POST; a JSON or other body is refused with an OAuth error. */
function formParams(request: FastifyRequest): Record<string, string> {
  const type = request.headers['content-type'];
  const hasBody = request.body !== undefined && request.body !== null && request.body !== '';
  if (hasBody && !(type ?? '').toLowerCase().startsWith(FORM))
    throw new OAuthError('unsupported_media_type', `Send the parameters as ${FORM}.`);
  return readParams(request.body, request.query);
}

function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

/** OAuth 2.0 / OIDC endpoints of one authorization server. */
export function oauthRoutes(
  services: Services,
  serverId: ServerId,
  discoveryPath: string,
  endpointPrefix: string,
) {
  const { storage, tokens, clock, flows } = services;
  const { apps, grants, users, events, interactionCodes } = storage;
  const server = services.server(serverId);
  const clients = new ClientAuthenticator({
    apps,
    limiter: services.limiter,
    limit: services.config.rateLimits.clientAuthFailuresPerClient,
  });
  const codeGrantDeps = {
    interactionCodes,
    grants,
    users,
    events,
    tokens,
    clock,
    server: services.server,
    refreshTokenAbsoluteTtlSeconds: services.config.tokens.refreshTokenAbsoluteTtlSeconds,
  };
  const tokenEndpoint = new TokenEndpoint(clients, {
    interaction_code: codeGrant(codeGrantDeps, 'interaction_code'),
    authorization_code: codeGrant(codeGrantDeps, 'authorization_code'),
    refresh_token: refreshTokenGrant({ grants, users, events, tokens, clock, server: services.server }),
  });
  const tokenDeps = { clients, apps, grants, users, events, tokens, clock };
  return async (app: FastifyInstance): Promise<void> => {
    const config = { protocol: 'oauth' as const };
    // OAuth bodies are forms only: any JSON body (even `null` or malformed) is the wrong media type (415).
    app.removeContentTypeParser(['application/json', 'application/ion+json']);
    const authorization = (request: FastifyRequest) => request.headers.authorization;

    for (const path of [
      `${discoveryPath}/.well-known/openid-configuration`,
      `${discoveryPath}/.well-known/oauth-authorization-server`,
    ]) {
      app.get(path, { config }, async (_request, reply) =>
        reply.header('cache-control', 'public, max-age=300').send(discoveryDocument(server)),
      );
    }

    app.get(`${endpointPrefix}/v1/keys`, { config }, async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=300').send(await services.keys.jwks()),
    );

    app.post(`${endpointPrefix}/v1/interact`, { config }, async (request, reply) =>
      noStore(reply).send(
        await interact({ clients, engine: flows }, serverId, formParams(request), authorization(request)),
      ),
    );

    app.post(`${endpointPrefix}/v1/token`, { config }, async (request, reply) =>
      noStore(reply).send(
        await tokenEndpoint.token(serverId, formParams(request), authorization(request), request.ip ?? null),
      ),
    );

    app.post(`${endpointPrefix}/v1/revoke`, { config }, async (request, reply) => {
      await revoke(tokenDeps, server, formParams(request), authorization(request), request.ip ?? null);
      return noStore(reply).code(200).send();
    });

    app.post(`${endpointPrefix}/v1/introspect`, { config }, async (request, reply) =>
      noStore(reply).send(await introspect(tokenDeps, server, formParams(request), authorization(request))),
    );

    const userinfoHandler = async (request: FastifyRequest, reply: FastifyReply) =>
      noStore(reply).send(await userinfo(tokenDeps, server, authorization(request)));
    app.get(`${endpointPrefix}/v1/userinfo`, { config }, userinfoHandler);
    app.post(`${endpointPrefix}/v1/userinfo`, { config }, userinfoHandler);
  };
}
