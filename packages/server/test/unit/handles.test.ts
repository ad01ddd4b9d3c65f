import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  firstStateHandle,
  hashHandle,
  newInteractionHandle,
  nextStateHandle,
  stateHandleAt,
} from '../../src/protocol/idx/state-handles.js';

describe('interaction handles', () => {
  it('are 256 random bits, base64url without padding', () => {
    const handle = newInteractionHandle();
    expect(handle).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(handle, 'base64url')).toHaveLength(32);
  });

  it('are unique over 10 000 draws and use every base64url character', () => {
    const handles = new Set<string>();
    for (let i = 0; i < 10_000; i++) handles.add(newInteractionHandle());
    expect(handles.size).toBe(10_000);
    const alphabet = new Set([...handles].join(''));
    expect(alphabet.size).toBe(64);
  });
});

describe('state handles', () => {
  const ih = newInteractionHandle();

  it('start with 02 (the widget sends 00… tokens to Classic) and carry 256 bits after it', () => {
    for (const handle of [
      firstStateHandle(ih),
      nextStateHandle(firstStateHandle(ih)),
      stateHandleAt(ih, 5),
    ]) {
      expect(handle.startsWith('02')).toBe(true);
      expect(handle).toMatch(/^02[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(handle.slice(2), 'base64url')).toHaveLength(32);
    }
  });

  it('form a chain: stateHandleAt(ih, n) is n steps of nextStateHandle from the first', () => {
    expect(stateHandleAt(ih, 0)).toBe(firstStateHandle(ih));
    expect(stateHandleAt(ih, 1)).toBe(nextStateHandle(firstStateHandle(ih)));
    expect(stateHandleAt(ih, 2)).toBe(nextStateHandle(nextStateHandle(firstStateHandle(ih))));
    let handle = firstStateHandle(ih);
    for (let g = 1; g <= 10; g++) handle = nextStateHandle(handle);
    expect(stateHandleAt(ih, 10)).toBe(handle);
  });

  it('are deterministic per interaction handle and distinct across generations and handles', () => {
    expect(firstStateHandle(ih)).toBe(firstStateHandle(ih));
    const generations = Array.from({ length: 20 }, (_, g) => stateHandleAt(ih, g));
    expect(new Set(generations).size).toBe(20);
    const other = newInteractionHandle();
    expect(firstStateHandle(other)).not.toBe(firstStateHandle(ih));
    expect(stateHandleAt(other, 3)).not.toBe(stateHandleAt(ih, 3));
  });

  it('are not the interaction handle nor its plain hash, and the next one is not its plain hash either', () => {
    const first = firstStateHandle(ih);
    const sha = (s: string) => createHash('sha256').update(s).digest('base64url');
    expect(first).not.toContain(ih);
    expect(first.slice(2)).not.toBe(sha(ih));
    expect(nextStateHandle(first).slice(2)).not.toBe(sha(first));
  });
});

describe('hashHandle', () => {
  it('stores SHA-256 (base64url) of the handle, one-way and stable', () => {
    const handle = newInteractionHandle();
    expect(hashHandle(handle)).toBe(createHash('sha256').update(handle, 'utf8').digest('base64url'));
    expect(hashHandle(handle)).not.toBe(handle);
    expect(hashHandle(firstStateHandle(handle))).not.toBe(hashHandle(handle));
  });
});
