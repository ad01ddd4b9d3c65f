import { IdxErrors, type IdxResponse } from '@gatehouse/protocol';
import type { Answer } from '../../authenticators/authenticator.js';
import { EngineError } from '../../errors.js';
import type { FlowEngine } from '../../flows/shared/flow-engine.js';
import type { FlowResult } from '../../flows/shared/flow-outcome.js';
import type { FlowState } from '../../flows/shared/flow-state.js';
import type { RequestInfo } from '../../request-info.js';
import type { Transaction, TransactionsStore } from '../../storage/transactions-store.js';
import { authenticatorKeyOf } from './authenticator-wire.js';
import { IDX_NOTICES, type IdxMessageRef, idxMessageOf } from './engine-errors.js';
import { IdxError } from './idx-error.js';
import type { IdxUrls } from './idx-forms.js';
import {
  type AnswerBody,
  type ChallengeBody,
  type EnrollProfileBody,
  type IdentifyBody,
  type IntrospectBody,
  PUBLIC_KEY_FIELDS,
  type StateHandleBody,
} from './idx-requests.js';
import type { InteractionCodes } from './interaction-codes.js';
import { serializeSuccess, serializeView } from './serialize-envelope.js';
import { hashHandle, nextStateHandle, stateHandleAt } from './state-handles.js';

/** A response of an IDX endpoint, before HTTP. */
export interface IdxReply {
  status: number;
  body: IdxResponse;
  /** Seconds a throttled client should wait (`Retry-After`). */
  retryAfterSeconds?: number | undefined;
}

export interface IdxEndpointsDeps {
  engine: FlowEngine;
  transactions: TransactionsStore;
  interactionCodes: InteractionCodes;
  urls(transaction: Transaction): IdxUrls;
}

/**
 * The IDX edge. Every endpoint runs one pipeline: parse the body into the engine's input, load the
 * transaction its state handle names, act (the engine refuses what the step does not accept),
 * then serialize the result: an IDX envelope, or on completion the interaction code minted here.
 * Engine errors thrown on the way become IDX error bodies in the HTTP error handler.
 */
export class IdxEndpoints {
  constructor(private readonly deps: IdxEndpointsDeps) {}

  /** The current state, by interaction handle (page load, new tab) or state handle. */
  async introspect(body: IntrospectBody, request: RequestInfo): Promise<IdxReply> {
    const { interactionHandle } = body;
    const stateHandle = body.stateToken ?? body.stateHandle;
    if (!interactionHandle && !stateHandle)
      throw new IdxError('invalidRequest', { params: ['interactionHandle'] });
    const { transactions, engine, interactionCodes } = this.deps;
    let transaction: Transaction | null;
    let handle: string;
    if (interactionHandle) {
      transaction = await transactions.findByInteractionHandleHash(hashHandle(interactionHandle));
      handle = transaction ? stateHandleAt(interactionHandle, transaction.stateGeneration) : '';
    } else {
      transaction = await transactions.findByStateHandleHash(hashHandle(stateHandle!));
      handle = stateHandle!;
    }
    const state = await engine.load(transaction, { allowCompleted: true });
    // Another tab holds the interaction code; once it is redeemed or expired the session is over.
    if (
      state.transaction.status === 'completed' &&
      !(await interactionCodes.isRedeemable(state.transaction.id))
    )
      throw new EngineError('FLOW_EXPIRED');
    return this.respond({ kind: 'next', state, view: await engine.view(state) }, handle, request);
  }

  identify(body: IdentifyBody, request: RequestInfo): Promise<IdxReply> {
    const input = {
      identifier: body.identifier,
      answer: body.credentials?.passcode,
      rememberMe: body.rememberMe,
    };
    return this.run(body, (state) => this.deps.engine.identify(state, input, request), request);
  }

  /** Chooses an authenticator to prove (with the identifier, on the unlock form). */
  challenge(body: ChallengeBody, request: RequestInfo): Promise<IdxReply> {
    const input = { key: authenticatorKeyOf(body.authenticator.id), identifier: body.identifier };
    return this.run(body, (state) => this.deps.engine.select(state, input, request), request);
  }

  /** Chooses an authenticator to set up (`select-authenticator-enroll`). */
  credentialEnroll(body: ChallengeBody, request: RequestInfo): Promise<IdxReply> {
    const input = { key: authenticatorKeyOf(body.authenticator.id) };
    return this.run(body, (state) => this.deps.engine.select(state, input, request), request);
  }

  /** "Sign up" (`select-enroll-profile`). */
  enroll(body: StateHandleBody, request: RequestInfo): Promise<IdxReply> {
    return this.run(body, (state) => this.deps.engine.switchTo(state, 'registration'), request);
  }

  /** The sign-up profile (`enroll-profile`). */
  enrollProfile(body: EnrollProfileBody, request: RequestInfo): Promise<IdxReply> {
    const values = body.userProfile ?? {};
    return this.run(body, (state) => this.deps.engine.profile(state, values, request), request);
  }

