import type { Clock } from '../clock.js';
import type { GatehouseConfig } from '../config/schema.js';
import type { PasswordHasher } from '../identity/password-hasher.js';
import type { PasswordPolicy } from '../identity/password-policy.js';
import type { Mailer } from '../messaging/mailer.js';
import type { RateLimiter } from '../rate-limits/rate-limiter.js';
import type { Storage } from '../storage/storage.js';
import { EmailAuthenticator } from './email/email-authenticator.js';
import { PasswordAuthenticator } from './password/password-authenticator.js';
import { AuthenticatorRegistry } from './registry.js';
import { TotpAuthenticator } from './totp/totp-authenticator.js';
import { WebauthnAuthenticator } from './webauthn/webauthn-authenticator.js';

/** What the installed authenticators are built from (each takes only the parts it uses). */
export interface AuthenticatorParts {
  config: GatehouseConfig;
  storage: Storage;
  hasher: PasswordHasher;
  passwordPolicy: PasswordPolicy;
  mailer: Mailer;
  limiter: RateLimiter;
  clock: Clock;
  /** Server secret that one-time codes are derived with. */
  secret: Buffer;
  /** Wakes the outbox sender after an email was committed (a no-op where none runs). */
  mailQueued(): void;
}

/**
 * The authenticators this server offers: one line each. A new authenticator is a folder beside
 * `password/` and `email/` and a line here; flows find it through the registry.
 */
export function installAuthenticators(parts: AuthenticatorParts): AuthenticatorRegistry {
  const { config, storage, clock } = parts;
  return new AuthenticatorRegistry([
    new PasswordAuthenticator({
      users: storage.users,
      credentials: storage.credentials,
      events: storage.events,
      hasher: outsideTheStep(parts.hasher, storage),
      outsideTransaction: storage.handle.units.suspend,
      policy: parts.passwordPolicy,
      lockout: config.lockout,
      limiter: parts.limiter,
      limits: config.rateLimits,
      clock,
    }),
    new EmailAuthenticator({
      challenges: storage.emailChallenges,
      events: storage.events,
      users: storage.users,
      transaction: (work) => storage.transaction(work),
      queued: parts.mailQueued,
      mailer: parts.mailer,
      limiter: parts.limiter,
      secret: parts.secret,
      clock,
      settings: {
        otpTtlSeconds: config.email.otpTtlSeconds,
        recoveryOtpTtlSeconds: config.email.recoveryOtpTtlSeconds,
        notifyUnknownRecipients: config.email.notifyUnknownRecipients,
        maxAttempts: config.email.maxAttempts,
        resendIntervalSeconds: config.email.resendIntervalSeconds,
        maxSendsPerTransaction: config.email.maxSendsPerTransaction,
        publicUrl: config.publicUrl,
        relay: config.email.smtpUrl !== undefined,
        emailPerRecipient: config.rateLimits.emailPerRecipient,
        challengePerIp: config.rateLimits.challengePerIp,
        answerPerIp: config.rateLimits.answerPerIp,
      },
    }),
    new TotpAuthenticator({
      challenges: storage.authenticatorChallenges,
      enrollments: storage.enrollments,
      events: storage.events,
      limiter: parts.limiter,
      clock,
      secret: parts.secret,
      settings: {
        issuer: config.orgName,
        maxAttempts: config.email.maxAttempts,
        answerPerIp: config.rateLimits.answerPerIp,
        failedOtpPerUser: config.rateLimits.failedOtpPerUser,
      },
    }),
    new WebauthnAuthenticator({
      enrollments: storage.enrollments,
      challenges: storage.authenticatorChallenges,
      events: storage.events,
      limiter: parts.limiter,
      clock,
      secret: parts.secret,
      settings: { publicUrl: config.publicUrl, answerPerIp: config.rateLimits.answerPerIp, maxAttempts: 5 },
    }),
  ]);
}

/**
 * The hasher, run with no database transaction open: a step's unit of work commits what it wrote
 * before hashing, so argon2 never holds the SQLite connection (and every other request) behind it.
 */
function outsideTheStep(hasher: PasswordHasher, storage: Storage): PasswordHasher {
  const { suspend } = storage.handle.units;
  return Object.assign(Object.create(hasher) as PasswordHasher, {
    hash: (password: string) => suspend(() => hasher.hash(password)),
    verify: (storedHash: string, password: string) => suspend(() => hasher.verify(storedHash, password)),
    verifyDummy: (password: string) => suspend(() => hasher.verifyDummy(password)),
  });
}
