import { CpuFault, FaultKind, Vector } from './fault.js';
import { PAGE_SHIFT, PAGE_SIZE } from './layout.js';
import { PhysicalMemory } from './phys.js';
import { Tlb } from './tlb.js';
import { pageInStats, type FilePage, type FileSource } from './file-backing.js';
import { BeyondEof, SharedFile, type SharedMapper } from './page-cache.js';

/** Page-table entry bits; the frame index sits above bit 12. */
export const PTE_VALID = 1; // mapped by some mapping (may not have a frame yet)
export const PTE_READ = 2;
export const PTE_WRITE = 4;
export const PTE_EXEC = 8;
export const PTE_PRESENT = 16; // a frame is attached
export const PTE_COW = 32; // frame shared; copy before the first write
/** Not present yet, and its first contents come from a file (see `filePages`), not zeros. */
export const PTE_FILE = 64;
/** MAP_SHARED anonymous memory: the frame stays shared after fork (no COW). */
export const PTE_SHARED = 128;
/** A shared mapping of a file not open for writing: mprotect may not make it writable. */
export const PTE_NOWRITE = 256;
/*
 * PTE_FILE together with PTE_PRESENT: the kernel wrote some bytes of a file
 * page before it was read (read(2) into a buffer in a file mapping). The
 * frame holds those bytes and `partial` says which; page-in fills in the rest
 * from the file. Kernel writes must not wait for a page: the syscall has
 * already had its effect (consumed input, moved a file offset) and cannot be
 * retried.
 */

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

export const ACCESS_READ = 0;
export const ACCESS_WRITE = 1;
export const ACCESS_EXEC = 2;

/** One line of /proc/<pid>/maps (see AddressSpace.mappings). */
export interface MappingInfo {
  start: number;
  end: number;
  /** PROT_* bits. */
  prot: number;
  /** MAP_SHARED memory ('s' in maps), else private ('p'). */
  shared: boolean;
  name: string;
  offset: number;
}

/** Told when a page that held decoded code is written or unmapped. */
export interface CodeWatcher {
  invalidatePage(vpn: number): void;
}

function protToPte(prot: number): number {
  // x86 paging cannot express write-only or exec-only: both imply read.
  let p = 0;
  if (prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) p |= PTE_READ;
  if (prot & PROT_WRITE) p |= PTE_WRITE;
  if (prot & PROT_EXEC) p |= PTE_EXEC;
  return p;
}

/**
 * A byte per 4 KiB page of the 4 GiB space, stored a 4 MiB region (1024
 * pages) at a time as pages are set: a flat 1 MiB array per address space
 * would cost a fork bomb a megabyte a process.
 */
export class SparsePageBytes {
  private readonly regions: (Uint8Array | undefined)[] = new Array(1024).fill(undefined);
  get(vpn: number): number {
    const r = this.regions[vpn >>> 10];
    return r === undefined ? 0 : r[vpn & 1023];
  }
  set(vpn: number, v: number): void {
    let r = this.regions[vpn >>> 10];
    if (r === undefined) {
      if (v === 0) return;
      r = this.regions[vpn >>> 10] = new Uint8Array(1024);
    }
    r[vpn & 1023] = v;
  }
  clear(): void {
    this.regions.fill(undefined);
  }
}

/**
 * A guest's 4 GiB linear address space: a two-level table of 4 KiB pages
 * mapping to frames of the VM's PhysicalMemory, with permissions and
 * copy-on-write. Frames are attached lazily on first touch (demand zero).
 */
export class AddressSpace implements SharedMapper {
  private readonly dirs: (Int32Array | undefined)[] = new Array(1024).fill(undefined);
  /** Pages holding decoded code: their TLB write entries are withheld. */
  readonly codePages = new SparsePageBytes();
  codeWatcher: CodeWatcher | null = null;
  /** Whether this space is the one loaded in the TLB. */
  active = false;
  brkStart = 0;
  brk = 0;
  /** Top of the region searched downwards for mmap placements. */
  mmapTop = 0xf7ff0000;
  /**
   * File origin of every page of a file mapping, kept after the page is read
   * so MADV_DONTNEED can make it read from the file again (as Linux does for
   * MAP_PRIVATE file mappings). Removed when the page is unmapped or remapped.
   */
  readonly filePages = new Map<number, FilePage>();
  /** Bytes written by the kernel into file pages not read yet (1 = written). */
  private readonly partial = new Map<number, Uint8Array>();
  /** Files this space maps MAP_SHARED (their page caches), see mapSharedFile. */
  private readonly sharedFiles = new Set<SharedFile>();

