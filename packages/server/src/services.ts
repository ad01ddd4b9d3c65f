import type { AppService } from './apps/app-service.js';
import type { AuthenticatorRegistry } from './authenticators/registry.js';
import type { Clock } from './clock.js';
import type { GatehouseConfig } from './config/schema.js';
import type { SignInFlow } from './flows/sign-in-flow.js';
import type { PasswordHasher } from './identity/password-hasher.js';
import type { UserService } from './identity/users.js';
import type { SigningKeys } from './keys/signing-keys.js';
import type { Mailer } from './messaging/mailer.js';
import type { EmailTemplates } from './messaging/templates/email-templates.js';
import type { AuthorizationServer, ServerId } from './protocol/oauth/authorization-servers.js';
import type { TokenIssuer } from './protocol/oauth/token-issuer.js';
import type { RateLimiter } from './rate-limits/rate-limiter.js';
import type { Storage } from './storage/storage.js';

/** Everything a request handler may use, built once at start-up. */
export interface Services {
  config: GatehouseConfig;
  clock: Clock;
  storage: Storage;
  keys: SigningKeys;
  tokens: TokenIssuer;
  hasher: PasswordHasher;
  users: UserService;
  apps: AppService;
  mailer: Mailer;
  emailTemplates: EmailTemplates;
  limiter: RateLimiter;
  authenticators: AuthenticatorRegistry;
  signIn: SignInFlow;
  server(id: ServerId): AuthorizationServer;
}
