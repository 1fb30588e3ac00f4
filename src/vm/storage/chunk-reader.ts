/**
 * Reads a read-only image made of fixed-size chunks fetched one at a time
 * (128 KiB HTTP ranges, or the files of a chunked image): a size-bounded LRU
 * of chunks in memory, one fetch per chunk however many readers want it,
 * at most `maxConcurrency` fetches at once (demand before read-ahead), and
 * read-ahead of the next chunks when reads walk forward.
 */
import type { BlockDevice } from './block-device.js';
import { StorageError } from './errors.js';

export interface ChunkReaderOptions {
  /** Bytes of fetched chunks kept in memory (default 64 MiB). */
  cacheBytes?: number;
  /** Fetches in flight at once (default 4). */
  maxConcurrency?: number;
  /** Chunks fetched ahead when reads are sequential (default 4; 0 = off). */
  readAhead?: number;
}

/** Fetch chunk `index` (its full length: `chunkSize`, or less for the last). */
export type FetchChunk = (index: number) => Promise<Uint8Array>;

export class ChunkReader implements BlockDevice {
  private readonly lru = new Map<number, Uint8Array>();
  private lruBytes = 0;
  private readonly inflight = new Map<number, Promise<Uint8Array>>();
  private active = 0;
  private readonly waiting: { prefetch: boolean; go: () => void }[] = [];
  private nextExpected = -1;
  private streak = 0;
  /** A failure that makes every later read wrong (the image changed): sticky. */
  private fatal: StorageError | null = null;
  private readonly cacheBytes: number;
  private readonly maxConcurrency: number;
  private readonly readAhead: number;

  constructor(
    readonly size: number,
    readonly chunkSize: number,
    private readonly fetchChunk: FetchChunk,
    opts: ChunkReaderOptions = {},
  ) {
    this.cacheBytes = opts.cacheBytes ?? 64 * 1024 * 1024;
    this.maxConcurrency = Math.max(1, opts.maxConcurrency ?? 4);
    this.readAhead = Math.max(0, opts.readAhead ?? 4);
  }

  get chunkCount(): number {
    return Math.ceil(this.size / this.chunkSize);
  }

  chunkLength(i: number): number {
    return Math.min(this.chunkSize, this.size - i * this.chunkSize);
  }

  /** Seed the cache with a chunk already in hand (the probe's first response). */
  prime(i: number, bytes: Uint8Array): void {
    this.remember(i, bytes);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new RangeError(`read of ${length} bytes at ${offset} is past the end of the ${this.size}-byte image`);
    }
    if (this.fatal) throw this.fatal;
    const out = new Uint8Array(length);
    if (length === 0) return out;
    const cs = this.chunkSize;
    const first = Math.floor(offset / cs);
    const last = Math.floor((offset + length - 1) / cs);
    this.noteAccess(first, last);
    const parts: Promise<void>[] = [];
    for (let i = first; i <= last; i++) {
      const from = Math.max(offset, i * cs);
      const to = Math.min(offset + length, (i + 1) * cs);
      const hit = this.lru.get(i);
      if (hit !== undefined) {
        this.touch(i, hit);
        out.set(hit.subarray(from - i * cs, to - i * cs), from - offset);
      } else {
        parts.push(this.chunk(i, false).then((c) => out.set(c.subarray(from - i * cs, to - i * cs), from - offset)));
      }
    }
    await Promise.all(parts);
    return out;
  }

  /** Sequential access (each read starts where the last ended, or in the same chunk) earns read-ahead. */
  private noteAccess(first: number, last: number): void {
    this.streak = first === this.nextExpected || first === this.nextExpected - 1 ? this.streak + 1 : 0;
    this.nextExpected = last + 1;
    if (this.streak < 2 || this.readAhead === 0) return;
    for (let i = last + 1; i <= last + this.readAhead && i < this.chunkCount; i++) {
      if (!this.lru.has(i) && !this.inflight.has(i)) this.chunk(i, true).catch(() => undefined);
    }
  }

  private chunk(i: number, prefetch: boolean): Promise<Uint8Array> {
    const have = this.inflight.get(i);
    if (have !== undefined) return have;
    const p = this.slot(prefetch)
      .then(() => {
        if (this.fatal) throw this.fatal;
        return this.fetchChunk(i);
      })
      .then(
        (bytes) => {
          this.release();
          this.inflight.delete(i);
          if (bytes.length !== this.chunkLength(i)) throw new Error(`chunk ${i}: fetched ${bytes.length} bytes, expected ${this.chunkLength(i)}`);
          this.remember(i, bytes);
          return bytes;
        },
        (e: unknown) => {
          this.release();
          this.inflight.delete(i);
          if (e instanceof StorageError && e.type === 'image-changed') this.fatal ??= e;
          throw e;
        },
      );
    this.inflight.set(i, p);
    return p;
  }

  private slot(prefetch: boolean): Promise<void> {
    if (this.active < this.maxConcurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((go) => {
      const w = { prefetch, go: () => go() };
      // Demand reads wait ahead of read-ahead.
      const at = prefetch ? -1 : this.waiting.findIndex((x) => x.prefetch);
      if (at < 0) this.waiting.push(w);
      else this.waiting.splice(at, 0, w);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next.go();
    else this.active--;
  }

  private remember(i: number, bytes: Uint8Array): void {
    const old = this.lru.get(i);
    if (old !== undefined) {
      this.lruBytes -= old.length;
      this.lru.delete(i);
    }
    this.lru.set(i, bytes);
    this.lruBytes += bytes.length;
    for (const [k, v] of this.lru) {
      if (this.lruBytes <= this.cacheBytes || this.lru.size <= 1) break;
      this.lru.delete(k);
      this.lruBytes -= v.length;
    }
  }

  private touch(i: number, bytes: Uint8Array): void {
    this.lru.delete(i);
    this.lru.set(i, bytes);
  }
}