  constructor(readonly phys: PhysicalMemory, readonly tlb: Tlb) {}

  pte(vpn: number): number {
    const d = this.dirs[vpn >>> 10];
    return d === undefined ? 0 : d[vpn & 1023];
  }

  private setPte(vpn: number, v: number): void {
    let d = this.dirs[vpn >>> 10];
    if (d === undefined) {
      if (v === 0) return;
      d = this.dirs[vpn >>> 10] = new Int32Array(1024);
    }
    d[vpn & 1023] = v;
  }

  activate(): void {
    this.tlb.flushAll();
    this.active = true;
  }

  deactivate(): void {
    this.active = false;
  }

  private flushPage(vpn: number): void {
    if (this.active) this.tlb.flushPage(vpn);
  }

  /**
   * Resolve a page for an access, attaching or copying its frame as needed,
   * fill the TLB, and return the frame's byte offset. Throws CpuFault (#PF).
   */
  fill(addr: number, access: number): number {
    const vpn = addr >>> PAGE_SHIFT;
    let pte = this.pte(vpn);
    if ((pte & PTE_VALID) === 0) throw new CpuFault(Vector.PF, addr >>> 0, FaultKind.Unmapped, access);
    if (
      (pte & PTE_READ) === 0 ||
      (access === ACCESS_WRITE && (pte & PTE_WRITE) === 0) ||
      (access === ACCESS_EXEC && (pte & PTE_EXEC) === 0)
    ) {
      throw new CpuFault(Vector.PF, addr >>> 0, FaultKind.Protection, access);
    }
    const phys = this.phys;
    if (pte & PTE_FILE) throw new CpuFault(Vector.PF, addr >>> 0, FaultKind.NeedsPage, access);
    if ((pte & PTE_PRESENT) === 0) {
      const f = phys.alloc();
      if (f < 0) throw new CpuFault(Vector.PF, addr >>> 0, FaultKind.OutOfMemory, access);
      pte = (f << PAGE_SHIFT) | (pte & 0xfff) | PTE_PRESENT;
      this.setPte(vpn, pte);
    }
    if (access === ACCESS_WRITE) {
      if (pte & PTE_COW) {
        const f = pte >>> PAGE_SHIFT;
        if (phys.refCount(f) > 1) {
          const nf = phys.alloc();
          if (nf < 0) throw new CpuFault(Vector.PF, addr >>> 0, FaultKind.OutOfMemory, access);
          const src = phys.frameAddr(f);
          phys.u8.copyWithin(phys.frameAddr(nf), src, src + PAGE_SIZE);
          phys.unref(f);
          pte = (nf << PAGE_SHIFT) | (pte & 0xfff);
        }
        pte &= ~PTE_COW;
        this.setPte(vpn, pte);
      }
      if (this.codePages.get(vpn) !== 0) {
        this.codePages.set(vpn, 0);
        if (this.codeWatcher !== null) this.codeWatcher.invalidatePage(vpn);
      }
    }
    const base = phys.frameAddr(pte >>> PAGE_SHIFT);
    if (this.active) {
      const writable = (pte & (PTE_WRITE | PTE_COW)) === PTE_WRITE && this.codePages.get(vpn) === 0;
      this.tlb.fill(vpn, base, writable);
    }
    return base;
  }

  /** Record that decoded code came from page `vpn`: writes there must take the slow path. */
  markCode(vpn: number): void {
    if (this.codePages.get(vpn) === 0) {
      this.codePages.set(vpn, 1);
      if (this.active) this.tlb.dropWrite(vpn);
    }
  }

  /** Whether [start, start+len) is entirely unmapped. */
  isFree(start: number, len: number): boolean {
    const first = start >>> PAGE_SHIFT;
    const n = Math.ceil(len / PAGE_SIZE);
    for (let i = 0; i < n; i++) if (this.pte(first + i) & PTE_VALID) return false;
    return true;
  }

