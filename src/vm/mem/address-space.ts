import { CpuFault, FaultKind, Vector } from './fault.js';
import { PAGE_SHIFT, PAGE_SIZE } from './layout.js';
import { PhysicalMemory } from './phys.js';
import { Tlb } from './tlb.js';

/** Page-table entry bits; the frame index sits above bit 12. */
export const PTE_VALID = 1; // mapped by some mapping (may not have a frame yet)
export const PTE_READ = 2;
export const PTE_WRITE = 4;
export const PTE_EXEC = 8;
export const PTE_PRESENT = 16; // a frame is attached
export const PTE_COW = 32; // frame shared; copy before the first write

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

export const ACCESS_READ = 0;
export const ACCESS_WRITE = 1;
export const ACCESS_EXEC = 2;

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
 * A guest's 4 GiB linear address space: a two-level table of 4 KiB pages
 * mapping to frames of the VM's PhysicalMemory, with permissions and
 * copy-on-write. Frames are attached lazily on first touch (demand zero).
 */
export class AddressSpace {
  private readonly dirs: (Int32Array | undefined)[] = new Array(1024).fill(undefined);
  /** Pages holding decoded code: their TLB write entries are withheld. */
  readonly codePages = new Uint8Array(1 << 20);
  codeWatcher: CodeWatcher | null = null;
  /** Whether this space is the one loaded in the TLB. */
  active = false;
  brkStart = 0;
  brk = 0;
  /** Top of the region searched downwards for mmap placements. */
  mmapTop = 0xf7ff0000;

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
      if (this.codePages[vpn] !== 0) {
        this.codePages[vpn] = 0;
        if (this.codeWatcher !== null) this.codeWatcher.invalidatePage(vpn);
      }
    }
    const base = phys.frameAddr(pte >>> PAGE_SHIFT);
    if (this.active) {
      const writable = (pte & (PTE_WRITE | PTE_COW)) === PTE_WRITE && this.codePages[vpn] === 0;
      this.tlb.fill(vpn, base, writable);
    }
    return base;
  }

  /** Record that decoded code came from page `vpn`: writes there must take the slow path. */
  markCode(vpn: number): void {
    if (this.codePages[vpn] === 0) {
      this.codePages[vpn] = 1;
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
    for (let i = 0; i < n; i++) {
      const vpn = first + i;
      const pte = this.pte(vpn);
      if (pte === 0) continue;
      if (pte & PTE_PRESENT) this.phys.unref(pte >>> PAGE_SHIFT);
      this.setPte(vpn, 0);
      this.flushPage(vpn);
      if (this.codePages[vpn] !== 0) {
        this.codePages[vpn] = 0;
        if (this.codeWatcher !== null) this.codeWatcher.invalidatePage(vpn);
      }
    }
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
      if ((bits & PTE_EXEC) === 0 && this.codePages[vpn] !== 0) {
        this.codePages[vpn] = 0;
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
      if ((pte & PTE_PRESENT) === 0) continue;
      this.phys.unref(pte >>> PAGE_SHIFT);
      this.setPte(vpn, pte & 0xfff & ~(PTE_PRESENT | PTE_COW));
      this.flushPage(vpn);
      if (this.codePages[vpn] !== 0) {
        this.codePages[vpn] = 0;
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
  }

  /** mremap that moves: page-table entries (and their frames) move to `to`. */
  move(from: number, oldLen: number, to: number, newLen: number): void {
    const n = oldLen / PAGE_SIZE;
    const bits = this.pte(from >>> PAGE_SHIFT) & (PTE_VALID | PTE_READ | PTE_WRITE | PTE_EXEC);
    for (let i = 0; i < n; i++) {
      const src = (from >>> PAGE_SHIFT) + i;
      const pte = this.pte(src);
      this.setPte((to >>> PAGE_SHIFT) + i, pte);
      this.setPte(src, 0);
      this.flushPage(src);
      if (this.codePages[src] !== 0) {
        this.codePages[src] = 0;
        if (this.codeWatcher !== null) this.codeWatcher.invalidatePage(src);
      }
    }
    for (let i = n; i < newLen / PAGE_SIZE; i++) this.setPte((to >>> PAGE_SHIFT) + i, bits);
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
    this.codePages.fill(0);
    if (this.active) this.tlb.flushAll();
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
      if (this.codePages[vpn] !== 0) {
        this.codePages[vpn] = 0;
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
      const base = this.fill(a, ACCESS_WRITE);
      u8.set(data.subarray(done, done + n), base + off);
      done += n;
    }
  }

  read32(addr: number): number {
    if ((addr & 0xfff) <= 0xffc) return this.phys.dv.getInt32(this.fill(addr, ACCESS_READ) + (addr & 0xfff), true);
    const b = this.read(addr, 4);
    return b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24);
  }

  write32(addr: number, v: number): void {
    if ((addr & 0xfff) <= 0xffc) this.phys.dv.setInt32(this.fill(addr, ACCESS_WRITE) + (addr & 0xfff), v, true);
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
