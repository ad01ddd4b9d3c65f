import { createHmac, randomBytes } from 'node:crypto';
import { safeEqual } from '../../secrets.js';

const RANGE = 1_000_000;
// Largest multiple of 10^6 below 2^32: values above it are rejected so every code is equally likely.
const UNBIASED_LIMIT = Math.floor(2 ** 32 / RANGE) * RANGE;

/** A fresh random seed for a challenge (128 bits from the CSPRNG). */
export function newSeed(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * The 6-digit code of a challenge, derived from its random seed with the server secret. The store
 * keeps only the seed: without the secret it reveals nothing, and the server can send the same
 * code again within its lifetime (resend) without keeping the code itself.
 */
export function deriveCode(secret: Buffer, challengeId: string, seed: string): string {
  for (let counter = 0; ; counter++) {
    const mac = createHmac('sha256', secret)
      .update(`gatehouse.email-code:${challengeId}:${seed}:${counter}`)
      .digest();
    for (let offset = 0; offset + 4 <= mac.length; offset += 4) {
      const value = mac.readUInt32BE(offset);
      if (value < UNBIASED_LIMIT) return String(value % RANGE).padStart(6, '0');
    }
  }
}

/** Exactly six ASCII digits once spaces are removed ("123 456" is accepted, "１２３４５６" is not). */
export function normalizeCode(input: string): string | null {
  const compact = input.replace(/[ \t]/g, '');
  return /^[0-9]{6}$/.test(compact) ? compact : null;
}

export function codesMatch(expected: string, presented: string | null): boolean {
  return presented !== null && safeEqual(expected, presented);
}
