/**
 * The worker's one seam to storage: `openDisk` gives the VM its disk for
 * `image-url` (read over HTTP in chunks, cached with the Cache API) and,
 * with a persist-key, the guest's saved changes in IndexedDB
 * (src/vm/storage/browser-disk.ts), and maps storage failures to the
 * element's error types.
 */
import { openBrowserDisk, resetPersistKey, type BrowserDisk } from '../vm/storage/browser-disk.js';
import { StorageError } from '../vm/storage/errors.js';
import type { ErrorInfo, ProgressInfo } from './protocol.js';

export type Disk = BrowserDisk;

export interface OpenDiskOptions {
  imageUrl: string;
  persistKey: string | null;
  /** Drop the persist-key's saved changes first (the element's reset()). */
  resetFirst: boolean;
  onProgress(p: ProgressInfo): void;
  /** A background commit failed; the VM goes on (changes stay in memory and are retried). */
  onError(info: ErrorInfo): void;
}

export async function openDisk(o: OpenDiskOptions): Promise<Disk> {
  if (o.resetFirst && o.persistKey !== null) await resetPersistKey(o.persistKey);
  return openBrowserDisk({
    imageUrl: o.imageUrl,
    persistKey: o.persistKey,
    onProgress: (p) => o.onProgress({ phase: 'image', loaded: p.bytesFetched + p.bytesFromCache, total: p.size }),
    onError: (e) => o.onError(storageErrorInfo(e)),
  });
}

/** A StorageError as `web-vm-error`'s detail: its type names what failed. */
export function storageErrorInfo(e: StorageError): ErrorInfo {
  return { type: e.type, message: e.message };
}

export { StorageError };
