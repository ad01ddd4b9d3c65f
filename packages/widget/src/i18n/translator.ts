import type { EnvelopeMessage } from '@gatehouse/protocol';
import { de } from './de.js';
import { en } from './en.js';
import { fr } from './fr.js';
import { waitInWords } from './wait-in-words.js';

/** Languages shipped in the bundle. */
export const BUNDLED_LANGUAGES: Record<string, Record<string, string>> = { en, fr, de };

/** `{ fr: { 'primaryauth.title': 'Bienvenue' } }`: per-language overrides of any key. */
export type I18nOverrides = Record<string, Record<string, string>>;

export type LanguageOption = string | ((supported: string[], userLanguages: string[]) => string);

export interface Translator {
  /** The language in use (BCP 47 primary tag, e.g. `fr`). */
  language: string;
  t(key: string, params?: unknown[]): string;
  /** Whether a key has a translation (bundled or overridden). */
  has(key: string): boolean;
  /**
   * A server message: the translation of its i18n key when known, else the server's text. A key
   * with a text parameter may have a translation of its own for it (`<key>.<param>`, e.g.
   * `registration.error.notUniqueWithinOrg.Email`), as in Okta's widget. A `tooManyRequests`
   * whose first param is a number of seconds says that wait in this language.
   */
  message(message: EnvelopeMessage): string;
}

/** The server's key for a rate limit ("Too many attempts. Try again in 12 minutes."). */
export const RATE_LIMIT_KEY = 'tooManyRequests';

const primary = (tag: string) => tag.toLowerCase().split(/[-_]/)[0] ?? '';

/** Picks the language: the option (or what its function returns), else the browser's, else English. */
export function resolveLanguage(
  option: LanguageOption | undefined,
  overrides: I18nOverrides,
  userLanguages: readonly string[],
): string {
  const supported = [...new Set([...Object.keys(BUNDLED_LANGUAGES), ...Object.keys(overrides).map(primary)])];
  const wanted = typeof option === 'function' ? option(supported, [...userLanguages]) : option;
  const candidates = wanted ? [wanted] : userLanguages;
  for (const tag of candidates) {
    const lang = primary(String(tag));
    if (supported.includes(lang)) return lang;
  }
  return 'en';
}

function format(text: string, params: unknown[]): string {
  return text.replace(/\{(\d+)\}/g, (whole, index: string) => {
    const value = params[Number(index)];
    return value === undefined || value === null ? whole : String(value);
  });
}

export function createTranslator(language: string, overrides: I18nOverrides = {}): Translator {
  const lookups = [overrides[language], BUNDLED_LANGUAGES[language], overrides.en, en].filter(
    (table): table is Record<string, string> => Boolean(table),
  );
  const find = (key: string) => {
    for (const table of lookups) {
      const text = table[key];
      if (typeof text === 'string') return text;
    }
    return undefined;
  };
  return {
    language,
    t: (key, params = []) => format(find(key) ?? key, params),
    has: (key) => find(key) !== undefined,
    message(message) {
      const param = message.params?.[0];
      // A rate limit whose wait the widget knows (seconds, from Retry-After: see core/retry-wait.ts).
      if (message.key === RATE_LIMIT_KEY && typeof param === 'number')
        return format(find('gh.tooManyRequests.wait') ?? '', [waitInWords(param, language)]);
      const specific = message.key && typeof param === 'string' ? find(`${message.key}.${param}`) : undefined;
      const text = specific ?? (message.key ? find(message.key) : undefined);
      if (text !== undefined) return format(text, message.params ?? []);
      return message.message || format(find('gh.error.unexpected') ?? '', []);
    },
  };
}
