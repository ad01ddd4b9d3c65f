import { readFileSync } from 'node:fs';
import type { IdxResponse } from '@gatehouse/protocol';

/** An IDX envelope captured from a running Gatehouse (scripts/capture-fixtures.ts). */
export function fixture(name: string): { status: number; body: IdxResponse } {
  return JSON.parse(readFileSync(new URL(`../fixtures/idx/${name}.json`, import.meta.url), 'utf8'));
}
