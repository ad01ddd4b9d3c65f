import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** Only for scripts/capture-fixtures.ts (not part of the test suite). */
export default defineConfig({
  resolve: {
    alias: {
      '@gatehouse/protocol': fileURLToPath(new URL('../../protocol/src/index.ts', import.meta.url)),
    },
  },
  test: {
    root: fileURLToPath(new URL('../../..', import.meta.url)),
    include: ['packages/sdk/scripts/capture-fixtures.ts'],
    testTimeout: 60_000,
  },
});
