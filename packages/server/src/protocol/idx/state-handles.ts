import { createHash } from 'node:crypto';
import { hashSecret, randomToken } from '../../secrets.js';

/**
 * Transaction handles. The interaction handle is 256 random bits. State handles form a chain
 * derived from it: generation 0 from the interaction handle, each cancel moves to the next
 * generation derived from the previous handle. The store keeps only hashes of both, yet the
 * server can answer an introspect by interaction handle, or a cancel by state handle, with the
 * right state handle. State handles start with `02` (the widget sends `00…` tokens to Classic).
 */
export function newInteractionHandle(): string {
  return randomToken(32);
}

export function firstStateHandle(interactionHandle: string): string {
  return `02${createHash('sha256').update(`gatehouse.state-handle.0:${interactionHandle}`).digest('base64url')}`;
}

export function nextStateHandle(stateHandle: string): string {
  return `02${createHash('sha256').update(`gatehouse.state-handle.next:${stateHandle}`).digest('base64url')}`;
}

/** The state handle of `generation`, computed from the interaction handle. */
export function stateHandleAt(interactionHandle: string, generation: number): string {
  let handle = firstStateHandle(interactionHandle);
  for (let g = 0; g < generation; g++) handle = nextStateHandle(handle);
  return handle;
}

export const hashHandle = hashSecret;