  /** Highest free page-aligned range of `len` bytes below mmapTop, or -1. */
  findFree(len: number, below = this.mmapTop, above = 0x10000): number {
    const n = Math.ceil(len / PAGE_SIZE);
    let run = 0;
    for (let vpn = (below >>> PAGE_SHIFT) - 1; vpn >= above >>> PAGE_SHIFT; vpn--) {
      if ((vpn & 1023) === 1023 && this.dirs[vpn >>> 10] === undefined) {
        run += 1024;
        if (run >= n) return (vpn - 1023 + (run - n)) * PAGE_SIZE;
        vpn -= 1023;
        continue;
      }
      if (this.pte(vpn) & PTE_VALID) run = 0;
      else if (++run >= n) return vpn * PAGE_SIZE;
    }
    return -1;
  }

  /** Map anonymous zero-fill pages, replacing whatever was there. */
  map(start: number, len: number, prot: number): void {
    this.unmap(start, len);
    const first = start >>> PAGE_SHIFT;
    const n = Math.ceil(len / PAGE_SIZE);
    const bits = PTE_VALID | protToPte(prot);
    for (let i = 0; i < n; i++) this.setPte(first + i, bits);
  }

  unmap(start: number, len: number): void {
    const first = start >>> PAGE_SHIFT;
    const n = Math.ceil(len / PAGE_SIZE);
    let gone: Set<SharedFile> | null = null;
    for (let i = 0; i < n; i++) {
      const vpn = first + i;
      const pte = this.pte(vpn);
      if (pte === 0) continue;
      if (pte & PTE_PRESENT) this.phys.unref(pte >>> PAGE_SHIFT);
      this.setPte(vpn, 0);
      if (this.filePages.size !== 0) {
        const src = this.filePages.get(vpn)?.src;
        if (src instanceof SharedFile) (gone ??= new Set()).add(src);
        this.filePages.delete(vpn);
        this.partial.delete(vpn);
      }
      this.flushPage(vpn);
      if (this.codePages.get(vpn) !== 0) {
        this.codePages.set(vpn, 0);
        if (this.codeWatcher !== null) this.codeWatcher.invalidatePage(vpn);
      }
    }
    if (gone !== null) this.releaseShared(gone);
  }

  /** Shared files some of whose pages this space just unmapped: tell those it maps no more. */
  private releaseShared(files: Set<SharedFile>): void {
    const still = new Set<SharedFile>();
    for (const fp of this.filePages.values()) if (fp.src instanceof SharedFile && files.has(fp.src)) still.add(fp.src);
    for (const sf of files) {
      if (!still.has(sf)) {
        this.sharedFiles.delete(sf);
        sf.spaces.delete(this);
      }
      sf.released();
    }
  }

  /**
   * MAP_SHARED of a file: every page maps the file's page-cache frame
   * (`sf`), attached on first touch (NeedsPage → pageIn), never copied.
   */
  mapSharedFile(start: number, len: number, prot: number, sf: SharedFile, offset: number, mayWrite: boolean): void {
    this.unmap(start, len);
    const first = start >>> PAGE_SHIFT;
    const n = Math.ceil(len / PAGE_SIZE);
    const bits = PTE_VALID | PTE_FILE | PTE_SHARED | protToPte(prot) | (mayWrite ? 0 : PTE_NOWRITE);
    for (let i = 0; i < n; i++) {
      this.setPte(first + i, bits);
      this.filePages.set(first + i, { src: sf, offset: offset + i * PAGE_SIZE, length: PAGE_SIZE });
    }
    this.sharedFiles.add(sf);
    sf.spaces.add(this);
  }

  /**
   * The frame behind a MAP_SHARED page (process-shared futex keys), or -1 for
   * a private page or a shared file page nobody has read (no one can wait on it).
   */
  sharedFrame(vpn: number): number {
    const pte = this.pte(vpn);
    if ((pte & PTE_SHARED) === 0) return -1;
    if (pte & PTE_PRESENT) return pte >>> PAGE_SHIFT;
    const fp = this.filePages.get(vpn);
    return fp !== undefined && fp.src instanceof SharedFile ? fp.src.residentFrame(fp.offset / PAGE_SIZE) : -1;
  }

