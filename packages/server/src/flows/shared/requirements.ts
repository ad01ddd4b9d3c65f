import type { Authenticator } from '../../authenticators/authenticator.js';
import type { AuthenticatorRegistry } from '../../authenticators/registry.js';
import type { AppPolicy } from '../../storage/apps-store.js';

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

  /** The authenticators that may prove who the user is in a recovery. */
  provingRecovery(): Authenticator[] {
    return this.registry.servingRecovery();
  }
}