  /** "Already have an account?" (`select-identify`): back to signing in. */
  identifySelect(body: StateHandleBody, request: RequestInfo): Promise<IdxReply> {
    return this.run(body, (state) => this.deps.engine.switchTo(state, 'sign-in'), request);
  }

  skip(body: StateHandleBody, request: RequestInfo): Promise<IdxReply> {
    return this.run(body, (state) => this.deps.engine.skip(state), request);
  }

  /** "Unlock account?" (`unlock-account`). */
  unlockAccount(body: StateHandleBody, request: RequestInfo): Promise<IdxReply> {
    return this.run(body, (state) => this.deps.engine.switchTo(state, 'unlock'), request);
  }

  answer(body: AnswerBody, request: RequestInfo): Promise<IdxReply> {
    const answer = answerOf(body);
    return this.run(body, (state) => this.deps.engine.answer(state, answer, request), request);
  }

  resend(body: StateHandleBody, request: RequestInfo): Promise<IdxReply> {
    return this.run(body, (state) => this.deps.engine.resend(state, request), request);
  }

  recover(body: StateHandleBody, request: RequestInfo): Promise<IdxReply> {
    return this.run(body, (state) => this.deps.engine.switchTo(state, 'recovery'), request);
  }

  /**
   * The current state for a polling tab: the challenge while pending, "continued in another tab"
   * after, not only while the code is unredeemed (unlike introspect): the tab the flow left polls
   * (slowly while hidden) long after the new tab exchanged the code, and must still be told.
   * Its reads are one unit of work, as a step's are: a step that commits between them (the code
   * answered while a poll was on its way) would otherwise get a reply built from the step before,
   * sent after the step's own reply, and the widget would go back to that older page.
   */
  poll(body: StateHandleBody, request: RequestInfo): Promise<IdxReply> {
    return this.deps.transactions.step(async () => {
      const state = await this.load(body.stateHandle, true);
      const view = await this.deps.engine.view(state);
      return this.respond({ kind: 'next', state, view }, body.stateHandle, request);
    });
  }

  /** Restarts the transaction at its first step under a new state handle; the old one stops working. */
  async cancel(body: StateHandleBody, request: RequestInfo): Promise<IdxReply> {
    const state = await this.load(body.stateHandle, false);
    const next = nextStateHandle(body.stateHandle);
    const keys = {
      stateHandleHash: hashHandle(next),
      stateGeneration: state.transaction.stateGeneration + 1,
    };
    return this.respond(await this.deps.engine.restart(state, keys), next, request);
  }

  private async run(
    body: StateHandleBody,
    act: (state: FlowState) => Promise<FlowResult>,
    request: RequestInfo,
  ): Promise<IdxReply> {
    // One commit per step: the step's reads, guards and writes share one database transaction.
    return this.deps.transactions.step(async () => {
      const state = await this.load(body.stateHandle, false);
      return this.respond(await act(state), body.stateHandle, request);
    });
  }

  private async load(stateHandle: string, allowCompleted: boolean): Promise<FlowState> {
    const transaction = await this.deps.transactions.findByStateHandleHash(hashHandle(stateHandle));
    return this.deps.engine.load(transaction, { allowCompleted });
  }

  private async respond(result: FlowResult, stateHandle: string, request: RequestInfo): Promise<IdxReply> {
    const urls = this.deps.urls(result.state.transaction);
    if (result.kind === 'completed') {
      const { state, code } = await this.deps.interactionCodes.issue(
        result.state,
        result.authentication,
        request,
      );
      return { status: 200, body: serializeSuccess(state, stateHandle, code, urls) };
    }
    const messages: IdxMessageRef[] = [];
    let status = 200;
    if (result.kind === 'rejected') {
      const message = idxMessageOf(result.error);
      messages.push(message);
      status = IdxErrors[message.id].status;
    } else if (result.view.step.name === 'continued-elsewhere') {
      // Another tab or client received the interaction code: this one is told so.
      messages.push({ id: 'transferredToNewTab' });
    } else if (result.view.step.name === 'unlocked') {
      messages.push({ id: 'accountUnlocked' });
    }
    if (result.kind === 'next' && result.view.notice) messages.push({ id: IDX_NOTICES[result.view.notice] });
    return {
      status,
      body: serializeView(result.state, result.view, stateHandle, messages, urls),
      retryAfterSeconds: result.kind === 'rejected' ? result.error.retryAfterSeconds : undefined,
    };
  }
}

/** The engine's answer from `credentials`: the typed passcode, or the members of a WebAuthn response. */
function answerOf(body: AnswerBody): Answer {
  const { credentials } = body;
  if (credentials.passcode !== undefined) return credentials.passcode;
  const fields: Record<string, string> = {};
  for (const name of PUBLIC_KEY_FIELDS) {
    const value = credentials[name];
    if (value !== undefined) fields[name] = value;
  }
  if (Object.keys(fields).length === 0) throw new EngineError('INPUT_REQUIRED', { field: 'answer' });
  return fields;
}
