import { EBADF, EFAULT, EINVAL, ELOOP, ENAMETOOLONG, ENOENT, ENOTDIR, ENOTTY, ERANGE, EROFS, EOVERFLOW } from '../abi/errno.js';
import { checkPermission, MAY_READ, MAY_WRITE, searchCheck } from '../perm.js';
import * as S from '../abi/structs.js';
import * as N from '../abi/syscalls.js';
import { S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, type Inode, type Stat } from '../../fs/types.js';
import { resolve } from '../../fs/path.js';
import { SyscallError } from '../errors.js';
import { InodeFile, OpenFile } from '../files.js';
import { PipeReadEnd, PipeWriteEnd } from '../pipe.js';
import { FifoFile } from '../fifo.js';
import * as T from '../abi/tty.js';
import { openTerminalDevice, PtyMasterFile, TtyFile, ttyIoctl } from '../tty-file.js';
import { standardTermios } from '../tty.js';
import { SocketFile } from '../socket.js';
import { interruptible } from '../signals.js';
import { fcntlExtra } from './io.js';
import { DevFs } from '../../fs/devfs.js';
import { DeviceFile } from '../devices.js';
import { sendSignal } from './signal.js';
import { retryWhenReady } from '../signals.js';
import { absolutePath, type Kernel } from '../kernel.js';
import type { Task } from '../task.js';
import { bytesToString, encodeString, type SyscallTable } from './types.js';
import { createForOpen, truncateInode } from './fs-write.js';

/** File and directory system calls over the (read-only, for now) root filesystem. */

function fileOf(t: Task, fd: number): OpenFile {
  const e = t.getFd(fd);
  if (e === null) throw new SyscallError(EBADF);
  return e.file;
}

function pathArg(t: Task, addr: number): string {
  if (addr === 0) throw new SyscallError(EFAULT);
  const s = t.as.readCString(addr, 4097);
  if (s === null) throw new SyscallError(ENAMETOOLONG);
  return s;
}

/** Directory a *at() path is relative to. */
function dirOf(t: Task, dirfd: number, path: string): Inode {
  if (path.startsWith('/') || dirfd === S.AT_FDCWD) return t.cwd;
  const f = fileOf(t, dirfd);
  const ino = f.inode();
  if (ino === null) throw new SyscallError(ENOTDIR);
  if ((ino.mode & S_IFMT) !== S_IFDIR) throw new SyscallError(ENOTDIR);
  return ino;
}

async function lookupAt(k: Kernel, t: Task, dirfd: number, path: string, follow: boolean, emptyPath = false): Promise<Inode> {
  if (path === '' && emptyPath) {
    const ino = dirfd === S.AT_FDCWD ? t.cwd : fileOf(t, dirfd).inode();
    if (ino === null) throw new SyscallError(EBADF);
    return ino;
  }
  if (path === '/proc/self/exe' || path === `/proc/${t.pid}/exe`) path = t.exePath;
  return resolve(t.root, dirOf(t, dirfd, path), path, { followLast: follow, mounts: k.mounts, caller: t.tgid, checkSearch: searchCheck(t) });
}

function writeStat64(t: Task, addr: number, st: Stat): void {
  const b = new Uint8Array(S.STAT64_SIZE);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(S.STAT64_DEV, BigInt(st.dev), true);
  dv.setUint32(S.STAT64_INO32, st.ino >>> 0, true);
  dv.setUint32(S.STAT64_MODE, st.mode, true);
  dv.setUint32(S.STAT64_NLINK, st.nlink, true);
  dv.setUint32(S.STAT64_UID, st.uid, true);
  dv.setUint32(S.STAT64_GID, st.gid, true);
  dv.setBigUint64(S.STAT64_RDEV, BigInt(st.rdev), true);
  dv.setBigInt64(S.STAT64_SIZE_FIELD, BigInt(st.size), true);
  dv.setUint32(S.STAT64_BLKSIZE, st.blksize, true);
  dv.setBigUint64(S.STAT64_BLOCKS, BigInt(st.blocks), true);
  dv.setUint32(S.STAT64_ATIME, st.atimeSec >>> 0, true);
  dv.setUint32(S.STAT64_ATIME_NSEC, st.atimeNsec, true);
  dv.setUint32(S.STAT64_MTIME, st.mtimeSec >>> 0, true);
  dv.setUint32(S.STAT64_MTIME_NSEC, st.mtimeNsec, true);
  dv.setUint32(S.STAT64_CTIME, st.ctimeSec >>> 0, true);
  dv.setUint32(S.STAT64_CTIME_NSEC, st.ctimeNsec, true);
  dv.setBigUint64(S.STAT64_INO, BigInt(st.ino), true);
  t.as.write(addr, b);
}

