import type { AppService } from './apps/app-service.js';
import type { AuthenticatorRegistry } from './authenticators/registry.js';
import type { Clock } from './clock.js';
import type { GatehouseConfig } from './config/schema.js';
import type { FlowEngine } from './flows/shared/flow-engine.js';
import type { PasswordHasher } from './identity/password-hasher.js';
import type { SsoSessions } from './identity/sso-sessions.js';
import type { UserService } from './identity/users.js';
import type { SigningKeys } from './keys/signing-keys.js';
import type { Mailer } from './messaging/mailer.js';
import type { OutboxSender } from './messaging/outbox-sender.js';
import type { EmailTemplates } from './messaging/templates/email-templates.js';
import type { AuthorizationServer, ServerId } from './protocol/oauth/authorization-servers.js';
import type { TokenIssuer } from './protocol/oauth/token-issuer.js';
import type { RateLimiter } from './rate-limits/rate-limiter.js';
import type { Storage } from './storage/storage.js';

/**
 * Everything the server is built from, once at start-up: the composition root's bag. Routes and the
 * CLI pick parts of it; flows, authenticators and protocol handlers each take only what they use.
 */
export interface Services {
  config: GatehouseConfig;
  clock: Clock;
  storage: Storage;
  keys: SigningKeys;
  tokens: TokenIssuer;
  hasher: PasswordHasher;
  /** SSO sessions of hosted sign-in. */
  sessions: SsoSessions;
  users: UserService;
  apps: AppService;
  mailer: Mailer;
  /** Delivers the outbox to the SMTP relay; null when none is configured (the dev mailbox keeps mail). */
  outboxSender: OutboxSender | null;
  emailTemplates: EmailTemplates;
  limiter: RateLimiter;
  authenticators: AuthenticatorRegistry;
  flows: FlowEngine;
  server(id: ServerId): AuthorizationServer;
}
