import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import {
  checkPassword,
  type PasswordContext,
  type PasswordPolicy,
} from '../../src/identity/password-policy.js';

/** The shipped defaults, from the one configuration schema. */
const DEFAULTS: PasswordPolicy = configSchema.parse({}).passwordPolicy;
const CONTEXT: PasswordContext = { login: 'ada.lovelace@example.com', email: 'ada.lovelace@example.com' };

const rules = (password: string, context: PasswordContext = CONTEXT, policy: PasswordPolicy = DEFAULTS) =>
  checkPassword(password, context, policy).map((v) => v.rule);

/** A password no rule refuses: random-looking, lower case only (no composition rules, G2). */
const GOOD = 'qvxjzkwmtpbrhsd';

const commonList = (): string[] => {
  const require = createRequire(import.meta.url);
  return JSON.parse(
    readFileSync(require.resolve('@zxcvbn-ts/language-common/src/passwords.json'), 'utf8'),
  ) as string[];
};

describe('password policy: defaults', () => {
  it('ships NIST-4 single-factor defaults', () => {
    expect(DEFAULTS).toMatchObject({
      minLength: 15,
      maxBytes: 1024,
      minLowerCase: 0,
      minUpperCase: 0,
      minNumber: 0,
      minSymbol: 0,
      excludeUsername: true,
      excludeAttributes: ['firstName', 'lastName'],
      rejectCommonPasswords: true,
      minScore: 3,
    });
  });

  it('accepts a random 15-letter lower-case password', () => {
    expect(GOOD).toHaveLength(15);
    expect(checkPassword(GOOD, CONTEXT, DEFAULTS)).toEqual([]);
  });
});

describe('password policy: length', () => {
  it('14 characters are refused, 15 accepted', () => {
    expect(rules(GOOD.slice(0, 14))).toEqual(['minLength']);
    expect(rules(GOOD)).toEqual([]);
    expect(checkPassword(GOOD.slice(0, 14), CONTEXT, DEFAULTS)[0]?.message).toContain('15');
  });

  it('counts code points, not UTF-16 units: 15 emoji pass, 14 do not, 8 (16 units) do not', () => {
    const emoji = ['🦊', '🐙', '🦉', '🐢', '🦋', '🐝', '🦀', '🐬', '🦩', '🐿', '🦔', '🐌', '🦜', '🐞', '🦘'];
    const fifteen = emoji.join('');
    expect(fifteen.length).toBe(30);
    expect(rules(fifteen)).toEqual([]);
    expect(rules(emoji.slice(0, 14).join(''))).toEqual(['minLength']);
    expect(emoji.slice(0, 8).join('').length).toBe(16);
    expect(rules(emoji.slice(0, 8).join(''))).toEqual(['minLength']);
  });

  it('counts after NFKC: 15 combining sequences are 15 characters, not 30', () => {
    // Fifteen accented letters, each written as a letter and a combining mark.
    const decomposed = 'éäòñçîöáëùïàêüó'.normalize('NFD');
    expect(decomposed.length).toBe(30);
    expect([...decomposed.normalize('NFKC')]).toHaveLength(15);
    expect(rules(decomposed)).toEqual([]);
    // Fourteen composed characters written as 28 UTF-16 units are still too short.
    expect(rules('e\u0301'.repeat(14))).toEqual(['minLength']);
  });

  it('accepts 64- and 128-character passwords and never truncates', () => {
    const long = `${GOOD}${'xkcd correct horse battery staple '.repeat(4)}`.slice(0, 128);
    expect(rules(long.slice(0, 64))).toEqual([]);
    expect(rules(long)).toEqual([]);
  });

  it('refuses more than maxBytes UTF-8 bytes, counted in bytes, before any other rule', () => {
    expect(rules('q'.repeat(1024).replace(/^q{15}/, GOOD))).toEqual([]);
    expect(rules(`${GOOD}${'q'.repeat(1024 - 15 + 1)}`)).toEqual(['maxBytes']);
    // 342 euro signs: 342 code points but 1026 bytes.
    const euros = '€'.repeat(342);
    expect([...euros].length).toBeLessThan(1024);
    expect(rules(euros)).toEqual(['maxBytes']);
    // The byte limit comes alone: a huge common-looking password is not run through the other rules.
    const huge = `password${'1'.repeat(1_000_000)}`;
    expect(checkPassword(huge, CONTEXT, DEFAULTS)).toEqual([
      { rule: 'maxBytes', message: 'Password must be at most 1024 bytes long.' },
    ]);
  });

  it('honours a configured minimum', () => {
    expect(rules('qvxjzkwmtp', CONTEXT, { ...DEFAULTS, minLength: 10 })).toEqual([]);
    expect(rules('qvxjzkwmt', CONTEXT, { ...DEFAULTS, minLength: 10 })).toEqual(['minLength']);
  });
});

describe('password policy: composition (off by default, available)', () => {
  const strict = { ...DEFAULTS, minLowerCase: 1, minUpperCase: 1, minNumber: 1, minSymbol: 1 };

  it('reports every missing class', () => {
    expect(rules(GOOD, CONTEXT, strict)).toEqual(['upperCase', 'number', 'symbol']);
    expect(rules('QVXJZKWMTPBRHSD', CONTEXT, strict)).toEqual(['lowerCase', 'number', 'symbol']);
    expect(rules('qvxjzkwmtpbrhS1!', CONTEXT, strict)).toEqual([]);
  });

  it('counts non-ASCII letters and digits by Unicode class', () => {
    expect(rules('ÉqvxjzkwmtpbrhsD٣#', CONTEXT, strict)).toEqual([]);
  });
});