function writeOldStat(t: Task, addr: number, st: Stat): void {
  if (st.size > 0x7fffffff || st.ino > 0xffffffff) throw new SyscallError(EOVERFLOW);
  const b = new Uint8Array(S.STAT_SIZE);
  const dv = new DataView(b.buffer);
  dv.setUint32(S.STAT_DEV, st.dev, true);
  dv.setUint32(S.STAT_INO, st.ino, true);
  dv.setUint16(S.STAT_MODE, st.mode, true);
  dv.setUint16(S.STAT_NLINK, st.nlink, true);
  dv.setUint16(S.STAT_UID, st.uid, true);
  dv.setUint16(S.STAT_GID, st.gid, true);
  dv.setUint32(S.STAT_RDEV, st.rdev, true);
  dv.setUint32(S.STAT_SIZE_FIELD, st.size, true);
  dv.setUint32(S.STAT_BLKSIZE, st.blksize, true);
  dv.setUint32(S.STAT_BLOCKS, st.blocks, true);
  dv.setUint32(S.STAT_ATIME, st.atimeSec, true);
  dv.setUint32(S.STAT_MTIME, st.mtimeSec, true);
  dv.setUint32(S.STAT_CTIME, st.ctimeSec, true);
  t.as.write(addr, b);
}

function writeStatx(t: Task, addr: number, st: Stat): void {
  const b = new Uint8Array(S.STATX_SIZE);
  const dv = new DataView(b.buffer);
  dv.setUint32(S.STATX_MASK, S.STATX_BASIC_STATS, true);
  dv.setUint32(S.STATX_BLKSIZE, st.blksize, true);
  dv.setUint32(S.STATX_NLINK, st.nlink, true);
  dv.setUint32(S.STATX_UID, st.uid, true);
  dv.setUint32(S.STATX_GID, st.gid, true);
  dv.setUint16(S.STATX_MODE, st.mode, true);
  dv.setBigUint64(S.STATX_INO, BigInt(st.ino), true);
  dv.setBigUint64(S.STATX_SIZE_FIELD, BigInt(st.size), true);
  dv.setBigUint64(S.STATX_BLOCKS, BigInt(st.blocks), true);
  const ts = (off: number, sec: number, nsec: number): void => {
    dv.setBigInt64(off, BigInt(sec), true);
    dv.setUint32(off + 8, nsec, true);
  };
  ts(S.STATX_ATIME, st.atimeSec, st.atimeNsec);
  ts(S.STATX_MTIME, st.mtimeSec, st.mtimeNsec);
  ts(S.STATX_CTIME, st.ctimeSec, st.ctimeNsec);
  dv.setUint32(S.STATX_RDEV_MAJOR, (st.rdev >>> 8) & 0xfff, true);
  dv.setUint32(S.STATX_RDEV_MINOR, (st.rdev & 0xff) | ((st.rdev >>> 12) & ~0xff), true);
  dv.setUint32(S.STATX_DEV_MAJOR, (st.dev >>> 8) & 0xfff, true);
  dv.setUint32(S.STATX_DEV_MINOR, (st.dev & 0xff) | ((st.dev >>> 12) & ~0xff), true);
  t.as.write(addr, b);
}

function isWriteOpen(flags: number): boolean {
  return (flags & S.O_ACCMODE) !== S.O_RDONLY || (flags & S.O_TRUNC) !== 0;
}

/**
 * The open file a "magic link" names: /proc/<pid>/fd/N, /dev/fd/N,
 * /dev/stdin|stdout|stderr (proc(5): they lead to the file itself, even a
 * pipe, socket or terminal, rather than to the name it was opened by).
 */
