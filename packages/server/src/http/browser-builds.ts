import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built widget's files and their content types. */
export const WIDGET_FILES: Readonly<Record<string, string>> = {
  'gatehouse-sign-in.js': 'text/javascript; charset=utf-8',
  'gatehouse-sign-in.css': 'text/css; charset=utf-8',
};

/** The SDK's browser build (an ES module) and its content type. */
export const SDK_FILES: Readonly<Record<string, string>> = {
  'gatehouse-sdk.browser.js': 'text/javascript; charset=utf-8',
};

/**
 * A package's folder: where Node would find it (the workspace link, or an installed copy; looked
 * up by folder, as its `exports` may hide `package.json`), else beside this package.
 */
function packageDir(name: string, folder: string): string {
  const found = createRequire(import.meta.url)
    .resolve.paths(name)
    ?.map((modules) => join(modules, name))
    .find((dir) => existsSync(join(dir, 'package.json')));
  // src/http and dist/http are both two levels under packages/server.
  return found ?? fileURLToPath(new URL(`../../../${folder}/`, import.meta.url));
}

export interface WidgetFile {
  body: Buffer;
  /** Subresource Integrity value (`sha384-…`). */
  integrity: string;
}

/**
 * A browser build in a package's `dist` (the widget's, the SDK's), read once per change of the
 * file (a rebuild during development is picked up), with its SRI hash.
 */
export class BrowserBuild {
  private readonly packageDir: string;
  private readonly cache = new Map<string, { mtimeMs: number; file: WidgetFile }>();
  private versionRead: string | null = null;

  /**
   * @param urlPrefix where Gatehouse serves it: `/<prefix>/<version>/<file>`
   * @param files the served file names and their content types
   */
  constructor(
    readonly packageName: string,
    readonly urlPrefix: string,
    readonly files: Readonly<Record<string, string>>,
  ) {
    this.packageDir = packageDir(packageName, urlPrefix);
  }

  /** The installed package's version; '' when there is no such package. */
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

  /** The path a file is served at, e.g. `/widget/0.1.0/gatehouse-sign-in.js`. */
  async path(name: string): Promise<string> {
    return `/${this.urlPrefix}/${await this.version()}/${name}`;
  }

  /** One built file; null when it is not built. */
  async read(name: string): Promise<WidgetFile | null> {
    if (!Object.hasOwn(this.files, name)) return null;
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

/** The Sign-In Widget as built in `packages/widget/dist`. */
export class WidgetFiles extends BrowserBuild {
  constructor() {
    super('@gatehouse/widget', 'widget', WIDGET_FILES);
  }
}

/** The SDK's browser build, `packages/sdk/dist/gatehouse-sdk.browser.js`. */
export class SdkFiles extends BrowserBuild {
  constructor() {
    super('@gatehouse/sdk', 'sdk', SDK_FILES);
  }
}
