import type { AppPolicy } from '../storage/apps-store.js';

/** The authenticator types an app's sign-in policy requires, in the order they are asked for. */
export function requiredFactors(policy: AppPolicy): string[] {
  switch (policy.factors) {
    case 'password':
      return ['password'];
    case 'password+email':
      return ['password', 'email'];
    case 'email':
      return ['email'];
  }
}

/** Whether the identify form also asks for the password (one-step sign-in). */
export function asksPasswordOnIdentify(policy: AppPolicy): boolean {
  return !policy.identifierFirst && requiredFactors(policy)[0] === 'password';
}

export const DEFAULT_POLICY: AppPolicy = {
  factors: 'password',
  identifierFirst: false,
  selfServiceRecovery: true,
};
