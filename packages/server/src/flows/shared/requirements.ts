import type { Authenticator } from '../../authenticators/authenticator.js';
import type { AuthenticatorRegistry } from '../../authenticators/registry.js';
import type { AppPolicy } from '../../storage/apps-store.js';
import type { StoredEnrollment } from '../../storage/authenticator-enrollments-store.js';
import type { User } from '../../storage/users-store.js';

/** What a sign-up offers to set up next; `optional`: all of it may be skipped. */
export interface EnrollmentChoice {
  options: Authenticator[];
  optional: boolean;
}

/**
 * Reading an app's policy (validated against the registry when the app was made): what is still
 * to prove, and what the identify step and a recovery may offer.
 */
export class Requirements {
  constructor(private readonly registry: AuthenticatorRegistry) {}

  /** The authenticators of every requirement not met yet, in policy order (each once). */
  pending(policy: AppPolicy, proven: readonly string[]): Authenticator[] {
    const keys = policy.requirements
      .filter((requirement) => !requirement.anyOf.some((key) => proven.includes(key)))
      .flatMap((requirement) => requirement.anyOf);
    return [...new Set(keys)].map((key) => this.registry.get(key));
  }

  /**
   * The authenticator asked on the identify form with the identifier: the first requirement's, when
   * it is a single one that needs no challenge and the app does not ask for the identifier first.
   */
  withIdentifier(policy: AppPolicy): Authenticator | null {
    const first = policy.requirements[0];
    if (policy.identifierFirst || !first || first.anyOf.length !== 1) return null;
    const authenticator = this.registry.get(first.anyOf[0]!);
    return authenticator.verifier.answeredWithIdentifier ? authenticator : null;
  }

  /** What a user of this app may recover after proving who they are; null: no self-service recovery. */
  recoverable(policy: AppPolicy): Authenticator | null {
    if (!policy.selfServiceRecovery) return null;
    for (const { anyOf } of policy.requirements) {
      for (const key of anyOf) {
        const authenticator = this.registry.get(key);
        if (authenticator.recoverable && authenticator.enroller) return authenticator;
      }
    }
    return null;
  }

  /**
   * What a newcomer sets up next at sign-up, having set up `enrolled`: first what proves their email
   * address; then what the policy still requires (one of each requirement); then, optionally, the
   * policy's other authenticators. Nothing left: the sign-up is complete.
   */
  enrollment(policy: AppPolicy, enrolled: readonly string[]): EnrollmentChoice {
    const settable = (a: Authenticator) => a.enroller !== undefined && !enrolled.includes(a.key);
    const proving = this.registry.list().filter((a) => a.provesEmailAddress && a.enroller);
    if (!proving.some((a) => enrolled.includes(a.key))) return { options: proving, optional: false };
    const required = this.pending(policy, enrolled).filter(settable);
    if (required.length > 0) return { options: required, optional: false };
    const named = [...new Set(policy.requirements.flatMap((r) => r.anyOf))];
    return { options: named.map((key) => this.registry.get(key)).filter(settable), optional: true };
  }

  /** The pending authenticators `user` holds: what they may choose once they proved something. */
  held(
    policy: AppPolicy,
    proven: readonly string[],
    user: User,
    held: readonly StoredEnrollment[],
  ): Authenticator[] {
    return this.pending(policy, proven).filter((a) => a.isEnrolled(user, held));
  }

  /**
   * What `user` must set up before the policy can be met: the authenticators (that can be set up)
   * of the first requirement not met yet of which they hold none. Empty: every pending requirement
   * has one they hold.
   */
  toEnroll(
    policy: AppPolicy,
    proven: readonly string[],
    user: User,
    held: readonly StoredEnrollment[],
  ): Authenticator[] {
    for (const { anyOf } of policy.requirements) {
      if (anyOf.some((key) => proven.includes(key))) continue;
      const authenticators = anyOf.map((key) => this.registry.get(key));
      if (authenticators.some((a) => a.isEnrolled(user, held))) continue;
      return authenticators.filter((a) => a.enroller);
    }
    return [];
  }

  /** The policy's other authenticators `user` could set up but does not hold (offered, optional, after a set-up). */
  optional(policy: AppPolicy, user: User, held: readonly StoredEnrollment[]): Authenticator[] {
    const named = [...new Set(policy.requirements.flatMap((r) => r.anyOf))];
    return named.map((key) => this.registry.get(key)).filter((a) => a.enroller && !a.isEnrolled(user, held));
  }

  /** The authenticators `user` holds, of every installed one. */
  enrolled(user: User, held: readonly StoredEnrollment[]): Authenticator[] {
    return this.registry.list().filter((a) => a.isEnrolled(user, held));
  }

  /** The authenticators that may prove who the user is in a recovery. */
  provingRecovery(): Authenticator[] {
    return this.registry.servingRecovery();
  }
}