export function magicFd(k: Kernel, t: Task, path: string): OpenFile | null {
  const m = /^\/(?:proc\/(self|\d+)\/fd|dev\/fd)\/(\d+)$/.exec(path) ?? /^\/dev\/(std)(in|out|err)$/.exec(path);
  if (m === null) return null;
  const owner = m[1] === undefined || m[1] === 'self' || m[1] === 'std' ? t : k.tasks.get(Number(m[1]));
  const fd = m[1] === 'std' ? ['in', 'out', 'err'].indexOf(m[2]) : Number(m[2]);
  const e = owner?.getFd(fd) ?? null;
  if (e === null) throw new SyscallError(ENOENT);
  return e.file;
}

async function openAt(k: Kernel, t: Task, dirfd: number, pathAddr: number, flags: number, mode: number): Promise<number> {
  const path = pathArg(t, pathAddr);
  const magic = flags & (S.O_NOFOLLOW | S.O_PATH) ? null : magicFd(k, t, path);
  // Reopening through a magic link: a file with an inode is opened afresh, anything else (pipe,
  // socket, console) is shared like dup — the closest we get to Linux reopening the object.
  if (magic !== null && magic.inode() === null) return t.allocFd(magic, (flags & S.O_CLOEXEC) !== 0);
  let ino: Inode | null = magic?.inode() ?? null;
  if (ino !== null) {
    const acc = flags & S.O_ACCMODE;
    checkPermission(t, ino, (acc !== S.O_WRONLY ? MAY_READ : 0) | (acc !== S.O_RDONLY ? MAY_WRITE : 0));
    const dev = ino.fs instanceof DevFs ? ino.fs.deviceName(ino) : null;
    const keep = flags & ~(S.O_CREAT | S.O_EXCL | S.O_NOCTTY | S.O_TRUNC);
    if ((flags & S.O_TRUNC) && (ino.mode & S_IFMT) === S_IFREG && (flags & S.O_ACCMODE) !== S.O_RDONLY) await truncateInode(ino, 0);
    const file = (ino.mode & S_IFMT) === S_IFIFO ? await k.fifos.open(t, ino, keep, magic!.path) :
      dev !== null ? new DeviceFile(ino, dev, keep, k.console, k.random) : new InodeFile(ino, keep, magic!.path);
    return t.allocFd(file, (flags & S.O_CLOEXEC) !== 0);
  }
  if (flags & S.O_CREAT) ino = await createForOpen(k, t, dirfd, path, flags, mode);
  const created = ino !== null;
  if (ino === null) ino = await lookupAt(k, t, dirfd, path, (flags & S.O_NOFOLLOW) === 0 && !(flags & S.O_CREAT && flags & S.O_EXCL));
  const type = ino.mode & S_IFMT;
  if (type === S_IFLNK && !(flags & S.O_PATH)) throw new SyscallError(ELOOP);
  if (!created && !(flags & S.O_PATH)) {
    const acc = flags & S.O_ACCMODE;
    checkPermission(t, ino, (acc !== S.O_WRONLY ? MAY_READ : 0) | (acc !== S.O_RDONLY || flags & S.O_TRUNC ? MAY_WRITE : 0));
  }
  if ((flags & S.O_DIRECTORY) && type !== S_IFDIR) throw new SyscallError(ENOTDIR);
  if (!(flags & S.O_PATH)) {
    if (type === S_IFDIR && isWriteOpen(flags)) throw new SyscallError(21 /* EISDIR */);
    if ((flags & S.O_ACCMODE) !== S.O_RDONLY && ino.fs.readOnly && type === S_IFREG) throw new SyscallError(EROFS);
    if ((flags & S.O_TRUNC) && !created && type === S_IFREG && (flags & S.O_ACCMODE) !== S.O_RDONLY) await truncateInode(ino, 0);
  }
  const keep = flags & ~(S.O_CREAT | S.O_EXCL | S.O_NOCTTY | S.O_TRUNC);
  // Opening a FIFO may wait for the other end (fifo(7)).
  if (type === S_IFIFO && !(flags & S.O_PATH)) return t.allocFd(await k.fifos.open(t, ino, keep, absolutePath(t.cwdPath, path)), (flags & S.O_CLOEXEC) !== 0);
  const dev = ino.fs instanceof DevFs ? ino.fs.deviceName(ino) : null;
  const file = (dev !== null ? openTerminalDevice(k, t, dev, flags) : null) ??
    (dev !== null ? new DeviceFile(ino, dev, keep, k.console, k.random) : new InodeFile(ino, keep, absolutePath(t.cwdPath, path)));
  return t.allocFd(file, (flags & S.O_CLOEXEC) !== 0);
}

