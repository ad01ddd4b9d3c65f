import type { Authenticator } from './authenticator.js';

/** The authenticators this server offers, found by id or by type. Flows only talk to this. */
export class AuthenticatorRegistry {
  private readonly byId = new Map<string, Authenticator>();
  private readonly byType = new Map<string, Authenticator>();

  constructor(authenticators: Authenticator[]) {
    for (const a of authenticators) {
      this.byId.set(a.id, a);
      this.byType.set(a.type, a);
    }
  }

  findById(id: string): Authenticator | null {
    return this.byId.get(id) ?? null;
  }

  findByType(type: string): Authenticator | null {
    return this.byType.get(type) ?? null;
  }
}
