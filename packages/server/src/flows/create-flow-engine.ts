import type { AuthenticatorRegistry } from '../authenticators/registry.js';
import type { Clock } from '../clock.js';
import { AccountSessions } from '../identity/account-sessions.js';
import { SignUps } from '../identity/sign-ups.js';
import type { Limit, RateLimiter } from '../rate-limits/rate-limiter.js';
import type { Storage } from '../storage/storage.js';
import { RecoveryFlow } from './recovery/recovery-flow.js';
import { RegistrationFlow } from './registration/registration-flow.js';
import { ChallengeSteps } from './shared/challenge-steps.js';
import { EnrollmentSteps } from './shared/enrollment-steps.js';
import { FlowEngine } from './shared/flow-engine.js';
import { UserLookup } from './shared/flow-state.js';
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
  const { users, events, enrollments } = storage;
  const lookup = new UserLookup({ users, enrollments });
  const writer = new TransactionWriter({ transactions: storage.transactions, clock });
  const requirements = new Requirements(registry);
  const steps = new ChallengeSteps({ registry, writer });
  const enrollment = new EnrollmentSteps({ registry, writer, steps });
  const progress = new Progress({ registry, requirements, writer, clock });
  const sessions = new AccountSessions({
    grants: storage.grants,
    transactions: storage.transactions,
    interactionCodes: storage.interactionCodes,
    sessions: storage.sessions,
    events: storage.events,
    clock,
  });
  return new FlowEngine({
    flows: [
      new SignInFlow({ lookup, writer, requirements, steps, enrollment, progress }),
      new RecoveryFlow({ lookup, requirements, steps, progress, writer, sessions }),
      new RegistrationFlow({
        signUps: new SignUps(users, events, clock),
        users,
        events,
        registry,
        requirements,
        steps,
        enrollment,
        progress,
        writer,
        limiter: parts.limiter,
        limits: parts.limits,
        clock,
      }),
      new UnlockFlow({ users, lookup, events, requirements, steps, progress, writer, clock }),
    ],
    transactions: storage.transactions,
    apps: storage.apps,
    users,
    enrollments,
    events,
    writer,
    clock,
    settings: { transactionTtlSeconds: parts.transactionTtlSeconds },
  });
}