function doRead(t: Task, fd: number, buf: number, count: number, pos: number | null): Promise<number> | number {
  const f = fileOf(t, fd);
  // A socket read waits interruptibly: a signal ends it with EINTR (or restarts it).
  if (f instanceof SocketFile) f.waitHook = (p) => interruptible(t, p);
  if (count < 0) throw new SyscallError(EINVAL);
  if (count === 0) return 0;
  // eventfd, timerfd…: the file says EAGAIN, the call waits for readiness (signals.ts retryWhenReady).
  if (f.waitsByPoll) return retryWhenReady(t, f, () => copyOut(t, buf, f.read(Math.min(count, 1 << 24), pos) as Uint8Array));
  const r = f.read(Math.min(count, 1 << 24), pos);
  if (r instanceof Promise) return r.then((data) => copyOut(t, buf, data));
  return copyOut(t, buf, r);
}

function copyOut(t: Task, buf: number, data: Uint8Array): number {
  t.as.write(buf, data);
  return data.length;
}

function doWrite(k: Kernel, t: Task, fd: number, buf: number, count: number, pos: number | null): number | Promise<number> {
  const f = fileOf(t, fd);
  // A write to a pipe nobody reads raises SIGPIPE in the writer.
  if (f instanceof PipeWriteEnd || f instanceof FifoFile || f instanceof SocketFile) f.sigpipe = () => void sendSignal(k, t, S.SIGPIPE);
  if (f instanceof SocketFile) f.waitHook = (p) => interruptible(t, p);
  if (count < 0) throw new SyscallError(EINVAL);
  const data = t.as.read(buf, count);
  if (f.waitsByPoll) return retryWhenReady(t, f, () => f.write(data, pos) as number);
  return f.write(data, pos);
}

function readIovecs(t: Task, iov: number, n: number): [number, number][] {
  if (n < 0 || n > 1024) throw new SyscallError(EINVAL);
  const out: [number, number][] = [];
  for (let k = 0; k < n; k++) out.push([t.as.read32(iov + k * 8), t.as.read32(iov + k * 8 + 4)]);
  return out;
}

async function readv(t: Task, fd: number, iov: number, n: number): Promise<number> {
  const vecs = readIovecs(t, iov, n);
  let total = 0;
  for (const [base, len] of vecs) {
    if (len === 0) continue;
    const got = await doRead(t, fd, base, len, null);
    total += got;
    if (got < len) break;
  }
  return total;
}

async function writev(k: Kernel, t: Task, fd: number, iov: number, n: number): Promise<number> {
  const vecs = readIovecs(t, iov, n);
  const f = fileOf(t, fd);
  if (f instanceof PipeWriteEnd || f instanceof FifoFile || f instanceof SocketFile) f.sigpipe = () => void sendSignal(k, t, S.SIGPIPE);
  const parts = vecs.filter(([, len]) => len > 0).map(([base, len]) => t.as.read(base, len));
  const size = parts.reduce((a, p) => a + p.length, 0);
  const all = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return f.write(all, null);
}

