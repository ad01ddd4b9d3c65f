import { createRequire } from 'node:module';
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

/**
 * How hard a password is to guess, by zxcvbn-ts (a maintained port of Dropbox's zxcvbn) with its
 * common dictionaries (passwords, diceware words, keyboard layouts) and its English ones (words,
 * first names, surnames, Wikipedia terms). Scores run from 0 (guessed in under 10^3 tries) to 4
 * (more than 10^10): 3 is "safely unguessable" against an online attack and a slow hash offline.
 */
export type StrengthScore = 0 | 1 | 2 | 3 | 4;

export interface StrengthEstimate {
  score: StrengthScore;
  /** zxcvbn's reason, in English ("Repeated characters like "aaa" are easy to guess."), or null. */
  warning: string | null;
  /** zxcvbn's advice, in English ("Add more words that are less common."). */
  suggestions: string[];
}

/**
 * Only the first 64 characters are estimated, and at most 10 letter substitutions ('@' for 'a', …)
 * are tried: zxcvbn's cost grows with both, and the check runs on the server's event loop. A
 * password whose first 64 characters are hard to guess is at least as hard to guess whole.
 */
const MAX_LENGTH = 64;
const MAX_SUBSTITUTIONS = 10;

let estimator: ZxcvbnFactory | null = null;

/**
 * The estimator, built on the first check (the dictionaries cost memory and ~0.5 s to load; a
 * server that never sets a password never pays). Synchronous, so the policy stays synchronous.
 */
function loadEstimator(): ZxcvbnFactory {
  if (estimator) return estimator;
  const require = createRequire(import.meta.url);
  const core = require('@zxcvbn-ts/core') as typeof import('@zxcvbn-ts/core');
  const common = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
  const en = require('@zxcvbn-ts/language-en') as typeof import('@zxcvbn-ts/language-en');
  const translations = {
    ...en.translations,
    // zxcvbn's wording ("personal or page related data") says nothing to a user.
    warnings: {
      ...en.translations.warnings,
      userInputs: 'Your name, username, email address and the name of this service are easy to guess.',
    },
  };
  estimator = new core.ZxcvbnFactory({
    translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...en.dictionary },
    maxLength: MAX_LENGTH,
    l33tMaxSubstitutions: MAX_SUBSTITUTIONS,
  });
  return estimator;
}

/**
 * Words from the user and the service that make a password easy to guess for someone who knows
 * them: each value whole and its parts (`ada.lovelace@example.com` → `ada.lovelace`, `ada`,
 * `lovelace`, `example`), lower case, three characters or more.
 */
export function contextWords(values: ReadonlyArray<string | undefined>): string[] {
  const words = new Set<string>();
  for (const value of values) {
    const text = value?.normalize('NFKC').toLowerCase().trim();
    if (!text) continue;
    const local = text.split('@')[0] ?? text;
    for (const word of [text, local, text.replace(/\s+/g, ''), ...text.split(/[^\p{L}\p{N}]+/u)])
      if ([...word].length >= 3) words.add(word);
  }
  return [...words];
}

/** The estimate for a password, with words from its context counted as known to an attacker. */
export function estimateStrength(password: string, userInputs: readonly string[]): StrengthEstimate {
  const result = loadEstimator().check(password, [...userInputs]);
  return {
    score: result.score,
    warning: result.feedback.warning,
    suggestions: result.feedback.suggestions,
  };
}

/** Why a password is too easy to guess, in words for its owner: zxcvbn's reason and advice. */
export function strengthMessage(estimate: StrengthEstimate): string {
  const sentences = [estimate.warning, ...estimate.suggestions].filter((s): s is string => !!s);
  if (!sentences.length) sentences.push('Add more words that are less common, or make it longer.');
  return `Is hard to guess: ${sentences.join(' ')}`;
}

/** Whether the dictionaries are loaded yet (for tests and measurements). */
export function estimatorLoaded(): boolean {
  return estimator !== null;
}
