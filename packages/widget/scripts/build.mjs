// Builds the widget into one script and one stylesheet:
//   dist/gatehouse-sign-in.js  (IIFE, window.SignInWidget)   dist/gatehouse-sign-in.css
// `--size` also prints raw and gzipped sizes and the SRI hashes of both files.
// Files are written to a temporary name and renamed, so a server reading dist/ never sees half a file.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/**
 * The widget imports `@gatehouse/sdk/browser`, `@gatehouse/sdk/webauthn` and `@gatehouse/protocol`
 * by their package names; the bundle is built from their sources (one copy of each, tree-shaken
 * with the widget) rather than from their built files. The tests' harness bundles with them too.
 */
export const SOURCE_ALIASES = {
  '@gatehouse/sdk/browser': join(root, '../sdk/src/browser.ts'),
  '@gatehouse/sdk/webauthn': join(root, '../sdk/src/webauthn/index.ts'),
  '@gatehouse/protocol': join(root, '../protocol/src/index.ts'),
};

export const WIDGET_VERSION = pkg.version;
export const DIST = join(root, 'dist');
export const SCRIPT = 'gatehouse-sign-in.js';
export const STYLESHEET = 'gatehouse-sign-in.css';

function writeAtomic(file, contents) {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, file);
}

/** Builds the bundle; returns the two files' contents. */
export async function buildWidget({ outdir = DIST, minify = true } = {}) {
  const script = await build({
    entryPoints: [join(root, 'src/browser.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2022', 'chrome100', 'firefox100', 'safari15.4'],
    minify,
    legalComments: 'none',
    write: false,
    define: { __WIDGET_VERSION__: JSON.stringify(WIDGET_VERSION) },
    alias: SOURCE_ALIASES,
    banner: { js: `/*! @gatehouse/widget ${WIDGET_VERSION} | Apache-2.0 */` },
    logLevel: 'silent',
  });
  const style = await build({
    entryPoints: [join(root, 'src/theme/gatehouse-sign-in.css')],
    bundle: true,
    minify,
    write: false,
    banner: { css: `/*! @gatehouse/widget ${WIDGET_VERSION} | Apache-2.0 */` },
    logLevel: 'silent',
  });
  const js = script.outputFiles[0].contents;
  const css = style.outputFiles[0].contents;
  writeAtomic(join(outdir, SCRIPT), js);
  writeAtomic(join(outdir, STYLESHEET), css);
  return { js, css };
}

/** Raw and gzipped sizes, and the Subresource Integrity value of each file. */
export function describe(files) {
  const rows = Object.entries({ [SCRIPT]: files.js, [STYLESHEET]: files.css }).map(([name, bytes]) => ({
    name,
    bytes: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    integrity: `sha384-${createHash('sha384').update(bytes).digest('base64')}`,
  }));
  return { rows, totalGzip: rows.reduce((sum, r) => sum + r.gzip, 0) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = await buildWidget();
  const { rows, totalGzip } = describe(files);
  if (process.argv.includes('--size')) {
    for (const r of rows)
      console.log(
        `${r.name.padEnd(24)} ${String(r.bytes).padStart(7)} B  gzip ${String(r.gzip).padStart(6)} B  ${r.integrity}`,
      );
    console.log(`${'total (gzip)'.padEnd(24)} ${(totalGzip / 1024).toFixed(1)} KB (target < 60 KB)`);
  } else {
    console.log(
      `built ${rows.map((r) => r.name).join(' + ')} (${(totalGzip / 1024).toFixed(1)} KB gzipped) in ${DIST}`,
    );
  }
}
