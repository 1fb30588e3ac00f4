import { EAGAIN, EBADF, EBUSY, EDEADLK, EINVAL, EPERM } from '../abi/errno.js';
import * as NET from '../abi/net.js';
import * as S from '../abi/structs.js';
import * as N from '../abi/syscalls.js';
import { S_IFMT, S_IFREG, type Inode } from '../../fs/types.js';
import { SyscallError } from '../errors.js';
import { InodeFile, type OpenFile } from '../files.js';
import type { Kernel } from '../kernel.js';
import { applyLock, conflicting, isProcessOwner, lockPid, locksChanged, setWaiting, wouldDeadlock, type Lock } from '../locks.js';
import { PipeReadEnd, PipeWriteEnd } from '../pipe.js';
import { FifoFile } from '../fifo.js';
import { interruptible } from '../signals.js';
import { SocketFile } from '../socket.js';
import type { FdEntry, Task } from '../task.js';
import { sendSignal } from './signal.js';
import type { SyscallTable } from './types.js';

/**
 * Data movement between descriptors (sendfile, copy_file_range; splice and
 * tee answer EINVAL), advisory locks (fcntl record locks, OFD locks,
 * flock) and pipe sizes (F_GETPIPE_SZ/F_SETPIPE_SZ).
 */

function fileOf(t: Task, fd: number): OpenFile {
  const e = t.getFd(fd);
  if (e === null) throw new SyscallError(EBADF);
  return e.file;
}

const CHUNK = 1 << 16;

/** Point a pipe or socket's SIGPIPE at the writing task, as write(2) does. */
function armSigpipe(k: Kernel, t: Task, f: OpenFile): void {
  if (f instanceof PipeWriteEnd || f instanceof FifoFile || f instanceof SocketFile) f.sigpipe = () => void sendSignal(k, t, S.SIGPIPE);
}

function readOff(t: Task, p: number, wide: boolean): number {
  if (!wide) return t.as.read32(p);
  const dv = new DataView(t.as.read(p, 8).buffer);
  return Number(dv.getBigInt64(0, true));
}

function writeOff(t: Task, p: number, v: number, wide: boolean): void {
  if (!wide) return t.as.write32(p, v);
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, BigInt(v), true);
  t.as.write(p, b);
}

/** sendfile(out, in, *offset, count): copy without the guest buffer (sendfile(2)). */
async function sendfile(k: Kernel, t: Task, outFd: number, inFd: number, offp: number, count: number, wide: boolean): Promise<number> {
  const inF = fileOf(t, inFd);
  const outF = fileOf(t, outFd);
  if (!inF.readable || !outF.writable) throw new SyscallError(EBADF);
  if (outF.flags & S.O_APPEND) throw new SyscallError(EINVAL);
  count >>>= 0;
  let pos = offp === 0 ? null : readOff(t, offp, wide);
  if (pos !== null && pos < 0) throw new SyscallError(EINVAL);
  armSigpipe(k, t, outF);
  let total = 0;
  while (total < count) {
    const data = await inF.read(Math.min(CHUNK, count - total), pos);
    if (data.length === 0) break;
    let w: number;
    try {
      w = await outF.write(data, null);
    } catch (e) {
      if (pos === null && inF instanceof InodeFile) inF.pos -= data.length;
      if (total > 0) break;
      throw e;
    }
    total += w;
    if (pos !== null) pos += w;
    else if (w < data.length && inF instanceof InodeFile) inF.pos -= data.length - w;
    if (w < data.length) break;
  }
  if (offp !== 0) writeOff(t, offp, pos!, wide);
  return total;
}

/** copy_file_range(2) between regular files. */
async function copyFileRange(t: Task, inFd: number, offIn: number, outFd: number, offOut: number, len: number, flags: number): Promise<number> {
  if (flags !== 0) throw new SyscallError(EINVAL);
  const inF = fileOf(t, inFd);
  const outF = fileOf(t, outFd);
  if (!inF.readable || !outF.writable || outF.flags & S.O_APPEND) throw new SyscallError(EBADF);
  if (!(inF instanceof InodeFile) || !(outF instanceof InodeFile)) throw new SyscallError(EINVAL);
  if ((inF.ino.mode & S_IFMT) !== S_IFREG || (outF.ino.mode & S_IFMT) !== S_IFREG) throw new SyscallError(EINVAL);
  let pin = offIn === 0 ? inF.pos : readOff(t, offIn, true);
  let pout = offOut === 0 ? outF.pos : readOff(t, offOut, true);
  if (pin < 0 || pout < 0) throw new SyscallError(EINVAL);
  len >>>= 0;
  if (inF.ino.fs === outF.ino.fs && inF.ino.ino === outF.ino.ino && pin < pout + len && pout < pin + len) throw new SyscallError(EINVAL);
  let total = 0;
  while (total < len) {
    const data = await inF.read(Math.min(CHUNK, len - total), pin);
    if (data.length === 0) break;
    const w = await outF.write(data, pout);
    total += w;
    pin += w;
    pout += w;
    if (w < data.length) break;
  }
  if (offIn === 0) inF.pos = pin;
  else writeOff(t, offIn, pin, true);
  if (offOut === 0) outF.pos = pout;
  else writeOff(t, offOut, pout, true);
  return total;
}

