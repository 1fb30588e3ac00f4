import { PAGE_SIZE } from './layout.js';
import type { PhysicalMemory } from './phys.js';
import type { FileSource } from './file-backing.js';

/**
 * The shared page cache of one file: the frames every MAP_SHARED mapping of
 * it maps (in any address space, no copy-on-write), as Linux's page cache.
 * Page i holds file bytes [i*4096, (i+1)*4096); it is read on first fault.
 *
 * There is no hardware dirty bit: each page keeps a copy of the bytes last
 * read from or written to the file (`clean`), and flush() writes back the
 * pages whose frame differs. The kernel flushes before every read of the
 * file (read(2), pread, a MAP_PRIVATE page-in), before truncate, on msync,
 * fsync and sync, and when the last mapping goes; write(2) updates the
 * frames as it writes the file. So read/write and the mappings stay coherent
 * as on Linux, where the page cache is the file.
 *
 * mem/ knows no filesystem: the kernel passes a Backing for the inode.
 */
export interface Backing {
  read(offset: number, length: number): Promise<Uint8Array>;
  write(offset: number, data: Uint8Array): Promise<number>;
  /** Current file size in bytes. */
  size(): number;
  /** The cache is gone (no pages, no mappings): the kernel may forget it. */
  dispose(): void;
}

interface CachedPage {
  frame: number;
  /** The file's bytes as last synced; null until loaded. */
  clean: Uint8Array | null;
  loading: Promise<void> | null;
  /** Bytes the kernel wrote before the page was read (1 = written): loading keeps them. */
  mask: Uint8Array | null;
}

/** Thrown by AddressSpace.pageIn for a shared page wholly past end of file: SIGBUS. */
export class BeyondEof extends Error {
  constructor(readonly addr: number) {
    super('access beyond the end of a shared file mapping');
  }
}

/** Some view of an address space the cache can unmap a page from (truncate). */
export interface SharedMapper {
  dropSharedPage(sf: SharedFile, offset: number): void;
}

/** Write-backs started by a release (munmap, exit) still in flight: sync waits for them. */
const pending = new Set<Promise<void>>();

export async function settleWritebacks(): Promise<void> {
  while (pending.size !== 0) await Promise.allSettled([...pending]);
}

export class SharedFile implements FileSource {
  private readonly pages = new Map<number, CachedPage>();
  private disposed = false;
  /** Address spaces that map (or mapped) this file. */
  readonly spaces = new Set<SharedMapper>();

  constructor(readonly phys: PhysicalMemory, readonly backing: Backing, readonly name: string) {}

  read(offset: number, length: number): Promise<Uint8Array> {
    return this.backing.read(offset, length);
  }

  get residentPages(): number {
    return this.pages.size;
  }

  private newPage(index: number): CachedPage | null {
    const f = this.phys.alloc();
    if (f < 0) return null;
    const p: CachedPage = { frame: f, clean: null, loading: null, mask: null };
    this.pages.set(index, p);
    return p;
  }

  private async load(index: number, p: CachedPage): Promise<void> {
    const data = await this.backing.read(index * PAGE_SIZE, PAGE_SIZE);
    const bytes = data.length > PAGE_SIZE ? data.subarray(0, PAGE_SIZE) : data;
    const base = this.phys.frameAddr(p.frame);
    const u8 = this.phys.u8;
    const clean = new Uint8Array(PAGE_SIZE);
    clean.set(bytes);
    if (p.mask === null) u8.set(bytes, base);
    else for (let k = 0; k < bytes.length; k++) if (p.mask[k] === 0) u8[base + k] = bytes[k];
    p.mask = null;
    p.clean = clean;
  }

  /**
   * The frame of page `index`, read from the file if needed, with a reference
   * taken for the caller (taken here: a trim between this and the caller's
   * resumption must not free it). -1: guest memory is exhausted. Throws BeyondEof
   * (with addr 0; the caller knows the address) when the page starts past EOF.
   */
  async frame(index: number): Promise<number> {
    for (;;) {
      if (index * PAGE_SIZE >= this.backing.size()) throw new BeyondEof(0);
      let p = this.pages.get(index);
      if (p === undefined) {
        const np = this.newPage(index);
        if (np === null) return -1;
        p = np;
      }
      if (p.clean !== null) {
        this.phys.ref(p.frame);
        return p.frame;
      }
      if (p.loading === null) {
        const q = p;
        q.loading = this.load(index, q).finally(() => {
          q.loading = null;
        });
      }
      try {
        await p.loading;
      } catch (e) {
        if (this.pages.get(index) === p && p.clean === null) {
          this.pages.delete(index);
          this.phys.unref(p.frame);
        }
        throw e;
      }
      // Truncated meanwhile: look again.
      if (this.pages.get(index) === p && p.clean !== null) {
        this.phys.ref(p.frame);
        return p.frame;
      }
    }
  }

