// Types for mkimage.mjs, so TypeScript tests can import it.
export declare const repoRoot: string;
export declare const cacheDir: string;
export declare function recipeHash(...parts: unknown[]): string;
export interface Ext2ImageOptions {
  /** 1024, 2048 or 4096 (default 4096). */
  blockSize?: number;
  /** Image size in KiB (default 16384). */
  sizeKb?: number;
  /** ext2 revision, 0 or 1. */
  rev?: 0 | 1;
  /** More mke2fs arguments. */
  extra?: string[];
}
export declare function makeExt2Image(srcDir: string, out: string, opts?: Ext2ImageOptions): string;
export declare function cached(out: string, build: (out: string) => void): string;
