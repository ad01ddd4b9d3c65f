/**
 * `relatesTo` resolution (docs/protocol/idx-protocol.md §6.4): a path like
 * `$.authenticatorEnrollments.value[1]` evaluated against the whole response. Only member names and
 * numeric indices, like the Okta clients' own resolver; only own members (never `constructor` or
 * `__proto__`).
 */

/** The value at `path` (`$.a.b[0]`), or undefined when the path is malformed or leads nowhere. */
export function resolveJsonPath(root: unknown, path: string): unknown {
  if (typeof path !== 'string' || !/^\$(\.\w+|\[\d+\])*$/.test(path)) return undefined;
  let node = root;
  for (const [, name, index] of path.matchAll(/\.(\w+)|\[(\d+)\]/g)) {
    const key = (name ?? index)!;
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** A `relatesTo` (a path, or a list whose first element is used) resolved against `root`. */
export function resolveRelatesTo(root: unknown, relatesTo: unknown): unknown {
  const path = Array.isArray(relatesTo) ? relatesTo[0] : relatesTo;
  return typeof path === 'string' ? resolveJsonPath(root, path) : undefined;
}
