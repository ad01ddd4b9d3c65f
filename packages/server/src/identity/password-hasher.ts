import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import { randomToken } from '../secrets.js';

export interface HashingParameters {
  memoryCostKiB: number;
  timeCost: number;
  parallelism: number;
  /** 0 = one hash per CPU core at a time. */
  maxConcurrency: number;
}

/** `Algorithm.Argon2id` of @node-rs/argon2 (an ambient const enum that cannot be imported as a value). */
const ARGON2ID = 2;

/**
 * argon2id hashing off the event loop (libuv thread pool), at most N at once so hashes cannot
 * exhaust memory or starve token signing, which shares the thread pool.
 */
export class PasswordHasher {
  private readonly limit: number;
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly params: HashingParameters) {
    this.limit = params.maxConcurrency > 0 ? params.maxConcurrency : availableParallelism();
  }

  async hash(password: string): Promise<string> {
    return this.withSlot(() =>
      hash(normalize(password), {
        algorithm: ARGON2ID,
        memoryCost: this.params.memoryCostKiB,
        timeCost: this.params.timeCost,
        parallelism: this.params.parallelism,
      }),
    );
  }

  /** Constant-time verification inside argon2; false (never a throw) for a malformed hash. */
  async verify(storedHash: string, password: string): Promise<boolean> {
    return this.withSlot(async () => {
      try {
        return await verify(storedHash, normalize(password));
      } catch {
        return false;
      }
    });
  }

  /** Spends the same work as a real verification, for users that do not exist (no timing oracle). */
  async verifyDummy(password: string): Promise<false> {
    this.dummyHash ??= this.hash(randomToken());
    await this.verify(await this.dummyHash, password);
    return false;
  }

  /** True when a stored hash uses weaker parameters than configured (upgraded on next sign-in). */
  needsRehash(storedHash: string): boolean {
    const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(storedHash);
    if (!match) return true;
    const [, m, t, p] = match.map(Number);
    return m! < this.params.memoryCostKiB || t! < this.params.timeCost || p! !== this.params.parallelism;
  }

  private async withSlot<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

/** NFKC, identically at enrolment, sign-in and reset (NIST SP 800-63B §5.1.1.2). */
export function normalize(password: string): string {
  return password.normalize('NFKC');
}
