import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  codesMatch,
  deriveCode,
  newSeed,
  normalizeCode,
} from '../../src/authenticators/email/one-time-code.js';

describe('email one-time codes (adr/0005)', () => {
  const secret = randomBytes(32);

  it('are six ASCII digits, stable for a challenge, different across seeds and secrets', () => {
    const seed = newSeed();
    const code = deriveCode(secret, 'challenge-1', seed);
    expect(code).toMatch(/^[0-9]{6}$/);
    expect(deriveCode(secret, 'challenge-1', seed)).toBe(code);
    const others = new Set(Array.from({ length: 50 }, () => deriveCode(secret, 'challenge-1', newSeed())));
    expect(others.size).toBeGreaterThan(45);
    expect(deriveCode(randomBytes(32), 'challenge-1', seed)).not.toBe(code);
  });

  it('are uniformly distributed: each digit position passes a chi-square test over 60 000 codes', () => {
    const n = 60_000;
    const counts = Array.from({ length: 6 }, () => new Array<number>(10).fill(0));
    let leadingZero = 0;
    for (let i = 0; i < n; i++) {
      const code = deriveCode(secret, `c${i}`, 'seed');
      if (code[0] === '0') leadingZero++;
      for (let p = 0; p < 6; p++) counts[p]![Number(code[p])]!++;
    }
    // 9 degrees of freedom: chi-square above 27.88 has p < 0.001.
    for (const position of counts) {
      const expected = n / 10;
      const chi = position.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
      expect(chi).toBeLessThan(27.88);
    }
    expect(leadingZero / n).toBeGreaterThan(0.09);
    expect(leadingZero / n).toBeLessThan(0.11);
  });

  it('accept "123 456" and refuse anything but six ASCII digits', () => {
    expect(normalizeCode('123 456')).toBe('123456');
    for (const bad of ['12345', '1234567', '１２３４５６', '123456\n', '123456abc', '', '12345a']) {
      expect(normalizeCode(bad)).toBeNull();
    }
    expect(codesMatch('123456', '123456')).toBe(true);
    expect(codesMatch('123456', '123457')).toBe(false);
    expect(codesMatch('123456', null)).toBe(false);
  });
});
