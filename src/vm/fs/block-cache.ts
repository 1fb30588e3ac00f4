/**
 * A bounded LRU cache of filesystem blocks over a BlockDevice, with
 * de-duplication of reads in flight: two callers asking for the same block
 * at the same time share one device read. Runs of contiguous blocks are
 * read with one device read (one HTTP range request for the HTTP device).
 *
 * Buffers handed out are shared with the cache and must not be modified,
 * except through modify()/fresh(): a writable mount changes blocks in place
 * there, and they stay pinned as dirty until flush() writes them.
 */

import { EIO } from '../kernel/abi/errno.js';
import { StorageError } from '../storage/errors.js';
import type { BlockDevice } from '../storage/block-device.js';
import { FsError } from './types.js';

/** Default budget: 8 MiB of blocks. */
export const DEFAULT_CACHE_BYTES = 8 << 20;
/** Longest run fetched with one device read. */
const MAX_RUN_BYTES = 2 << 20;

export class BlockCache {
  /** Map order is recency order: the first key is the least recently used. */
  private readonly blocks = new Map<number, Uint8Array>();
  private readonly inFlight = new Map<number, Promise<Uint8Array>>();
  private readonly capacity: number;
  /**
   * Blocks changed by the filesystem operation in progress and not yet
   * written to the device. They are pinned (never evicted) and win over
   * the LRU map until `flush()` writes them.
   */
  private readonly dirty = new Map<number, Uint8Array>();
  /** Device reads issued so far (for tests and diagnostics). */
  deviceReads = 0;

  constructor(
    private readonly dev: BlockDevice,
    readonly blockSize: number,
    /** Blocks at or past this number are outside the filesystem. */
    private readonly blockCount: number,
    cacheBytes = DEFAULT_CACHE_BYTES,
  ) {
    this.capacity = Math.max(16, Math.floor(cacheBytes / blockSize));
  }

  /** One block; shares the cached buffer (read-only). */
  get(block: number): Promise<Uint8Array> {
    const d = this.dirty.get(block);
    if (d !== undefined) return Promise.resolve(d);
    const hit = this.blocks.get(block);
    if (hit !== undefined) {
      this.blocks.delete(block);
      this.blocks.set(block, hit);
      return Promise.resolve(hit);
    }
    const pending = this.inFlight.get(block);
    if (pending !== undefined) return pending;
    return this.fetchRun(block, 1)[0]!;
  }

  /**
   * The blocks listed in `phys[first .. first+count)`, shared with the cache
   * (read-only); entries of 0 are holes and give `null`. Blocks neither
   * cached nor in flight are grouped into runs of consecutive block numbers,
   * one device read each; all runs are read concurrently.
   */
  async getMany(phys: ArrayLike<number>, first: number, count: number): Promise<(Uint8Array | null)[]> {
    const result: (Uint8Array | null)[] = new Array<Uint8Array | null>(count).fill(null);
    const waits: Promise<void>[] = [];
    const maxRun = Math.max(1, Math.floor(MAX_RUN_BYTES / this.blockSize));
    let i = 0;
    while (i < count) {
      const b = phys[first + i]!;
      if (b === 0) {
        i++;
        continue;
      }
      const d = this.dirty.get(b);
      if (d !== undefined) {
        result[i++] = d;
        continue;
      }
      const hit = this.blocks.get(b);
      if (hit !== undefined) {
        this.blocks.delete(b);
        this.blocks.set(b, hit);
        result[i++] = hit;
        continue;
      }
      const pending = this.inFlight.get(b);
      if (pending !== undefined) {
        const at = i++;
        waits.push(pending.then((d) => { result[at] = d; }));
        continue;
      }
      // Extend a run over following blocks that are consecutive and not yet available.
      let n = 1;
      while (i + n < count && n < maxRun) {
        const nb = phys[first + i + n]!;
        if (nb !== b + n || this.blocks.has(nb) || this.inFlight.has(nb) || this.dirty.has(nb)) break;
        n++;
      }
      const parts = this.fetchRun(b, n);
      for (let k = 0; k < n; k++) {
        const at = i + k;
        waits.push(parts[k]!.then((d) => { result[at] = d; }));
      }
      i += n;
    }
    await Promise.all(waits);
    return result;
  }

  /**
   * Copy the blocks listed in `phys[0 .. count)` into `out`, dropping the
   * first `skip` bytes of the first block; holes stay as they are in `out`
   * (a fresh, zeroed buffer).
   */
  async readInto(phys: ArrayLike<number>, count: number, out: Uint8Array, skip: number): Promise<void> {
    const bs = this.blockSize;
    const blocks = await this.getMany(phys, 0, count);
    for (let i = 0; i < count; i++) {
      const data = blocks[i];
      if (data === null || data === undefined) continue;
      const dst = i * bs - skip;
      const from = dst < 0 ? -dst : 0;
      const to = Math.min(bs, out.length - dst);
      if (to > from) out.set(data.subarray(from, to), dst + from);
    }
  }

