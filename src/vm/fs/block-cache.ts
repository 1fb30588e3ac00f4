/**
 * A bounded LRU cache of filesystem blocks over a BlockDevice, with
 * de-duplication of reads in flight: two callers asking for the same block
 * at the same time share one device read. Runs of contiguous blocks are
 * read with one device read (one HTTP range request for the HTTP device).
 *
 * Buffers handed out are shared with the cache and must not be modified.
 */

import { EIO } from '../kernel/abi/errno.js';
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
        if (nb !== b + n || this.blocks.has(nb) || this.inFlight.has(nb)) break;
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
        throw new FsError(EIO, `ext2: device read of ${n} block(s) at block ${start} failed: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
    const parts: Promise<Uint8Array>[] = [];
    for (let k = 0; k < n; k++) {
      const b = start + k;
      const p = whole.then(
        (data) => {
          // Copy out of a multi-block run so that a cached block never keeps
          // the whole run's buffer alive after its neighbours are evicted.
          const block = n === 1 ? data : data.slice(k * bs, (k + 1) * bs);
          this.inFlight.delete(b);
          this.insert(b, block);
          return block;
        },
        (err: unknown) => {
          this.inFlight.delete(b);
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
