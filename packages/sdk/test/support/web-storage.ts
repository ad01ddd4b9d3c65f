import type { WebStorageLike } from '../../src/index.js';

/** An in-memory Web Storage (what `sessionStorage`/`localStorage` are to the adapter). */
export class FakeWebStorage implements WebStorageLike {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, String(value));
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
  /** Every stored value, for "nothing token-shaped in here" checks. */
  dump(): string {
    return [...this.items.values()].join('\n');
  }
}