  /**
   * Block `block` for changing in place: the buffer returned is the cached
   * one, pinned as dirty until `flush()`. Readers see the change at once.
   */
  async modify(block: number): Promise<Uint8Array> {
    const d = this.dirty.get(block);
    if (d !== undefined) return d;
    const data = await this.get(block);
    this.blocks.delete(block);
    this.dirty.set(block, data);
    return data;
  }

  /** A zeroed buffer for a newly allocated block, pinned as dirty (no device read). */
  fresh(block: number): Uint8Array {
    if (block >= this.blockCount) throw new FsError(EIO, `ext2: block ${block} is beyond the end of the filesystem (${this.blockCount} blocks)`);
    let d = this.dirty.get(block);
    if (d !== undefined) {
      d.fill(0);
      return d;
    }
    d = new Uint8Array(this.blockSize);
    this.blocks.delete(block);
    this.inFlight.delete(block);
    this.dirty.set(block, d);
    return d;
  }

  /** Forget a block's dirty contents without writing them (a block freed in the same operation). */
  discard(block: number): void {
    this.dirty.delete(block);
    this.blocks.delete(block);
  }

  /**
   * Write every dirty block to the device (runs of consecutive blocks in
   * one write each) and return them to the LRU map. Device errors become
   * FsError EIO.
   */
  async flush(): Promise<void> {
    if (this.dirty.size === 0) return;
    const dev = this.dev;
    if (dev.write === undefined) throw new FsError(EIO, 'ext2: the device cannot be written');
    const nums = [...this.dirty.keys()].sort((a, b) => a - b);
    const bs = this.blockSize;
    const maxRun = Math.max(1, Math.floor(MAX_RUN_BYTES / bs));
    const writes: Promise<void>[] = [];
    for (let i = 0; i < nums.length;) {
      let n = 1;
      while (i + n < nums.length && n < maxRun && nums[i + n] === nums[i]! + n) n++;
      let buf: Uint8Array;
      if (n === 1) buf = this.dirty.get(nums[i]!)!;
      else {
        buf = new Uint8Array(n * bs);
        for (let k = 0; k < n; k++) buf.set(this.dirty.get(nums[i + k]!)!, k * bs);
      }
      writes.push(dev.write(nums[i]! * bs, buf));
      i += n;
    }
    try {
      await Promise.all(writes);
    } catch (err) {
      if (err instanceof StorageError) throw err; // the image failed: the VM stops with its typed error
      throw new FsError(EIO, `ext2: device write failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    for (const b of nums) {
      const data = this.dirty.get(b);
      if (data === undefined) continue;
      this.dirty.delete(b);
      this.insert(b, data);
    }
  }

  /** Start one device read for blocks [start, start+n) and register each block as in flight. */
  private fetchRun(start: number, n: number): Promise<Uint8Array>[] {
    if (start + n > this.blockCount) {
      // Callers validate pointers; this is a last line of defence.
      const e = Promise.reject(new FsError(EIO, `ext2: block ${start + n - 1} is beyond the end of the filesystem (${this.blockCount} blocks)`));
      return Array.from({ length: n }, () => e);
    }
    const bs = this.blockSize;
    this.deviceReads++;
    const whole = this.dev.read(start * bs, n * bs).then(
      (data) => {
        if (data.length !== n * bs) throw new FsError(EIO, `ext2: device returned ${data.length} bytes for a ${n * bs}-byte read at block ${start}`);
        return data;
      },
      (err: unknown) => {
        if (err instanceof StorageError) throw err; // the image failed: the VM stops with its typed error
        throw new FsError(EIO, `ext2: device read of ${n} block(s) at block ${start} failed: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
    const parts: Promise<Uint8Array>[] = [];
    for (let k = 0; k < n; k++) {
      const b = start + k;
      const p: Promise<Uint8Array> = whole.then(
        (data) => {
          // Copy out of a multi-block run so that a cached block never keeps
          // the whole run's buffer alive after its neighbours are evicted.
          const block = n === 1 ? data : data.slice(k * bs, (k + 1) * bs);
          // A block rewritten while this read was in flight keeps its new contents.
          if (this.inFlight.get(b) === p) {
            this.inFlight.delete(b);
            if (!this.dirty.has(b)) this.insert(b, block);
          }
          return block;
        },
        (err: unknown) => {
          if (this.inFlight.get(b) === p) this.inFlight.delete(b);
          throw err;
        },
      );
      this.inFlight.set(b, p);
      parts.push(p);
    }
    return parts;
  }

  private insert(block: number, data: Uint8Array): void {
    this.blocks.delete(block);
    this.blocks.set(block, data);
    while (this.blocks.size > this.capacity) {
      const oldest = this.blocks.keys().next().value as number;
      this.blocks.delete(oldest);
    }
  }
}