  /** The file shrank past `offset`: its page leaves this space's mappings (SIGBUS on access). */
  dropSharedPage(sf: SharedFile, offset: number): void {
    for (const [vpn, fp] of this.filePages) {
      if (fp.src !== sf || fp.offset !== offset) continue;
      const pte = this.pte(vpn);
      if ((pte & PTE_PRESENT) === 0) continue;
      this.phys.unref(pte >>> PAGE_SHIFT);
      this.setPte(vpn, (pte & 0xfff & ~PTE_PRESENT) | PTE_FILE);
      this.flushPage(vpn);
      if (this.codePages.get(vpn) !== 0) {
        this.codePages.set(vpn, 0);
        if (this.codeWatcher !== null) this.codeWatcher.invalidatePage(vpn);
      }
    }
  }

  /** Whether mprotect may make [start, start+len) writable (not a shared mapping of a read-only file). */
  mayWrite(start: number, len: number): boolean {
    const first = start >>> PAGE_SHIFT;
    const n = Math.ceil(len / PAGE_SIZE);
    for (let i = 0; i < n; i++) if (this.pte(first + i) & PTE_NOWRITE) return false;
    return true;
  }

  /** Change permissions; returns false if some page in the range is unmapped (ENOMEM). */
  protect(start: number, len: number, prot: number): boolean {
    const first = start >>> PAGE_SHIFT;
    const n = Math.ceil(len / PAGE_SIZE);
    for (let i = 0; i < n; i++) if ((this.pte(first + i) & PTE_VALID) === 0) return false;
    const bits = protToPte(prot);
    for (let i = 0; i < n; i++) {
      const vpn = first + i;
      const pte = this.pte(vpn);
      this.setPte(vpn, (pte & ~(PTE_READ | PTE_WRITE | PTE_EXEC)) | bits);
      this.flushPage(vpn);
      if ((bits & PTE_EXEC) === 0 && this.codePages.get(vpn) !== 0) {
        this.codePages.set(vpn, 0);
        if (this.codeWatcher !== null) this.codeWatcher.invalidatePage(vpn);
      }
    }
    return true;
  }

  /** MADV_DONTNEED: drop frames so the pages read as zero again, keeping the mapping. */
  discard(start: number, len: number): void {
    const first = start >>> PAGE_SHIFT;
    const n = Math.ceil(len / PAGE_SIZE);
    for (let i = 0; i < n; i++) {
      const vpn = first + i;
      const pte = this.pte(vpn);
      // MAP_SHARED memory keeps its contents (Linux: the pages stay in the shmem object).
      if ((pte & PTE_PRESENT) === 0 || (pte & PTE_SHARED) !== 0) continue;
      this.phys.unref(pte >>> PAGE_SHIFT);
      // A file page goes back to the file's bytes; an anonymous one to zeros.
      this.setPte(vpn, (pte & 0xfff & ~(PTE_PRESENT | PTE_COW | PTE_FILE)) | (this.filePages.has(vpn) ? PTE_FILE : 0));
      this.partial.delete(vpn);
      this.flushPage(vpn);
      if (this.codePages.get(vpn) !== 0) {
        this.codePages.set(vpn, 0);
        if (this.codeWatcher !== null) this.codeWatcher.invalidatePage(vpn);
      }
    }
  }

  /** mremap in place: extend [start, start+oldLen) to newLen with the first page's permissions. */
  growLike(start: number, oldLen: number, newLen: number): void {
    const bits = this.pte(start >>> PAGE_SHIFT) & (PTE_VALID | PTE_READ | PTE_WRITE | PTE_EXEC);
    const first = (start + oldLen) >>> PAGE_SHIFT;
    const n = (newLen - oldLen) / PAGE_SIZE;
    for (let i = 0; i < n; i++) this.setPte(first + i, bits);
    this.continueFile(first - 1, first, n);
  }

  /**
   * mremap growing a file mapping: the new pages map the file's next pages
   * (past end of file they read as zero). `last` is the old mapping's last page.
   */
  private continueFile(last: number, first: number, n: number): void {
    const fp = this.filePages.get(last);
    if (fp === undefined || fp.length !== PAGE_SIZE) return;
    for (let i = 0; i < n; i++) {
      this.setPte(first + i, this.pte(first + i) | PTE_FILE | (fp.src instanceof SharedFile ? PTE_SHARED : 0));
      this.filePages.set(first + i, { src: fp.src, offset: fp.offset + (first + i - last) * PAGE_SIZE, length: PAGE_SIZE });
    }
  }

