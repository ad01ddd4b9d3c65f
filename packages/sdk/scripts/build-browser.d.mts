/** The browser bundle built in memory: its code and its raw and gzipped sizes in bytes. */
export function buildBrowserBundle(): Promise<{ code: string; bytes: number; gzipBytes: number }>;
/** Builds the bundle and writes dist/gatehouse-sdk.browser.js atomically. */
export function writeBrowserBundle(): Promise<{ code: string; bytes: number; gzipBytes: number }>;
