import { randomUUID } from 'node:crypto';
import type { Answer } from '../../authenticators/authenticator.js';
import { EngineError } from '../../errors.js';
import type { RequestInfo } from '../../request-info.js';
import type { EventsStore } from '../../storage/events-store.js';
import type {
  FlowName,
  Transaction,
  TransactionKeys,
  TransactionOpening,
  TransactionsStore,
} from '../../storage/transactions-store.js';
import {
  type Flow,
  type FlowAction,
  type IdentifyInput,
  type ProfileInput,
  type SelectInput,
  Step,
} from './flow.js';
import type { FlowOutcome, FlowResult } from './flow-outcome.js';
import {
  anonymous,
  type FlowState,
  type FlowStateDeps,
  type LoadOptions,
  loadFlowState,
} from './flow-state.js';
import type { FlowView } from './flow-view.js';
import type { TransactionWriter } from './transaction-writer.js';

export interface FlowEngineDeps extends FlowStateDeps {
  flows: Flow[];
  transactions: TransactionsStore;
  events: EventsStore;
  writer: TransactionWriter;
  settings: { transactionTtlSeconds: number };
}

/** Where every transaction starts, and where a restart puts it back (with nothing proven). */
const FIRST_STEP = {
  flow: 'sign-in',
  step: Step.identify,
  userId: null,
  identifier: null,
  authenticatorKey: null,
} as const;

/**
 * The engine's front door: opens transactions, loads their state once per request, refuses actions
 * the current step does not accept, and hands each action to the flow the transaction is in.
 * Protocol edges talk to this; it answers in flow results, never in wire shapes.
 */
export class FlowEngine {
  private readonly flows = new Map<FlowName, Flow>();

  constructor(private readonly deps: FlowEngineDeps) {
    for (const flow of deps.flows) this.flows.set(flow.name, flow);
  }

  /** Opens a transaction for an authorization request, at the first step of a sign-in. */
  async start(opening: TransactionOpening): Promise<Transaction> {
    const now = this.deps.clock.now();
    const transaction: Transaction = {
      id: randomUUID(),
      ...opening,
      ...FIRST_STEP,
      verified: [],
      status: 'active',
      version: 0,
      createdAt: now,
      expiresAt: now + this.deps.settings.transactionTtlSeconds * 1000,
      completedAt: null,
      rememberMe: false,
    };
    await this.deps.transactions.create(transaction);
    return transaction;
  }

  /** The state of a live transaction (FLOW_EXPIRED otherwise). */
  load(
    transaction: Transaction | null,
    options: LoadOptions = { allowCompleted: false },
  ): Promise<FlowState> {
    return loadFlowState(this.deps, transaction, options);
  }

  /** What the transaction shows now, with the flows the user may turn to from here. */
  async view(state: FlowState): Promise<FlowView> {
    const offers = [...this.flows.values()]
      .filter((flow) => flow.offeredFrom?.(state))
      .map((flow) => flow.name);
    return { ...(await this.flowOf(state).view(state)), offers };
  }

  async identify(state: FlowState, input: IdentifyInput, request: RequestInfo): Promise<FlowResult> {
    return this.result(await this.accepting(state, 'identify').identify(state, input, request));
  }

  async select(state: FlowState, input: SelectInput, request: RequestInfo): Promise<FlowResult> {
    return this.result(await this.accepting(state, 'select').select(state, input, request));
  }

  async profile(state: FlowState, values: ProfileInput, request: RequestInfo): Promise<FlowResult> {
    const flow = this.accepting(state, 'profile');
    if (!flow.profile) throw new EngineError('STEP_NOT_ALLOWED');
    return this.result(await flow.profile(state, values, request));
  }

  async skip(state: FlowState): Promise<FlowResult> {
    const flow = this.accepting(state, 'skip');
    if (!flow.skip) throw new EngineError('STEP_NOT_ALLOWED');
    return this.result(await flow.skip(state));
  }

  async answer(state: FlowState, answer: Answer, request: RequestInfo): Promise<FlowResult> {
    return this.result(await this.accepting(state, 'answer').answer(state, answer, request));
  }

  async resend(state: FlowState, request: RequestInfo): Promise<FlowResult> {
    return this.result(await this.accepting(state, 'resend').resend(state, request));
  }

  /** Hands the transaction to another flow (a "forgot password?"), which decides whether it may. */
  async switchTo(state: FlowState, name: FlowName): Promise<FlowResult> {
    this.assertActive(state);
    const flow = this.flows.get(name);
    if (!flow?.enter) throw new EngineError('STEP_NOT_ALLOWED');
    return this.result(await flow.enter(state));
  }

  /**
   * Starts the transaction over at its first step under new keys: whatever referred to it before
   * (the old keys) stops working.
   */
  async restart(state: FlowState, keys: TransactionKeys): Promise<FlowResult> {
    this.assertActive(state);
    const restarted = await this.deps.writer.update(state, { ...keys, ...FIRST_STEP, verified: [] });
    await this.deps.events.record(
      { type: 'transaction.canceled', appId: state.app.id, data: { transaction: state.transaction.id } },
      this.deps.clock.now(),
    );
    return this.result({ kind: 'next', state: anonymous(restarted) });
  }

  private accepting(state: FlowState, action: FlowAction): Flow {
    this.assertActive(state);
    const flow = this.flowOf(state);
    if (!flow.allows(state.transaction.step, action)) throw new EngineError('STEP_NOT_ALLOWED');
    return flow;
  }

  private assertActive(state: FlowState): void {
    if (state.transaction.status !== 'active') throw new EngineError('FLOW_EXPIRED');
  }

  private flowOf(state: FlowState): Flow {
    const flow = this.flows.get(state.transaction.flow);
    if (!flow) throw new EngineError('FLOW_EXPIRED', { detail: `No flow ${state.transaction.flow}.` });
    return flow;
  }

  private async result(outcome: FlowOutcome): Promise<FlowResult> {
    if (outcome.kind === 'completed') return outcome;
    const view = await this.view(outcome.state);
    if (outcome.kind === 'next')
      return { kind: 'next', state: outcome.state, view: { ...view, notice: outcome.notice } };
    return { ...outcome, view };
  }
}
