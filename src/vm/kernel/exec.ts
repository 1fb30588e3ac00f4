import { AddressSpace } from '../mem/address-space.js';
import { CpuFault, FaultKind } from '../mem/fault.js';
import type { FileSource } from '../mem/file-backing.js';
import { S_EIP } from '../mem/layout.js';
import { resolve } from '../fs/path.js';
import { FsError, S_IFMT, S_IFREG, type Inode } from '../fs/types.js';
import { EACCES, ELIBBAD, ENOENT } from './abi/errno.js';
import { BUS_ADRERR, SIGBUS, SIGKILL } from './abi/structs.js';
import { RLIMIT_STACK } from './abi/structs.js';
import { DYN_BASE, ET_DYN, STACK_SIZE, STACK_TOP, elfHeadLength, elfSpan, mapElf, parseElf, type ElfImage, type LoadedImage } from './elf.js';
import { SyscallError, VmError } from './errors.js';
import { StorageError } from '../storage/errors.js';
import type { Kernel } from './kernel.js';
import { Task, TASK_BLOCKED, TASK_RUNNABLE } from './task.js';
import { flushInode } from './page-cache.js';
import { BeyondEof } from '../mem/page-cache.js';
import { isBlocked, postSignal } from './signals.js';

/**
 * Loading a program for exec (Linux fs/binfmt_elf.c load_elf_binary): the
 * program's and its interpreter's (PT_INTERP, ld.so) segments become
 * file-backed mappings read page by page on first touch — a program or a
 * library is never read whole. And the two kernel hooks that make page-in
 * on fault work (DESIGN.md decision 4).
 */

/** A regular file's bytes as a FileSource for file-backed pages. */
export function inodeSource(ino: Inode, name: string): FileSource {
  return {
    name,
    read: async (offset, length) => {
      // A private page-in sees what shared mappings stored (Linux: the same page cache).
      await flushInode(ino);
      return ino.fs.read(ino, offset, length);
    },
  };
}

async function readHead(ino: Inode, path: string): Promise<{ elf: ElfImage; size: number }> {
  const size = ino.stat().size;
  let head = await ino.fs.read(ino, 0, Math.min(size, 4096));
  const need = elfHeadLength(head);
  if (need > head.length && need <= size && need <= 1 << 20) head = await ino.fs.read(ino, 0, need);
  return { elf: parseElf(head, path, size), size };
}

/**
 * The stack a new program gets: RLIMIT_STACK's soft limit, from 128 KiB up to
 * 64 MiB (unlimited means the usual 8 MiB). Its pages get frames only when touched.
 */
export function stackBytes(t: Task): number {
  const soft = t.rlimits.get(RLIMIT_STACK)?.[0];
  if (soft === undefined || soft >= 0xffffffff) return STACK_SIZE;
  return Math.min(64 << 20, Math.max(128 << 10, Math.ceil(soft / 4096) * 4096));
}

/**
 * Build a new address space holding `ino` (already checked to be an
 * executable regular file) and its interpreter, if any. The caller lays out
 * the stack (buildStack) and switches the task over.
 */
export async function loadExecutable(t: Task, ino: Inode, path: string, first: boolean): Promise<{ as: AddressSpace; img: LoadedImage }> {
  const { elf, size } = await readHead(ino, path);
  const as = new AddressSpace(t.as.phys, t.as.tlb);
  // Where mmap placements start (buildStack sets the same); the interpreter goes there too.
  as.mmapTop = STACK_TOP - Math.max(stackBytes(t), STACK_SIZE) - 0x100000;
  try {
    const img = mapElf(as, elf, inodeSource(ino, path), elf.type === ET_DYN ? DYN_BASE : 0, path, size);
    as.brkStart = img.brk;
    as.brk = img.brk;
    if (elf.interp === null) return { as, img };
    const interp = await openInterpreter(t, elf.interp, path, first);
    const { elf: ie, size: isize } = await readHead(interp, elf.interp);
    if (ie.interp !== null) throw new VmError('exec-format', `${elf.interp}: the program interpreter itself names an interpreter`, 126);
    // Linux puts ld.so (ET_DYN) top-down in the mmap area; an ET_EXEC interpreter stays where it was linked.
    let base = 0;
    if (ie.type === ET_DYN) {
      base = as.findFree(elfSpan(ie));
      if (base < 0) throw new VmError('exec-format', `${path}: no room for the program interpreter`, 126);
      base -= ie.segments.reduce((lo, s) => Math.min(lo, (s.vaddr & ~0xfff) >>> 0), 0xffffffff);
    }
    const ii = mapElf(as, ie, inodeSource(interp, elf.interp), base, elf.interp, isize);
    return { as, img: { ...img, entry: ii.entry, progEntry: img.entry, interpBase: base >>> 0 } };
  } catch (e) {
    as.destroy();
    if (!first && e instanceof VmError) throw new SyscallError(e.type === 'not-found' ? ENOENT : ELIBBAD);
    throw e;
  }
}