async function getdents64(t: Task, fd: number, dirp: number, count: number): Promise<number> {
  const f = fileOf(t, fd);
  if (!(f instanceof InodeFile)) throw new SyscallError(ENOTDIR);
  const entries = await f.listing();
  const out = new Uint8Array(Math.min(count, 1 << 20));
  const dv = new DataView(out.buffer);
  let o = 0;
  while (f.pos < entries.length) {
    const e = entries[f.pos];
    const reclen = (19 + e.name.length + 1 + 7) & ~7;
    if (o + reclen > out.length) break;
    dv.setBigUint64(o, BigInt(e.ino), true);
    dv.setBigInt64(o + 8, BigInt(f.pos + 1), true);
    dv.setUint16(o + 16, reclen, true);
    out[o + 18] = e.type;
    for (let k = 0; k < e.name.length; k++) out[o + 19 + k] = e.name.charCodeAt(k);
    out[o + 19 + e.name.length] = 0;
    o += reclen;
    f.pos++;
  }
  if (o === 0 && f.pos < entries.length) throw new SyscallError(EINVAL);
  t.as.write(dirp, out.subarray(0, o));
  return o;
}

async function readlinkAt(k: Kernel, t: Task, dirfd: number, pathAddr: number, buf: number, size: number): Promise<number> {
  const path = pathArg(t, pathAddr);
  if (size <= 0) throw new SyscallError(EINVAL);
  let target: string;
  if (path === '/proc/self/exe' || path === `/proc/${t.pid}/exe`) target = t.exePath;
  else {
    const ino = await lookupAt(k, t, dirfd, path, false);
    if ((ino.mode & S_IFMT) !== S_IFLNK) throw new SyscallError(EINVAL);
    target = await ino.fs.readlink(ino);
  }
  const b = encodeString(target).subarray(0, Math.min(target.length, size));
  t.as.write(buf, b);
  return b.length;
}

async function accessAt(k: Kernel, t: Task, dirfd: number, pathAddr: number, mode: number, flags: number): Promise<number> {
  const path = pathArg(t, pathAddr);
  if (mode & ~7) throw new SyscallError(EINVAL);
  const ino = await lookupAt(k, t, dirfd, path, (flags & S.AT_SYMLINK_NOFOLLOW) === 0);
  // W_OK on a read-only filesystem is EROFS for what lives in it (files, directories, links).
  const type = ino.mode & S_IFMT;
  if (mode & 2 && ino.fs.readOnly && (type === S_IFREG || type === S_IFDIR || type === S_IFLNK)) throw new SyscallError(EROFS);
  // access(2) checks with the real ids unless AT_EACCESS asks for the effective ones.
  checkPermission(t, ino, mode & 7, (flags & S.AT_EACCESS) === 0);
  return 0;
}

async function statAt(k: Kernel, t: Task, dirfd: number, pathAddr: number, buf: number, flags: number, kind: 'stat64' | 'old' | 'statx'): Promise<number> {
  const path = pathArg(t, pathAddr);
  let st: Stat;
  if (path === '' && (flags & S.AT_EMPTY_PATH) !== 0 && dirfd !== S.AT_FDCWD) {
    // fstatat(fd, "", AT_EMPTY_PATH) is fstat(fd): pipes and terminals included.
    st = fileOf(t, dirfd).stat();
  } else {
    const magic = flags & S.AT_SYMLINK_NOFOLLOW ? null : magicFd(k, t, path);
    st = magic !== null ? magic.stat() : (await lookupAt(k, t, dirfd, path, (flags & S.AT_SYMLINK_NOFOLLOW) === 0, (flags & S.AT_EMPTY_PATH) !== 0)).stat();
  }
  if (kind === 'stat64') writeStat64(t, buf, st);
  else if (kind === 'statx') writeStatx(t, buf, st);
  else writeOldStat(t, buf, st);
  return 0;
}

function llseek(t: Task, fd: number, hi: number, lo: number, result: number, whence: number): number {
  const f = fileOf(t, fd);
  const off = hi * 4294967296 + (lo >>> 0);
  const p = f.seek(off, whence);
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, BigInt(p), true);
  t.as.write(result, b);
  return 0;
}

function lseek(t: Task, fd: number, off: number, whence: number): number {
  const f = fileOf(t, fd);
  const p = f.seek(off, whence);
  if (p > 0x7fffffff) throw new SyscallError(EOVERFLOW);
  return p;
}

