/** Scopes every authorization server offers. */
export const SUPPORTED_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

/** Parses a space-separated scope parameter; null when it names a scope that is not offered. */
export function parseScopes(raw: string | undefined): string[] | null {
  const scopes = [...new Set((raw ?? '').split(' ').filter(Boolean))];
  if (!scopes.every((s) => (SUPPORTED_SCOPES as readonly string[]).includes(s))) return null;
  return scopes;
}
