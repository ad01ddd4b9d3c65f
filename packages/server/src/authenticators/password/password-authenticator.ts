import type { User } from '../../storage/users-store.js';
import type { Authenticator, Enrollment } from '../authenticator.js';
import { enrollmentId } from '../enrollment-id.js';
import { PasswordEnroller, type PasswordEnrollerDeps } from './password-enroller.js';
import { PasswordVerifier, type PasswordVerifierDeps } from './password-verifier.js';

export type PasswordAuthenticatorDeps = PasswordVerifierDeps & PasswordEnrollerDeps;

/** The password: something the user knows, answered with the identifier or on its own, resettable. */
export class PasswordAuthenticator implements Authenticator {
  readonly key = 'password';
  readonly displayName = 'Password';
  readonly amr = 'pwd';
  readonly servesRecovery = false;
  readonly recoverable = true;
  readonly verifier: PasswordVerifier;
  readonly enroller: PasswordEnroller;

  constructor(deps: PasswordAuthenticatorDeps) {
    this.verifier = new PasswordVerifier(deps);
    this.enroller = new PasswordEnroller(deps);
  }

  /** A user has a password once one was set (by an administrator, a sign-up or a reset). */
  isEnrolled(user: User): boolean {
    return user.passwordChangedAt !== null;
  }

  enrollment(user: User | null, identifier: string): Enrollment {
    return { id: enrollmentId('lae', user?.id ?? null, identifier) };
  }
}
