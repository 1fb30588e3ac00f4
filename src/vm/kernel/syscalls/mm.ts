import { PAGE_SIZE } from '../../mem/layout.js';
import { PTE_VALID } from '../../mem/address-space.js';
import { EBADF, EINVAL, ENODEV, ENOMEM, EEXIST, EACCES } from '../abi/errno.js';
import * as S from '../abi/structs.js';
import * as N from '../abi/syscalls.js';
import { SyscallError } from '../errors.js';
import { InodeFile } from '../files.js';
import type { Task } from '../task.js';
import type { SyscallTable } from './types.js';
import { S_IFMT, S_IFREG } from '../../fs/types.js';
import { inodeSource } from '../exec.js';
import { sharedFileFor, flushAllShared } from '../page-cache.js';

/**
 * Memory management: brk, mmap2/mmap, munmap, mprotect, madvise, mremap,
 * msync. File mappings are read page by page on first touch
 * (AddressSpace.mapFile; the fault path is in exec.ts).
 */

const pageUp = (n: number): number => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;

function brk(t: Task, addr: number): number {
  const as = t.as;
  const want = addr >>> 0;
  if (want < as.brkStart) return as.brk;
  const oldTop = pageUp(as.brk);
  const newTop = pageUp(want);
  if (newTop > oldTop) {
    if (!as.isFree(oldTop, newTop - oldTop) || newTop > as.mmapTop) return as.brk;
    if (newTop - as.brkStart > as.phys.frameCount * PAGE_SIZE) return as.brk;
    as.map(oldTop, newTop - oldTop, S.PROT_READ | S.PROT_WRITE);
  } else if (newTop < oldTop) {
    as.unmap(newTop, oldTop - newTop);
  }
  as.brk = want;
  return want;
}

function mmap(t: Task, addr: number, len: number, prot: number, flags: number, fd: number, offset: number): number {
  const as = t.as;
  addr >>>= 0;
  len >>>= 0;
  if (len === 0 || offset % PAGE_SIZE !== 0) throw new SyscallError(EINVAL);
  const type = flags & 0xf;
  if (type !== S.MAP_PRIVATE && type !== S.MAP_SHARED && type !== 3) throw new SyscallError(EINVAL);
  const size = pageUp(len);
  if (size > 0xfffff000) throw new SyscallError(ENOMEM);
  let file: InodeFile | null = null;
  let shared: InodeFile | null = null;
  if ((flags & S.MAP_ANONYMOUS) === 0) {
    const e = t.getFd(fd);
    if (e === null) throw new SyscallError(EBADF);
    if (!(e.file instanceof InodeFile) || (e.file.ino.mode & S_IFMT) !== S_IFREG) throw new SyscallError(ENODEV);
    if (!e.file.readable) throw new SyscallError(EACCES);
    if (type !== S.MAP_PRIVATE && (prot & S.PROT_WRITE) && !e.file.writable) throw new SyscallError(EACCES);
    // MAP_SHARED maps the file's page cache (mem/page-cache.ts): every shared mapping of the
    // file, in any process, maps the same frames, and stores go back to the file.
    if (type !== S.MAP_PRIVATE) shared = e.file;
    else file = e.file;
  }
  // Heuristic overcommit (vm.overcommit_memory 0): one private allocation larger than all of
  // guest RAM can never be backed, so it fails now with ENOMEM instead of by the OOM killer later.
  if (file === null && shared === null && type === S.MAP_PRIVATE && size > as.phys.frameCount * PAGE_SIZE) throw new SyscallError(ENOMEM);
  let at: number;
  if (flags & (S.MAP_FIXED | S.MAP_FIXED_NOREPLACE)) {
    if (addr % PAGE_SIZE !== 0) throw new SyscallError(EINVAL);
    if (addr + size > 0x100000000 || addr < 0x1000) throw new SyscallError(ENOMEM);
    if ((flags & S.MAP_FIXED_NOREPLACE) && !(flags & S.MAP_FIXED) && !as.isFree(addr, size)) throw new SyscallError(EEXIST);
    at = addr;
  } else if (addr !== 0 && addr % PAGE_SIZE === 0 && addr >= 0x10000 && addr + size <= as.mmapTop && as.isFree(addr, size)) {
    at = addr;
  } else {
    at = as.findFree(size);
    if (at < 0) throw new SyscallError(ENOMEM);
  }
  if (shared !== null) {
    // Pages are read on first touch; a page wholly past end of file then raises SIGBUS.
    as.mapSharedFile(at, size, prot, sharedFileFor(shared.ino, as.phys, shared.path), offset, shared.writable);
    return at;
  }
  if (file === null) {
    // MAP_SHARED anonymous memory must stay shared with children forked later, so its frames
    // are attached now (AddressSpace.mapShared): such a region costs its size in guest RAM
    // at once, and mremap growing it adds private pages.
    if (type !== S.MAP_PRIVATE) {
      if (!as.mapShared(at, size, prot)) throw new SyscallError(ENOMEM);
    } else {
      as.map(at, size, prot);
    }
    return at;
  }
  // Nothing is read now: each page is read on its first touch. Pages of a private mapping
  // wholly past the end of the file read as zero (Linux raises SIGBUS there; zero is the
  // forgiving choice).
  const ino = file.ino;
  const fileBytes = Math.max(0, Math.min(size, ino.stat().size - offset));
  as.mapFile(at, size, prot, inodeSource(ino, file.path), offset, fileBytes);
  return at;
}

function munmap(t: Task, addr: number, len: number): number {
  addr >>>= 0;
  len >>>= 0;
  if (addr % PAGE_SIZE !== 0 || len === 0) throw new SyscallError(EINVAL);
  t.as.unmap(addr, pageUp(len));
  return 0;
}

