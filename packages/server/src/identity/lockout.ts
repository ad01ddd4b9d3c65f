import type { User } from '../storage/users-store.js';

/**
 * Locked by too many wrong passwords (until `lockedUntil`), as opposed to an administrator's
 * lock (status `LOCKED_OUT`, until an administrator unlocks): only this lock can be lifted by the
 * user themselves (self-service unlock), or lapses.
 */
export function isAutoLocked(user: User, now: number): boolean {
  return user.status === 'ACTIVE' && user.lockedUntil !== null && user.lockedUntil > now;
}
