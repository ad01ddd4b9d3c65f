import type { EmailChallengesStore } from '../../storage/email-challenges-store.js';
import type { EventsStore } from '../../storage/events-store.js';
import type { User, UsersStore } from '../../storage/users-store.js';
import type { Authenticator, Enrollment } from '../authenticator.js';
import { enrollmentId } from '../enrollment-id.js';
import { EmailEnroller } from './email-enroller.js';
import { EmailSender, type EmailSenderDeps, type EmailSendSettings } from './email-sender.js';
import { EmailVerifier, type EmailVerifySettings } from './email-verifier.js';
import { maskEmail } from './mask-email.js';

export type EmailSettings = EmailSendSettings & EmailVerifySettings;

export interface EmailAuthenticatorDeps extends Omit<EmailSenderDeps, 'settings'> {
  challenges: EmailChallengesStore;
  events: EventsStore;
  users: UsersStore;
  settings: EmailSettings;
}

/**
 * Email: a one-time code and magic link sent to the user's address. It also proves who they are in
 * a recovery or an unlock, and enrolling it (at sign-up) proves the address.
 */
export class EmailAuthenticator implements Authenticator {
  readonly key = 'email';
  readonly displayName = 'Email';
  readonly amr = 'email';
  readonly servesRecovery = true;
  readonly recoverable = false;
  readonly provesEmailAddress = true;
  readonly lowAssurance = true;
  readonly verifier: EmailVerifier;
  readonly enroller: EmailEnroller;

  constructor(deps: EmailAuthenticatorDeps) {
    const sender = new EmailSender(deps);
    this.verifier = new EmailVerifier({ ...deps, sender });
    this.enroller = new EmailEnroller({ users: deps.users, clock: deps.clock, verifier: this.verifier });
  }

  /** Every account has its email address (proven at sign-up, or given by an administrator). */
  isEnrolled(user: User): boolean {
    return user.email !== '';
  }

  enrollment(user: User | null, identifier: string): Enrollment {
    return {
      id: enrollmentId('eae', user?.id ?? null, identifier),
      profile: { email: maskEmail(user?.email ?? identifier) },
    };
  }
}
