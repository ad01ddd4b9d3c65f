// Runs the sample's tests on their own (`npm test -w @gatehouse/example-express`). The SDK is
// taken from its sources, like the protocol package, so no build is needed first.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

export default defineConfig({
  root: root(''),
  resolve: {
    alias: {
      '@gatehouse/protocol': root('packages/protocol/src/index.ts'),
      '@gatehouse/sdk': root('packages/sdk/src/index.ts'),
    },
  },
  test: {
    include: ['examples/express/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
