import type { EmailTemplates, TemplateId } from './templates/email-templates.js';
import type { TemplateValues } from './templates/template-variables.js';
import type { OutgoingEmail } from './transports/mail-transport.js';

/** What the request looked like, for the "was this you?" part of an email. */
export interface RequestContext {
  ip: string | null;
  userAgent: string | null;
  locale: string;
  at: number;
}

export interface ChallengeEmail {
  serverId: string;
  to: string;
  otp: string;
  link: string;
  relayState: string;
  expiresInMinutes: number;
  user: { login: string; email: string; firstName?: string | undefined; lastName?: string | undefined };
  appName: string;
  request: RequestContext;
}

/**
 * Semantic mailer: callers say what to send, templates say how it reads. It only composes; every
 * email then goes through the transactional outbox, written with the step's own changes and
 * delivered by the outbox sender after commit.
 */
export class Mailer {
  constructor(
    private readonly templates: EmailTemplates,
    private readonly settings: { from: string; orgName: string },
  ) {}

  /** The sign-in code and magic link (template "email-challenge"). */
  emailChallenge(email: ChallengeEmail): Promise<OutgoingEmail> {
    return this.compose('email-challenge', email, { emailAuthenticationLink: email.link });
  }

  /** The password-recovery code and link (template "forgot-password"). */
  passwordReset(email: ChallengeEmail): Promise<OutgoingEmail> {
    return this.compose('forgot-password', email, { resetPasswordLink: email.link });
  }

  /** The code and link that prove a new account's address at sign-up (template "registration-verification"). */
  registrationVerification(email: ChallengeEmail): Promise<OutgoingEmail> {
    return this.compose('registration-verification', email, {
      verificationLink: email.link,
      registrationEmailVerificationLink: email.link,
    });
  }

  /** The code and link of a self-service unlock (template "unlock-account"). */
  unlockAccount(email: ChallengeEmail): Promise<OutgoingEmail> {
    return this.compose('unlock-account', email, { unlockAccountLink: email.link, recoveryToken: email.otp });
  }

  /**
   * To the owner of an address someone tried to sign up with (template "account-exists"): no code,
   * links to sign in and to reset the password instead.
   */
  async accountExists(email: {
    serverId: string;
    to: string;
    appName: string;
    signInLink: string;
    resetPasswordLink: string;
    request: RequestContext;
  }): Promise<OutgoingEmail> {
    const template = await this.templates.resolve(email.serverId, 'account-exists', email.request.locale);
    const rendered = this.templates.render(template, {
      ...this.requestValues(email.request),
      'app.name': email.appName,
      'user.profile.email': email.to,
      signInLink: email.signInLink,
      resetPasswordLink: email.resetPasswordLink,
    });
    return { to: email.to, from: this.settings.from, templateId: 'account-exists', ...rendered };
  }

  /** To an address no account uses, after a recovery request for it (template "unknown-recipient"). */
  async unknownRecipient(email: {
    serverId: string;
    to: string;
    request: RequestContext;
  }): Promise<OutgoingEmail> {
    const template = await this.templates.resolve(email.serverId, 'unknown-recipient', email.request.locale);
    const rendered = this.templates.render(template, this.requestValues(email.request));
    return { to: email.to, from: this.settings.from, templateId: 'unknown-recipient', ...rendered };
  }

  private async compose(
    templateId: TemplateId,
    email: ChallengeEmail,
    extra: TemplateValues,
  ): Promise<OutgoingEmail> {
    const template = await this.templates.resolve(email.serverId, templateId, email.request.locale);
    const rendered = this.templates.render(template, {
      ...this.requestValues(email.request),
      oneTimePassword: email.otp,
      verificationToken: email.otp,
      expiresInMinutes: String(email.expiresInMinutes),
      'user.profile.firstName': email.user.firstName ?? '',
      'user.profile.lastName': email.user.lastName ?? '',
      'user.profile.login': email.user.login,
      'user.profile.email': email.user.email,
      'app.name': email.appName,
      // Only meaningful in a link's query (`…&state=${request.relayState}`): URL-encoded for it.
      'request.relayState': encodeURIComponent(email.relayState),
      ...extra,
    });
    return { to: email.to, from: this.settings.from, templateId, ...rendered };
  }

  /** What every email may say about the request and the organisation. */
  private requestValues(request: RequestContext): TemplateValues {
    const at = new Date(request.at);
    const { browser, operatingSystem } = describeUserAgent(request.userAgent);
    return {
      'org.name': this.settings.orgName,
      'request.browser': browser,
      'request.operatingSystem': operatingSystem,
      'request.ipAddress': request.ip ?? 'unknown',
      'request.location': 'unknown location',
      'request.date': at.toISOString().slice(0, 10),
      'request.time': `${at.toISOString().slice(11, 16)} UTC`,
    };
  }
}

/** A coarse, human description of a User-Agent ("Chrome on Linux"). */
export function describeUserAgent(userAgent: string | null): { browser: string; operatingSystem: string } {
  const ua = userAgent ?? '';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : /node|undici/i.test(ua)
            ? 'an app'
            : 'an unknown browser';
  const operatingSystem = /Windows/.test(ua)
    ? 'Windows'
    : /Android/.test(ua)
      ? 'Android'
      : /iPhone|iPad/.test(ua)
        ? 'iOS'
        : /Mac OS X/.test(ua)
          ? 'macOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : 'an unknown system';
  return { browser, operatingSystem };
}
