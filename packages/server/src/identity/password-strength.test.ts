import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.js';
import { checkPassword, type PasswordContext, type PasswordPolicy } from './password-policy.js';
import { contextWords, estimateStrength, estimatorLoaded, strengthMessage } from './password-strength.js';

/** The shipped defaults, from the one configuration schema. */
const DEFAULTS: PasswordPolicy = configSchema.parse({}).passwordPolicy;
const CONTEXT: PasswordContext = { login: 'ada.lovelace@example.com', email: 'ada.lovelace@example.com' };

const check = (password: string, context: PasswordContext = CONTEXT, policy: PasswordPolicy = DEFAULTS) =>
  checkPassword(password, context, policy);

describe('password strength (zxcvbn-ts)', () => {
  it('loads its dictionaries on the first check, not on import', () => {
    // Nothing in this file checked a password yet (tests run in order, the module is fresh).
    expect(estimatorLoaded()).toBe(false);
    check('qvxjzkwmtpbrhsd');
    expect(estimatorLoaded()).toBe(true);
  });

  it('defaults to a minimum score of 3', () => {
    expect(DEFAULTS.minScore).toBe(3);
  });

  it('refuses predictable passwords that pass the length and common-list rules, saying why', () => {
    expect(check('aaaaaaaaaaaaaaa')).toEqual([
      {
        rule: 'strength',
        message:
          'Is hard to guess: Repeated characters like "aaa" are easy to guess. Add more words that are less common. Avoid repeated words and characters.',
      },
    ]);
    for (const predictable of [
      '123456789012345',
      'qwertyuiopasdfgh',
      'abcdefghijklmnopq',
      'zxcvbnmasdfghjkl',
    ]) {
      const violations = check(predictable);
      expect(
        violations.map((v) => v.rule),
        predictable,
      ).toEqual(['strength']);
      expect(violations[0]?.message, predictable).toMatch(/^Is hard to guess: [A-Z].+\.$/);
    }
  });

  it('accepts random and passphrase passwords', () => {
    for (const good of [
      'qvxjzkwmtpbrhsd',
      'violet-Kq7-lantern-orbit-9',
      'copper meadow whistle seventy',
      'Tr0ub4dor&3-xyzzy-plugh',
    ])
      expect(check(good), good).toEqual([]);
  });

  it("counts the user's names, the app's name and the organisation's as known words", () => {
    const password = 'quintessaharborview';
    expect(check(password)).toEqual([]);
    const withApp = check(password, { ...CONTEXT, appName: 'Quintessa Harborview' });
    expect(withApp.map((v) => v.rule)).toEqual(['strength']);
    expect(withApp[0]?.message).toContain(
      'Your name, username, email address and the name of this service are easy to guess.',
    );
    // The email address is no attribute rule by default, but its words are known ones.
    expect(check('zenobiamarchetti', { login: 'zm' })).toEqual([]);
    const named = check('zenobiamarchetti', { login: 'zm', email: 'zenobia.marchetti@example.com' });
    expect(named.map((v) => v.rule)).toEqual(['strength']);
  });

  it('judges only what passed every other rule, and reports alone', () => {
    // Too short and predictable: the length rule speaks, the estimate is not asked.
    expect(check('aaaaaaa').map((v) => v.rule)).toEqual(['minLength']);
    expect(check('passwordpassword').map((v) => v.rule)).toEqual(['common']);
  });

  it('minScore 0 turns the check off; 4 asks for more', () => {
    expect(check('aaaaaaaaaaaaaaa', CONTEXT, { ...DEFAULTS, minScore: 0 })).toEqual([]);
    const three = 'horsebattery1234';
    expect(estimateStrength(three, []).score).toBe(3);
    expect(check(three)).toEqual([]);
    expect(check(three, CONTEXT, { ...DEFAULTS, minScore: 4 }).map((v) => v.rule)).toEqual(['strength']);
  });

  it('estimates the first 64 characters only, so a long crafted password stays cheap', () => {
    const crafted = '4@8({[</369&#!1/|0$5+7%2/'.repeat(40);
    const started = performance.now();
    estimateStrength(crafted, []);
    // With zxcvbn-ts' defaults this takes ~2 s; bounded, ~50 ms (the limit is generous for a busy box).
    expect(performance.now() - started).toBeLessThan(5000);
    // The price: a predictable start is refused whatever follows it.
    expect(check(`${'a'.repeat(64)}qvxjzkwmtpbrhsd`).map((v) => v.rule)).toEqual(['strength']);
  });
});

describe('context words', () => {
  it('takes each value whole, its local part and its words, lower case, 3+ characters', () => {
    expect(contextWords(['Ada.Lovelace@Example.com', undefined, 'Acme Corp', 'Al'])).toEqual([
      'ada.lovelace@example.com',
      'ada.lovelace',
      'ada',
      'lovelace',
      'example',
      'com',
      'acme corp',
      'acmecorp',
      'acme',
      'corp',
    ]);
  });
});

describe('strength message', () => {
  it("joins zxcvbn's warning and suggestions, and has words of its own when zxcvbn has none", () => {
    expect(
      strengthMessage({ score: 1, warning: 'Dates are easy to guess.', suggestions: ['Avoid dates.'] }),
    ).toBe('Is hard to guess: Dates are easy to guess. Avoid dates.');
    expect(strengthMessage({ score: 3, warning: null, suggestions: [] })).toBe(
      'Is hard to guess: Add more words that are less common, or make it longer.',
    );
  });
});
