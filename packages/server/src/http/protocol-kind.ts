import type { FastifyRequest } from 'fastify';

/** Which wire format a request's errors are answered in. */
export type ProtocolKind = 'idx' | 'oauth' | 'plain';

declare module 'fastify' {
  interface FastifyContextConfig {
    protocol?: ProtocolKind;
  }
}

export function protocolOf(request: FastifyRequest): ProtocolKind {
  const configured = request.routeOptions?.config?.protocol;
  if (configured) return configured;
  const path = request.url.split('?')[0] ?? '';
  if (path.startsWith('/idp/idx')) return 'idx';
  if (path.startsWith('/oauth2') || path.startsWith('/.well-known')) return 'oauth';
  return 'plain';
}
