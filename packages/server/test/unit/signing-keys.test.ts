import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SigningKeys } from '../../src/keys/signing-keys.js';
import { openStorage, type Storage } from '../../src/storage/storage.js';
import { TestClock } from '../support/test-clock.js';

// Two SigningKeys over one store stand for two processes (cluster workers, hosts) sharing a database.
describe('SigningKeys across processes', () => {
  let dir: string;
  let storage: Storage;
  const clock = new TestClock();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-keys-'));
    storage = await openStorage({ dataDir: dir, sqliteFile: 'keys.db' });
  });
  afterAll(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("verifies a token signed with another process's new key right after its rotation", async () => {
    const signer = new SigningKeys(storage.keys, clock);
    const verifier = new SigningKeys(storage.keys, clock);
    await signer.ensureActiveKey();
    const first = await signer.activeKey();
    expect(await verifier.verificationKey(first.kid)).not.toBeNull(); // verifier's keys are now cached

    clock.advance(1_500);
    const { kid } = await signer.rotate(3600);
    expect(kid).not.toBe(first.kid);
    // Well inside the verifier's 10 s cache: the unknown kid makes it read the store again.
    expect(await verifier.verificationKey(kid)).not.toBeNull();
    expect(await verifier.verificationKey(first.kid)).not.toBeNull();
  });

  it('reads the store again for unknown kids at most once a second', async () => {
    const verifier = new SigningKeys(storage.keys, clock);
    await verifier.jwks();
    clock.advance(1_500);
    const reads = vi.spyOn(storage.keys, 'listPublished');
    expect(await verifier.verificationKey('made-up-1')).toBeNull();
    expect(reads).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 20; i++) expect(await verifier.verificationKey(`made-up-${i}`)).toBeNull();
    expect(reads).toHaveBeenCalledTimes(1);
    clock.advance(1_100);
    expect(await verifier.verificationKey('made-up-again')).toBeNull();
    expect(reads).toHaveBeenCalledTimes(2);
    reads.mockRestore();
  });
});
