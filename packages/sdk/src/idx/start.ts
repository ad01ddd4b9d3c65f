/**
 * Starting a transaction (PKCE, `/v1/interact`, the first introspect) and the high-level flows
 * that answer whatever the caller's values can answer: `authenticate`, `recoverPassword`,
 * `register`, `unlockAccount`.
 */
import { IdxError, type IdxErrorCode } from '../errors.js';
import { interact } from '../oauth/interact.js';
import { createPkce, randomString } from '../pkce.js';
import type { Flow, IdxTransaction, SavedTransaction } from '../types.js';
import { type AutoValues, planNextStep } from './auto-remediate.js';
import type { IdxHost, StartOptions } from './idx-types.js';
import { freshResponse, runAction, submitStep } from './proceed.js';
import { findTransaction, getTransaction } from './saved-transactions.js';
import { settle } from './settle.js';

async function startTransaction(
  host: IdxHost,
  options: StartOptions,
): Promise<{ tx: SavedTransaction; result: IdxTransaction }> {
  await host.prepare();
  const pkce = await createPkce();
  const base = {
    issuer: host.issuer,
    clientId: host.credentials.clientId,
    redirectUri: host.redirectUri,
    scopes: [...host.scopes],
    state: options.state ?? randomString(32),
    nonce: randomString(32),
    ...pkce,
    flow: options.flow ?? 'default',
    createdAt: host.now(),
  };
  const interactionHandle = await interact(host.fetch, host.interactUrl, host.credentials, base);
  const tx: SavedTransaction = { ...base, interactionHandle };
  host.storage.setTransaction(tx);
  const result = await settle(host, tx, await freshResponse(host, tx));
  return { tx, result };
}

export async function start(host: IdxHost, options: StartOptions = {}): Promise<IdxTransaction> {
  return (await startTransaction(host, options)).result;
}

/** Answers whatever the values can answer, step after step, until the user has to act. */
async function runAuto(
  host: IdxHost,
  tx: SavedTransaction,
  first: IdxTransaction,
  values: AutoValues,
): Promise<IdxTransaction> {
  const remaining: AutoValues & { passwordSelected?: boolean } = { ...values };
  let current = first;
  for (let i = 0; i < 8 && current.status === 'PENDING' && current.rawIdxResponse; i++) {
    if ((current.httpStatus ?? 200) >= 400) break;
    const plan = planNextStep(current.rawIdxResponse, remaining);
    if (!plan) break;
    for (const used of plan.uses) {
      if (used === 'passwordSelected') remaining.passwordSelected = true;
      else delete remaining[used];
    }
    const saved = findTransaction(host, tx.state);
    if (!saved) break;
    current = await submitStep(host, saved, current.rawIdxResponse, plan.values, plan.step, {});
  }
  return current;
}

export async function authenticate(host: IdxHost, values: AutoValues): Promise<IdxTransaction> {
  const { tx, result } = await startTransaction(host, { flow: 'authenticate' });
  return runAuto(host, tx, result, values);
}

/** Starts a recovery: the server's `recover` action unless it already offers `identify-recovery`. */
export async function recoverPassword(host: IdxHost, values: AutoValues = {}): Promise<IdxTransaction> {
  const { tx, result } = await startTransaction(host, { flow: 'recoverPassword' });
  if (result.status !== 'PENDING' || !result.rawIdxResponse) return result;
  let current = result;
  if (!current.availableSteps.some((s) => s.name === 'identify-recovery') && !current.context.recovery) {
    const recover = current.actions.find((a) => a.endsWith('-recover'));
    if (!recover)
      throw new IdxError('idx_recovery_unavailable', 'Password recovery is not offered for this app.');
    current = await runAction(host, getTransaction(host, tx.state), current.rawIdxResponse!, recover);
  }
  return runAuto(host, tx, current, values);
}

/**
 * Starts a transaction and takes the field-less step that opens a flow (`select-enroll-profile`,
 * `unlock-account`), or throws (and forgets the transaction) when the server does not offer it
 * here; then answers what the values can answer.
 */
async function startFlow(
  host: IdxHost,
  flow: Flow,
  step: string,
  values: AutoValues,
  code: IdxErrorCode,
  what: string,
): Promise<IdxTransaction> {
  const { tx, result } = await startTransaction(host, { flow });
  if (result.status !== 'PENDING') return result;
  if (!result.availableSteps.some((s) => s.name === step)) {
    host.storage.removeTransaction(tx.state);
    throw new IdxError(code, `${what} is not supported based on your current org configuration.`);
  }
  const first = await submitStep(host, getTransaction(host, tx.state), result.rawIdxResponse!, {}, step, {});
  return runAuto(host, tx, first, values);
}

/** Self-service registration: the profile form, then (with values) the profile and what to set up. */
export const register = (host: IdxHost, values: AutoValues = {}): Promise<IdxTransaction> =>
  startFlow(
    host,
    'register',
    'select-enroll-profile',
    values,
    'idx_registration_unavailable',
    'Registration',
  );

/** Self-service unlock: the unlock form, then (with `username` and `authenticator`) the challenge. */
export const unlockAccount = (host: IdxHost, values: AutoValues = {}): Promise<IdxTransaction> =>
  startFlow(host, 'unlockAccount', 'unlock-account', values, 'idx_unlock_unavailable', 'Self-service unlock');