function getcwd(t: Task, buf: number, size: number): number {
  const b = encodeString(t.cwdPath);
  if (size < b.length) throw new SyscallError(ERANGE);
  t.as.write(buf, b);
  return b.length;
}

async function chdir(k: Kernel, t: Task, pathAddr: number): Promise<number> {
  const path = pathArg(t, pathAddr);
  const ino = await lookupAt(k, t, S.AT_FDCWD, path, true);
  if ((ino.mode & S_IFMT) !== S_IFDIR) throw new SyscallError(ENOTDIR);
  t.cwd = ino;
  t.cwdPath = absolutePath(t.cwdPath, path);
  return 0;
}

function fchdir(t: Task, fd: number): number {
  const f = fileOf(t, fd);
  const ino = f.inode();
  if (ino === null || (ino.mode & S_IFMT) !== S_IFDIR) throw new SyscallError(ENOTDIR);
  t.cwd = ino;
  t.cwdPath = f.path;
  return 0;
}

function ioctl(k: Kernel, t: Task, fd: number, req: number, arg: number): number | Promise<number> {
  const e = t.getFd(fd);
  if (e === null) throw new SyscallError(EBADF);
  const f = e.file;
  switch (req | 0) {
    case S.FIONBIO:
      if (t.as.read32(arg) !== 0) f.flags |= S.O_NONBLOCK;
      else f.flags &= ~S.O_NONBLOCK;
      return 0;
    case T.FIOCLEX:
    case T.FIONCLEX:
      e.cloexec = (req | 0) === T.FIOCLEX;
      return 0;
  }
  if (f instanceof TtyFile || f instanceof PtyMasterFile) return ttyIoctl(k, t, f, req, arg);
  if (f.isTerminal()) return consoleIoctl(k, t, req, arg);
  if ((req | 0) === S.FIONREAD && (f instanceof PipeReadEnd || f instanceof FifoFile)) {
    t.as.write32(arg, f.pipe.buffered);
    return 0;
  }
  if ((req | 0) === S.FIONREAD && f instanceof SocketFile) {
    // SIOCINQ: bytes queued on a stream, the size of the next datagram otherwise (unix_ioctl).
    const q = f.sock.queue;
    t.as.write32(arg, f.sock.isStream ? f.sock.queuedBytes : q.length > 0 ? q[0].data.length : 0);
    return 0;
  }
  throw new SyscallError(ENOTTY);
}

/** A Console that says it is a terminal without a tty behind it (no attachTerminal): fixed settings. */
function consoleIoctl(k: Kernel, t: Task, req: number, arg: number): number {
  switch (req | 0) {
    case S.TCGETS: {
      const tio = standardTermios();
      const b = new Uint8Array(S.TERMIOS_SIZE);
      const dv = new DataView(b.buffer);
      dv.setUint32(S.TERMIOS_IFLAG, tio.iflag, true);
      dv.setUint32(S.TERMIOS_OFLAG, tio.oflag, true);
      dv.setUint32(S.TERMIOS_CFLAG, tio.cflag, true);
      dv.setUint32(S.TERMIOS_LFLAG, tio.lflag, true);
      b.set(tio.cc, S.TERMIOS_CC);
      t.as.write(arg, b);
      return 0;
    }
    case S.TCSETS: case S.TCSETSW: case S.TCSETSF: case S.TIOCSPGRP:
      return 0;
    case S.TIOCGWINSZ: {
      const { rows, cols } = k.console.windowSize();
      const b = new Uint8Array(8);
      const dv = new DataView(b.buffer);
      dv.setUint16(0, rows, true);
      dv.setUint16(2, cols, true);
      t.as.write(arg, b);
      return 0;
    }
    case S.TIOCGPGRP:
      t.as.write32(arg, t.pgid);
      return 0;
  }
  throw new SyscallError(ENOTTY);
}

