import type { FastifyInstance } from 'fastify';
import { IdxError } from '../protocol/idx/idx-error.js';
import { OAuthError } from '../protocol/oauth/oauth-error.js';
import { protocolOf } from './protocol-kind.js';

/** Dotted path of the first string (or key) holding U+0000 in a parsed body or query, or null. */
export function findNul(root: unknown): string | null {
  // Iterative: a deeply nested body must not overflow the stack.
  const pending: Array<[unknown, string]> = [[root, '']];
  while (pending.length) {
    const [value, path] = pending.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return path || 'body';
    } else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (key.includes('\u0000')) return path ? `${path}.?` : '?';
        pending.push([child, Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key]);
      }
    }
  }
  return null;
}

/**
 * Refuses any request whose body or query carries a NUL character, in the route's own error
 * format. No legitimate value has one, and PostgreSQL cannot store it in text (it would be a 500).
 */
export function rejectNulCharacters(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const field = findNul(request.query) ?? findNul(request.body);
    if (!field) return;
    if (protocolOf(request) === 'idx') throw new IdxError('invalidRequest', { params: [field] });
    throw new OAuthError(
      'invalid_request',
      `The parameter '${field.replace(/[^\x20-\x7e]/g, '?')}' contains a NUL character.`,
    );
  });
}
