// Builds dist/gatehouse-sdk.browser.js (ESM, minified, for browsers) with esbuild and, with
// --size, prints its raw and gzipped sizes. `buildBrowserBundle()` is also used by the Chromium
// test, which serves the bundle from memory.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** @returns {Promise<{ code: string, bytes: number, gzipBytes: number }>} */
export async function buildBrowserBundle() {
  const result = await build({
    entryPoints: [`${root}src/browser.ts`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'warning',
    // The protocol package from its sources, as the widget's bundle does (no build of it needed first).
    alias: { '@gatehouse/protocol': `${root}../protocol/src/index.ts` },
  });
  const code = result.outputFiles[0].text;
  return { code, bytes: Buffer.byteLength(code), gzipBytes: gzipSync(code, { level: 9 }).length };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { code, bytes, gzipBytes } = await buildBrowserBundle();
  mkdirSync(`${root}dist`, { recursive: true });
  // Written under a temporary name and renamed: a server serving dist/ never reads half a file
  // (npm pack's prepack rebuilds it while tests may be running).
  const temporary = `${root}dist/gatehouse-sdk.browser.js.${process.pid}.tmp`;
  writeFileSync(temporary, code);
  renameSync(temporary, `${root}dist/gatehouse-sdk.browser.js`);
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log(
    `dist/gatehouse-sdk.browser.js: ${kb(bytes)} minified, ${kb(gzipBytes)} gzipped (target < 16 KB)`,
  );
  if (process.argv.includes('--size') && gzipBytes > 16 * 1024) process.exitCode = 1;
}
