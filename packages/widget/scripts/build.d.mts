/** Types of scripts/build.mjs (used by the tests). */
export declare const WIDGET_VERSION: string;
/** Package names the bundle takes from the workspace's sources. */
export declare const SOURCE_ALIASES: Record<string, string>;
export declare const DIST: string;
export declare const SCRIPT: string;
export declare const STYLESHEET: string;
export declare function buildWidget(options?: {
  outdir?: string;
  minify?: boolean;
}): Promise<{ js: Uint8Array; css: Uint8Array }>;
export declare function describe(files: { js: Uint8Array; css: Uint8Array }): {
  rows: Array<{ name: string; bytes: number; gzip: number; integrity: string }>;
  totalGzip: number;
};
