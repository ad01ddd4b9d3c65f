import { createRequire } from 'node:module';
import { normalize } from './password-hasher.js';
import { contextWords, estimateStrength, strengthMessage } from './password-strength.js';

export interface PasswordPolicy {
  minLength: number;
  maxBytes: number;
  minLowerCase: number;
  minUpperCase: number;
  minNumber: number;
  minSymbol: number;
  excludeUsername: boolean;
  excludeAttributes: ReadonlyArray<'firstName' | 'lastName' | 'email'>;
  rejectCommonPasswords: boolean;
  /** How many earlier passwords a reset may not reuse (0: none). */
  historyCount: number;
  /** The organisation's name, refused inside passwords. */
  serviceName?: string | undefined;
  /**
   * Lowest zxcvbn score (0–4) a new password must reach, judged after every other rule passed and
   * with the user's and the service's names as known words (0: the check is off).
   */
  minScore: number;
}

export type PasswordRule =
  | 'minLength'
  | 'maxBytes'
  | 'lowerCase'
  | 'upperCase'
  | 'number'
  | 'symbol'
  | 'username'
  | 'attribute'
  | 'common'
  | 'strength'
  | 'history';

export interface PasswordViolation {
  rule: PasswordRule;
  message: string;
}

export interface PasswordContext {
  login: string;
  email?: string | undefined;
  firstName?: string | undefined;
  lastName?: string | undefined;
  /** The organisation's name, which a password may not contain (NIST SP 800-63B-4 context words). */
  serviceName?: string | undefined;
  /** The name of the app the password is set for: a context word for the strength estimate. */
  appName?: string | undefined;
}

let commonPasswords: Set<string> | null = null;

/** The common-password list shipped with the project (the zxcvbn-ts common dictionary, ~49k entries). */
function isCommonPassword(password: string): boolean {
  if (!commonPasswords) {
    const require = createRequire(import.meta.url);
    const path = require.resolve('@zxcvbn-ts/language-common/src/passwords.json');
    commonPasswords = new Set((require(path) as string[]).map((p) => p.toLowerCase()));
  }
  return commonPasswords.has(password.toLowerCase());
}

function countMatching(text: string, pattern: RegExp): number {
  return [...text].filter((ch) => pattern.test(ch)).length;
}

/** Every rule the password breaks; an empty list means it is acceptable. */
export function checkPassword(
  password: string,
  context: PasswordContext,
  policy: PasswordPolicy,
): PasswordViolation[] {
  const violations: PasswordViolation[] = [];
  if (Buffer.byteLength(password, 'utf8') > policy.maxBytes) {
    return [{ rule: 'maxBytes', message: `Password must be at most ${policy.maxBytes} bytes long.` }];
  }
  const normalized = normalize(password);
  const lower = normalized.toLowerCase();
  if ([...normalized].length < policy.minLength)
    violations.push({ rule: 'minLength', message: `At least ${policy.minLength} characters` });
  if (countMatching(normalized, /\p{Ll}/u) < policy.minLowerCase)
    violations.push({ rule: 'lowerCase', message: `At least ${policy.minLowerCase} lowercase letter(s)` });
  if (countMatching(normalized, /\p{Lu}/u) < policy.minUpperCase)
    violations.push({ rule: 'upperCase', message: `At least ${policy.minUpperCase} uppercase letter(s)` });
  if (countMatching(normalized, /\p{Nd}/u) < policy.minNumber)
    violations.push({ rule: 'number', message: `At least ${policy.minNumber} number(s)` });
  if (countMatching(normalized, /[^\p{L}\p{Nd}\s]/u) < policy.minSymbol)
    violations.push({ rule: 'symbol', message: `At least ${policy.minSymbol} symbol(s)` });
  if (policy.excludeUsername) {
    const login = normalize(context.login).toLowerCase();
    const localPart = login.split('@')[0] ?? login;
    if ((localPart.length >= 3 && lower.includes(localPart)) || lower.includes(login))
      violations.push({ rule: 'username', message: 'Does not contain part of your username' });
  }
  const service = (context.serviceName ?? policy.serviceName)
    ?.normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/g, '');
  if (service && service.length >= 4 && lower.replace(/\s+/g, '').includes(service))
    violations.push({ rule: 'attribute', message: 'Does not contain the name of this service' });
  for (const attribute of policy.excludeAttributes) {
    const raw = context[attribute];
    const value = (attribute === 'email' ? raw?.split('@')[0] : raw)?.normalize('NFKC').toLowerCase();
    if (value && value.length >= 3 && lower.includes(value)) {
      violations.push({ rule: 'attribute', message: `Does not contain your ${attributeLabel(attribute)}` });
    }
  }
  if (policy.rejectCommonPasswords && isCommonPassword(normalized))
    violations.push({ rule: 'common', message: 'Is not a commonly used password' });
  // The estimate comes last and alone: it is the costly rule, and its reasons would repeat theirs.
  if (!violations.length && policy.minScore > 0) {
    const words = contextWords([
      context.login,
      context.email,
      context.firstName,
      context.lastName,
      context.appName,
      context.serviceName ?? policy.serviceName,
    ]);
    const estimate = estimateStrength(normalized, words);
    if (estimate.score < policy.minScore)
      violations.push({ rule: 'strength', message: strengthMessage(estimate) });
  }
  return violations;
}

function attributeLabel(attribute: 'firstName' | 'lastName' | 'email'): string {
  return attribute === 'firstName' ? 'first name' : attribute === 'lastName' ? 'last name' : 'email address';
}
