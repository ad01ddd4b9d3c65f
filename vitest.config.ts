import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      '@gatehouse/protocol': fileURLToPath(new URL('./packages/protocol/src/index.ts', import.meta.url)),
      // The widget's door to the SDK (listed before '@gatehouse/sdk', which would match it as a prefix).
      '@gatehouse/sdk/browser': fileURLToPath(new URL('./packages/sdk/src/browser.ts', import.meta.url)),
      '@gatehouse/sdk/webauthn': fileURLToPath(
        new URL('./packages/sdk/src/webauthn/index.ts', import.meta.url),
      ),
      // The sample app's tests run against the SDK's sources, as its own vitest config does.
      '@gatehouse/sdk': fileURLToPath(new URL('./packages/sdk/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      // Unit tests beside the code they test (flows, authenticators).
      'packages/*/src/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'bench/test/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: more workers only make argon2 and the servers under test fight for CPU.
    maxWorkers: 2,
  },
});
