import type { Authenticator } from './authenticator.js';

/**
 * The authenticators this server offers, by key. Flows and policies only ever reach an
 * authenticator through here: by a key an app's policy names, or by what it can do.
 */
export class AuthenticatorRegistry {
  private readonly byKey = new Map<string, Authenticator>();

  constructor(authenticators: Authenticator[]) {
    for (const authenticator of authenticators) {
      if (this.byKey.has(authenticator.key))
        throw new Error(`Two authenticators share the key ${authenticator.key}`);
      this.byKey.set(authenticator.key, authenticator);
    }
  }

  find(key: string): Authenticator | null {
    return this.byKey.get(key) ?? null;
  }

  /** The authenticator of a key the caller knows is installed (a validated policy); throws otherwise. */
  get(key: string): Authenticator {
    const authenticator = this.byKey.get(key);
    if (!authenticator) throw new Error(`No authenticator is installed under the key ${key}`);
    return authenticator;
  }

  keys(): string[] {
    return [...this.byKey.keys()];
  }

  list(): Authenticator[] {
    return [...this.byKey.values()];
  }

  /** Those that may prove who a user is during a recovery. */
  servingRecovery(): Authenticator[] {
    return this.list().filter((a) => a.servesRecovery);
  }
}
