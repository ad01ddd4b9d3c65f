/**
 * The wait of a rate limit as the widget says it (i18n/wait-in-words.ts, the `tooManyRequests`
 * message in i18n/translator.ts): in English word for word what the server says, in French and
 * German in their own words, and the generic text when the wait is unknown.
 */
import { describe, expect, it } from 'vitest';
import { waitInWords as serverWords } from '../../server/src/protocol/wait-in-words.js';
import { createTranslator } from '../src/i18n/translator.js';
import { waitInWords } from '../src/i18n/wait-in-words.js';

const throttled = (params?: unknown[]) => ({
  message: 'Too many attempts. Try again in 12 minutes.',
  key: 'tooManyRequests',
  level: 'error' as const,
  ...(params ? { params } : {}),
});

describe('the wait in words', () => {
  it('in English rounds and reads as the server says it', () => {
    for (const seconds of [0, 0.2, 1, 2, 59, 59.5, 60, 61, 599, 600, 720, 7199, 7200, 7201, 86_400])
      expect(waitInWords(seconds, 'en'), `${seconds} s`).toBe(serverWords(seconds));
  });

  it('a 429 with its wait in seconds reads in the widget language', () => {
    expect(createTranslator('en').message(throttled([720]))).toBe(
      'Too many attempts. Try again in 12 minutes.',
    );
    expect(createTranslator('fr').message(throttled([720]))).toBe(
      'Trop de tentatives. Réessayez dans 12 minutes.',
    );
    expect(createTranslator('de').message(throttled([1]))).toBe(
      'Zu viele Versuche. Versuchen Sie es in 1 Sekunde erneut.',
    );
    expect(createTranslator('de').message(throttled([7201]))).toBe(
      'Zu viele Versuche. Versuchen Sie es in 3 Stunden erneut.',
    );
  });

  it('without a known wait (no Retry-After): the widget text, which names none', () => {
    expect(createTranslator('en').message(throttled(['12 minutes']))).toBe(
      'You exceeded the maximum number of requests. Try again in a while.',
    );
    expect(createTranslator('fr').message(throttled())).toBe(
      'Vous avez dépassé le nombre maximal de requêtes. Réessayez plus tard.',
    );
  });
});
