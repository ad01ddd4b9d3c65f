/**
 * A rate limit's wait in the widget's language ("12 minutes", "12 minutes", "12 Minuten"), rounded
 * as the server rounds it (packages/server/src/protocol/wait-in-words.ts): seconds under a minute,
 * then whole minutes up to two hours, then hours, always up so the user never comes back too early.
 */
export function waitInWords(seconds: number, language: string): string {
  const s = Math.max(1, Math.ceil(seconds));
  const minutes = Math.ceil(s / 60);
  const [value, unit] =
    s < 60 ? [s, 'second'] : minutes <= 120 ? [minutes, 'minute'] : [Math.ceil(minutes / 60), 'hour'];
  return new Intl.NumberFormat(language, { style: 'unit', unit, unitDisplay: 'long' }).format(value);
}
