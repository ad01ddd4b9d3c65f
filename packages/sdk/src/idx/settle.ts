import { GatehouseError } from '../errors.js';
import type { IdxTransaction, SavedTransaction } from '../types.js';
import type { IdxResult } from './idx-http.js';
import type { IdxHost } from './idx-types.js';
import { type ParsedResponse, parseIdxResponse } from './parse-response.js';

export interface SettleOptions {
  exchangeCodeForTokens?: boolean | undefined;
}

/** Message keys after which the transaction cannot go on, whatever step it was at. */
const OVER = ['idx.session.expired', 'gatehouse.challenge.too_many_attempts'];

export function toTransaction(
  status: IdxTransaction['status'],
  parsed: ParsedResponse,
  result: IdxResult | undefined,
  extra: Partial<IdxTransaction> = {},
): IdxTransaction {
  return {
    status,
    ...(status === 'PENDING' && parsed.steps[0] ? { nextStep: parsed.steps[0] } : {}),
    availableSteps: status === 'PENDING' ? parsed.steps : [],
    messages: parsed.messages,
    actions: parsed.actions,
    enabledFeatures: parsed.enabledFeatures,
    context: parsed.context,
    ...(result ? { httpStatus: result.status, rawIdxResponse: result.response } : {}),
    ...(result?.retryAfterSeconds !== undefined ? { retryAfterSeconds: result.retryAfterSeconds } : {}),
    ...extra,
  };
}

/** Turns an IDX answer into a transaction and keeps storage in step with it. */
export async function settle(
  host: IdxHost,
  tx: SavedTransaction,
  result: IdxResult,
  options: SettleOptions = {},
): Promise<IdxTransaction> {
  const { storage } = host;
  const parsed = parseIdxResponse(result.response);
  if (result.ok && parsed.interactionCode !== undefined) {
    const interactionCode = parsed.interactionCode;
    if (options.exchangeCodeForTokens === false) {
      storage.setTransaction({ ...tx, idxResponse: result.response });
      return toTransaction('SUCCESS', parsed, result, { interactionCode });
    }
    try {
      const tokens = await host.exchangeAndStore(tx, interactionCode);
      return toTransaction('SUCCESS', parsed, result, { tokens });
    } catch (err) {
      if (!(err instanceof GatehouseError)) throw err;
      return toTransaction('FAILURE', parsed, result, { error: err });
    } finally {
      storage.removeTransaction(tx.state);
    }
  }
  if (parsed.terminal) {
    const expired = parsed.messages.some((m) => OVER.includes(m.key));
    // An error without a form (rate limit, mail not sent) leaves the previous step usable.
    if (!result.ok && !expired && tx.idxResponse) {
      const previous = parseIdxResponse(tx.idxResponse);
      if (!previous.terminal)
        return toTransaction('PENDING', { ...previous, messages: parsed.messages }, result, {
          rawIdxResponse: result.response,
        });
    }
    if (result.ok || expired) storage.removeTransaction(tx.state);
    return toTransaction('TERMINAL', parsed, result);
  }
  // Failed answers are not cached: their messages belong to this answer only.
  storage.setTransaction(result.ok ? { ...tx, idxResponse: result.response } : tx);
  return toTransaction('PENDING', parsed, result);
}
