/**
 * The disk as the element's worker assembles it, in one call: the image
 * over HTTP (chunks cached with the Cache API), and, with a persist-key,
 * a PersistentDisk whose changes live in that key's Dexie database. Plus
 * the persist-key operations the element offers while no VM runs on the
 * key: reset, export, import. Worker (or page) only; Node uses src/cli.
 */
import type { BlockDevice, ImageDevice } from './block-device.js';
import { CacheApiChunkCache } from './chunk-cache.js';
import { openDexieStore } from './dexie-store.js';
import type { StorageError } from './errors.js';
import { openImage, type FetchProgress, type OpenImageOptions } from './http-device.js';
import { PersistentDisk, exportStore, importStore, resetStore, type StoreMeta } from './persist.js';

export interface BrowserDiskOptions {
  /** The image-url attribute: a raw ext2 image, or a chunked image's .json manifest. */
  imageUrl: string;
  /** The persist-key attribute; absent/null: changes live in memory only. */
  persistKey?: string | null;
  /** Bytes fetched so far (for `web-vm-progress`). */
  onProgress?: (p: FetchProgress) => void;
  /** A background commit failed ('quota' or 'store'): for `web-vm-error`; the VM goes on. */
  onError?: (e: StorageError) => void;
  /** Cache fetched chunks with the Cache API (default true where it exists). */
  cacheChunks?: boolean;
  /** Fine tuning of the HTTP reader (timeouts, retries, concurrency…). */
  http?: OpenImageOptions;
}

export interface BrowserDisk {
  image: ImageDevice;
  /** Null without a persist-key. */
  disk: PersistentDisk | null;
  /** Pass as runProgram's `device` (and `disk`), or mount it yourself: the overlay when persisting, else the image. */
  device: BlockDevice;
  /** Commit now (page hidden, before terminating the worker). Resolves at once without a persist-key. */
  commit(): Promise<void>;
  /** Final commit and close the database. */
  close(): Promise<void>;
}

/**
 * Open the image and (with a persist-key) its saved changes. Throws a
 * StorageError: the HTTP types, 'image-mismatch' (the saved changes belong
 * to another image: offer resetPersistKey()), 'quota'/'store'.
 */
export async function openBrowserDisk(opts: BrowserDiskOptions): Promise<BrowserDisk> {
  const chunkCache = opts.cacheChunks !== false && CacheApiChunkCache.available() ? new CacheApiChunkCache() : undefined;
  const image = await openImage(opts.imageUrl, { ...opts.http, onProgress: opts.onProgress, chunkCache });
  if (opts.persistKey === undefined || opts.persistKey === null) {
    return { image, disk: null, device: image, commit: async () => undefined, close: async () => undefined };
  }
  const store = await openDexieStore(opts.persistKey);
  let disk: PersistentDisk;
  try {
    disk = await PersistentDisk.open(image, store, { onError: opts.onError });
  } catch (e) {
    await store.close();
    throw e;
  }
  return { image, disk, device: disk.overlay, commit: () => disk.commit(), close: () => disk.close() };
}

/** Drop a persist-key's saved changes (the element's reset(); stop the VM on that key first). */
export async function resetPersistKey(persistKey: string): Promise<void> {
  const store = await openDexieStore(persistKey);
  try {
    await resetStore(store);
  } finally {
    await store.close();
  }
}

/** A persist-key's saved changes as one file (null if none); a running VM should commit() first. */
export async function exportPersistKey(persistKey: string): Promise<Uint8Array | null> {
  const store = await openDexieStore(persistKey);
  try {
    return await exportStore(store);
  } finally {
    await store.close();
  }
}

/** Replace a persist-key's saved changes with an exported file (stop the VM on that key first). Throws 'bad-export'. */
export async function importPersistKey(persistKey: string, file: Uint8Array): Promise<StoreMeta> {
  const store = await openDexieStore(persistKey);
  try {
    return await importStore(store, file);
  } finally {
    await store.close();
  }
}
