import { createHash } from 'node:crypto';

/**
 * A stable enrolment id for (authenticator, user). Unknown identifiers get an id of the same
 * shape, so responses for known and unknown accounts cannot be told apart.
 */
export function enrollmentId(prefix: string, userId: string | null, identifier: string): string {
  const subject = userId ?? `unknown:${identifier.normalize('NFKC').trim().toLowerCase()}`;
  const digest = createHash('sha256').update(`${prefix}:${subject}`).digest('base64url');
  return `${prefix}${digest.replace(/[-_]/g, '').slice(0, 17)}`;
}