  /** The frame page `index` has or will have, or -1 when it is not cached. */
  residentFrame(index: number): number {
    return this.pages.get(index)?.frame ?? -1;
  }

  /**
   * A kernel store into page `index` not read yet (read(2) into a buffer in a
   * shared mapping): the bytes go into the cache frame now and survive its
   * loading. False when guest memory is exhausted.
   */
  storeBeforeLoad(index: number, off: number, bytes: Uint8Array): boolean {
    let p = this.pages.get(index);
    if (p === undefined) {
      const np = this.newPage(index);
      if (np === null) return false;
      p = np;
    }
    this.phys.u8.set(bytes, this.phys.frameAddr(p.frame) + off);
    if (p.clean === null) {
      p.mask ??= new Uint8Array(PAGE_SIZE);
      p.mask.fill(1, off, off + bytes.length);
    }
    return true;
  }

  /** Indices of the loaded pages whose bytes within the file's size differ from it. */
  private dirtyPages(): number[] {
    const size = this.backing.size();
    const out: number[] = [];
    const u8 = this.phys.u8;
    for (const [index, p] of this.pages) {
      if (p.clean === null) continue;
      const len = Math.min(PAGE_SIZE, size - index * PAGE_SIZE);
      if (len <= 0) continue;
      const base = this.phys.frameAddr(p.frame);
      for (let k = 0; k < len; k++) {
        if (u8[base + k] !== p.clean[k]) {
          out.push(index);
          break;
        }
      }
    }
    return out;
  }

  /** The write-back in progress, if any: flushes run one after another. */
  private writing: Promise<void> = Promise.resolve();

  /**
   * Write every page that differs from the file back to it (within the
   * file's size); settles when those bytes and any earlier flush's are in.
   */
  flush(): Promise<void> {
    const run = this.writing.then(() => this.writeBack());
    this.writing = run.catch(() => {});
    return run;
  }

  private async writeBack(): Promise<void> {
    for (const index of this.dirtyPages()) {
      const p = this.pages.get(index);
      if (p === undefined || p.clean === null) continue;
      const len = Math.min(PAGE_SIZE, this.backing.size() - index * PAGE_SIZE);
      if (len <= 0) continue;
      const base = this.phys.frameAddr(p.frame);
      const snap = this.phys.u8.slice(base, base + len);
      p.clean.set(snap);
      await this.backing.write(index * PAGE_SIZE, snap);
    }
  }

  /** write(2) of `data` at `offset`: cached pages take the same bytes (before the file does). */
  noteWrite(offset: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) {
      const at = offset + done;
      const index = Math.floor(at / PAGE_SIZE);
      const off = at % PAGE_SIZE;
      const n = Math.min(data.length - done, PAGE_SIZE - off);
      const p = this.pages.get(index);
      if (p !== undefined) {
        const chunk = data.subarray(done, done + n);
        this.phys.u8.set(chunk, this.phys.frameAddr(p.frame) + off);
        if (p.clean !== null) p.clean.set(chunk, off);
        else {
          p.mask ??= new Uint8Array(PAGE_SIZE);
          p.mask.fill(1, off, off + n);
        }
      }
      done += n;
    }
  }

  /**
   * The file is now `size` bytes (truncate, either way): pages past the end
   * leave every mapping (a later access there is SIGBUS) and the cache; the
   * part of the last page past the end reads as zero, as Linux zeroes it.
   */
  truncated(size: number): void {
    const keep = Math.ceil(size / PAGE_SIZE);
    for (const [index, p] of [...this.pages]) {
      if (index >= keep) {
        for (const s of this.spaces) s.dropSharedPage(this, index * PAGE_SIZE);
        this.pages.delete(index);
        this.phys.unref(p.frame);
      } else if (index === keep - 1 && size % PAGE_SIZE !== 0) {
        const base = this.phys.frameAddr(p.frame);
        this.phys.u8.fill(0, base + (size % PAGE_SIZE), base + PAGE_SIZE);
        p.clean?.fill(0, size % PAGE_SIZE);
      }
    }
  }

  /**
   * A mapping went (munmap, exit, exec): write back what changed, then free
   * the frames no mapping holds any more.
   */
  released(): void {
    const w = this.flush()
      .then(() => this.trim())
      .finally(() => pending.delete(w));
    pending.add(w);
  }

  /** Free frames only the cache holds whose bytes are in the file; dispose when empty and unmapped. */
  trim(): void {
    const dirty = new Set(this.dirtyPages());
    for (const [index, p] of [...this.pages]) {
      if (p.clean === null || p.loading !== null || dirty.has(index)) continue;
      if (this.phys.refCount(p.frame) !== 1) continue;
      this.pages.delete(index);
      this.phys.unref(p.frame);
    }
    if (this.pages.size === 0 && this.spaces.size === 0 && !this.disposed) {
      this.disposed = true;
      this.backing.dispose();
    }
  }
}
