/**
 * The step the widget shows: an IDX envelope as `@gatehouse/protocol` reads it, plus the two
 * things the widget decides from it the way Okta's widget does (docs/protocol/idx-protocol.md §6.2, §6.5).
 */
import { type Envelope, type EnvelopeAuthenticator, readEnvelope } from '@gatehouse/protocol';

export interface Step extends Envelope {
  /** `currentAuthenticator`, else `currentAuthenticatorEnrollment`: picks views and their actions. */
  authenticator?: EnvelopeAuthenticator | undefined;
  /** The transaction recovers a password (`recoveryAuthenticator` is the password). */
  recovery: boolean;
}

/** Reads an envelope (never throws; see `readEnvelope`) into the step the views render. */
export function readStep(body: unknown): Step {
  const envelope = readEnvelope(body);
  return {
    ...envelope,
    authenticator: envelope.currentAuthenticator ?? envelope.currentAuthenticatorEnrollment,
    recovery: envelope.recoveryAuthenticator?.type === 'password',
  };
}