async function openInterpreter(t: Task, name: string, path: string, first: boolean): Promise<Inode> {
  let ino: Inode;
  try {
    ino = await resolve(t.root, t.root, name, { followLast: true });
  } catch (e) {
    if (e instanceof StorageError) throw e; // the image failed, not the path
    // bash says "cannot execute: required file not found" when ld.so is missing.
    if (first) throw new VmError('not-found', `web-vm: ${path}: cannot execute: required file not found (no interpreter ${name} in the image)`, 127);
    throw e instanceof FsError ? new SyscallError(e.errno) : e;
  }
  if ((ino.mode & S_IFMT) !== S_IFREG) {
    if (first) throw new VmError('exec-format', `web-vm: ${path}: interpreter ${name} is not a regular file`, 126);
    throw new SyscallError(EACCES);
  }
  return ino;
}

/**
 * Page-in on fault (the handleFault hook): park `t` until the page holding
 * `f.addr` is read, then let it re-execute the instruction — EIP still
 * points at it, faults being precise. Out of guest memory → SIGKILL, an
 * unreadable file → SIGBUS (as Linux does for an I/O error under a mapping).
 */
export function parkForPage(k: Kernel, t: Task, f: CpuFault): void {
  parkThen(k, t, f, () => {});
}

/**
 * The same for a system call whose handler met a page not read yet after it
 * went asynchronous: EIP is already past `int 0x80`, so it is moved back
 * (the instruction is 2 bytes, CD 80) and the whole call runs again. Safe
 * because handlers read their guest buffers before they have any effect, and
 * kernel writes never need a page (AddressSpace.writeUnread).
 */
export function retrySyscallAfterPage(k: Kernel, t: Task, f: CpuFault): void {
  parkThen(k, t, f, () => {
    const r = k.regsOf(t);
    r[S_EIP] = (r[S_EIP] - 2) | 0;
  });
}

function parkThen(k: Kernel, t: Task, f: CpuFault, before: () => void): void {
  const as = t.as;
  t.state = TASK_BLOCKED;
  t.blockedOn = as.pageIn(f.addr).then(
    (ok) => {
      t.blockedOn = null;
      if (t.state !== TASK_BLOCKED) return;
      if (!ok) {
        k.trace(`web-vm: out of memory: killed process ${t.pid} (raise memory-mb)`);
        k.exitTask(t, 0, SIGKILL);
        return;
      }
      before();
      t.state = TASK_RUNNABLE;
    },
    (e) => {
      t.blockedOn = null;
      if (e instanceof StorageError) return k.failStorage(e);
      if (t.state !== TASK_BLOCKED) return;
      if (e instanceof BeyondEof) {
        // A shared mapping's page past end of file: SIGBUS (BUS_ADRERR) to a handler if one is set.
        const act = t.sigactions.get(SIGBUS);
        if (act && act.handler > 1 && !isBlocked(t, SIGBUS)) {
          postSignal(k, t, SIGBUS, { code: BUS_ADRERR, a: e.addr });
          t.state = TASK_RUNNABLE;
          return;
        }
        k.exitTask(t, 0, SIGBUS, true);
        return;
      }
      k.trace(`web-vm: pid ${t.pid}: cannot read a mapped file page at 0x${(f.addr >>> 0).toString(16)}: ${e instanceof Error ? e.message : String(e)} → SIGBUS`);
      k.exitTask(t, 0, SIGBUS, true);
    },
  );
}

export function isNeedsPage(e: unknown): e is CpuFault {
  return e instanceof CpuFault && e.kind === FaultKind.NeedsPage;
}
