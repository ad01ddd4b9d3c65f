import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import { EngineError } from '../../errors.js';
import type { ChallengeEmail, Mailer, RequestContext } from '../../messaging/mailer.js';
import type { OutgoingEmail } from '../../messaging/transports/mail-transport.js';
import { type Limit, limitReached, type RateLimiter } from '../../rate-limits/rate-limiter.js';
import type { EmailChallenge } from '../../storage/email-challenges-store.js';
import type { AuditEvent } from '../../storage/events-store.js';
import type { NewOutboxMessage } from '../../storage/outbox-store.js';
import type { TransactionStores } from '../../storage/storage.js';
import type { AuthenticatorContext, ChallengePurpose, ChallengeResult } from '../authenticator.js';
import { deriveCode } from './one-time-code.js';

export interface EmailSendSettings {
  notifyUnknownRecipients: boolean;
  resendIntervalSeconds: number;
  maxSendsPerTransaction: number;
  publicUrl: string;
  emailPerRecipient: Limit;
  /** A mail relay is configured: messages wait for the outbox sender. Otherwise they are kept, delivered, for the dev mailbox. */
  relay: boolean;
}

export interface EmailSenderDeps {
  transaction<T>(work: (stores: TransactionStores) => Promise<T>): Promise<T>;
  mailer: Mailer;
  limiter: RateLimiter;
  clock: Clock;
  secret: Buffer;
  settings: EmailSendSettings;
  /** Wakes the outbox sender after a message was committed. */
  queued(): void;
}

const SENT: ChallengeResult = { ok: true };

/** The email that carries the code, by what it is for. */
const TEMPLATES: Record<ChallengePurpose, (mailer: Mailer, email: ChallengeEmail) => Promise<OutgoingEmail>> =
  {
    'sign-in': (mailer, email) => mailer.emailChallenge(email),
    recovery: (mailer, email) => mailer.passwordReset(email),
    registration: (mailer, email) => mailer.registrationVerification(email),
    unlock: (mailer, email) => mailer.unlockAccount(email),
  };

/** What a send writes: the message (or its stand-in) and, for a real recipient, the audit event. */
interface Outgoing {
  message: NewOutboxMessage;
  event: AuditEvent | null;
}

/**
 * Sends a challenge's email through the transactional outbox: the message row, the challenge's send
 * counter (and the challenge itself, when it is new) and the audit event are written in one
 * database transaction; the outbox sender delivers after commit, so no request waits for SMTP.
 * Sends are throttled per challenge, then per recipient address. An identifier that matched no
 * account gets the same work and the same answer: the same template is rendered and a row is
 * written that is never sent (`suppressed`), or the unknown-recipient notice where configured.
 */
export class EmailSender {
  constructor(private readonly deps: EmailSenderDeps) {}

  async send(
    ctx: AuthenticatorContext,
    challenge: EmailChallenge,
    options: { ttlSeconds: number; isNew: boolean },
  ): Promise<ChallengeResult> {
    const { limiter, clock, settings } = this.deps;
    const now = clock.now();
    const recipientKey = `email:to:${(ctx.user?.email ?? ctx.identifier).toLowerCase()}`;
    const refused = await limitReached(limiter, recipientKey, settings.emailPerRecipient);
    if (refused) return { ok: false, error: refused };
    const outgoing = await this.compose(ctx, challenge, options.ttlSeconds, now);
    const written = await this.deps.transaction(async (stores) => {
      if (options.isNew) await stores.emailChallenges.replace(challenge);
      const allowed = await stores.emailChallenges.recordSend(
        challenge.id,
        now,
        settings.resendIntervalSeconds * 1000,
        settings.maxSendsPerTransaction,
      );
      if (!allowed) return false;
      await stores.outbox.add(outgoing.message);
      if (outgoing.event) await stores.events.record(outgoing.event, now);
      return true;
    });
    if (!written) return { ok: false, error: this.throttled(ctx, challenge, now) };
    await limiter.hit(recipientKey, settings.emailPerRecipient);
    if (outgoing.message.status === 'pending') this.deps.queued();
    return SENT;
  }

