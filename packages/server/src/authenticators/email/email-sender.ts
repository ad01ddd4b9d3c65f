import type { Clock } from '../../clock.js';
import { EngineError } from '../../errors.js';
import type { Mailer } from '../../messaging/mailer.js';
import { type Limit, overLimit, type RateLimiter } from '../../rate-limits/rate-limiter.js';
import type { EmailChallenge, EmailChallengesStore } from '../../storage/email-challenges-store.js';
import type { EventsStore } from '../../storage/events-store.js';
import type { AuthenticatorContext, ChallengeResult } from '../authenticator.js';
import { deriveCode } from './one-time-code.js';

export interface EmailSendSettings {
  notifyUnknownRecipients: boolean;
  resendIntervalSeconds: number;
  maxSendsPerTransaction: number;
  publicUrl: string;
  emailPerRecipient: Limit;
}

export interface EmailSenderDeps {
  challenges: EmailChallengesStore;
  mailer: Mailer;
  limiter: RateLimiter;
  events: EventsStore;
  clock: Clock;
  secret: Buffer;
  settings: EmailSendSettings;
}

const SENT: ChallengeResult = { ok: true };

/**
 * Sends a challenge's email: throttled per challenge, then per recipient address (only emails that
 * will go out count there, the same for unknown identifiers). A send refused by the recipient cap
 * or not delivered is given back, so the user may try again at once.
 */
export class EmailSender {
  constructor(private readonly deps: EmailSenderDeps) {}

  async send(
    ctx: AuthenticatorContext,
    challenge: EmailChallenge,
    ttlSeconds: number,
  ): Promise<ChallengeResult> {
    const { challenges, limiter, clock, settings } = this.deps;
    const now = clock.now();
    const allowed = await challenges.recordSend(
      challenge.id,
      now,
      settings.resendIntervalSeconds * 1000,
      settings.maxSendsPerTransaction,
    );
    if (!allowed) return { ok: false, error: this.throttled(ctx, challenge, now) };
    const recipientKey = (ctx.user?.email ?? ctx.identifier).toLowerCase();
    const refused = await overLimit(limiter, `email:to:${recipientKey}`, settings.emailPerRecipient);
    if (refused) {
      await challenges.undoSend(challenge.id, challenge.lastSentAt);
      return { ok: false, error: refused };
    }
    const user = ctx.user;
    if (challenge.recipient === null || !user) {
      await this.notifyUnknownRecipient(ctx, now);
      return SENT;
    }
    const code = deriveCode(this.deps.secret, challenge.id, challenge.seed);
    const email = {
      serverId: ctx.transaction.serverId,
      to: challenge.recipient,
      otp: code,
      link: this.magicLink(ctx, code),
      relayState: ctx.transaction.state,
      expiresInMinutes: Math.round(ttlSeconds / 60),
      user: {
        login: user.login,
        email: user.email,
        firstName: user.profile.firstName,
        lastName: user.profile.lastName,
      },
      appName: ctx.app.name,
      request: { ...ctx.request, at: now },
    };
    try {
      if (ctx.purpose === 'recovery') await this.deps.mailer.sendPasswordReset(email);
      else await this.deps.mailer.sendEmailChallenge(email);
    } catch (err) {
      await challenges.undoSend(challenge.id, challenge.lastSentAt);
      await this.deps.events.record(
        {
          type: 'system.email.delivery.failed',
          userId: user.id,
          appId: ctx.app.id,
          data: { reason: (err as Error).message.slice(0, 200) },
        },
        now,
      );
      return { ok: false, error: new EngineError('DELIVERY_FAILED'), started: true };
    }
    await this.deps.events.record(
      { type: 'system.email.challenge.sent', userId: user.id, appId: ctx.app.id, ip: ctx.request.ip },
      now,
    );
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

  /**
   * A recovery for an address with no account: nothing is sent unless the operator turned on
   * notices, then the typed address is told that no account uses it (no code, no link).
   */
  private async notifyUnknownRecipient(ctx: AuthenticatorContext, now: number): Promise<void> {
    if (ctx.purpose !== 'recovery' || !this.deps.settings.notifyUnknownRecipients || ctx.user) return;
    const address = ctx.identifier.trim();
    if (!/^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/.test(address)) return;
    try {
      await this.deps.mailer.sendUnknownRecipient({
        serverId: ctx.transaction.serverId,
        to: address,
        request: { ...ctx.request, at: now },
      });
    } catch {
      // The answer must not differ from a known account's: a failed notice is only logged as an event.
      await this.deps.events.record(
        { type: 'system.email.delivery.failed', appId: ctx.app.id, data: { template: 'unknown-recipient' } },
        now,
      );
    }
  }

  /** `<app email-verify callback>?otp=…&state=…`, or Gatehouse's own page when the app has none. */
  private magicLink(ctx: AuthenticatorContext, code: string): string {
    const url = new URL(ctx.app.emailVerifyUri ?? `${this.deps.settings.publicUrl}/email/verify`);
    url.searchParams.set('otp', code);
    url.searchParams.set('state', ctx.transaction.state);
    return url.toString();
  }
}
