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

/** An answer counted against the open ceremony, or why none is open to it. */
export type Claim =
  | { ok: true; record: AuthenticatorChallenge; ceremony: Ceremony; attempt: number }
  | { ok: false; reason: 'none' | 'expired' | 'taken' | 'exhausted' };

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

  /**
   * Counts an answer to the open ceremony of `kind`: the ceremony and the attempt's number, or why
   * it may not be answered. A ceremony another answer used up meanwhile is `taken`, not
   * `exhausted`: that answer goes on, and ending the transaction here would make it lose its race.
   */
  async claim(ctx: PresentationContext, kind: CeremonyKind): Promise<Claim> {
    const open = await this.current(ctx, kind);
    if (!open) return { ok: false, reason: 'none' };
    const now = this.deps.clock.now();
    if (open.record.expiresAt <= now) return { ok: false, reason: 'expired' };
    const attempt = await this.deps.challenges.recordAttempt(open.record.id, now);
    if (attempt !== null) return { ok: true, ...open, attempt };
    return { ok: false, reason: (await this.current(ctx, kind)) ? 'exhausted' : 'taken' };
  }

  /** Uses the ceremony up, atomically: false when another answer did first. */
  consume(record: AuthenticatorChallenge): Promise<boolean> {
    return this.deps.challenges.consume(record.id, this.deps.clock.now());
  }
}
