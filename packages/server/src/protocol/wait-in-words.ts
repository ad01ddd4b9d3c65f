/**
 * A `Retry-After` wait as the messages say it ("Try again in 12 minutes."): seconds under a
 * minute, then whole minutes up to two hours, then hours, always rounded up so the user never
 * comes back too early.
 */
export function waitInWords(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return s === 1 ? '1 second' : `${s} seconds`;
  const minutes = Math.ceil(s / 60);
  if (minutes <= 120) return minutes === 1 ? '1 minute' : `${minutes} minutes`;
  return `${Math.ceil(minutes / 60)} hours`;
}
