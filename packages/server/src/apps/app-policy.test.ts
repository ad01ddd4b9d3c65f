import { describe, expect, it } from 'vitest';
import type { Authenticator } from '../authenticators/authenticator.js';
import { AuthenticatorRegistry } from '../authenticators/registry.js';
import { ValidationError } from '../errors.js';
import {
  assertValidPolicy,
  DEFAULT_POLICY,
  describeRequirements,
  parsePolicyExpression,
} from './app-policy.js';

const installed = (...keys: string[]) =>
  new AuthenticatorRegistry(keys.map((key) => ({ key }) as unknown as Authenticator));

describe('app policy', () => {
  it('reads requirements in order, alternatives with |, and the older + shorthand', () => {
    expect(parsePolicyExpression('password')).toEqual([{ anyOf: ['password'] }]);
    expect(parsePolicyExpression('password+email')).toEqual([{ anyOf: ['password'] }, { anyOf: ['email'] }]);
    expect(parsePolicyExpression(' password , email|google_otp|webauthn ')).toEqual([
      { anyOf: ['password'] },
      { anyOf: ['email', 'google_otp', 'webauthn'] },
    ]);
    expect(describeRequirements(parsePolicyExpression('password+email|webauthn'))).toBe(
      'password,email|webauthn',
    );
  });

  it('refuses what is not a list of keys', () => {
    for (const bad of ['', ' ', 'password,,email', 'password|', 'Password', 'pass word', 'email;drop']) {
      expect(() => parsePolicyExpression(bad), bad).toThrow(ValidationError);
    }
  });

  it('accepts only installed authenticators, each once, in at least one requirement', () => {
    const registry = installed('password', 'email');
    const policy = (expression: string) => ({
      ...DEFAULT_POLICY,
      requirements: parsePolicyExpression(expression),
    });
    expect(() => assertValidPolicy(policy('password,email'), registry)).not.toThrow();
    expect(() => assertValidPolicy(policy('password,sms'), registry)).toThrow(
      /not an installed authenticator/,
    );
    expect(() => assertValidPolicy(policy('password,password|email'), registry)).toThrow(/twice/);
    expect(() => assertValidPolicy({ ...DEFAULT_POLICY, requirements: [] }, registry)).toThrow(
      /at least one/,
    );
  });
});
