/**
 * The password rules the server states in `settings.complexity` (and `settings.age`, and
 * Gatehouse's `settings.strength`), checked live as the user types. The server checks again (and
 * checks what the browser cannot: history, common passwords, how easy it is to guess); this list
 * only helps the user get it right first time.
 */
export interface PasswordRule {
  key: string;
  params: unknown[];
  /** Null when the browser cannot tell (password history). */
  test: ((password: string) => boolean) | null;
}

const count = (text: string, pattern: RegExp) => [...text].filter((ch) => pattern.test(ch)).length;

export function passwordRules(
  settings: Record<string, unknown>,
  username: string | undefined,
): PasswordRule[] {
  const complexity = (settings.complexity ?? {}) as Record<string, unknown>;
  const age = (settings.age ?? {}) as Record<string, unknown>;
  const num = (value: unknown) => (typeof value === 'number' && value > 0 ? value : 0);
  const rules: PasswordRule[] = [];
  const minLength = num(complexity.minLength);
  if (minLength)
    rules.push({
      key: 'password.complexity.length',
      params: [minLength],
      test: (p) => [...p.normalize('NFKC')].length >= minLength,
    });
  const classes: Array<[string, string, RegExp]> = [
    ['minLowerCase', 'password.complexity.lowercase', /\p{Ll}/u],
    ['minUpperCase', 'password.complexity.uppercase', /\p{Lu}/u],
    ['minNumber', 'password.complexity.number', /\p{Nd}/u],
    ['minSymbol', 'password.complexity.symbol', /[^\p{L}\p{Nd}\s]/u],
  ];
  for (const [setting, key, pattern] of classes) {
    const min = num(complexity[setting]);
    if (min) rules.push({ key, params: [min], test: (p) => count(p.normalize('NFKC'), pattern) >= min });
  }
  if (complexity.excludeUsername === true && username) {
    const login = username.normalize('NFKC').toLowerCase();
    const local = login.split('@')[0] ?? login;
    rules.push({
      key: 'password.complexity.no_username',
      params: [],
      test: (p) => {
        const lower = p.normalize('NFKC').toLowerCase();
        return !(lower.includes(login) || (local.length >= 3 && lower.includes(local)));
      },
    });
  }
  const history = num(age.historyCount);
  if (history) rules.push({ key: 'password.complexity.history', params: [history], test: null });
  // The server estimates it with dictionaries too large for the browser: stated, not checked here.
  const strength = (settings.strength ?? {}) as Record<string, unknown>;
  if (num(strength.minScore)) rules.push({ key: 'gh.password.strength', params: [], test: null });
  return rules;
}
