import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

const slug = (text: string) => text.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** Full-page screenshots of a failed browser test's open pages in `dir`; the files written. */
export async function saveScreenshots(
  dir: string,
  testName: string,
  profile: string,
  pages: Page[],
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const [i, page] of pages.entries()) {
    if (page.isClosed()) continue;
    const file = join(dir, `${slug(testName)}-${slug(profile)}-${i + 1}.png`);
    await page.screenshot({ path: file, fullPage: true }).then(
      () => files.push(file),
      () => undefined,
    );
  }
  return files;
}
