/**
 * Keeping the guest's changes (DESIGN.md decision 7): a `ChangeStore` holds
 * committed overlay chunks plus the identity of the base image they were
 * made against; a `PersistentDisk` is the overlay the filesystem mounts and
 * the driver that commits it — only at filesystem commit points, as one
 * atomic batch, on sync/fsync, after a short idle delay following writes,
 * and on demand (page hide, before the worker ends).
 */
import type { ImageDevice, ImageIdentity } from './block-device.js';
import { StorageError, isQuotaError } from './errors.js';
import { DEFAULT_OVERLAY_BLOCK, OverlayBlockDevice } from './overlay.js';
import { decodeOverlayFile, encodeOverlayFile, type StoreMeta } from './overlay-file.js';

export type { StoreMeta } from './overlay-file.js';

export interface StoreContents {
  /** Null for a store that was never committed to (or was reset). */
  meta: StoreMeta | null;
  blocks: Map<number, Uint8Array>;
}

/**
 * Where committed chunks live: Dexie in the browser (dexie-store.ts), a
 * journal file in Node (src/cli/file-store.ts), memory in tests.
 */
export interface ChangeStore {
  /** For messages: the persist-key or directory. */
  readonly name: string;
  load(): Promise<StoreContents>;
  /** Write every chunk of `blocks` and `meta` atomically: afterwards all of it is stored, or (on failure) none. */
  commit(blocks: Map<number, Uint8Array>, meta: StoreMeta): Promise<void>;
  /** Replace the whole contents atomically (reset: `replace({ meta: null, blocks: new Map() })`; import). */
  replace(contents: StoreContents): Promise<void>;
  close(): Promise<void>;
}

/** A ChangeStore in memory (tests; runs without persistence). */
export class MemoryChangeStore implements ChangeStore {
  meta: StoreMeta | null = null;
  readonly blocks = new Map<number, Uint8Array>();
  /** Make the next commits fail with this error (tests of quota handling). */
  failWith: unknown = null;
  commits = 0;
  constructor(readonly name = 'memory') {}
  async load(): Promise<StoreContents> {
    return { meta: this.meta, blocks: new Map([...this.blocks].map(([n, b]) => [n, b.slice()])) };
  }
  async commit(blocks: Map<number, Uint8Array>, meta: StoreMeta): Promise<void> {
    if (this.failWith !== null) throw this.failWith;
    for (const [n, b] of blocks) this.blocks.set(n, b.slice());
    this.meta = meta;
    this.commits++;
  }
  async replace(c: StoreContents): Promise<void> {
    this.blocks.clear();
    for (const [n, b] of c.blocks) this.blocks.set(n, b.slice());
    this.meta = c.meta;
  }
  async close(): Promise<void> {}
}

/** Same bytes? Size must match; then the validators when both have one, else the URLs. */
export function sameImage(a: ImageIdentity, b: ImageIdentity): boolean {
  if (a.size !== b.size) return false;
  if (a.validator !== '' && b.validator !== '') return a.validator === b.validator;
  return a.url === b.url;
}

/** Drop a store's changes (the element's `reset()`; stop the VM using it first). */
export function resetStore(store: ChangeStore): Promise<void> {
  return store.replace({ meta: null, blocks: new Map() });
}

/** A store's committed state as one file (see overlay-file.ts), or null if it holds nothing. */
export async function exportStore(store: ChangeStore): Promise<Uint8Array | null> {
  const c = await store.load();
  return c.meta === null ? null : encodeOverlayFile(c.blocks, c.meta);
}

/** Replace a store's contents with an exported file (stop the VM using it first). Throws 'bad-export'. */
export async function importStore(store: ChangeStore, file: Uint8Array): Promise<StoreMeta> {
  const { meta, blocks } = decodeOverlayFile(file);
  await store.replace({ meta, blocks });
  return meta;
}

/** What a PersistentDisk needs of the mounted filesystem: Ext2's atCommitPoint. */
export interface CommitPoints {
  atCommitPoint<T>(fn: () => T | Promise<T>): Promise<T>;
}

export interface PersistentDiskOptions {
  /** Commit this long after the last write (default 1000 ms). */
  idleMs?: number;
  /** …but no later than this after the first uncommitted write, even if writes go on (default 5000 ms). */
  maxDelayMs?: number;
  /** First retry delay after a failed commit, doubled up to a minute (default 2000 ms). */
  retryMs?: number;
  /** A commit failed (type 'quota' or 'store'); the changes stay in memory and are retried. */
  onError?: (e: StorageError) => void;
  /** A commit landed. */
  onCommit?: (info: { generation: number; blocks: number }) => void;
  /** Bytes per overlay chunk for a store that has none yet (default 4096). */
  blockSize?: number;
}

type Timer = ReturnType<typeof setTimeout>;

/** Timers that do not keep a Node process alive (no-op in browsers). */
function unref(t: Timer): Timer {
  (t as { unref?: () => void }).unref?.();
  return t;
}

export class PersistentDisk {
  /** Mount this: the base image plus every change, committed or not. */
  readonly overlay: OverlayBlockDevice;
  private fs: CommitPoints | null = null;
  private generation: number;
  private chain: Promise<void> = Promise.resolve();
  private idleTimer: Timer | null = null;
  private firstDirtyAt = 0;
  private retryTimer: Timer | null = null;
  private retryDelay: number;
  private closed = false;
  /** The last commit failure, cleared by the next success. */
  lastError: StorageError | null = null;