// ---- locks ----

interface FlockLayout {
  size: number; type: number; whence: number; start: number; len: number; pid: number; wide: boolean;
}
const FLOCK32: FlockLayout = { size: NET.FLOCK_SIZE, type: NET.FLOCK_TYPE, whence: NET.FLOCK_WHENCE, start: NET.FLOCK_START, len: NET.FLOCK_LEN, pid: NET.FLOCK_PID, wide: false };
const FLOCK64: FlockLayout = { size: NET.FLOCK64_SIZE, type: NET.FLOCK64_TYPE, whence: NET.FLOCK64_WHENCE, start: NET.FLOCK64_START, len: NET.FLOCK64_LEN, pid: NET.FLOCK64_PID, wide: true };

/** The file a lock call is about, or null for files without an inode (locks on them always succeed). */
function lockInode(f: OpenFile): Inode | null {
  return f.inode();
}

async function recordLock(t: Task, e: FdEntry, cmd: number, arg: number, lay: FlockLayout): Promise<number> {
  const f = e.file;
  const b = t.as.read(arg, lay.size);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const type = dv.getInt16(lay.type, true);
  const whence = dv.getInt16(lay.whence, true);
  const rawStart = lay.wide ? Number(dv.getBigInt64(lay.start, true)) : dv.getInt32(lay.start, true);
  const rawLen = lay.wide ? Number(dv.getBigInt64(lay.len, true)) : dv.getInt32(lay.len, true);
  const ofd = cmd === NET.F_OFD_GETLK || cmd === NET.F_OFD_SETLK || cmd === NET.F_OFD_SETLKW;
  if (ofd && dv.getInt32(lay.pid, true) !== 0) throw new SyscallError(EINVAL);
  if (type !== NET.F_RDLCK && type !== NET.F_WRLCK && type !== NET.F_UNLCK) throw new SyscallError(EINVAL);
  let base: number;
  if (whence === 0) base = 0;
  else if (whence === 1) base = f.pos;
  else if (whence === 2) base = f.stat().size;
  else throw new SyscallError(EINVAL);
  let start = base + rawStart;
  let end = rawLen === 0 ? Infinity : start + rawLen;
  if (rawLen < 0) [start, end] = [start + rawLen, start];
  if (start < 0) throw new SyscallError(EINVAL);
  const ino = lockInode(f);
  const want = { owner: ofd ? f : t.proc, space: 'record' as const, type, start, end };
  const getlk = cmd === S.F_GETLK || cmd === S.F_GETLK64 || cmd === NET.F_OFD_GETLK;
  if (getlk) {
    if (type === NET.F_UNLCK) throw new SyscallError(EINVAL);
    const c = ino === null ? null : conflicting(ino, want as Lock);
    if (c === null) {
      dv.setInt16(lay.type, NET.F_UNLCK, true);
    } else {
      dv.setInt16(lay.type, c.type, true);
      dv.setInt16(lay.whence, 0, true);
      const len = c.end === Infinity ? 0 : c.end - c.start;
      if (lay.wide) {
        dv.setBigInt64(lay.start, BigInt(c.start), true);
        dv.setBigInt64(lay.len, BigInt(len), true);
      } else {
        dv.setInt32(lay.start, c.start, true);
        dv.setInt32(lay.len, len, true);
      }
      dv.setInt32(lay.pid, lockPid(c), true);
    }
    t.as.write(arg, b);
    return 0;
  }
  if (type === NET.F_RDLCK && !f.readable) throw new SyscallError(EBADF);
  if (type === NET.F_WRLCK && !f.writable) throw new SyscallError(EBADF);
  if (ino === null) return 0;
  const wait = cmd === S.F_SETLKW || cmd === S.F_SETLKW64 || cmd === NET.F_OFD_SETLKW;
  for (;;) {
    const c = applyLock(ino, want);
    if (c === null) return 0;
    if (!wait) throw new SyscallError(EAGAIN);
    // Only POSIX locks (owned by processes) can be proven to deadlock.
    if (!ofd && isProcessOwner(c.owner)) {
      if (wouldDeadlock(t, c.owner)) throw new SyscallError(EDEADLK);
      setWaiting(t, c.owner);
    }
    try {
      await interruptible(t, locksChanged(ino));
    } finally {
      setWaiting(t, null);
    }
  }
}