  /** mremap that moves: page-table entries (and their frames) move to `to`. */
  move(from: number, oldLen: number, to: number, newLen: number): void {
    const n = oldLen / PAGE_SIZE;
    const bits = this.pte(from >>> PAGE_SHIFT) & (PTE_VALID | PTE_READ | PTE_WRITE | PTE_EXEC);
    for (let i = 0; i < n; i++) {
      const src = (from >>> PAGE_SHIFT) + i;
      const pte = this.pte(src);
      const fp = this.filePages.get(src);
      this.setPte((to >>> PAGE_SHIFT) + i, pte);
      this.setPte(src, 0);
      if (fp !== undefined) {
        this.filePages.delete(src);
        this.filePages.set((to >>> PAGE_SHIFT) + i, fp);
        const m = this.partial.get(src);
        if (m !== undefined) {
          this.partial.delete(src);
          this.partial.set((to >>> PAGE_SHIFT) + i, m);
        }
      }
      this.flushPage(src);
      if (this.codePages.get(src) !== 0) {
        this.codePages.set(src, 0);
        if (this.codeWatcher !== null) this.codeWatcher.invalidatePage(src);
      }
    }
    for (let i = n; i < newLen / PAGE_SIZE; i++) this.setPte((to >>> PAGE_SHIFT) + i, bits);
    if (newLen > oldLen) this.continueFile((to >>> PAGE_SHIFT) + n - 1, (to >>> PAGE_SHIFT) + n, newLen / PAGE_SIZE - n);
  }

  /**
   * MAP_SHARED|MAP_ANONYMOUS: zeroed frames attached now (not on first touch),
   * so a fork that happens before the first write still shares them. Returns
   * false, mapping nothing, when guest memory cannot hold them.
   */
  mapShared(start: number, len: number, prot: number): boolean {
    const n = Math.ceil(len / PAGE_SIZE);
    this.unmap(start, len);
    const first = start >>> PAGE_SHIFT;
    const bits = PTE_VALID | PTE_PRESENT | PTE_SHARED | protToPte(prot);
    for (let i = 0; i < n; i++) {
      const f = this.phys.alloc();
      if (f < 0) {
        this.unmap(start, i * PAGE_SIZE);
        return false;
      }
      this.setPte(first + i, (f << PAGE_SHIFT) | bits);
    }
    return true;
  }

  /**
   * Map [start, start+len) private to this space with contents from a file:
   * page i starts at file byte `offset + i*4096` and takes at most
   * `fileBytes - i*4096` bytes from it (the rest of the page is zero, as the
   * bss tail of an ELF segment must be). Nothing is read now: each page is
   * read when first touched (fill() → NeedsPage → pageIn()).
   */
  mapFile(start: number, len: number, prot: number, src: FileSource, offset: number, fileBytes: number): void {
    this.unmap(start, len);
    const first = start >>> PAGE_SHIFT;
    const n = Math.ceil(len / PAGE_SIZE);
    const bits = PTE_VALID | protToPte(prot);
    for (let i = 0; i < n; i++) {
      const take = Math.min(PAGE_SIZE, fileBytes - i * PAGE_SIZE);
      if (take <= 0) {
        this.setPte(first + i, bits);
        continue;
      }
      this.setPte(first + i, bits | PTE_FILE);
      this.filePages.set(first + i, { src, offset: offset + i * PAGE_SIZE, length: take });
    }
  }

  /** Whether the page holding `addr` is a file page not read yet. */
  needsPage(addr: number): boolean {
    return (this.pte(addr >>> PAGE_SHIFT) & PTE_FILE) !== 0;
  }

