import type { Clock } from '../../clock.js';
import { hashSecret, randomToken } from '../../secrets.js';
import type { InteractionCodesStore } from '../../storage/interaction-codes-store.js';

export interface AuthorizationCodesDeps {
  interactionCodes: InteractionCodesStore;
  clock: Clock;
  ttlSeconds: number;
}

/** What an authorization code is bound to (RFC 6749 §4.1.2): client, redirect URI, PKCE, scopes, who and how. */
export interface CodeBinding {
  transactionId: string;
  serverId: string;
  appId: string;
  redirectUri: string;
  /** `''`: the request had no PKCE challenge (a confidential app). */
  codeChallenge: string;
  scopes: string[];
  nonce: string | null;
  userId: string;
  authTime: number;
  amr: string[];
  sessionId: string;
}

/** Mints the authorization codes `/authorize` hands apps: single use, short lived, stored as hashes. */
export class AuthorizationCodes {
  constructor(private readonly deps: AuthorizationCodesDeps) {}

  async mint(binding: CodeBinding): Promise<string> {
    const code = randomToken(32);
    await this.deps.interactionCodes.create({
      ...binding,
      codeHash: hashSecret(code),
      grantType: 'authorization_code',
      expiresAt: this.deps.clock.now() + this.deps.ttlSeconds * 1000,
      usedAt: null,
    });
    return code;
  }
}
