/**
 * Moving a saved transaction on: answering a remediation with the caller's values, running an
 * action (resend, poll, recover), cancelling. Each request is answered by `settle`.
 */
import {
  buildRequestBody,
  type Envelope,
  type EnvelopeRemediation,
  type IdxForm,
  type IdxResponse,
  readEnvelope,
} from '@gatehouse/protocol';
import { IdxError } from '../errors.js';
import type { IdxTransaction, SavedTransaction } from '../types.js';
import { type IdxResult, introspect, submitForm } from './idx-http.js';
import type { IdxHost, ProceedOptions } from './idx-types.js';
import { parseIdxResponse } from './parse-response.js';
import { buildBody } from './request-body.js';
import { getTransaction } from './saved-transactions.js';
import { type SettleOptions, settle, toTransaction } from './settle.js';

export async function freshResponse(host: IdxHost, tx: SavedTransaction): Promise<IdxResult> {
  // Continued transactions come from findTransaction, which requires the handle.
  return introspect(host.fetch, host.introspectUrl, { interactionHandle: tx.interactionHandle! });
}

/** The response to act on: the cached one, else a fresh introspect (`settled`: settle that instead). */
async function currentResponse(
  host: IdxHost,
  tx: SavedTransaction,
): Promise<{ response: IdxResponse; settled?: undefined } | { settled: IdxResult }> {
  if (tx.idxResponse) return { response: tx.idxResponse };
  const result = await freshResponse(host, tx);
  const parsed = parseIdxResponse(result.response);
  if (!result.ok || parsed.terminal || parsed.interactionCode !== undefined) return { settled: result };
  return { response: result.response };
}

/** An action by its full name (`currentAuthenticatorEnrollment-resend`) or its short one (`resend`). */
function findAction(envelope: Envelope, name: string): IdxForm {
  const exact = envelope.actions.get(name);
  if (exact) return exact.raw;
  for (const [full, action] of envelope.actions) if (full.endsWith(`-${name}`)) return action.raw;
  throw new IdxError('idx_action_unavailable', `The action ${name} is not available at this step.`);
}

/** The remediation named `step`, else the first one the values fill. */
function chooseRemediation(
  envelope: Envelope,
  values: Record<string, unknown>,
  step?: string,
): EnvelopeRemediation {
  const { remediations } = envelope;
  if (step) {
    const named = remediations.find((remediation) => remediation.name === step);
    if (named) return named;
    const offered = remediations.map((r) => r.name).join(', ') || 'nothing';
    throw new IdxError(
      'idx_step_unavailable',
      `The step ${step} is not available; the server offers: ${offered}.`,
    );
  }
  for (const remediation of remediations) {
    const built = buildBody(remediation, values);
    if (built.missing.length === 0 && built.used.length > 0) return remediation;
  }
  throw new IdxError('idx_step_unavailable', 'No step of the current response fits the values given.');
}

export async function submitStep(
  host: IdxHost,
  tx: SavedTransaction,
  response: IdxResponse,
  values: Record<string, unknown>,
  step: string | undefined,
  options: SettleOptions,
): Promise<IdxTransaction> {
  const remediation = chooseRemediation(readEnvelope(response), values, step);
  const { body } = buildBody(remediation, values);
  return settle(host, tx, await submitForm(host.fetch, remediation.raw, body), options);
}

export async function runAction(
  host: IdxHost,
  tx: SavedTransaction,
  response: IdxResponse,
  name: string,
): Promise<IdxTransaction> {
  const form = findAction(readEnvelope(response), name);
  return settle(host, tx, await submitForm(host.fetch, form, buildRequestBody(form)));
}

export async function proceed(host: IdxHost, options: ProceedOptions = {}): Promise<IdxTransaction> {
  const tx = getTransaction(host, options.state);
  const { step, action, resend, skip, state: _state, exchangeCodeForTokens, ...values } = options;
  const settleOptions = { exchangeCodeForTokens };
  const named = skip ? 'skip' : step;
  const hasValues = Object.values(values).some((v) => v !== undefined);
  if (!named && !action && !resend && !hasValues)
    return settle(host, tx, await freshResponse(host, tx), settleOptions);
  const current = await currentResponse(host, tx);
  if (current.settled) return settle(host, tx, current.settled, settleOptions);
  if (action || resend) return runAction(host, tx, current.response, action ?? 'resend');
  return submitStep(host, tx, current.response, values, named, settleOptions);
}

/**
 * Cancels at the server when the current response offers `cancel` (a terminal page too: "Back to
 * sign in" after an unlock puts the interaction back at identify), and forgets the transaction.
 */
export async function cancel(host: IdxHost, options: { state?: string } = {}): Promise<IdxTransaction> {
  const tx = getTransaction(host, options.state);
  const current = await currentResponse(host, tx);
  let result: IdxResult | undefined;
  const { settled } = current;
  const cancel = readEnvelope(settled ? settled.ok && settled.response : current.response).cancel;
  if (cancel) result = await submitForm(host.fetch, cancel.raw, buildRequestBody(cancel.raw));
  host.storage.removeTransaction(tx.state);
  const parsed = parseIdxResponse((result ?? settled)?.response ?? { version: '1.0.0' });
  return {
    ...toTransaction('CANCELED', parsed, result),
    messages: result?.ok ? [] : parsed.messages,
    actions: [],
  };
}
