/**
 * `relatesTo` resolution (idx-protocol.md §6.4): a path like `$.authenticatorEnrollments.value[1]`
 * evaluated against the whole response; an array uses its first element. Only member names and
 * numeric indices are supported, like the Okta clients' own resolver.
 */
export function resolveJsonPath(root: unknown, path: string): unknown {
  if (!path.startsWith('$')) return undefined;
  const tokens = path.slice(1).match(/\.\w+|\[\d+\]/g) ?? [];
  if (tokens.join('') !== path.slice(1)) return undefined;
  let node: unknown = root;
  for (const token of tokens) {
    if (node === null || typeof node !== 'object') return undefined;
    const key = token.startsWith('[') ? Number(token.slice(1, -1)) : token.slice(1);
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

export function resolveRelatesTo(root: unknown, relatesTo: unknown): unknown {
  const path = Array.isArray(relatesTo) ? relatesTo[0] : relatesTo;
  return typeof path === 'string' ? resolveJsonPath(root, path) : undefined;
}

/** The authenticator object behind a `relatesTo` (unwrapping an `{type:'object', value}` wrapper). */
export function resolveAuthenticatorObject(
  root: unknown,
  relatesTo: unknown,
): Record<string, unknown> | undefined {
  let node = resolveRelatesTo(root, relatesTo);
  if (node && typeof node === 'object' && (node as { type?: unknown }).type === 'object')
    node = (node as { value?: unknown }).value;
  return node && typeof node === 'object' ? (node as Record<string, unknown>) : undefined;
}
