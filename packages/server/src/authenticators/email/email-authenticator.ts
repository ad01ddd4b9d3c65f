import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import { IdxError } from '../../errors.js';
import type { Mailer } from '../../messaging/mailer.js';
import { assertWithinLimit, type Limit, type RateLimiter } from '../../rate-limits/rate-limiter.js';
import type { EmailChallenge, EmailChallengesStore } from '../../storage/email-challenges-store.js';
import type { EventsStore } from '../../storage/events-store.js';
import type { User } from '../../storage/users-store.js';
import type { Authenticator, AuthenticatorContext, Enrollment, VerifyOutcome } from '../authenticator.js';
import { enrollmentId } from '../enrollment-id.js';
import { maskEmail } from './mask-email.js';
import { codesMatch, deriveCode, newSeed, normalizeCode } from './one-time-code.js';

export const EMAIL_AUTHENTICATOR_ID = 'autEmail';

export interface EmailSettings {
  otpTtlSeconds: number;
  recoveryOtpTtlSeconds: number;
  notifyUnknownRecipients: boolean;
  maxAttempts: number;
  resendIntervalSeconds: number;
  maxSendsPerTransaction: number;
  publicUrl: string;
  limits: { emailPerRecipient: Limit; challengePerIp: Limit; answerPerIp: Limit };
}

/**
 * The email factor: a 6-digit code and a magic link carrying it (`<callback>?otp=…&state=…`).
 * Opening the link consumes nothing; only submitting the code does. Five wrong answers end the
 * challenge. For an unknown identifier a challenge is recorded but no email is sent, so the
 * answers look the same.
 */
export class EmailAuthenticator implements Authenticator {
  readonly type = 'email';
  readonly amr = 'email';
  readonly id = EMAIL_AUTHENTICATOR_ID;
  readonly displayName = 'Email';
  readonly pollIntervalMs = 4000;

  constructor(
    private readonly challenges: EmailChallengesStore,
    private readonly mailer: Mailer,
    private readonly limiter: RateLimiter,
    private readonly events: EventsStore,
    private readonly secret: Buffer,
    private readonly settings: EmailSettings,
    private readonly clock: Clock,
  ) {}

  enrollment(user: User | null, identifier: string): Enrollment {
    return {
      id: enrollmentId('eae', user?.id ?? null, identifier),
      profile: { email: maskEmail(user?.email ?? identifier) },
    };
  }

  /** Starts a new challenge (a new code, replacing any earlier one of the transaction) and sends it. */
  async challenge(ctx: AuthenticatorContext): Promise<void> {
    await this.limitRequests(ctx);
    const now = this.clock.now();
    const previous = await this.challenges.findByTransaction(ctx.transaction.id);
    const deliverable = ctx.user && ctx.user.status === 'ACTIVE' ? ctx.user : null;
    const challenge: EmailChallenge = {
      id: randomUUID(),
      transactionId: ctx.transaction.id,
      userId: ctx.user?.id ?? null,
      recipient: deliverable?.email ?? null,
      purpose: ctx.transaction.flow,
      seed: newSeed(),
      createdAt: now,
      expiresAt: now + this.ttlSeconds(ctx) * 1000,
      attempts: 0,
      maxAttempts: this.settings.maxAttempts,
      // Sends and the resend clock carry over, so re-selecting Email cannot bypass the throttle.
      sends: previous?.sends ?? 0,
      lastSentAt: previous?.lastSentAt ?? null,
      consumedAt: null,
    };
    await this.challenges.replace(challenge);
    await this.send(ctx, challenge);
  }

  /** Sends the same code again while it is valid; a new one once it has expired. */
  async resend(ctx: AuthenticatorContext): Promise<void> {
    const challenge = await this.challenges.findByTransaction(ctx.transaction.id);
    if (!challenge || challenge.consumedAt !== null) throw new IdxError('stepNotAllowed');
    if (challenge.expiresAt <= this.clock.now()) return this.challenge(ctx);
    await this.limitRequests(ctx);
    await this.send(ctx, challenge);
  }

  async verify(ctx: AuthenticatorContext, passcode: string): Promise<VerifyOutcome> {
    await assertWithinLimit(
      this.limiter,
      `answer:ip:${ctx.ip ?? 'unknown'}`,
      this.settings.limits.answerPerIp,
    );
    // A function, not a value: an error captures a stack trace, wasted on the accepted answers.
    const invalid = (): VerifyOutcome => ({
      ok: false,
      error: new IdxError('passcodeInvalid', { params: [] }),
      field: 'credentials.passcode',
    });
    const now = this.clock.now();
    const challenge = await this.challenges.findByTransaction(ctx.transaction.id);
    if (!challenge || challenge.consumedAt !== null) return invalid();
    if (challenge.expiresAt <= now) return invalid();
    const attempt = await this.challenges.recordAttempt(challenge.id, now);
    if (attempt === null) return { ok: false, error: new IdxError('challengeLocked'), fatal: true };

    const code = deriveCode(this.secret, challenge.id, challenge.seed);
    if (challenge.recipient !== null && codesMatch(code, normalizeCode(passcode))) {
      if (await this.challenges.consume(challenge.id, now)) return { ok: true };
      return invalid();
    }
    await this.events.record(
      {
        type: 'user.authentication.failed',
        userId: challenge.userId,
        appId: ctx.app.id,
        ip: ctx.ip,
        data: { factor: 'email', attempt },
      },
      now,
    );
    if (attempt >= challenge.maxAttempts)
      return { ok: false, error: new IdxError('challengeLocked'), fatal: true };
    return invalid();
  }