  /**
   * Read the file page holding `addr` into a fresh frame. Resolves true when
   * the page is resident (or no longer needs reading: unmapped or remapped
   * meanwhile — the retried access then meets whatever is there now), false
   * when guest memory is exhausted. Rejects when the file cannot be read.
   */
  async pageIn(addr: number): Promise<boolean> {
    const vpn = addr >>> PAGE_SHIFT;
    const fp = this.filePages.get(vpn);
    if (fp === undefined || !this.needsPage(addr)) return true;
    if (fp.src instanceof SharedFile) {
      let f: number;
      try {
        f = await fp.src.frame(fp.offset / PAGE_SIZE);
      } catch (e) {
        if (e instanceof BeyondEof) throw new BeyondEof(addr >>> 0);
        throw e;
      }
      if (f < 0) return false;
      if (this.filePages.get(vpn) !== fp || !this.needsPage(addr)) {
        this.phys.unref(f);
        return true;
      }
      this.setPte(vpn, (f << PAGE_SHIFT) | (this.pte(vpn) & 0xfff & ~PTE_FILE) | PTE_PRESENT);
      return true;
    }
    const data = await fp.src.read(fp.offset, fp.length);
    // The mapping may have changed while the read was in flight.
    if (this.filePages.get(vpn) !== fp || !this.needsPage(addr)) return true;
    const bytes = data.length > PAGE_SIZE ? data.subarray(0, PAGE_SIZE) : data;
    const pte = this.pte(vpn);
    const u8 = this.phys.u8;
    if (pte & PTE_PRESENT) {
      // Merge around what the kernel already wrote there.
      const base = this.phys.frameAddr(pte >>> PAGE_SHIFT);
      const mask = this.partial.get(vpn)!;
      for (let k = 0; k < bytes.length; k++) if (mask[k] === 0) u8[base + k] = bytes[k];
      this.partial.delete(vpn);
      this.setPte(vpn, pte & ~PTE_FILE);
    } else {
      const f = this.phys.alloc();
      if (f < 0) return false;
      // alloc() hands out zeroed frames; a short read (file shrank) leaves zeros.
      u8.set(bytes, this.phys.frameAddr(f));
      this.setPte(vpn, (f << PAGE_SHIFT) | (pte & 0xfff & ~PTE_FILE) | PTE_PRESENT);
    }
    pageInStats.pages++;
    pageInStats.bytes += data.length;
    return true;
  }

  /**
   * fork(): a copy-on-write duplicate of this space. Frames are shared and
   * both sides copy before their first write (the parent's TLB write entries
   * are dropped); file pages not read yet stay file pages in both.
   */
  fork(): AddressSpace {
    const c = new AddressSpace(this.phys, this.tlb);
    c.brkStart = this.brkStart;
    c.brk = this.brk;
    c.mmapTop = this.mmapTop;
    for (const [vpn, fp] of this.filePages) c.filePages.set(vpn, fp);
    for (const [vpn, m] of this.partial) c.partial.set(vpn, m.slice());
    for (const sf of this.sharedFiles) {
      c.sharedFiles.add(sf);
      sf.spaces.add(c);
    }
    for (let d = 0; d < 1024; d++) {
      const dir = this.dirs[d];
      if (dir === undefined) continue;
      const cd = new Int32Array(1024);
      for (let i = 0; i < 1024; i++) {
        let pte = dir[i];
        if ((pte & (PTE_PRESENT | PTE_FILE)) === (PTE_PRESENT | PTE_FILE)) {
          // Half-written file page: page-in writes into the frame, so it cannot be shared.
          const nf = this.phys.alloc();
          if (nf < 0) {
            c.dirs[d] = cd;
            c.destroy();
            throw new CpuFault(Vector.PF, 0, FaultKind.OutOfMemory, ACCESS_WRITE);
          }
          const from = this.phys.frameAddr(pte >>> PAGE_SHIFT);
          this.phys.u8.copyWithin(this.phys.frameAddr(nf), from, from + PAGE_SIZE);
          cd[i] = (nf << PAGE_SHIFT) | (pte & 0xfff);
          continue;
        }
        if (pte & PTE_PRESENT) {
          // Every shared frame is COW, writable or not (a later mprotect may make it
          // writable) — except MAP_SHARED memory, which both sides keep writing.
          this.phys.ref(pte >>> PAGE_SHIFT);
          if ((pte & PTE_SHARED) === 0) {
            pte |= PTE_COW;
            dir[i] = pte;
          }
        }
        cd[i] = pte;
      }
      c.dirs[d] = cd;
    }
    if (this.active) this.tlb.flushAll();
    return c;
  }