  /** Too soon after the last email, or no more emails at all in this transaction once the cap is reached. */
  private throttled(ctx: AuthenticatorContext, challenge: EmailChallenge, now: number): EngineError {
    const { resendIntervalSeconds, maxSendsPerTransaction } = this.deps.settings;
    const wait =
      challenge.sends >= maxSendsPerTransaction
        ? Math.ceil((ctx.transaction.expiresAt - now) / 1000)
        : challenge.lastSentAt === null
          ? 1
          : Math.ceil((challenge.lastSentAt + resendIntervalSeconds * 1000 - now) / 1000);
    return new EngineError('RATE_LIMITED', { retryAfterSeconds: Math.max(1, wait) });
  }

  private async compose(
    ctx: AuthenticatorContext,
    challenge: EmailChallenge,
    ttlSeconds: number,
    now: number,
  ): Promise<Outgoing> {
    const { mailer, secret, settings } = this.deps;
    const request = { ...ctx.request, at: now };
    const { user } = ctx;
    const known = challenge.recipient !== null && user !== null;
    const delivered = settings.relay ? 'pending' : 'sent';
    if (!known && !ctx.quiet) {
      const notice = await this.notice(ctx, request);
      if (notice) return { message: this.row(notice, delivered, now), event: null };
    }
    const code = deriveCode(secret, challenge.id, challenge.seed);
    const email = {
      serverId: ctx.transaction.serverId,
      to: challenge.recipient ?? ctx.identifier,
      otp: code,
      link: this.magicLink(ctx, code),
      relayState: ctx.transaction.state,
      expiresInMinutes: Math.round(ttlSeconds / 60),
      user: {
        login: user?.login ?? ctx.identifier,
        email: user?.email ?? ctx.identifier,
        firstName: user?.profile.firstName,
        lastName: user?.profile.lastName,
      },
      appName: ctx.app.name,
      request,
    };
    const composed = await TEMPLATES[ctx.purpose](mailer, email);
    if (!known) {
      // The same rendering as for an account, kept without its content and never sent.
      return {
        message: this.row({ ...composed, subject: '', text: '', html: '' }, 'suppressed', now),
        event: null,
      };
    }
    return {
      message: this.row(composed, delivered, now),
      event: { type: 'system.email.challenge.sent', userId: user.id, appId: ctx.app.id, ip: ctx.request.ip },
    };
  }

  /**
   * What an address gets instead of a code when no account can receive one: at sign-up, its owner
   * is told they already have an account; a recovery or unlock for an address no account uses
   * tells it so when the operator turned notices on. Null: nothing (a decoy is written instead).
   */
  private async notice(ctx: AuthenticatorContext, request: RequestContext): Promise<OutgoingEmail | null> {
    const to = ctx.identifier.trim();
    const { serverId } = ctx.transaction;
    if (ctx.purpose === 'registration') {
      const signInLink = ctx.app.loginUri ?? ctx.app.trustedOrigins[0] ?? this.deps.settings.publicUrl;
      const reset = new URL(signInLink);
      reset.searchParams.set('flow', 'resetPassword');
      return this.deps.mailer.accountExists({
        serverId,
        to,
        appName: ctx.app.name,
        signInLink,
        resetPasswordLink: reset.toString(),
        request,
      });
    }
    const offersNotice =
      (ctx.purpose === 'recovery' || ctx.purpose === 'unlock') &&
      this.deps.settings.notifyUnknownRecipients &&
      !ctx.user &&
      /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/.test(to);
    return offersNotice ? this.deps.mailer.unknownRecipient({ serverId, to, request }) : null;
  }

  private row(email: OutgoingEmail, status: NewOutboxMessage['status'], now: number): NewOutboxMessage {
    return { id: randomUUID(), ...email, createdAt: now, status };
  }

  /**
   * `<app email-verify callback>?otp=…&state=…`, or Gatehouse's own page when the app has none or
   * the sign-in is hosted (Gatehouse's page then continues it in the browser that started it).
   */
  private magicLink(ctx: AuthenticatorContext, code: string): string {
    const appCallback = ctx.transaction.authorizeRequest ? null : ctx.app.emailVerifyUri;
    const url = new URL(appCallback ?? `${this.deps.settings.publicUrl}/email/verify`);
    url.searchParams.set('otp', code);
    url.searchParams.set('state', ctx.transaction.state);
    return url.toString();
  }
}
