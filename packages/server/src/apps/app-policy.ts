import type { AuthenticatorRegistry } from '../authenticators/registry.js';
import { ValidationError } from '../errors.js';
import type { AppPolicy, PolicyRequirement } from '../storage/apps-store.js';

export const DEFAULT_POLICY: AppPolicy = {
  requirements: [{ anyOf: ['password'] }],
  identifierFirst: false,
  selfServiceRecovery: true,
  selfServiceUnlock: false,
  signInAfterUnlock: false,
  registration: null,
};

const KEY = /^[a-z][a-z0-9_]*$/;

/**
 * Reads a policy written as authenticator keys in order, separated by commas, with alternatives
 * separated by `|`: `password,email|google_otp`. `+` is accepted for a comma (`password+email`,
 * the older shorthand).
 */
export function parsePolicyExpression(expression: string): PolicyRequirement[] {
  const text = expression.trim();
  if (!text) throw new ValidationError('policy', 'policy must name at least one authenticator');
  return text.split(/[,+]/).map((part) => {
    const anyOf = part.split('|').map((key) => key.trim());
    for (const key of anyOf) {
      if (!KEY.test(key))
        throw new ValidationError(
          'policy',
          `policy '${expression}' is not a list of authenticator keys (e.g. password,email|google_otp)`,
        );
    }
    return { anyOf };
  });
}

/** The written form of requirements: `password,email`. */
export function describeRequirements(requirements: readonly PolicyRequirement[]): string {
  return requirements.map((r) => r.anyOf.join('|')).join(',');
}

/**
 * Checks a policy against the installed authenticators: at least one requirement, every key
 * installed and able to verify a sign-in, no key twice; with registration on, a newcomer can set
 * everything up.
 */
export function assertValidPolicy(policy: AppPolicy, registry: AuthenticatorRegistry): void {
  if (policy.requirements.length === 0)
    throw new ValidationError('policy', 'policy must have at least one requirement');
  const seen = new Set<string>();
  for (const { anyOf } of policy.requirements) {
    if (anyOf.length === 0)
      throw new ValidationError('policy', 'a policy requirement must name an authenticator');
    for (const key of anyOf) {
      if (!registry.find(key))
        throw new ValidationError(
          'policy',
          `policy names '${key}', which is not an installed authenticator (installed: ${registry.keys().join(', ')})`,
        );
      if (seen.has(key)) throw new ValidationError('policy', `policy names '${key}' twice`);
      seen.add(key);
    }
  }
  assertRegistrable(policy, registry);
}

/**
 * With self-service registration on, a newcomer must be able to set up everything the policy
 * requires: an authenticator that proves their email address, and for every requirement one that
 * can be enrolled.
 */
function assertRegistrable(policy: AppPolicy, registry: AuthenticatorRegistry): void {
  if (!policy.registration) return;
  if (!registry.list().some((a) => a.provesEmailAddress && a.enroller))
    throw new ValidationError(
      'registration',
      'registration needs an installed authenticator that proves an email address (email)',
    );
  for (const { anyOf } of policy.requirements) {
    if (!anyOf.some((key) => registry.get(key).enroller))
      throw new ValidationError(
        'registration',
        `registration cannot set up any of '${anyOf.join('|')}': a new user could never sign in`,
      );
  }
}