describe('password policy: context words', () => {
  it('refuses the service (organisation) name, ignoring case and spaces (docs/security.md G2)', () => {
    const withService = { ...DEFAULTS, serviceName: 'Acme Corp' };
    expect(rules('acmecorp2025!!!!!!!', CONTEXT, withService)).toEqual(['attribute']);
    expect(rules('my ACME corp password', CONTEXT, withService)).toEqual(['attribute']);
    expect(rules(GOOD, CONTEXT, withService)).toEqual([]);
    expect(rules('acmecorp2025!!!!!!!')).toEqual([]);
  });

  it('refuses the login and its local part, case-insensitively', () => {
    expect(rules('ada.lovelace@example.com-x')).toContain('username');
    expect(rules('my-Ada.Lovelace-secret')).toContain('username');
    expect(rules('ada.lovelace123456789')).toEqual(['username']);
  });

  it('ignores a local part shorter than 3 characters but still refuses the whole login', () => {
    const context = { login: 'al@example.com' };
    expect(rules('qvxjzkwmtpbrhsdal', context)).toEqual([]);
    expect(rules('qvxjzkwmal@example.comz', context)).toEqual(['username']);
  });

  it('a login without @ is a local part of its own', () => {
    expect(rules('xxgracehopperxxx', { login: 'gracehopper' })).toEqual(['username']);
  });

  it('can be turned off (the strength estimate still counts the login as a known word)', () => {
    const off = { ...DEFAULTS, excludeUsername: false };
    expect(rules('ada.lovelace123456789', CONTEXT, off)).toEqual(['strength']);
    expect(rules('ada.lovelace123456789', CONTEXT, { ...off, minScore: 0 })).toEqual([]);
  });

  it('refuses first and last name (3+ characters), case-insensitively', () => {
    const context = { ...CONTEXT, firstName: 'Bartholomew', lastName: 'Oz' };
    const violations = checkPassword('my-BARTHOLOMEW-secret', context, DEFAULTS);
    expect(violations).toEqual([{ rule: 'attribute', message: 'Does not contain your first name' }]);
    expect(rules('qvxjzkwmtpbrhsdoz', context)).toEqual([]);
    expect(rules('qvxjzkwm-lovelace-x', { login: 'ada', lastName: 'Lovelace' })).toContain('attribute');
    expect(checkPassword('qvxjzkwm-lovelace-x', { login: 'ada', lastName: 'Lovelace' }, DEFAULTS)).toEqual([
      { rule: 'attribute', message: 'Does not contain your last name' },
    ]);
  });

  it('checks the email local part only when configured', () => {
    const context = { login: 'ada', email: 'countess1815@example.com' };
    expect(rules('my-countess1815-pw', context)).toEqual([]);
    expect(rules('my-countess1815-pw', context, { ...DEFAULTS, excludeAttributes: ['email'] })).toEqual([
      'attribute',
    ]);
  });

  it('compares after NFKC on both sides', () => {
    // Fullwidth letters in the password normalise to the login.
    expect(rules('ｇｒａｃｅｈｏｐｐｅｒ-xyzzy', { login: 'gracehopper' })).toEqual(['username']);
    // A name stored decomposed (e + U+0301) still matches the composed password, and vice versa.
    const decomposedName = { login: 'x1', firstName: 'Rene\u0301e' };
    expect(rules('qvxjzkwm-ren\u00e9e-x', decomposedName)).toEqual(['attribute']);
    expect(rules('qvxjzkwm-rene\u0301e-x', { login: 'x1', firstName: 'Ren\u00e9e' })).toEqual(['attribute']);
  });
});

describe('password policy: common passwords', () => {
  it('uses the shipped list: long entries that satisfy the length rule are refused', () => {
    const list = commonList();
    expect(list.length).toBeGreaterThan(10_000);
    const long = list.filter((p) => [...p].length >= 15);
    expect(long).toEqual(expect.arrayContaining(['passwordpassword', '1qaz2wsx3edc4rfv', 'qwerty123456789']));
    for (const password of ['passwordpassword', '1qaz2wsx3edc4rfv', 'qwerty123456789', '123456789987654321'])
      expect(rules(password), password).toEqual(['common']);
    expect(checkPassword('passwordpassword', CONTEXT, DEFAULTS)).toEqual([
      { rule: 'common', message: 'Is not a commonly used password' },
    ]);
  });

  it('every one of the first 3000 entries long enough to pass the length rule is refused', () => {
    const sample = commonList()
      .slice(0, 3000)
      .filter((p) => [...p].length >= 8);
    expect(sample.length).toBeGreaterThan(100);
    const policy = { ...DEFAULTS, minLength: 8, excludeUsername: false };
    for (const password of sample) expect(rules(password, CONTEXT, policy), password).toContain('common');
  });

  it('compares the whole password, case-insensitively, after NFKC', () => {
    expect(rules('PasswordPassword')).toEqual(['common']);
    expect(rules('ｐａｓｓｗｏｒｄｐａｓｓｗｏｒｄ')).toEqual(['common']);
    // A common password inside a longer one is not refused by this rule.
    expect(rules('passwordpassword-qvxjz')).toEqual([]);
  });

  it('can be turned off (the strength estimate knows the list too)', () => {
    const off = { ...DEFAULTS, rejectCommonPasswords: false };
    expect(rules('passwordpassword', CONTEXT, off)).toEqual(['strength']);
    expect(rules('passwordpassword', CONTEXT, { ...off, minScore: 0 })).toEqual([]);
  });
});
