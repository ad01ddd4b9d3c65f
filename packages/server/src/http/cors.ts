import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import type { AppsStore } from '../storage/apps-store.js';

/**
 * CORS for browser apps: the exact origin is echoed, with credentials, only when an app lists it
 * as trusted (never `*`). Headers cover what the Okta clients send (docs/protocol/idx-protocol.md §1.2).
 */
export async function installCors(app: FastifyInstance, apps: AppsStore): Promise<void> {
  await app.register(cors, {
    origin: (origin, callback) => {
      if (!origin) return callback(null, false);
      apps.isTrustedOrigin(origin).then(
        (trusted) => callback(null, trusted),
        (err: Error) => callback(err, false),
      );
    },
    credentials: true,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: [
      'accept',
      'accept-language',
      'authorization',
      'content-type',
      'dpop',
      'x-device-fingerprint',
      'x-okta-user-agent-extended',
      'x-requested-with',
    ],
    exposedHeaders: ['www-authenticate', 'retry-after', 'x-request-id'],
    maxAge: 600,
    strictPreflight: false,
  });
}