  /**
   * The mapped ranges, lowest first, for /proc/<pid>/maps: runs of pages with
   * the same permissions and backing (the same file at consecutive offsets,
   * MAP_SHARED memory, or private anonymous memory) — adjacent mappings that
   * agree merge, as Linux merges its VMAs. `name` is the file's, '[heap]' for
   * the brk area, '' for other anonymous memory; `offset` is the file offset
   * of `start`.
   */
  mappings(): MappingInfo[] {
    const out: MappingInfo[] = [];
    let cur: MappingInfo | null = null;
    let curSrc: FileSource | null = null;
    const heapLo = this.brkStart >>> PAGE_SHIFT;
    const heapHi = Math.ceil(this.brk / PAGE_SIZE);
    for (let d = 0; d < 1024; d++) {
      const dir = this.dirs[d];
      if (dir === undefined) {
        cur = null;
        continue;
      }
      for (let i = 0; i < 1024; i++) {
        const pte = dir[i];
        if ((pte & PTE_VALID) === 0) {
          cur = null;
          continue;
        }
        const vpn = (d << 10) | i;
        const prot = (pte & PTE_READ ? PROT_READ : 0) | (pte & PTE_WRITE ? PROT_WRITE : 0) | (pte & PTE_EXEC ? PROT_EXEC : 0);
        const shared = (pte & PTE_SHARED) !== 0;
        const fp = this.filePages.get(vpn);
        const src = fp?.src ?? null;
        const offset = fp?.offset ?? 0;
        const name = src !== null ? src.name : vpn >= heapLo && vpn < heapHi ? '[heap]' : '';
        if (
          cur !== null &&
          cur.prot === prot &&
          cur.shared === shared &&
          curSrc === src &&
          cur.name === name &&
          (src === null || cur.offset + (vpn * PAGE_SIZE - cur.start) === offset)
        ) {
          cur.end = (vpn + 1) * PAGE_SIZE;
          continue;
        }
        cur = { start: vpn * PAGE_SIZE, end: (vpn + 1) * PAGE_SIZE, prot, shared, name, offset };
        curSrc = src;
        out.push(cur);
      }
    }
    return out;
  }

  /** Pages with a frame attached (the resident set, ru_maxrss / VmRSS). */
  residentPages(): number {
    let n = 0;
    for (let d = 0; d < 1024; d++) {
      const dir = this.dirs[d];
      if (dir === undefined) continue;
      for (let i = 0; i < 1024; i++) if (dir[i] & PTE_PRESENT) n++;
    }
    return n;
  }

  /** Release every frame (process exit or exec). */
  destroy(): void {
    for (let d = 0; d < 1024; d++) {
      const dir = this.dirs[d];
      if (dir === undefined) continue;
      for (let i = 0; i < 1024; i++) {
        const pte = dir[i];
        if (pte & PTE_PRESENT) this.phys.unref(pte >>> PAGE_SHIFT);
      }
      this.dirs[d] = undefined;
    }
    this.filePages.clear();
    this.partial.clear();
    this.codePages.clear();
    if (this.active) this.tlb.flushAll();
    for (const sf of this.sharedFiles) {
      sf.spaces.delete(this);
      sf.released();
    }
    this.sharedFiles.clear();
  }

  /** Copy bytes in regardless of page protection (the ELF loader filling read-only text). */
  load(addr: number, data: Uint8Array): void {
    const u8 = this.phys.u8;
    let done = 0;
    while (done < data.length) {
      const a = (addr + done) >>> 0;
      const vpn = a >>> PAGE_SHIFT;
      const off = a & (PAGE_SIZE - 1);
      const n = Math.min(data.length - done, PAGE_SIZE - off);
      const pte = this.pte(vpn);
      if ((pte & PTE_VALID) === 0) throw new Error(`load into unmapped page 0x${vpn.toString(16)}`);
      this.setPte(vpn, pte | PTE_READ);
      const base = this.fill(a, ACCESS_READ);
      this.setPte(vpn, this.pte(vpn) & ~PTE_READ | (pte & PTE_READ));
      u8.set(data.subarray(done, done + n), base + off);
      if (this.active) this.flushPage(vpn);
      if (this.codePages.get(vpn) !== 0) {
        this.codePages.set(vpn, 0);
        if (this.codeWatcher !== null) this.codeWatcher.invalidatePage(vpn);
      }
      done += n;
    }
  }

