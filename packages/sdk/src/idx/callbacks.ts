/**
 * What comes back to the app's URLs: the email magic link (`?otp=…&state=…`) and the
 * interaction-code redirect (`?interaction_code=…&state=…`, or `?error=…`).
 */
import { EmailVerifyCallbackError, OAuthError, ValidationError } from '../errors.js';
import type { IdxTransaction, Tokens } from '../types.js';
import { planNextStep } from './auto-remediate.js';
import { parseEmailVerifyCallback, parseParams } from './email-verify.js';
import type { IdxHost } from './idx-types.js';
import { parseIdxResponse } from './parse-response.js';
import { freshResponse, submitStep } from './proceed.js';
import { findTransaction, findTransactionMeta } from './saved-transactions.js';
import { settle } from './settle.js';

export async function handleEmailVerifyCallback(host: IdxHost, search: string): Promise<IdxTransaction> {
  const { otp, state } = parseEmailVerifyCallback(search);
  const tx = findTransaction(host, state);
  if (!tx) throw new EmailVerifyCallbackError(otp, state);
  // Another tab may have moved the transaction on since it was saved: ask the server.
  const result = await freshResponse(host, tx);
  const parsed = parseIdxResponse(result.response);
  const plan =
    result.ok && !parsed.terminal ? planNextStep(result.response, { verificationCode: otp }) : null;
  if (!plan) return settle(host, tx, result);
  const fresh = { ...tx, idxResponse: result.response };
  return submitStep(host, fresh, result.response, plan.values, plan.step, {});
}

export function isInteractionCodeRedirect(url: string): boolean {
  const params = parseParams(url);
  return Boolean(params.state && (params.interaction_code || params.error));
}

export async function handleInteractionCodeRedirect(host: IdxHost, url: string): Promise<Tokens> {
  const { storage } = host;
  const params = parseParams(url);
  // The exchange needs the verifier, not the interaction handle.
  const tx = params.state ? findTransactionMeta(host, params.state) : undefined;
  if (!tx)
    throw new ValidationError(
      'state_mismatch',
      'The redirect state matches no transaction saved in this storage.',
    );
  // RFC 9207: when the server names itself on the redirect, it must be this issuer.
  if (params.iss !== undefined && params.iss !== host.issuer)
    throw new ValidationError('issuer_mismatch', 'The redirect comes from another issuer.');
  if (params.error) {
    // interaction_required: the same interaction goes on (proceed() introspects it).
    if (params.error !== 'interaction_required') storage.removeTransaction(tx.state);
    throw new OAuthError(params.error, params.error_description ?? '');
  }
  const code = params.interaction_code;
  if (!code)
    throw new ValidationError('missing_interaction_code', 'The redirect carries no interaction_code.');
  try {
    return await host.exchangeAndStore(tx, code);
  } finally {
    storage.removeTransaction(tx.state);
  }
}
