import { describe, expect, it } from 'vitest';
import { isEmailVerifyCallback, parseEmailVerifyCallback, parseParams } from '../../src/index.js';

describe('email verify callback parsing (idx-protocol.md §9.2)', () => {
  it('recognises otp + state in a search string, a whole URL or a hash', () => {
    expect(isEmailVerifyCallback('?otp=123456&state=abc')).toBe(true);
    expect(isEmailVerifyCallback('http://localhost:8080/login/callback?state=abc&otp=123456')).toBe(true);
    expect(isEmailVerifyCallback('#otp=123456&state=abc')).toBe(true);
    expect(isEmailVerifyCallback('#/otp=123456&state=abc')).toBe(true);
    expect(isEmailVerifyCallback('otp=123456&state=abc')).toBe(true);
  });

  it('needs both parameters, with values', () => {
    expect(isEmailVerifyCallback('?otp=123456')).toBe(false);
    expect(isEmailVerifyCallback('?state=abc')).toBe(false);
    expect(isEmailVerifyCallback('?otp=&state=abc')).toBe(false);
    expect(isEmailVerifyCallback('?interaction_code=x&state=abc')).toBe(false);
    expect(isEmailVerifyCallback('')).toBe(false);
  });

  it('decodes percent-escapes and + as space; the first of repeated names wins', () => {
    expect(parseEmailVerifyCallback('?otp=12%2034&state=a%2Bb+c')).toEqual({ otp: '12 34', state: 'a+b c' });
    expect(parseParams('?a=1&a=2&b=%E2%9C%93')).toEqual({ a: '1', b: '✓' });
    expect(parseParams('https://app.example/cb?x=1#y=2')).toEqual({ x: '1' });
    expect(parseParams('https://app.example/cb#y=2')).toEqual({ y: '2' });
  });

  it('parseEmailVerifyCallback rejects what is not a callback', () => {
    expect(() => parseEmailVerifyCallback('?otp=1')).toThrow(TypeError);
  });
});
