/**
 * A copy-on-write block device: reads come from a read-only base device
 * (the image over HTTP or a file) except where a chunk has been written;
 * writes land in an in-memory map of changed chunks and never reach the
 * base. The persistence layer enumerates the changed chunks with
 * `dirtyBlocks()` and commits them between filesystem operations
 * (DESIGN.md decision 7).
 */

import type { BlockDevice } from './block-device.js';

/** Default chunk size: one guest page, and a multiple of every ext2 block size up to 4 KiB. */
export const DEFAULT_OVERLAY_BLOCK = 4096;

export class OverlayBlockDevice implements BlockDevice {
  private readonly changed = new Map<number, Uint8Array>();
  /** Chunks written since the last `takeDirty()`. */
  private readonly pending = new Set<number>();
  /** Called after every write (the persistence layer's idle-commit timer listens). */
  onWrite: (() => void) | null = null;

  constructor(
    private readonly base: BlockDevice,
    /** Bytes per chunk of the change map (a power of two). */
    readonly blockSize = DEFAULT_OVERLAY_BLOCK,
  ) {
    if (blockSize <= 0 || (blockSize & (blockSize - 1)) !== 0) throw new RangeError(`overlay block size ${blockSize} is not a power of two`);
  }

  get size(): number {
    return this.base.size;
  }

  /** Bytes of chunk `n` that lie inside the device (the last chunk may be short). */
  private chunkLength(n: number): number {
    return Math.min(this.blockSize, this.size - n * this.blockSize);
  }

  private check(offset: number, length: number, what: string): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new RangeError(`${what} of ${length} bytes at ${offset} is past the end of a ${this.size}-byte device`);
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.check(offset, length, 'read');
    const out = new Uint8Array(length);
    if (length === 0) return out;
    const bs = this.blockSize;
    const end = offset + length;
    const first = Math.floor(offset / bs);
    const last = Math.floor((end - 1) / bs);
    // Unchanged chunks are read from the base in runs, one base read per run.
    const reads: Promise<void>[] = [];
    let runStart = -1;
    const flushRun = (stop: number): void => {
      if (runStart < 0) return;
      const from = Math.max(offset, runStart * bs);
      const to = Math.min(end, stop * bs);
      reads.push(this.base.read(from, to - from).then((d) => out.set(d, from - offset)));
      runStart = -1;
    };
    for (let n = first; n <= last; n++) {
      const c = this.changed.get(n);
      if (c === undefined) {
        if (runStart < 0) runStart = n;
        continue;
      }
      flushRun(n);
      const from = Math.max(offset, n * bs);
      const to = Math.min(end, (n + 1) * bs);
      out.set(c.subarray(from - n * bs, to - n * bs), from - offset);
    }
    flushRun(last + 1);
    await Promise.all(reads);
    return out;
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.check(offset, data.length, 'write');
    if (data.length === 0) return;
    const bs = this.blockSize;
    const end = offset + data.length;
    const first = Math.floor(offset / bs);
    const last = Math.floor((end - 1) / bs);
    // Chunks only partly covered need their old contents first.
    const partial: number[] = [];
    if (!this.changed.has(first) && (offset > first * bs || end < first * bs + this.chunkLength(first))) partial.push(first);
    if (last !== first && !this.changed.has(last) && end < last * bs + this.chunkLength(last)) partial.push(last);
    const old = await Promise.all(partial.map((n) => this.base.read(n * bs, this.chunkLength(n))));
    partial.forEach((n, i) => {
      if (!this.changed.has(n)) this.changed.set(n, old[i]!);
    });
    for (let n = first; n <= last; n++) {
      let c = this.changed.get(n);
      if (c === undefined) {
        c = new Uint8Array(this.chunkLength(n));
        this.changed.set(n, c);
      }
      const from = Math.max(offset, n * bs);
      const to = Math.min(end, (n + 1) * bs);
      c.set(data.subarray(from - offset, to - offset), from - n * bs);
      this.pending.add(n);
    }
    this.onWrite?.();
  }

  /** Every changed chunk: its number (byte offset = n * blockSize) and current bytes (shared; do not modify). */
  dirtyBlocks(): Map<number, Uint8Array> {
    return new Map(this.changed);
  }

  /** Number of changed chunks held in memory. */
  get dirtyCount(): number {
    return this.changed.size;
  }

  /**
   * Chunks written since the last call, with copies of their bytes, and
   * forget that they were written (they stay in the overlay). A store
   * commits this batch as one transaction.
   */
  takeDirty(): Map<number, Uint8Array> {
    const out = new Map<number, Uint8Array>();
    for (const n of this.pending) out.set(n, this.changed.get(n)!.slice());
    this.pending.clear();
    return out;
  }

  /** Chunks written since the last `takeDirty()`. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** A batch from `takeDirty()` could not be committed: hand its chunks out again next time. */
  requeue(chunks: Iterable<number>): void {
    for (const n of chunks) if (this.changed.has(n)) this.pending.add(n);
  }

  /** Install chunks loaded from a store (before mounting), e.g. after a reload. */
  load(chunks: Iterable<[number, Uint8Array]>): void {
    for (const [n, bytes] of chunks) {
      if (!Number.isInteger(n) || n < 0 || n * this.blockSize >= this.size) throw new RangeError(`overlay chunk ${n} is outside the device`);
      if (bytes.length !== this.chunkLength(n)) throw new RangeError(`overlay chunk ${n} holds ${bytes.length} bytes, expected ${this.chunkLength(n)}`);
      this.changed.set(n, bytes.slice());
    }
  }

  /** The whole device's bytes, base plus changes (tests, export). */
  async snapshot(): Promise<Uint8Array> {
    return this.read(0, this.size);
  }
}
