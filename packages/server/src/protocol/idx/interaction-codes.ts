import type { Clock } from '../../clock.js';
import { EngineError } from '../../errors.js';
import type { Authentication } from '../../flows/shared/flow-outcome.js';
import type { FlowState } from '../../flows/shared/flow-state.js';
import type { RequestInfo } from '../../request-info.js';
import { hashSecret, randomToken } from '../../secrets.js';
import type { InteractionCodesStore } from '../../storage/interaction-codes-store.js';
import type { TransactionsStore } from '../../storage/transactions-store.js';

export interface InteractionCodesDeps {
  transactions: TransactionsStore;
  interactionCodes: InteractionCodesStore;
  clock: Clock;
  ttlSeconds: number;
}

/**
 * What a completed sign-in hands the app on the IDX wire: an interaction code (single use, short
 * lived, bound to the transaction's client, redirect URI and PKCE challenge), redeemed at the
 * token endpoint.
 */
export class InteractionCodes {
  constructor(private readonly deps: InteractionCodesDeps) {}

  /**
   * Persists the completed transaction with its new code and the sign-in event in one commit, and
   * returns the code in clear (only its hash is stored).
   */
  async issue(
    state: FlowState,
    authentication: Authentication,
    request: RequestInfo,
  ): Promise<{ state: FlowState; code: string }> {
    const { transactions, clock, ttlSeconds } = this.deps;
    const tx = state.transaction;
    const now = clock.now();
    const code = randomToken(32);
    const completed = await transactions.complete(
      tx,
      {
        userId: tx.userId,
        identifier: tx.identifier,
        verified: tx.verified,
        step: tx.step,
        authenticatorKey: tx.authenticatorKey,
        rememberMe: tx.rememberMe,
        status: 'completed',
        completedAt: now,
      },
      {
        codeHash: hashSecret(code),
        // A hosted sign-in's code is Gatehouse's own, redeemed by `/v1/authorize/complete` (ADR 0012).
        grantType: tx.authorizeRequest ? 'hosted' : 'interaction_code',
        sessionId: null,
        transactionId: tx.id,
        serverId: tx.serverId,
        appId: tx.appId,
        redirectUri: tx.redirectUri,
        codeChallenge: tx.codeChallenge,
        userId: authentication.user.id,
        scopes: tx.scopes,
        nonce: tx.nonce,
        authTime: authentication.at,
        amr: authentication.amr,
        expiresAt: now + ttlSeconds * 1000,
        usedAt: null,
      },
      {
        type: 'user.authentication.sso',
        userId: authentication.user.id,
        appId: tx.appId,
        ip: request.ip,
        data: { factors: authentication.factors },
      },
    );
    if (!completed)
      throw new EngineError('STEP_NOT_ALLOWED', {
        detail: 'The transaction was changed by another request.',
      });
    return { state: { ...state, transaction: completed }, code };
  }

  /** Whether the code of a completed transaction can still be redeemed (else the session is over for its tabs). */
  async isRedeemable(transactionId: string): Promise<boolean> {
    const code = await this.deps.interactionCodes.findByTransaction(transactionId);
    return code !== null && code.usedAt === null && code.expiresAt > this.deps.clock.now();
  }
}
