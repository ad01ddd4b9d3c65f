import type { Clock } from '../../clock.js';
import { EngineError } from '../../errors.js';
import type { PasswordHasher } from '../../identity/password-hasher.js';
import {
  checkPassword,
  type PasswordPolicy,
  type PasswordViolation,
} from '../../identity/password-policy.js';
import type { App } from '../../storage/apps-store.js';
import type { CredentialsStore } from '../../storage/credentials-store.js';
import type { User, UsersStore } from '../../storage/users-store.js';
import {
  type Answer,
  type AuthenticatorContext,
  type ChallengeResult,
  type Enroller,
  type EnrollResult,
  type SecretRules,
  typedAnswer,
} from '../authenticator.js';

export interface PasswordEnrollerDeps {
  users: UsersStore;
  credentials: CredentialsStore;
  hasher: PasswordHasher;
  clock: Clock;
  policy: PasswordPolicy;
}

/**
 * Sets a user's password: the policy, then the history of recent passwords, then the change (the
 * replaced hash joins the history, and the automatic lock is cleared: the user proved who they are).
 */
export class PasswordEnroller implements Enroller {
  readonly rules: SecretRules;

  constructor(private readonly deps: PasswordEnrollerDeps) {
    const p = deps.policy;
    this.rules = {
      minLength: p.minLength,
      minLowerCase: p.minLowerCase,
      minUpperCase: p.minUpperCase,
      minNumber: p.minNumber,
      minSymbol: p.minSymbol,
      excludeUsername: p.excludeUsername,
      excludeAttributes: [...p.excludeAttributes],
      historyCount: p.historyCount,
      minScore: p.minScore,
    };
  }

  async begin(): Promise<ChallengeResult> {
    return { ok: true };
  }

  async enroll(ctx: AuthenticatorContext, given: Answer): Promise<EnrollResult> {
    // A typed secret or code; a structured (public-key) answer is wrong here.
    const answer = typedAnswer(given) ?? '';
    const { user } = ctx;
    if (!user) return { ok: false, error: new EngineError('STEP_NOT_ALLOWED') };
    const violations = await this.violations(user, answer, ctx.app);
    if (violations.length) {
      return {
        ok: false,
        error: new EngineError('PASSWORD_POLICY_VIOLATION', {
          field: 'answer',
          params: [violations.map((v) => v.message).join('; ')],
        }),
      };
    }
    const { users, credentials, hasher, clock } = this.deps;
    const now = clock.now();
    await credentials.setPasswordHash(user.id, await hasher.hash(answer), now);
    await users.resetFailedAttempts(user.id, now);
    return { ok: true };
  }

  private async violations(user: User, password: string, app: App): Promise<PasswordViolation[]> {
    const { policy } = this.deps;
    const broken = checkPassword(
      password,
      {
        login: user.login,
        email: user.email,
        firstName: user.profile.firstName,
        lastName: user.profile.lastName,
        appName: app.name,
      },
      policy,
    );
    if (broken.length) return broken;
    if (await this.reusesRecentPassword(user, password)) {
      return [
        {
          rule: 'history',
          message: `Password can't be the same as your last ${policy.historyCount} passwords`,
        },
      ];
    }
    return [];
  }

  private async reusesRecentPassword(user: User, password: string): Promise<boolean> {
    const { credentials, hasher, policy } = this.deps;
    if (policy.historyCount <= 0) return false;
    const current = await credentials.findPasswordHash(user.id);
    const earlier = await credentials.passwordHistory(user.id, policy.historyCount - 1);
    for (const hash of [current, ...earlier]) {
      if (hash && (await hasher.verify(hash, password))) return true;
    }
    return false;
  }
}
