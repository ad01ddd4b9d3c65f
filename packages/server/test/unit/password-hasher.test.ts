import { createHook } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { type HashingParameters, normalize, PasswordHasher } from '../../src/identity/password-hasher.js';

/** The shipped defaults (OWASP: m=19456 KiB, t=2, p=1). */
const DEFAULTS: HashingParameters = configSchema.parse({}).passwordHashing;
const hasher = new PasswordHasher({ ...DEFAULTS, maxConcurrency: 2 });
const PASSWORD = 'correct horse battery staple';

describe('PasswordHasher', () => {
  it('produces an argon2id PHC string with the configured parameters and a 128-bit salt', async () => {
    expect(DEFAULTS).toMatchObject({ memoryCostKiB: 19456, timeCost: 2, parallelism: 1 });
    const hash = await hasher.hash(PASSWORD);
    expect(hash.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    const [, , , , salt, digest] = hash.split('$');
    expect(Buffer.from(salt!, 'base64').length).toBeGreaterThanOrEqual(16);
    expect(Buffer.from(digest!, 'base64').length).toBeGreaterThanOrEqual(32);
    expect(hash).not.toContain(PASSWORD);
    // A fresh salt each time.
    expect(await hasher.hash(PASSWORD)).not.toBe(hash);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hasher.hash(PASSWORD);
    expect(await hasher.verify(hash, PASSWORD)).toBe(true);
    expect(await hasher.verify(hash, `${PASSWORD} `)).toBe(false);
    expect(await hasher.verify(hash, 'Correct horse battery staple')).toBe(false);
    expect(await hasher.verify(hash, '')).toBe(false);
  });

  it('a long password is used whole: its first 72 bytes alone do not verify', async () => {
    const long = `${'a'.repeat(72)}tail`;
    const hash = await hasher.hash(long);
    expect(await hasher.verify(hash, long)).toBe(true);
    expect(await hasher.verify(hash, long.slice(0, 72))).toBe(false);
  });

  it('returns false, never throws, for a malformed stored hash', async () => {
    const good = await hasher.hash(PASSWORD);
    for (const malformed of [
      '',
      'not-a-hash',
      '$argon2id$',
      '$argon2id$v=19$m=19456,t=2,p=1$',
      '$argon2id$v=19$m=19456,t=2,p=1$!!!$???',
      good.slice(0, -10),
      good.replace('argon2id', 'argon2xx'),
      '$2b$10$abcdefghijklmnopqrstuuJq8bJ0aBQIgXvU5dF1g7.W2eHc9fh6q',
    ]) {
      await expect(hasher.verify(malformed, PASSWORD), JSON.stringify(malformed)).resolves.toBe(false);
    }
  });

  it('verifyDummy does real work and always answers false', async () => {
    const started = performance.now();
    await expect(hasher.verifyDummy(PASSWORD)).resolves.toBe(false);
    await expect(hasher.verifyDummy(PASSWORD)).resolves.toBe(false);
    // Two verifications (plus one hash for the dummy), each several milliseconds of argon2.
    expect(performance.now() - started).toBeGreaterThan(5);
  });

  it('normalises with NFKC: é (U+00E9) and e + U+0301 are the same password', async () => {
    const composed = 'caf\u00e9 au lait, s’il vous plaît';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    const hash = await hasher.hash(composed);
    expect(await hasher.verify(hash, decomposed)).toBe(true);
    const fromDecomposed = await hasher.hash(decomposed);
    expect(await hasher.verify(fromDecomposed, composed)).toBe(true);
    // Compatibility forms too: the ﬁ ligature and fullwidth letters.
    const ligature = await hasher.hash('\ufb01ne ｐａｓｓｗｏｒｄ');
    expect(await hasher.verify(ligature, 'fine password')).toBe(true);
    expect(normalize('\ufb01')).toBe('fi');
    // Case is never changed.
    expect(await hasher.verify(ligature, 'FINE PASSWORD')).toBe(false);
  });

  describe('needsRehash', () => {
    it('is false for a hash made with the configured parameters (or stronger memory/time)', async () => {
      expect(hasher.needsRehash(await hasher.hash(PASSWORD))).toBe(false);
      expect(hasher.needsRehash('$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHRzYWx0$aGFzaA')).toBe(false);
    });

    it('is true for weaker memory, fewer iterations or other lanes', () => {
      for (const params of ['m=7168,t=2,p=1', 'm=19456,t=1,p=1', 'm=19455,t=2,p=1', 'm=19456,t=2,p=2'])
        expect(hasher.needsRehash(`$argon2id$v=19$${params}$c2FsdHNhbHRzYWx0$aGFzaA`), params).toBe(true);
    });

    it('is true for a weaker real hash, which still verifies until it is upgraded', async () => {
      const weak = new PasswordHasher({
        memoryCostKiB: 7168,
        timeCost: 1,
        parallelism: 1,
        maxConcurrency: 1,
      });
      const old = await weak.hash(PASSWORD);
      expect(old.startsWith('$argon2id$v=19$m=7168,t=1,p=1$')).toBe(true);
      expect(hasher.needsRehash(old)).toBe(true);
      expect(await hasher.verify(old, PASSWORD)).toBe(true);
    });

    it('is true for other algorithms, versions and garbage', () => {
      for (const hash of [
        '',
        'garbage',
        '$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA',
        '$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA',
        '$2b$10$abcdefghijklmnopqrstuuJq8bJ0aBQIgXvU5dF1g7.W2eHc9fh6q',
      ])
        expect(hasher.needsRehash(hash), hash).toBe(true);
    });
  });

  describe('concurrency limit', () => {
    const JS_RESOURCES = new Set(['PROMISE', 'TickObject', 'Timeout', 'Immediate', 'Microtask']);

    /**
     * Runs `count` hashes at once and returns, for each native argon2 job, when it was handed to the
     * thread pool (its async resource created) and when its result came back (callback entered).
     * These timestamps are taken by Node itself, so machine load cannot make them overlap or not.
     */
    async function nativeSpans(h: PasswordHasher, count: number): Promise<Array<[number, number]>> {
      const started = new Map<number, number>();
      const spans: Array<[number, number]> = [];
      const hook = createHook({
        init(id, type) {
          if (!JS_RESOURCES.has(type)) started.set(id, performance.now());
        },
        before(id) {
          const start = started.get(id);
          if (start === undefined) return;
          started.delete(id);
          spans.push([start, performance.now()]);
        },
      });
      hook.enable();
      try {
        await Promise.all(Array.from({ length: count }, (_, i) => h.hash(`password number ${i}`)));
      } finally {
        hook.disable();
      }
      return spans;
    }

    /** The most jobs in flight at any instant. */
    const maxInFlight = (spans: Array<[number, number]>) =>
      Math.max(...spans.map(([s]) => spans.filter(([a, b]) => a <= s && s < b).length));

    it('with maxConcurrency 1, hashes do not overlap: each starts after the previous one finished', async () => {
      const serial = new PasswordHasher({ ...DEFAULTS, maxConcurrency: 1 });
      const spans = await nativeSpans(serial, 4);
      expect(spans).toHaveLength(4);
      const sorted = [...spans].sort((x, y) => x[0] - y[0]);
      for (let i = 1; i < sorted.length; i++) expect(sorted[i]![0]).toBeGreaterThanOrEqual(sorted[i - 1]![1]);
      expect(maxInFlight(spans)).toBe(1);
    });

    it('with maxConcurrency 2, two run at once and no more (the measurement sees overlap)', async () => {
      const two = new PasswordHasher({ ...DEFAULTS, maxConcurrency: 2 });
      const spans = await nativeSpans(two, 5);
      expect(spans).toHaveLength(5);
      expect(maxInFlight(spans)).toBe(2);
    });

    it('queued work still completes in full when one verification fails', async () => {
      const serial = new PasswordHasher({ ...DEFAULTS, maxConcurrency: 1 });
      const hash = await serial.hash(PASSWORD);
      const results = await Promise.all([
        serial.verify('garbage', PASSWORD),
        serial.verify(hash, PASSWORD),
        serial.verify(hash, 'wrong'),
        serial.hash(PASSWORD).then((h) => h.startsWith('$argon2id$')),
      ]);
      expect(results).toEqual([false, true, false, true]);
    });
  });
});
