import type { Clock } from '../../clock.js';
import { EngineError } from '../../errors.js';
import type { App, AppsStore } from '../../storage/apps-store.js';
import type {
  AuthenticatorEnrollmentsStore,
  StoredEnrollment,
} from '../../storage/authenticator-enrollments-store.js';
import type { Transaction } from '../../storage/transactions-store.js';
import type { User, UsersStore } from '../../storage/users-store.js';

/** What every step works on, loaded once per request. */
export interface FlowState {
  transaction: Transaction;
  app: App;
  /** The identified user; null before identify, or when the identifier matched no account. */
  user: User | null;
  /** The user's stored enrollments (authenticator apps, passkeys); empty without a user. */
  held: readonly StoredEnrollment[];
}

export interface FlowStateDeps {
  apps: AppsStore;
  users: UsersStore;
  enrollments: AuthenticatorEnrollmentsStore;
  clock: Clock;
}

/** Finds the account an identifier names, with its enrollments, for the flows that identify users. */
export class UserLookup {
  constructor(private readonly deps: Pick<FlowStateDeps, 'users' | 'enrollments'>) {}

  /** The account with this login key (none: an unknown identifier), with what it holds. */
  async byLoginKey(loginKey: string): Promise<{ user: User | null; held: StoredEnrollment[] }> {
    const user = await this.deps.users.findByLoginKey(loginKey);
    return { user, held: await this.held(user) };
  }

  async held(user: User | null): Promise<StoredEnrollment[]> {
    return user ? this.deps.enrollments.listByUser(user.id) : [];
  }
}

/** `state` with nobody identified. */
export function anonymous(state: FlowState): FlowState {
  return { ...state, user: null, held: [] };
}

export interface LoadOptions {
  /** A finished transaction is loaded too (to tell a polling tab the flow went on elsewhere). */
  allowCompleted: boolean;
}

/**
 * Loads the state of a live transaction. Unknown, expired, canceled and failed transactions (and
 * finished ones, unless allowed) all read as FLOW_EXPIRED, so a client learns nothing more.
 */
export async function loadFlowState(
  deps: FlowStateDeps,
  transaction: Transaction | null,
  options: LoadOptions,
): Promise<FlowState> {
  if (!transaction || deps.clock.now() >= transaction.expiresAt) throw new EngineError('FLOW_EXPIRED');
  const live =
    transaction.status === 'active' || (transaction.status === 'completed' && options.allowCompleted);
  if (!live) throw new EngineError('FLOW_EXPIRED');
  const app = await deps.apps.findById(transaction.appId);
  if (!app) throw new EngineError('FLOW_EXPIRED');
  const user = transaction.userId ? await deps.users.findById(transaction.userId) : null;
  const held = user ? await deps.enrollments.listByUser(user.id) : [];
  return { transaction, app, user, held };
}