  /** Challenge and resend requests per client IP (counted whether or not an email goes out). */
  private async limitRequests(ctx: AuthenticatorContext) {
    await assertWithinLimit(
      this.limiter,
      `challenge:ip:${ctx.ip ?? 'unknown'}`,
      this.settings.limits.challengePerIp,
    );
  }

  /**
   * One email for the challenge, throttled per challenge, then per recipient address (only emails
   * that will go out count there, the same for unknown identifiers); a send that is refused by the
   * recipient cap or fails to deliver is given back.
   */
  private async send(ctx: AuthenticatorContext, challenge: EmailChallenge): Promise<void> {
    const now = this.clock.now();
    const allowed = await this.challenges.recordSend(
      challenge.id,
      now,
      this.settings.resendIntervalSeconds * 1000,
      this.settings.maxSendsPerTransaction,
    );
    if (!allowed) {
      // No more emails in this transaction at all once the cap is reached.
      const wait =
        challenge.sends >= this.settings.maxSendsPerTransaction
          ? Math.ceil((ctx.transaction.expiresAt - now) / 1000)
          : challenge.lastSentAt === null
            ? 1
            : Math.ceil((challenge.lastSentAt + this.settings.resendIntervalSeconds * 1000 - now) / 1000);
      throw new IdxError('tooManyRequests', { retryAfterSeconds: Math.max(1, wait) });
    }
    const recipientKey = (ctx.user?.email ?? ctx.identifier).toLowerCase();
    try {
      await assertWithinLimit(
        this.limiter,
        `email:to:${recipientKey}`,
        this.settings.limits.emailPerRecipient,
      );
    } catch (err) {
      await this.challenges.undoSend(challenge.id, challenge.lastSentAt);
      throw err;
    }
    const user = ctx.user;
    if (challenge.recipient === null || !user) {
      await this.notifyUnknownRecipient(ctx, now);
      return;
    }
    const code = deriveCode(this.secret, challenge.id, challenge.seed);
    const email = {
      serverId: ctx.transaction.serverId,
      to: challenge.recipient,
      otp: code,
      link: this.magicLink(ctx, code),
      relayState: ctx.transaction.state,
      expiresInMinutes: Math.round(this.ttlSeconds(ctx) / 60),
      user: {
        login: user.login,
        email: user.email,
        firstName: user.profile.firstName,
        lastName: user.profile.lastName,
      },
      appName: ctx.app.name,
      request: { ip: ctx.ip, userAgent: ctx.userAgent, locale: ctx.locale, at: now },
    };
    try {
      if (ctx.transaction.flow === 'recovery') await this.mailer.sendPasswordReset(email);
      else await this.mailer.sendEmailChallenge(email);
    } catch (err) {
      await this.challenges.undoSend(challenge.id, challenge.lastSentAt);
      await this.events.record(
        {
          type: 'system.email.delivery.failed',
          userId: user.id,
          appId: ctx.app.id,
          data: { reason: (err as Error).message.slice(0, 200) },
        },
        now,
      );
      throw new IdxError('emailNotSent');
    }
    await this.events.record(
      { type: 'system.email.challenge.sent', userId: user.id, appId: ctx.app.id, ip: ctx.ip },
      now,
    );
  }

  /** Codes of a password recovery live longer: the email may be read later than a sign-in's. */
  private ttlSeconds(ctx: AuthenticatorContext): number {
    return ctx.transaction.flow === 'recovery'
      ? this.settings.recoveryOtpTtlSeconds
      : this.settings.otpTtlSeconds;
  }

  /**
   * A recovery for an address with no account: nothing is sent unless the operator turned on
   * notices, then the typed address is told that no account uses it (no code, no link).
   */
  private async notifyUnknownRecipient(ctx: AuthenticatorContext, now: number): Promise<void> {
    if (ctx.transaction.flow !== 'recovery' || !this.settings.notifyUnknownRecipients || ctx.user) return;
    const address = ctx.identifier.trim();
    if (!/^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/.test(address)) return;
    try {
      await this.mailer.sendUnknownRecipient({
        serverId: ctx.transaction.serverId,
        to: address,
        request: { ip: ctx.ip, userAgent: ctx.userAgent, locale: ctx.locale, at: now },
      });
    } catch {
      // The answer must not differ from a known account's: a failed notice is only logged as an event.
      await this.events.record(
        { type: 'system.email.delivery.failed', appId: ctx.app.id, data: { template: 'unknown-recipient' } },
        now,
      );
    }
  }

  /** `<app email-verify callback>?otp=…&state=…`, or Gatehouse's own page when the app has none. */
  private magicLink(ctx: AuthenticatorContext, code: string): string {
    const url = new URL(ctx.app.emailVerifyUri ?? `${this.settings.publicUrl}/email/verify`);
    url.searchParams.set('otp', code);
    url.searchParams.set('state', ctx.transaction.state);
    return url.toString();
  }
}