function fcntl(t: Task, fd: number, cmd: number, arg: number, fcntl64: boolean): number | Promise<number> {
  const e = t.getFd(fd);
  if (e === null) throw new SyscallError(EBADF);
  const extra = fcntlExtra(t, e, cmd, arg, fcntl64);
  if (extra !== null) return extra;
  switch (cmd) {
    case S.F_DUPFD:
    case S.F_DUPFD_CLOEXEC:
      if (arg < 0 || arg >= t.fdLimit()) throw new SyscallError(EINVAL);
      return t.allocFd(e.file, cmd === S.F_DUPFD_CLOEXEC, arg);
    case S.F_GETFD:
      return e.cloexec ? S.FD_CLOEXEC : 0;
    case S.F_SETFD:
      e.cloexec = (arg & S.FD_CLOEXEC) !== 0;
      return 0;
    case S.F_GETFL:
      return e.file.flags | S.O_LARGEFILE;
    case S.F_SETFL: {
      const settable = S.O_APPEND | S.O_NONBLOCK | S.O_NOATIME | 0o20000 /* O_ASYNC */ | 0o40000 /* O_DIRECT */;
      e.file.flags = (e.file.flags & ~settable) | (arg & settable);
      return 0;
    }
  }
  throw new SyscallError(EINVAL);
}

function dup2(t: Task, oldfd: number, newfd: number, flags: number, isDup3: boolean): number {
  const e = t.getFd(oldfd);
  if (e === null) throw new SyscallError(EBADF);
  if (newfd < 0 || newfd >= t.fdLimit()) throw new SyscallError(EBADF);
  if (oldfd === newfd) {
    if (isDup3) throw new SyscallError(EINVAL);
    return newfd;
  }
  t.installFd(newfd, e.file, (flags & S.O_CLOEXEC) !== 0);
  return newfd;
}

function close(t: Task, fd: number): number {
  if (!t.closeFd(fd)) throw new SyscallError(EBADF);
  return 0;
}

/**
 * close_range(2): close, or with CLOSE_RANGE_CLOEXEC mark close-on-exec,
 * every open descriptor from `first` to `last` (unsigned, ~0 for all).
 * CLOSE_RANGE_UNSHARE is accepted without copying the table: the table
 * belongs to the process, which is the same thing while the caller is its
 * only thread (a child between fork and exec, as Python's subprocess calls it).
 */
function closeRange(t: Task, first: number, last: number, flags: number): number {
  first >>>= 0;
  last >>>= 0;
  if ((flags & ~(S.CLOSE_RANGE_UNSHARE | S.CLOSE_RANGE_CLOEXEC)) !== 0 || first > last) throw new SyscallError(EINVAL);
  const end = Math.min(last, t.fds.length - 1);
  for (let fd = first; fd <= end; fd++) {
    const e = t.getFd(fd);
    if (e === null) continue;
    if (flags & S.CLOSE_RANGE_CLOEXEC) e.cloexec = true;
    else t.closeFd(fd);
  }
  return 0;
}

