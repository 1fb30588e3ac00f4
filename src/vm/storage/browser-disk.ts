/**
 * The disk as the element's worker assembles it, in one call: the image
 * over HTTP (chunks cached with the Cache API), and, with a persist-key,
 * a PersistentDisk whose changes live in that key's Dexie database. Plus
 * the persist-key operations the element offers while no VM runs on the
 * key: reset, export, import. A persist-key is held with a Web Lock while
 * in use, so a second VM on it (another tab) gets a 'store' error instead of
 * interleaving commits. Worker (or page) only; Node uses src/cli.
 */
import type { BlockDevice, ImageDevice } from './block-device.js';
import { CacheApiChunkCache } from './chunk-cache.js';
import { openDexieStore } from './dexie-store.js';
import { StorageError } from './errors.js';
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
 * Hold the persist-key's Web Lock until the returned release is called, so
 * two VMs (two tabs of one page, two elements) never write one database at
 * once. Without the Web Locks API, nothing is held.
 */
async function lockPersistKey(persistKey: string): Promise<() => void> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (locks === undefined) return () => undefined;
  return new Promise((resolve, reject) => {
    locks
      .request(`web-vm:${persistKey}`, { ifAvailable: true }, (lock) => {
        if (lock === null) {
          reject(new StorageError('store', `persist-key "${persistKey}" is in use by another web-vm (another tab, or another element on this page): close it, or use another persist-key`));
          return undefined;
        }
        return new Promise<void>((release) => resolve(() => release()));
      })
      .catch(reject);
  });
}

async function withStore<T>(persistKey: string, fn: (store: Awaited<ReturnType<typeof openDexieStore>>) => Promise<T>): Promise<T> {
  const release = await lockPersistKey(persistKey);
  try {
    const store = await openDexieStore(persistKey);
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  } finally {
    release();
  }
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
  const release = await lockPersistKey(opts.persistKey);
  let disk: PersistentDisk;
  try {
    const store = await openDexieStore(opts.persistKey);
    try {
      disk = await PersistentDisk.open(image, store, { onError: opts.onError });
    } catch (e) {
      await store.close();
      throw e;
    }
  } catch (e) {
    release();
    throw e;
  }
  const close = async () => {
    try {
      await disk.close();
    } finally {
      release();
    }
  };
  return { image, disk, device: disk.overlay, commit: () => disk.commit(), close };
}

/** Drop a persist-key's saved changes (the element's reset(); stop the VM on that key first). */
export function resetPersistKey(persistKey: string): Promise<void> {
  return withStore(persistKey, resetStore);
}

/** A persist-key's saved changes as one file (null if none). While a VM runs on the key, use its `disk.export()` instead. */
export function exportPersistKey(persistKey: string): Promise<Uint8Array | null> {
  return withStore(persistKey, exportStore);
}

/** Replace a persist-key's saved changes with an exported file (stop the VM on that key first). Throws 'bad-export'. */
export function importPersistKey(persistKey: string, file: Uint8Array): Promise<StoreMeta> {
  return withStore(persistKey, (store) => importStore(store, file));
}