  // ---- Access from the kernel (syscall buffers). Faults become EFAULT there. ----

  /** Copy `len` guest bytes at `addr` out. Throws CpuFault on a bad address. */
  read(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    const u8 = this.phys.u8;
    let done = 0;
    while (done < len) {
      const a = (addr + done) >>> 0;
      const off = a & (PAGE_SIZE - 1);
      const n = Math.min(len - done, PAGE_SIZE - off);
      const base = this.fill(a, ACCESS_READ);
      out.set(u8.subarray(base + off, base + off + n), done);
      done += n;
    }
    return out;
  }

  write(addr: number, data: Uint8Array): void {
    const u8 = this.phys.u8;
    let done = 0;
    const len = data.length;
    while (done < len) {
      const a = (addr + done) >>> 0;
      const off = a & (PAGE_SIZE - 1);
      const n = Math.min(len - done, PAGE_SIZE - off);
      const pte = this.pte(a >>> PAGE_SHIFT);
      if ((pte & (PTE_FILE | PTE_VALID | PTE_WRITE)) === (PTE_FILE | PTE_VALID | PTE_WRITE)) {
        this.writeUnread(a, data.subarray(done, done + n));
      } else {
        const base = this.fill(a, ACCESS_WRITE);
        u8.set(data.subarray(done, done + n), base + off);
      }
      done += n;
    }
  }

  /** A kernel write into a writable file page not read yet (see PTE_FILE). */
  private writeUnread(a: number, bytes: Uint8Array): void {
    const vpn = a >>> PAGE_SHIFT;
    let pte = this.pte(vpn);
    const fp = this.filePages.get(vpn);
    if (fp !== undefined && fp.src instanceof SharedFile) {
      if (!fp.src.storeBeforeLoad(fp.offset / PAGE_SIZE, a & (PAGE_SIZE - 1), bytes)) throw new CpuFault(Vector.PF, a, FaultKind.OutOfMemory, ACCESS_WRITE);
      return;
    }
    if ((pte & PTE_PRESENT) === 0) {
      const f = this.phys.alloc();
      if (f < 0) throw new CpuFault(Vector.PF, a, FaultKind.OutOfMemory, ACCESS_WRITE);
      pte = (f << PAGE_SHIFT) | (pte & 0xfff) | PTE_PRESENT;
      this.setPte(vpn, pte);
      this.partial.set(vpn, new Uint8Array(PAGE_SIZE));
    }
    const off = a & (PAGE_SIZE - 1);
    this.phys.u8.set(bytes, this.phys.frameAddr(pte >>> PAGE_SHIFT) + off);
    this.partial.get(vpn)!.fill(1, off, off + bytes.length);
    if (this.codePages.get(vpn) !== 0) {
      this.codePages.set(vpn, 0);
      if (this.codeWatcher !== null) this.codeWatcher.invalidatePage(vpn);
    }
  }

  read32(addr: number): number {
    if ((addr & 0xfff) <= 0xffc) return this.phys.dv.getInt32(this.fill(addr, ACCESS_READ) + (addr & 0xfff), true);
    const b = this.read(addr, 4);
    return b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24);
  }

  write32(addr: number, v: number): void {
    if ((addr & 0xfff) <= 0xffc && (this.pte(addr >>> PAGE_SHIFT) & PTE_FILE) === 0) this.phys.dv.setInt32(this.fill(addr, ACCESS_WRITE) + (addr & 0xfff), v, true);
    else this.write(addr, new Uint8Array([v, v >> 8, v >> 16, v >> 24]));
  }

  /** A NUL-terminated string of at most `max` bytes (latin1), or null if unterminated. */
  readCString(addr: number, max = 4096): string | null {
    const u8 = this.phys.u8;
    let s = '';
    for (let i = 0; i < max; i++) {
      const a = (addr + i) >>> 0;
      const c = u8[this.fill(a, ACCESS_READ) + (a & 0xfff)];
      if (c === 0) return s;
      s += String.fromCharCode(c);
    }
    return null;
  }
}