export const fsSyscalls: SyscallTable = {
  [N.NR_read]: (_k, t, fd, buf, count) => doRead(t, fd, buf, count, null),
  [N.NR_write]: (k, t, fd, buf, count) => doWrite(k, t, fd, buf, count, null),
  [N.NR_pread64]: (_k, t, fd, buf, count, lo, hi) => doRead(t, fd, buf, count, hi * 4294967296 + (lo >>> 0)),
  [N.NR_pwrite64]: (k, t, fd, buf, count, lo, hi) => doWrite(k, t, fd, buf, count, hi * 4294967296 + (lo >>> 0)),
  [N.NR_readv]: (_k, t, fd, iov, n) => readv(t, fd, iov, n),
  [N.NR_writev]: (k, t, fd, iov, n) => writev(k, t, fd, iov, n),
  [N.NR_open]: (k, t, path, flags, mode) => openAt(k, t, S.AT_FDCWD, path, flags, mode),
  [N.NR_openat]: (k, t, dirfd, path, flags, mode) => openAt(k, t, dirfd, path, flags, mode),
  [N.NR_close]: (_k, t, fd) => close(t, fd),
  [N.NR_close_range]: (_k, t, first, last, flags) => closeRange(t, first, last, flags),
  [N.NR_stat64]: (k, t, path, buf) => statAt(k, t, S.AT_FDCWD, path, buf, 0, 'stat64'),
  [N.NR_lstat64]: (k, t, path, buf) => statAt(k, t, S.AT_FDCWD, path, buf, S.AT_SYMLINK_NOFOLLOW, 'stat64'),
  [N.NR_fstat64]: (_k, t, fd, buf) => {
    writeStat64(t, buf, fileOf(t, fd).stat());
    return 0;
  },
  [N.NR_fstatat64]: (k, t, dirfd, path, buf, flags) => statAt(k, t, dirfd, path, buf, flags, 'stat64'),
  [N.NR_stat]: (k, t, path, buf) => statAt(k, t, S.AT_FDCWD, path, buf, 0, 'old'),
  [N.NR_lstat]: (k, t, path, buf) => statAt(k, t, S.AT_FDCWD, path, buf, S.AT_SYMLINK_NOFOLLOW, 'old'),
  [N.NR_fstat]: (_k, t, fd, buf) => {
    writeOldStat(t, buf, fileOf(t, fd).stat());
    return 0;
  },
  [N.NR_statx]: (k, t, dirfd, path, flags, _mask, buf) => statAt(k, t, dirfd, path, buf, flags, 'statx'),
  [N.NR_lseek]: (_k, t, fd, off, whence) => lseek(t, fd, off, whence),
  [N.NR__llseek]: (_k, t, fd, hi, lo, result, whence) => llseek(t, fd, hi, lo, result, whence),
  [N.NR_getdents64]: (_k, t, fd, dirp, count) => getdents64(t, fd, dirp, count),
  [N.NR_readlink]: (k, t, path, buf, size) => readlinkAt(k, t, S.AT_FDCWD, path, buf, size),
  [N.NR_readlinkat]: (k, t, dirfd, path, buf, size) => readlinkAt(k, t, dirfd, path, buf, size),
  [N.NR_access]: (k, t, path, mode) => accessAt(k, t, S.AT_FDCWD, path, mode, 0),
  [N.NR_faccessat]: (k, t, dirfd, path, mode) => accessAt(k, t, dirfd, path, mode, 0),
  [N.NR_faccessat2]: (k, t, dirfd, path, mode, flags) => accessAt(k, t, dirfd, path, mode, flags),
  [N.NR_getcwd]: (_k, t, buf, size) => getcwd(t, buf, size),
  [N.NR_chdir]: (k, t, path) => chdir(k, t, path),
  [N.NR_fchdir]: (_k, t, fd) => fchdir(t, fd),
  [N.NR_ioctl]: (k, t, fd, req, arg) => ioctl(k, t, fd, req, arg),
  [N.NR_fcntl]: (_k, t, fd, cmd, arg) => fcntl(t, fd, cmd, arg, false),
  [N.NR_fcntl64]: (_k, t, fd, cmd, arg) => fcntl(t, fd, cmd, arg, true),
  [N.NR_dup]: (_k, t, fd) => {
    const e = t.getFd(fd);
    if (e === null) throw new SyscallError(EBADF);
    return t.allocFd(e.file, false);
  },
  [N.NR_dup2]: (_k, t, a, b) => dup2(t, a, b, 0, false),
  [N.NR_dup3]: (_k, t, a, b, flags) => dup2(t, a, b, flags, true),
  [N.NR_fsync]: (k, t, fd) => fsync(k, t, fd),
  [N.NR_fdatasync]: (k, t, fd) => fsync(k, t, fd),
};

/**
 * fsync/fdatasync. Only files and directories of a filesystem have an fsync operation: a pipe,
 * socket, terminal, character device, eventfd or /proc file fails with EINVAL, an O_PATH
 * descriptor with EBADF (vfs_fsync_range, fdget). The overlay commits whole filesystem states,
 * so one file's fsync commits everything (like sync).
 */
async function fsync(k: Kernel, t: Task, fd: number): Promise<number> {
  const f = fileOf(t, fd);
  if (f.flags & S.O_PATH) throw new SyscallError(EBADF);
  const type = f instanceof InodeFile && f.ino.fs !== k.procfs ? f.ino.mode & S_IFMT : 0;
  if (type !== S_IFREG && type !== S_IFDIR) throw new SyscallError(EINVAL);
  await k.syncAll();
  return 0;
}

