import type { AppPolicy } from '../storage/apps-store.js';

/**
 * The authenticator types a transaction must prove, in the order they are asked for: the app's
 * sign-in policy, or for a password recovery the email factor (then a new password is set).
 */
export function requiredFactors(policy: AppPolicy, flow: 'sign-in' | 'recovery' = 'sign-in'): string[] {
  if (flow === 'recovery') return ['email'];
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

/** Whether users of this app may reset a forgotten password themselves (only where a password is used). */
export function canRecoverPassword(policy: AppPolicy): boolean {
  return policy.selfServiceRecovery && requiredFactors(policy).includes('password');
}
