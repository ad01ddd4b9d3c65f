import type { AuthenticatorRegistry } from '../authenticators/registry.js';
import type { Clock } from '../clock.js';
import { AccountSessions } from '../identity/account-sessions.js';
import { SignUps } from '../identity/sign-ups.js';
import type { Limit, RateLimiter } from '../rate-limits/rate-limiter.js';
import type { Storage } from '../storage/storage.js';
import { RecoveryFlow } from './recovery/recovery-flow.js';
import { RegistrationFlow } from './registration/registration-flow.js';
import { ChallengeSteps } from './shared/challenge-steps.js';
import { FlowEngine } from './shared/flow-engine.js';
import { Progress } from './shared/progress.js';
import { Requirements } from './shared/requirements.js';
import { TransactionWriter } from './shared/transaction-writer.js';
import { SignInFlow } from './sign-in/sign-in-flow.js';
import { UnlockFlow } from './unlock/unlock-flow.js';

export interface FlowEngineParts {
  storage: Storage;
  authenticators: AuthenticatorRegistry;
  clock: Clock;
  limiter: RateLimiter;
  limits: { registrationPerIp: Limit; registrationPerEmail: Limit };
  transactionTtlSeconds: number;
}

/** The engine with every flow this server runs, each given only the parts it uses. */
export function createFlowEngine(parts: FlowEngineParts): FlowEngine {
  const { storage, authenticators: registry, clock } = parts;
  const { users, events } = storage;
  const writer = new TransactionWriter({ transactions: storage.transactions, clock });
  const requirements = new Requirements(registry);
  const steps = new ChallengeSteps({ registry, writer });
  const progress = new Progress({ registry, requirements, writer, clock });
  const sessions = new AccountSessions({
    grants: storage.grants,
    transactions: storage.transactions,
    interactionCodes: storage.interactionCodes,
    events: storage.events,
    clock,
  });
  return new FlowEngine({
    flows: [
      new SignInFlow({ users, writer, requirements, steps, progress }),
      new RecoveryFlow({ users, requirements, steps, progress, writer, sessions }),
      new RegistrationFlow({
        signUps: new SignUps(users, events, clock),
        users,
        events,
        registry,
        requirements,
        steps,
        progress,
        writer,
        limiter: parts.limiter,
        limits: parts.limits,
        clock,
      }),
      new UnlockFlow({ users, events, requirements, steps, progress, writer, clock }),
    ],
    transactions: storage.transactions,
    apps: storage.apps,
    users: storage.users,
    events: storage.events,
    writer,
    clock,
    settings: { transactionTtlSeconds: parts.transactionTtlSeconds },
  });
}
