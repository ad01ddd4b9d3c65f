import type { EmailChallengesStore } from '../../storage/email-challenges-store.js';
import type { EventsStore } from '../../storage/events-store.js';
import type { User } from '../../storage/users-store.js';
import type { Authenticator, Enrollment } from '../authenticator.js';
import { enrollmentId } from '../enrollment-id.js';
import { EmailSender, type EmailSenderDeps, type EmailSendSettings } from './email-sender.js';
import { EmailVerifier, type EmailVerifySettings } from './email-verifier.js';
import { maskEmail } from './mask-email.js';

export type EmailSettings = EmailSendSettings & EmailVerifySettings;

export interface EmailAuthenticatorDeps extends Omit<EmailSenderDeps, 'settings'> {
  challenges: EmailChallengesStore;
  events: EventsStore;
  settings: EmailSettings;
}

/** Email: a one-time code and magic link sent to the user's address; also proves who they are in a recovery. */
export class EmailAuthenticator implements Authenticator {
  readonly key = 'email';
  readonly displayName = 'Email';
  readonly amr = 'email';
  readonly servesRecovery = true;
  readonly recoverable = false;
  readonly verifier: EmailVerifier;

  constructor(deps: EmailAuthenticatorDeps) {
    const sender = new EmailSender(deps);
    this.verifier = new EmailVerifier({ ...deps, sender });
  }

  enrollment(user: User | null, identifier: string): Enrollment {
    return {
      id: enrollmentId('eae', user?.id ?? null, identifier),
      profile: { email: maskEmail(user?.email ?? identifier) },
    };
  }
}
