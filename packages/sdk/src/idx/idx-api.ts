import type { IdxForm, IdxResponse } from '@gatehouse/protocol';
import {
  EmailVerifyCallbackError,
  GatehouseError,
  IdxError,
  OAuthError,
  ValidationError,
} from '../errors.js';
import { interact } from '../oauth/interact.js';
import { createPkce, randomString } from '../pkce.js';
import type { IdxTransaction, SavedTransaction } from '../types.js';
import { type AutoValues, planNextStep } from './auto-remediate.js';
import { isEmailVerifyCallback, parseEmailVerifyCallback, parseParams } from './email-verify.js';
import { type IdxResult, introspect, submitForm } from './idx-http.js';
import type { IdxApi, IdxHost, ProceedOptions, StartOptions } from './idx-types.js';
import { buildBody } from './inputs.js';
import {
  actionsOf,
  type ParsedResponse,
  parseIdxResponse,
  remediationsOf,
  stepAuthenticator,
} from './parse-response.js';

interface SettleOptions {
  exchangeCodeForTokens?: boolean | undefined;
}

/** Message keys after which the transaction cannot go on, whatever step it was at. */
const OVER = ['idx.session.expired', 'gatehouse.challenge.too_many_attempts'];

export function createIdxApi(host: IdxHost): IdxApi {
  const { storage } = host;

  /**
   * Saved transaction meta that belongs to this client (issuer, client, redirect URI), with or
   * without an interaction handle — what `canProceed` asks about (idx-protocol.md §9.2).
   */
  function loadMeta(state?: string): SavedTransaction | undefined {
    const tx = storage.getTransaction(state);
    if (!tx || (state !== undefined && tx.state !== state)) return undefined;
    const same =
      tx.issuer === host.issuer &&
      tx.clientId === host.credentials.clientId &&
      tx.redirectUri === host.redirectUri &&
      typeof tx.codeVerifier === 'string';
    return same ? tx : undefined;
  }

  /** A saved transaction that can be continued: its meta and an interaction handle. */
  function load(state?: string): SavedTransaction | undefined {
    const tx = loadMeta(state);
    return tx && typeof tx.interactionHandle === 'string' ? tx : undefined;
  }

  function requireTransaction(state?: string): SavedTransaction {
    const tx = load(state);
    if (!tx)
      throw new IdxError('idx_no_transaction', 'There is no saved transaction to continue; start one.');
    return tx;
  }

  function view(
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
      ...extra,
    };
  }

  /** Turns an IDX answer into a transaction and keeps storage in step with it. */
  async function settle(
    tx: SavedTransaction,
    result: IdxResult,
    options: SettleOptions = {},
  ): Promise<IdxTransaction> {
    const parsed = parseIdxResponse(result.response);
    if (result.ok && parsed.interactionCode !== undefined) {
      const interactionCode = parsed.interactionCode;
      if (options.exchangeCodeForTokens === false) {
        storage.setTransaction({ ...tx, idxResponse: result.response });
        return view('SUCCESS', parsed, result, { interactionCode });
      }
      try {
        const tokens = await host.exchangeAndStore(tx, interactionCode);
        return view('SUCCESS', parsed, result, { tokens });
      } catch (err) {
        if (!(err instanceof GatehouseError)) throw err;
        return view('FAILURE', parsed, result, { error: err });
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
          return view('PENDING', { ...previous, messages: parsed.messages }, result, {
            rawIdxResponse: result.response,
          });
      }
      if (result.ok || expired) storage.removeTransaction(tx.state);
      return view('TERMINAL', parsed, result);
    }
    // Failed answers are not cached: their messages belong to this answer only.
    storage.setTransaction(result.ok ? { ...tx, idxResponse: result.response } : tx);
    return view('PENDING', parsed, result);
  }

  async function freshResponse(tx: SavedTransaction): Promise<IdxResult> {
    return introspect(host.fetch, host.introspectUrl, { interactionHandle: tx.interactionHandle });
  }

  /** The response to act on: the cached one, else a fresh introspect (null: settle that instead). */
  async function currentResponse(
    tx: SavedTransaction,
  ): Promise<{ response: IdxResponse; settled?: undefined } | { settled: IdxResult }> {
    if (tx.idxResponse) return { response: tx.idxResponse };
    const result = await freshResponse(tx);
    const parsed = parseIdxResponse(result.response);
    if (!result.ok || parsed.terminal || parsed.interactionCode !== undefined) return { settled: result };
    return { response: result.response };
  }

  function findAction(response: IdxResponse, name: string): IdxForm {
    const actions = actionsOf(response);
    const exact = actions.get(name);
    if (exact) return exact;
    for (const [full, form] of actions) if (full.endsWith(`-${name}`)) return form;
    throw new IdxError('idx_action_unavailable', `The action ${name} is not available at this step.`);
  }

  function chooseForm(response: IdxResponse, values: Record<string, unknown>, step?: string): IdxForm {
    const forms = remediationsOf(response);
    if (step) {
      const named = forms.find((form) => form.name === step);
      if (named) return named;
      throw new IdxError(
        'idx_step_unavailable',
        `The step ${step} is not available; the server offers: ${forms.map((f) => f.name).join(', ') || 'nothing'}.`,
      );
    }
    for (const form of forms) {
      const built = buildBody(form, values, response, stepAuthenticator(form, response)?.key);
      if (built.missing.length === 0 && built.used.length > 0) return form;
    }
    throw new IdxError('idx_step_unavailable', 'No step of the current response fits the values given.');
  }

  async function submitStep(
    tx: SavedTransaction,
    response: IdxResponse,
    values: Record<string, unknown>,
    step: string | undefined,
    options: SettleOptions,
  ): Promise<IdxTransaction> {
    const form = chooseForm(response, values, step);
    const { body } = buildBody(form, values, response, stepAuthenticator(form, response)?.key);
    return settle(tx, await submitForm(host.fetch, form, body), options);
  }

  async function runAction(
    tx: SavedTransaction,
    response: IdxResponse,
    name: string,
  ): Promise<IdxTransaction> {
    const form = findAction(response, name);
    const { body } = buildBody(form, {}, response, undefined);
    return settle(tx, await submitForm(host.fetch, form, body));
  }

  async function proceedWith(tx: SavedTransaction, options: ProceedOptions): Promise<IdxTransaction> {
    const { step, action, resend, state: _state, exchangeCodeForTokens, ...values } = options;
    const settleOptions = { exchangeCodeForTokens };
    const hasValues = Object.values(values).some((v) => v !== undefined);
    if (!step && !action && !resend && !hasValues) return settle(tx, await freshResponse(tx), settleOptions);
    const current = await currentResponse(tx);
    if (current.settled) return settle(tx, current.settled, settleOptions);
    if (action || resend) return runAction(tx, current.response, action ?? 'resend');
    return submitStep(tx, current.response, values, step, settleOptions);
  }

  async function startTransaction(
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
    storage.setTransaction(tx);
    const result = await settle(tx, await freshResponse(tx));
    return { tx, result };
  }

  /** Answers whatever the values can answer, step after step, until the user has to act. */
  async function runAuto(
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
      const saved = load(tx.state);
      if (!saved) break;
      current = await submitStep(saved, current.rawIdxResponse, plan.values, plan.step, {});
    }
    return current;
  }

  return {
    async start(options = {}) {
      return (await startTransaction(options)).result;
    },

    async proceed(options = {}) {
      return proceedWith(requireTransaction(options.state), options);
    },

    async cancel(options = {}) {
      const tx = requireTransaction(options.state);
      const current = await currentResponse(tx);
      let result: IdxResult | undefined;
      if (!current.settled) {
        const form = actionsOf(current.response).get('cancel');
        if (form)
          result = await submitForm(host.fetch, form, buildBody(form, {}, current.response, undefined).body);
      }
      storage.removeTransaction(tx.state);
      const parsed = parseIdxResponse((result ?? current.settled)?.response ?? { version: '1.0.0' });
      return {
        ...view('CANCELED', parsed, result),
        messages: result?.ok ? [] : parsed.messages,
        actions: [],
      };
    },

    async authenticate(values) {
      const { tx, result } = await startTransaction({ flow: 'authenticate' });
      return runAuto(tx, result, values);
    },

    async recoverPassword(values = {}) {
      const { tx, result } = await startTransaction({ flow: 'recoverPassword' });
      if (result.status !== 'PENDING' || !result.rawIdxResponse) return result;
      let current = result;
      if (!current.availableSteps.some((s) => s.name === 'identify-recovery') && !current.context.recovery) {
        const recover = current.actions.find((a) => a.endsWith('-recover'));
        if (!recover)
          throw new IdxError('idx_recovery_unavailable', 'Password recovery is not offered for this app.');
        current = await runAction(requireTransaction(tx.state), current.rawIdxResponse!, recover);
      }
      return runAuto(tx, current, values);
    },

    isEmailVerifyCallback,
    parseEmailVerifyCallback,

    canProceed(options = {}) {
      return loadMeta(options.state) !== undefined;
    },

    async handleEmailVerifyCallback(search) {
      const { otp, state } = parseEmailVerifyCallback(search);
      const tx = load(state);
      if (!tx) throw new EmailVerifyCallbackError(otp, state);
      // Another tab may have moved the transaction on since it was saved: ask the server.
      const result = await freshResponse(tx);
      const parsed = parseIdxResponse(result.response);
      const plan =
        result.ok && !parsed.terminal ? planNextStep(result.response, { verificationCode: otp }) : null;
      if (!plan) return settle(tx, result);
      const fresh = { ...tx, idxResponse: result.response };
      return submitStep(fresh, result.response, plan.values, plan.step, {});
    },

    isInteractionCodeRedirect(url) {
      const params = parseParams(url);
      return Boolean(params.state && (params.interaction_code || params.error));
    },

    async handleInteractionCodeRedirect(url) {
      const params = parseParams(url);
      // The exchange needs the verifier, not the interaction handle.
      const tx = params.state ? loadMeta(params.state) : undefined;
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
    },

    getSavedTransaction: load,

    clearTransaction(state) {
      const tx = loadMeta(state);
      if (tx) storage.removeTransaction(tx.state);
    },
  };
}