  private constructor(
    readonly image: ImageDevice,
    readonly store: ChangeStore,
    meta: StoreMeta | null,
    private readonly opts: PersistentDiskOptions,
  ) {
    this.overlay = new OverlayBlockDevice(image, meta?.blockSize ?? opts.blockSize ?? DEFAULT_OVERLAY_BLOCK);
    this.generation = meta?.generation ?? 0;
    this.retryDelay = opts.retryMs ?? 2000;
    this.overlay.onWrite = () => this.wrote();
  }

  /**
   * Load `store`'s changes over `image`. Throws StorageError 'image-mismatch'
   * when they were made against another image: the way out is resetStore()
   * or opening the old image.
   */
  static async open(image: ImageDevice, store: ChangeStore, opts: PersistentDiskOptions = {}): Promise<PersistentDisk> {
    const c = await store.load();
    if (c.meta !== null) {
      const was = c.meta.image;
      const now = image.identity;
      if (!sameImage(was, now)) {
        throw new StorageError(
          'image-mismatch',
          `the saved changes in ${store.name} were made against ${was.url} (${was.size} bytes${was.validator ? `, ${was.validator}` : ''}), ` +
            `but the image is now ${now.url} (${now.size} bytes${now.validator ? `, ${now.validator}` : ''}): ` +
            `drop the saved changes (the element's reset(), or deleting the --persist directory) or go back to the old image`,
        );
      }
    }
    const disk = new PersistentDisk(image, store, c.meta, opts);
    try {
      disk.overlay.load(c.blocks);
    } catch (e) {
      throw new StorageError('store', `the saved changes in ${store.name} do not fit the image (${(e as Error).message}): call reset() to drop them`, e);
    }
    return disk;
  }

  /** The mounted filesystem, whose commit points commits wait for. */
  attach(fs: CommitPoints | null): void {
    this.fs = fs;
  }

  /** Chunks changed since the last commit. */
  get uncommitted(): number {
    return this.overlay.pendingCount;
  }

  get committedGeneration(): number {
    return this.generation;
  }

  /**
   * Commit every change made so far: waits for a filesystem commit point,
   * takes the batch there, and writes it as one transaction. Rejects with a
   * StorageError ('quota', 'store') if the store refuses; the changes then
   * stay in memory and a retry is scheduled. Calls are serialised.
   */
  commit(): Promise<void> {
    this.clearIdle();
    const next = this.chain.then(() => this.commitNow());
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async commitNow(): Promise<void> {
    const batch = this.fs === null ? this.overlay.takeDirty() : await this.fs.atCommitPoint(() => this.overlay.takeDirty());
    if (batch.size === 0) return;
    const meta: StoreMeta = { image: this.image.identity, blockSize: this.overlay.blockSize, generation: this.generation + 1, savedAt: Date.now() };
    try {
      await this.store.commit(batch, meta);
    } catch (e) {
      this.overlay.requeue(batch.keys());
      const err =
        e instanceof StorageError
          ? e
          : isQuotaError(e)
            ? new StorageError('quota', `storage is full: ${batch.size} changed blocks could not be saved to ${this.store.name} (they are kept in memory and retried; free space, or export and reset)`, e)
            : new StorageError('store', `saving changes to ${this.store.name} failed: ${(e as Error).message ?? e} (they are kept in memory and retried)`, e);
      this.lastError = err;
      this.scheduleRetry();
      this.opts.onError?.(err);
      throw err;
    }
    this.generation = meta.generation;
    this.lastError = null;
    this.retryDelay = this.opts.retryMs ?? 2000;
    this.opts.onCommit?.({ generation: this.generation, blocks: batch.size });
  }

  private wrote(): void {
    if (this.closed) return;
    const now = Date.now();
    if (this.idleTimer === null) this.firstDirtyAt = now;
    else clearTimeout(this.idleTimer);
    const idle = this.opts.idleMs ?? 1000;
    const wait = Math.max(0, Math.min(idle, this.firstDirtyAt + (this.opts.maxDelayMs ?? 5000) - now));
    this.idleTimer = unref(setTimeout(() => {
      this.idleTimer = null;
      this.commit().catch(() => undefined);
    }, wait));
  }

  private clearIdle(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer !== null) return;
    this.retryTimer = unref(setTimeout(() => {
      this.retryTimer = null;
      this.commit().catch(() => undefined);
    }, this.retryDelay));
    this.retryDelay = Math.min(this.retryDelay * 2, 60_000);
  }

  /** The committed state as one file (commits first). Null if nothing was ever saved. */
  async export(): Promise<Uint8Array | null> {
    await this.commit();
    return exportStore(this.store);
  }

  /** Final commit, then stop the timers and close the store. Rejects if the final commit fails. */
  async close(): Promise<void> {
    try {
      await this.commit();
    } finally {
      this.closed = true;
      this.clearIdle();
      if (this.retryTimer !== null) clearTimeout(this.retryTimer);
      this.retryTimer = null;
      await this.store.close();
    }
  }
}