function mprotect(t: Task, addr: number, len: number, prot: number): number {
  addr >>>= 0;
  len >>>= 0;
  if (addr % PAGE_SIZE !== 0) throw new SyscallError(EINVAL);
  if (len === 0) return 0;
  if ((prot & S.PROT_WRITE) && !t.as.mayWrite(addr, pageUp(len))) throw new SyscallError(EACCES);
  if (!t.as.protect(addr, pageUp(len), prot)) throw new SyscallError(ENOMEM);
  return 0;
}

/**
 * madvise(2): MADV_DONTNEED drops the pages (anonymous ones read zero again, file ones the
 * file's bytes); every other advice Linux 6.1 knows (WILLNEED, SEQUENTIAL, FREE, HUGEPAGE…) is
 * a hint we may ignore — MADV_FREE pages may legally keep their contents. An unknown advice is
 * EINVAL (so is memory-failure injection, which needs a kernel built for it); a range with
 * unmapped pages is advised where mapped and fails with ENOMEM (madvise_walk_vmas).
 */
function madvise(t: Task, addr: number, len: number, advice: number): number {
  addr >>>= 0;
  const valid = (advice >= S.MADV_NORMAL && advice <= S.MADV_DONTNEED) || (advice >= S.MADV_FREE && advice <= S.MADV_COLLAPSE);
  if (addr % PAGE_SIZE !== 0 || !valid || addr + pageUp(len >>> 0) > 0x100000000) throw new SyscallError(EINVAL);
  const size = pageUp(len >>> 0);
  if (advice === S.MADV_DONTNEED) t.as.discard(addr, size);
  for (let a = addr; a < addr + size; a += PAGE_SIZE) if ((t.as.pte(a >>> 12) & PTE_VALID) === 0) throw new SyscallError(ENOMEM);
  return 0;
}

/**
 * msync(2): shared file mappings go back to their files (MS_ASYNC too: the page cache is
 * what read(2) sees, and ours is written back whenever the file is read anyway).
 */
async function msync(t: Task, addr: number, len: number, flags: number): Promise<number> {
  addr >>>= 0;
  if (addr % PAGE_SIZE !== 0 || (flags & ~(S.MS_ASYNC | S.MS_INVALIDATE | S.MS_SYNC)) !== 0) throw new SyscallError(EINVAL);
  if ((flags & S.MS_ASYNC) && (flags & S.MS_SYNC)) throw new SyscallError(EINVAL);
  const end = addr + pageUp(len >>> 0);
  for (let a = addr; a < end; a += PAGE_SIZE) if ((t.as.pte(a >>> 12) & PTE_VALID) === 0) throw new SyscallError(ENOMEM);
  await flushAllShared(t.as.phys);
  return 0;
}

function mremap(t: Task, old: number, oldLen: number, newLen: number, flags: number, newAddr: number): number {
  const as = t.as;
  old >>>= 0;
  const o = pageUp(oldLen >>> 0);
  const n = pageUp(newLen >>> 0);
  if (old % PAGE_SIZE !== 0 || n === 0) throw new SyscallError(EINVAL);
  // MREMAP_FIXED needs MREMAP_MAYMOVE and an aligned target not overlapping the old range.
  const to = newAddr >>> 0;
  if (flags & S.MREMAP_FIXED && (!(flags & S.MREMAP_MAYMOVE) || to % PAGE_SIZE !== 0 || to + n > 0x100000000 || (to < old + o && old < to + n))) {
    throw new SyscallError(EINVAL);
  }
  for (let a = old; a < old + o; a += PAGE_SIZE) if ((as.pte(a >>> 12) & PTE_VALID) === 0) throw new SyscallError(14 /* EFAULT */);
  if (flags & S.MREMAP_FIXED) {
    // Whatever was at the target goes, as with MAP_FIXED; a shrinking move drops the old tail.
    as.unmap(to, n);
    if (n < o) as.unmap(old + n, o - n);
    as.move(old, Math.min(o, n), to, n);
    return to;
  }
  if (n <= o) {
    if (n < o) as.unmap(old + n, o - n);
    return old;
  }
  if (as.isFree(old + o, n - o) && old + n <= as.mmapTop) {
    as.growLike(old, o, n);
    return old;
  }
  if (!(flags & S.MREMAP_MAYMOVE)) throw new SyscallError(ENOMEM);
  const at = as.findFree(n);
  if (at < 0) throw new SyscallError(ENOMEM);
  as.move(old, o, at, n);
  return at;
}

export const mmSyscalls: SyscallTable = {
  [N.NR_brk]: (_k, t, addr) => brk(t, addr),
  [N.NR_mmap2]: (_k, t, addr, len, prot, flags, fd, pgoff) => mmap(t, addr, len, prot, flags, fd, (pgoff >>> 0) * PAGE_SIZE),
  [N.NR_mmap]: (_k, t, argp) => {
    const a = [0, 1, 2, 3, 4, 5].map((k) => t.as.read32(argp + k * 4));
    return mmap(t, a[0], a[1], a[2], a[3], a[4], a[5] >>> 0);
  },
  [N.NR_munmap]: (_k, t, addr, len) => munmap(t, addr, len),
  [N.NR_mprotect]: (_k, t, addr, len, prot) => mprotect(t, addr, len, prot),
  [N.NR_madvise]: (_k, t, addr, len, advice) => madvise(t, addr, len, advice),
  [N.NR_mremap]: (_k, t, old, oldLen, newLen, flags, newAddr) => mremap(t, old, oldLen, newLen, flags, newAddr),
  [N.NR_msync]: (_k, t, addr, len, flags) => msync(t, addr, len, flags),
};
