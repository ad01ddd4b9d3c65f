/** Headless Debian Chromium for the component and end-to-end tests (nothing is downloaded). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { SOURCE_ALIASES } from '../../scripts/build.mjs';
import type { RenderOptions } from './render-harness.js';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

export const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const widgetDir = fileURLToPath(new URL('../../', import.meta.url));

/** The component harness (real views and shell) and the theme, bundled in memory. */
export async function bundleHarness(): Promise<{ js: string; css: string }> {
  const [script, style] = await Promise.all([
    build({
      entryPoints: [`${widgetDir}test/support/render-harness.ts`],
      bundle: true,
      format: 'iife',
      target: 'es2022',
      alias: SOURCE_ALIASES,
      write: false,
      logLevel: 'silent',
    }),
    build({
      entryPoints: [`${widgetDir}src/theme/gatehouse-sign-in.css`],
      bundle: true,
      write: false,
      logLevel: 'silent',
    }),
  ]);
  return { js: script.outputFiles[0]!.text, css: style.outputFiles[0]!.text };
}

export function fixture(name: string): { status: number; body: Record<string, unknown> } {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8'));
}

/** A blank page holding the harness; `render` shows one envelope. */
export async function harnessPage(
  browser: Browser,
  harness: { js: string; css: string },
  viewport = { width: 480, height: 760 },
) {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  await page.setContent(
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Widget harness</title></head><body><main></main></body></html>',
  );
  await page.addStyleTag({ content: `body{margin:0;padding:24px;background:#f3f4f6}${harness.css}` });
  await page.addScriptTag({ content: harness.js });
  return {
    page,
    errors,
    async render(body: unknown, options: RenderOptions = {}) {
      await page.evaluate(
        ([b, o]) =>
          (globalThis as unknown as { harness: { render(b: unknown, o: unknown): void } }).harness.render(
            b,
            o,
          ),
        [body, options] as const,
      );
    },
    calls(): Promise<Array<{ type: string; name?: string; body?: Record<string, unknown> }>> {
      return page.evaluate(() => (globalThis as unknown as { harness: { calls: never[] } }).harness.calls);
    },
    events(): Promise<Array<{ name: string; args: unknown[] }>> {
      return page.evaluate(() =>
        JSON.parse(
          JSON.stringify((globalThis as unknown as { harness: { events: never[] } }).harness.events),
        ),
      );
    },
  };
}

export type Harness = Awaited<ReturnType<typeof harnessPage>>;

/**
 * The harness page for the tests of one file: Chromium and the bundle before them, its errors
 * cleared before each test, the browser closed after them. The object is filled in `beforeAll`.
 */
export function useHarness(): Harness {
  const h = {} as Harness;
  let browser: Browser | undefined;
  beforeAll(async () => {
    const [launched, harness] = await Promise.all([launchChromium(), bundleHarness()]);
    browser = launched;
    Object.assign(h, await harnessPage(launched, harness));
  });
  afterAll(() => browser?.close());
  beforeEach(() => {
    h.errors.length = 0;
  });
  return h;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** Runs axe-core (WCAG 2.1 A/AA rules) on the page; returns serious and critical violations. */
export async function axeViolations(page: Page, include = 'body'): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe !== 'undefined');
  if (!loaded) await page.addScriptTag({ content: readFileSync(AXE_PATH, 'utf8') });
  const violations = await page.evaluate(async (selector) => {
    const axe = (
      globalThis as unknown as {
        axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> };
      }
    ).axe;
    const result = await axe.run(selector, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  }, include);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
