import { describe, expect, it } from 'vitest';
import { waitInWords } from '../../src/protocol/wait-in-words.js';

describe('waitInWords (the wait a rate-limit message states)', () => {
  it('says seconds under a minute, minutes up to two hours, then hours, always rounded up', () => {
    expect(waitInWords(1)).toBe('1 second');
    expect(waitInWords(0.2)).toBe('1 second');
    expect(waitInWords(30)).toBe('30 seconds');
    expect(waitInWords(59)).toBe('59 seconds');
    expect(waitInWords(60)).toBe('1 minute');
    expect(waitInWords(61)).toBe('2 minutes');
    expect(waitInWords(691)).toBe('12 minutes');
    expect(waitInWords(7200)).toBe('120 minutes');
    expect(waitInWords(7201)).toBe('3 hours');
  });
});