/** fcntl commands beyond the descriptor table: locks and pipe sizes. Null when `cmd` is not one of them. */
export function fcntlExtra(t: Task, e: FdEntry, cmd: number, arg: number, fcntl64: boolean): number | Promise<number> | null {
  switch (cmd) {
    case S.F_GETLK: case S.F_SETLK: case S.F_SETLKW:
      return recordLock(t, e, cmd, arg, FLOCK32);
    case S.F_GETLK64: case S.F_SETLK64: case S.F_SETLKW64:
      return recordLock(t, e, cmd, arg, FLOCK64);
    case NET.F_OFD_GETLK: case NET.F_OFD_SETLK: case NET.F_OFD_SETLKW:
      // 32-bit kernels take OFD locks through fcntl64 only (fs/fcntl.c).
      if (!fcntl64) throw new SyscallError(EINVAL);
      return recordLock(t, e, cmd, arg, FLOCK64);
    case NET.F_GETPIPE_SZ: case NET.F_SETPIPE_SZ: {
      const f = e.file;
      if (!(f instanceof PipeReadEnd) && !(f instanceof PipeWriteEnd) && !(f instanceof FifoFile)) throw new SyscallError(EBADF);
      if (cmd === NET.F_GETPIPE_SZ) return f.pipe.capacity;
      return setPipeSize(t, f.pipe, arg >>> 0);
    }
    case NET.F_GETOWN: case NET.F_GETSIG: case NET.F_GETLEASE:
      return cmd === NET.F_GETLEASE ? NET.F_UNLCK : 0;
    case NET.F_SETOWN: case NET.F_SETSIG: case NET.F_NOTIFY:
      return 0;
  }
  return null;
}

/** /proc/sys/fs/pipe-max-size: what an unprivileged process may ask for. */
const PIPE_MAX_SIZE = 1048576;

/** F_SETPIPE_SZ: round up to a power of two pages (round_pipe_size); never below what is buffered. */
function setPipeSize(t: Task, pipe: { capacity: number; buffered: number }, want: number): number {
  if (want > 0x80000000) throw new SyscallError(EINVAL);
  let size = 4096;
  while (size < want) size *= 2;
  if (size > PIPE_MAX_SIZE && t.euid !== 0) throw new SyscallError(EPERM);
  if (size < pipe.buffered) throw new SyscallError(EBUSY);
  pipe.capacity = size;
  return size;
}

/** flock(2): whole-file locks owned by the open file; converting one drops it first, like Linux. */
async function flock(t: Task, fd: number, op: number): Promise<number> {
  const f = fileOf(t, fd);
  const nb = (op & NET.LOCK_NB) !== 0;
  const kind = op & ~NET.LOCK_NB;
  const type = kind === NET.LOCK_SH ? NET.F_RDLCK : kind === NET.LOCK_EX ? NET.F_WRLCK : kind === NET.LOCK_UN ? NET.F_UNLCK : -1;
  if (type < 0) throw new SyscallError(EINVAL);
  const ino = lockInode(f);
  if (ino === null) return 0;
  const base = { owner: f, space: 'flock' as const, start: 0, end: Infinity };
  applyLock(ino, { ...base, type: NET.F_UNLCK });
  if (type === NET.F_UNLCK) return 0;
  for (;;) {
    if (applyLock(ino, { ...base, type }) === null) return 0;
    if (nb) throw new SyscallError(EAGAIN);
    await interruptible(t, locksChanged(ino));
  }
}

const noSplice = (): number => {
  // splice(2)/tee(2)/vmsplice(2) need pipe pages shared with files; EINVAL makes callers fall back to read/write.
  throw new SyscallError(EINVAL);
};

export const ioSyscalls: SyscallTable = {
  [N.NR_sendfile]: (k, t, out, inp, off, count) => sendfile(k, t, out, inp, off, count, false),
  [N.NR_sendfile64]: (k, t, out, inp, off, count) => sendfile(k, t, out, inp, off, count, true),
  [N.NR_copy_file_range]: (_k, t, a, ao, b, bo, len, flags) => copyFileRange(t, a, ao, b, bo, len, flags),
  [N.NR_splice]: noSplice,
  [N.NR_tee]: noSplice,
  [N.NR_vmsplice]: noSplice,
  [N.NR_flock]: (_k, t, fd, op) => flock(t, fd, op),
};
