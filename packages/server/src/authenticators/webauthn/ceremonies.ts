import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type {
  AuthenticatorChallenge,
  AuthenticatorChallengesStore,
} from '../../storage/authenticator-challenges-store.js';
import type { PresentationContext } from '../authenticator.js';
import type { UserVerification } from './user-verification.js';

/** A registration (`create`) or an authentication (`get`). */
export type CeremonyKind = 'create' | 'get';

/** What a WebAuthn ceremony keeps between the step that shows it and the answer. */
export interface Ceremony {
  kind: CeremonyKind;
  /** base64url, as the client data will echo it. */
  challenge: string;
  rpId: string;
  origins: string[];
  userVerification: UserVerification;
  /** The W3C JSON options the client is given (creation or request options). */
  options: Record<string, unknown>;
}

export interface CeremonySettings {
  ttlSeconds: number;
  maxAttempts: number;
}

/**
 * The transaction's WebAuthn ceremony, kept in the authenticator challenges store (one per
 * transaction and key: a new one replaces the last). It serves the purpose and the kind it was
 * started for only, until it expires, is answered rightly once, or has had its wrong answers.
 */
export class Ceremonies {
  constructor(
    private readonly deps: {
      challenges: AuthenticatorChallengesStore;
      clock: Clock;
      key: string;
      settings: CeremonySettings;
    },
  ) {}

  async start(ctx: PresentationContext, ceremony: Ceremony): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.challenges.replace({
      id: randomUUID(),
      transactionId: ctx.transaction.id,
      authenticatorKey: this.deps.key,
      purpose: ctx.purpose,
      data: { ...ceremony },
      createdAt: now,
      expiresAt: now + this.deps.settings.ttlSeconds * 1000,
      maxAttempts: this.deps.settings.maxAttempts,
    });
  }

  /** The ceremony of this kind the transaction has open for its purpose (expired ones too: shown, never accepted). */
  async current(
    ctx: PresentationContext,
    kind: CeremonyKind,
  ): Promise<{ record: AuthenticatorChallenge; ceremony: Ceremony } | null> {
    const record = await this.deps.challenges.find(ctx.transaction.id, this.deps.key);
    if (!record || record.consumedAt !== null || record.purpose !== ctx.purpose) return null;
    const ceremony = record.data as unknown as Ceremony;
    return ceremony.kind === kind ? { record, ceremony } : null;
  }

  /** Counts an answer; the attempt number, or null when the ceremony is over (expired, used, or out of attempts). */
  recordAttempt(record: AuthenticatorChallenge): Promise<number | null> {
    return this.deps.challenges.recordAttempt(record.id, this.deps.clock.now());
  }

  /** Uses the ceremony up, atomically: false when another answer did first. */
  consume(record: AuthenticatorChallenge): Promise<boolean> {
    return this.deps.challenges.consume(record.id, this.deps.clock.now());
  }
}
