import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built widget's files and their content types. */
export const WIDGET_FILES: Readonly<Record<string, string>> = {
  'gatehouse-sign-in.js': 'text/javascript; charset=utf-8',
  'gatehouse-sign-in.css': 'text/css; charset=utf-8',
};

/** The `@gatehouse/widget` package folder: through the workspace link, else beside this package. */
function widgetPackageDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('@gatehouse/widget/package.json'));
  } catch {
    // src/http and dist/http are both two levels under packages/server.
    return fileURLToPath(new URL('../../../widget/', import.meta.url));
  }
}

export interface WidgetFile {
  body: Buffer;
  /** Subresource Integrity value (`sha384-…`). */
  integrity: string;
}

/**
 * The Sign-In Widget as built in `packages/widget/dist`, read once per change of the file (a
 * rebuild during development is picked up), with its SRI hash.
 */
export class WidgetFiles {
  private readonly packageDir = widgetPackageDir();
  private readonly cache = new Map<string, { mtimeMs: number; file: WidgetFile }>();
  private versionRead: string | null = null;

  /** The installed widget's version; '' when there is no widget package. */
  async version(): Promise<string> {
    if (this.versionRead === null) {
      try {
        this.versionRead = JSON.parse(await readFile(join(this.packageDir, 'package.json'), 'utf8')).version;
      } catch {
        this.versionRead = '';
      }
    }
    return this.versionRead ?? '';
  }

  /** One built file; null when it is not built. */
  async read(name: string): Promise<WidgetFile | null> {
    if (!Object.hasOwn(WIDGET_FILES, name)) return null;
    const path = join(this.packageDir, 'dist', name);
    try {
      const { mtimeMs } = await stat(path);
      const cached = this.cache.get(path);
      if (cached && cached.mtimeMs === mtimeMs) return cached.file;
      const body = await readFile(path);
      const file = { body, integrity: `sha384-${createHash('sha384').update(body).digest('base64')}` };
      this.cache.set(path, { mtimeMs, file });
      return file;
    } catch {
      return null;
    }
  }
}
