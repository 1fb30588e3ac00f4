import { EBADF, EEXIST, EINVAL, EISDIR, ENOENT, ENOTDIR, EPERM, EROFS, EXDEV, ENOSYS } from '../abi/errno.js';
import { checkPermission, checkRemove, MAY_EXEC, MAY_WRITE, searchCheck } from '../perm.js';
import * as S from '../abi/structs.js';
import * as N from '../abi/syscalls.js';
import { resolve, resolveParent } from '../../fs/path.js';
import { FsError, S_IFDIR, S_IFIFO, S_IFMT, S_IFREG, S_IFSOCK, type FileSystem, type FsStats, type Inode, type SetAttr } from '../../fs/types.js';
import { DEVPTS_SUPER_MAGIC, EXT2_SUPER_MAGIC, PIPEFS_MAGIC, SOCKFS_MAGIC } from '../abi/net.js';
import { InodeFile, type OpenFile } from '../files.js';
import { magicFd } from './fs.js';
import { SyscallError } from '../errors.js';
import { flushInode, noteTruncate } from '../page-cache.js';
import type { Kernel } from '../kernel.js';
import type { Task } from '../task.js';
import type { SyscallTable } from './types.js';

/**
 * System calls that change the filesystem: creating, writing, truncating,
 * linking, renaming and removing files, and their attributes. They call the
 * optional mutation methods of FileSystem (types.ts); a filesystem without
 * them, or mounted read-only, answers EROFS.
 */

function pathArg(t: Task, addr: number): string {
  const s = t.as.readCString(addr, 4097);
  if (s === null) throw new SyscallError(36 /* ENAMETOOLONG */);
  return s;
}

function dirFd(t: Task, dirfd: number, path: string): Inode {
  if (path.startsWith('/') || dirfd === S.AT_FDCWD) return t.cwd;
  const e = t.getFd(dirfd);
  if (!e) throw new SyscallError(EBADF);
  const ino = e.file.inode();
  if (!ino || (ino.mode & S_IFMT) !== S_IFDIR) throw new SyscallError(ENOTDIR);
  return ino;
}

function writableFs(fs: FileSystem): FileSystem {
  if (fs.readOnly) throw new SyscallError(EROFS);
  return fs;
}

function need<T>(f: T | undefined): T {
  if (f === undefined) throw new SyscallError(EROFS);
  return f;
}

/** The directory a new name goes in; creating there needs write and search permission (unless `later`). */
async function parentOf(k: Kernel, t: Task, dirfd: number, path: string, later = false) {
  const p = await resolveParent(t.root, dirFd(t, dirfd, path), path, { mounts: k.mounts, caller: t.tgid, checkSearch: searchCheck(t) });
  if (p.kind !== 'normal') throw new SyscallError(p.kind === 'root' ? EEXIST : EEXIST);
  if (!later && t.euid !== 0) {
    // A name that exists is EEXIST whatever the directory's permissions (filename_create looks it up first).
    if ((await existing(p.parent, p.name)) !== null) throw new SyscallError(EEXIST);
    checkPermission(t, p.parent, MAY_WRITE | MAY_EXEC);
  }
  return p;
}

/** The inode `name` in `dir` names, or null. */
async function existing(dir: Inode, name: string): Promise<Inode | null> {
  try {
    return await dir.fs.lookup(dir, name);
  } catch (e) {
    if (e instanceof FsError && e.errno === ENOENT) return null;
    throw e;
  }
}

/** open(O_CREAT) of a missing file: create it. Returns null when it exists (the caller opens it). */
export async function createForOpen(k: Kernel, t: Task, dirfd: number, path: string, flags: number, mode: number): Promise<Inode | null> {
  const p = await parentOf(k, t, dirfd, path, true);
  try {
    const existing = await p.parent.fs.lookup(p.parent, p.name);
    if (flags & S.O_EXCL) throw new SyscallError(EEXIST);
    void existing;
    return null;
  } catch (e) {
    if (!(e instanceof FsError) || e.errno !== ENOENT) throw e;
  }
  if (p.trailingSlash) throw new SyscallError(EISDIR);
  checkPermission(t, p.parent, MAY_WRITE | MAY_EXEC);
  const fs = writableFs(p.parent.fs);
  return need(fs.create).call(fs, p.parent, p.name, mode & ~t.umask & 0o7777, t.euid, t.egid);
}

/** O_TRUNC on open, truncate(2), ftruncate(2). */
export async function truncateInode(ino: Inode, size: number): Promise<void> {
  if ((ino.mode & S_IFMT) === S_IFDIR) throw new SyscallError(EISDIR);
  if ((ino.mode & S_IFMT) !== S_IFREG) throw new SyscallError(EINVAL);
  const fs = writableFs(ino.fs);
  await flushInode(ino);
  await need(fs.truncate).call(fs, ino, size);
  noteTruncate(ino, size);
}

async function mkdirAt(k: Kernel, t: Task, dirfd: number, pathAddr: number, mode: number): Promise<number> {
  const path = pathArg(t, pathAddr);
  const p = await parentOf(k, t, dirfd, path);
  const fs = writableFs(p.parent.fs);
  await need(fs.mkdir).call(fs, p.parent, p.name, mode & ~t.umask & 0o7777, t.euid, t.egid);
  return 0;
}

async function mknodAt(k: Kernel, t: Task, dirfd: number, pathAddr: number, mode: number, dev: number): Promise<number> {
  const path = pathArg(t, pathAddr);
  const type = mode & S_IFMT;
  if (type !== S_IFIFO && type !== S_IFREG && type !== 0) {
    if (t.euid !== 0) throw new SyscallError(EPERM);
  }
  const p = await parentOf(k, t, dirfd, path);
  const fs = writableFs(p.parent.fs);
  const perm = mode & ~t.umask & 0o7777;
  if (type === S_IFREG || type === 0) await need(fs.create).call(fs, p.parent, p.name, perm, t.euid, t.egid);
  else await need(fs.mknod).call(fs, p.parent, p.name, type | perm, dev, t.euid, t.egid);
  return 0;
}

async function unlinkAt(k: Kernel, t: Task, dirfd: number, pathAddr: number, flags: number): Promise<number> {
  const path = pathArg(t, pathAddr);
  const p = await resolveParent(t.root, dirFd(t, dirfd, path), path, { mounts: k.mounts, caller: t.tgid, checkSearch: searchCheck(t) });
  if (p.kind !== 'normal') throw new SyscallError(flags & S.AT_REMOVEDIR ? (p.kind === 'dot' ? EINVAL : 39 /* ENOTEMPTY */) : EISDIR);
  if (t.euid !== 0) checkRemove(t, p.parent, await existing(p.parent, p.name));
  const fs = writableFs(p.parent.fs);
  if (flags & S.AT_REMOVEDIR) await need(fs.rmdir).call(fs, p.parent, p.name);
  else {
    if (p.trailingSlash) throw new SyscallError(ENOTDIR);
    await need(fs.unlink).call(fs, p.parent, p.name);
  }
  return 0;
}

async function renameAt(k: Kernel, t: Task, od: number, oldAddr: number, nd: number, newAddr: number, flags: number): Promise<number> {
  if (flags !== 0) throw new SyscallError(flags & ~7 ? EINVAL : ENOSYS);
  const oldPath = pathArg(t, oldAddr);
  const newPath = pathArg(t, newAddr);
  const a = await resolveParent(t.root, dirFd(t, od, oldPath), oldPath, { mounts: k.mounts, caller: t.tgid, checkSearch: searchCheck(t) });
  const b = await resolveParent(t.root, dirFd(t, nd, newPath), newPath, { mounts: k.mounts, caller: t.tgid, checkSearch: searchCheck(t) });
  if (a.kind !== 'normal' || b.kind !== 'normal') throw new SyscallError(a.kind === 'root' || b.kind === 'root' ? 16 /* EBUSY */ : EINVAL);
  if (a.parent.fs !== b.parent.fs) throw new SyscallError(EXDEV);
  if (t.euid !== 0) {
    checkRemove(t, a.parent, await existing(a.parent, a.name));
    checkRemove(t, b.parent, await existing(b.parent, b.name));
  }
  const fs = writableFs(a.parent.fs);
  await need(fs.rename).call(fs, a.parent, a.name, b.parent, b.name);
  return 0;
}

async function linkAt(k: Kernel, t: Task, od: number, oldAddr: number, nd: number, newAddr: number, flags: number): Promise<number> {
  const oldPath = pathArg(t, oldAddr);
  const newPath = pathArg(t, newAddr);
  const target = await resolve(t.root, dirFd(t, od, oldPath), oldPath, { followLast: (flags & S.AT_SYMLINK_FOLLOW) !== 0, mounts: k.mounts, caller: t.tgid, checkSearch: searchCheck(t) });
  if ((target.mode & S_IFMT) === S_IFDIR) throw new SyscallError(EPERM);
  const p = await parentOf(k, t, nd, newPath);
  if (p.parent.fs !== target.fs) throw new SyscallError(EXDEV);
  const fs = writableFs(p.parent.fs);
  await need(fs.link).call(fs, p.parent, p.name, target);
  return 0;
}

async function symlinkAt(k: Kernel, t: Task, targetAddr: number, nd: number, pathAddr: number): Promise<number> {
  const target = pathArg(t, targetAddr);
  const path = pathArg(t, pathAddr);
  if (target === '') throw new SyscallError(ENOENT);
  const p = await parentOf(k, t, nd, path);
  const fs = writableFs(p.parent.fs);
  await need(fs.symlink).call(fs, p.parent, p.name, target, t.euid, t.egid);
  return 0;
}

async function inodeAt(k: Kernel, t: Task, dirfd: number, pathAddr: number, follow: boolean, emptyPath = false): Promise<Inode> {
  if (pathAddr === 0 && emptyPath) {
    const e = t.getFd(dirfd);
    const ino = e?.file.inode();
    if (!ino) throw new SyscallError(EBADF);
    return ino;
  }
  const path = pathArg(t, pathAddr);
  if (path === '' && emptyPath) return inodeAt(k, t, dirfd, 0, follow, true);
  return resolve(t.root, dirFd(t, dirfd, path), path, { followLast: follow, mounts: k.mounts, caller: t.tgid, checkSearch: searchCheck(t) });
}

async function setattr(ino: Inode, t: Task, attrs: SetAttr): Promise<number> {
  if (attrs.uid !== undefined || attrs.gid !== undefined) {
    if (t.euid !== 0 && (attrs.uid !== undefined && attrs.uid !== ino.stat().uid)) throw new SyscallError(EPERM);
  } else if (t.euid !== 0 && ino.stat().uid !== t.euid) throw new SyscallError(EPERM);
  const fs = writableFs(ino.fs);
  await need(fs.setattr).call(fs, ino, attrs);
  return 0;
}

function fdInode(t: Task, fd: number): Inode {
  const e = t.getFd(fd);
  if (!e) throw new SyscallError(EBADF);
  const ino = e.file.inode();
  if (!ino) throw new SyscallError(EINVAL);
  return ino;
}

function chownAttrs(uid: number, gid: number): SetAttr {
  const a: SetAttr = {};
  if (uid !== -1) a.uid = uid >>> 0;
  if (gid !== -1) a.gid = gid >>> 0;
  return a;
}

/** utimensat(dirfd, path, times[2] (32-bit timespec), flags) and the time64 variant. */
async function utimensat(k: Kernel, t: Task, dirfd: number, pathAddr: number, times: number, flags: number, wide: boolean): Promise<number> {
  const ino = await inodeAt(k, t, dirfd, pathAddr, (flags & S.AT_SYMLINK_NOFOLLOW) === 0, pathAddr === 0);
  const now = Math.floor(k.now() / 1000);
  const UTIME_NOW = 0x3fffffff;
  const UTIME_OMIT = 0x3ffffffe;
  const attrs: SetAttr = {};
  if (times === 0) {
    attrs.atime = now;
    attrs.mtime = now;
  } else {
    const read = (k2: number): [number, number] => {
      if (wide) {
        const dv = new DataView(t.as.read(times + k2 * 16, 16).buffer);
        return [Number(dv.getBigInt64(0, true)), Number(dv.getBigInt64(8, true))];
      }
      return [t.as.read32(times + k2 * 8), t.as.read32(times + k2 * 8 + 4)];
    };
    const [as, an] = read(0);
    const [ms, mn] = read(1);
    if (an !== UTIME_OMIT) attrs.atime = an === UTIME_NOW ? now : as;
    if (mn !== UTIME_OMIT) attrs.mtime = mn === UTIME_NOW ? now : ms;
  }
  const fs = writableFs(ino.fs);
  await need(fs.setattr).call(fs, ino, attrs);
  return 0;
}

/**
 * What statfs reports about: a filesystem's inode, or an open file without
 * one (pipes, sockets, the console live on kernel-internal filesystems).
 */
interface StatfsTarget {
  fs: { dev: number; readOnly: boolean; magic?: number; statfs?(): FsStats };
}

function fsStats(ino: StatfsTarget): FsStats {
  return ino.fs.statfs ? ino.fs.statfs() : { blockSize: 4096, blocks: 0, freeBlocks: 0, availBlocks: 0, inodes: 0, freeInodes: 0, nameMax: 255 };
}

/** The statfs target of an open file: its inode, or the pseudo filesystem of a pipe, socket or terminal. */
function fileStatfs(f: OpenFile): StatfsTarget {
  const ino = f.inode();
  if (ino !== null) return ino;
  const st = f.stat();
  const type = st.mode & S_IFMT;
  const magic = type === S_IFSOCK ? SOCKFS_MAGIC : type === S_IFIFO ? PIPEFS_MAGIC : DEVPTS_SUPER_MAGIC;
  return { fs: { dev: st.dev, readOnly: false, magic } };
}

/** statfs of a path: magic links (/dev/stdin, /proc/self/fd/N) name the open file. */
async function pathStatfs(k: Kernel, t: Task, pathAddr: number): Promise<StatfsTarget> {
  const magic = magicFd(k, t, pathArg(t, pathAddr));
  return magic !== null ? fileStatfs(magic) : inodeAt(k, t, S.AT_FDCWD, pathAddr, true);
}

function fdStatfs(t: Task, fd: number): StatfsTarget {
  const e = t.getFd(fd);
  if (!e) throw new SyscallError(EBADF);
  return fileStatfs(e.file);
}

/** ST_RDONLY in f_flags; ST_VALID (0x20) says f_flags is filled in (statfs(2)). */
const ST_RDONLY = 1;
const ST_VALID = 0x20;

function statfs64(t: Task, ino: StatfsTarget, size: number, buf: number): number {
  if (size !== 84) throw new SyscallError(EINVAL);
  const st = fsStats(ino);
  const b = new Uint8Array(84);
  const dv = new DataView(b.buffer);
  // struct statfs64 (asm/statfs.h, i386): f_type, f_bsize, f_blocks(64), f_bfree(64), f_bavail(64), f_files(64), f_ffree(64), f_fsid, f_namelen, f_frsize, f_flags
  dv.setUint32(0, ino.fs.magic ?? EXT2_SUPER_MAGIC, true);
  dv.setUint32(4, st.blockSize, true);
  dv.setBigUint64(8, BigInt(st.blocks), true);
  dv.setBigUint64(16, BigInt(st.freeBlocks), true);
  dv.setBigUint64(24, BigInt(st.availBlocks), true);
  dv.setBigUint64(32, BigInt(st.inodes), true);
  dv.setBigUint64(40, BigInt(st.freeInodes), true);
  dv.setUint32(48, ino.fs.dev, true);
  dv.setUint32(56, st.nameMax, true);
  dv.setUint32(60, st.blockSize, true);
  dv.setUint32(64, (ino.fs.readOnly ? ST_RDONLY : 0) | ST_VALID, true);
  t.as.write(buf, b);
  return 0;
}

/** The old statfs(2)/fstatfs(2): struct statfs with 32-bit counts (EOVERFLOW past them). */
function statfs32(t: Task, ino: StatfsTarget, buf: number): number {
  const st = fsStats(ino);
  const b = new Uint8Array(64);
  const dv = new DataView(b.buffer);
  const u32 = (off: number, v: number): void => {
    if (v > 0xffffffff) throw new SyscallError(75 /* EOVERFLOW */);
    dv.setUint32(off, v, true);
  };
  u32(0, ino.fs.magic ?? EXT2_SUPER_MAGIC);
  u32(4, st.blockSize);
  u32(8, st.blocks);
  u32(12, st.freeBlocks);
  u32(16, st.availBlocks);
  u32(20, st.inodes);
  u32(24, st.freeInodes);
  u32(28, ino.fs.dev);
  u32(36, st.nameMax);
  u32(40, st.blockSize);
  u32(44, (ino.fs.readOnly ? ST_RDONLY : 0) | ST_VALID);
  t.as.write(buf, b);
  return 0;
}

/** Extended attributes are not supported (the issue allows ENOTSUP); listing gives an empty list. */
const noXattr = (): number => {
  throw new SyscallError(95 /* EOPNOTSUPP */);
};

export const fsWriteSyscalls: SyscallTable = {
  [N.NR_getxattr]: noXattr, [N.NR_lgetxattr]: noXattr, [N.NR_fgetxattr]: noXattr,
  [N.NR_setxattr]: noXattr, [N.NR_lsetxattr]: noXattr, [N.NR_fsetxattr]: noXattr,
  [N.NR_removexattr]: noXattr, [N.NR_lremovexattr]: noXattr, [N.NR_fremovexattr]: noXattr,
  [N.NR_listxattr]: () => 0, [N.NR_llistxattr]: () => 0, [N.NR_flistxattr]: () => 0,
  // Advice about access patterns: accepted, nothing to do.
  [N.NR_fadvise64]: () => 0,
  [N.NR_fadvise64_64]: () => 0,
  [N.NR_mkdir]: (k, t, path, mode) => mkdirAt(k, t, S.AT_FDCWD, path, mode),
  [N.NR_mkdirat]: (k, t, dirfd, path, mode) => mkdirAt(k, t, dirfd, path, mode),
  [N.NR_mknod]: (k, t, path, mode, dev) => mknodAt(k, t, S.AT_FDCWD, path, mode, dev),
  [N.NR_mknodat]: (k, t, dirfd, path, mode, dev) => mknodAt(k, t, dirfd, path, mode, dev),
  [N.NR_rmdir]: (k, t, path) => unlinkAt(k, t, S.AT_FDCWD, path, S.AT_REMOVEDIR),
  [N.NR_unlink]: (k, t, path) => unlinkAt(k, t, S.AT_FDCWD, path, 0),
  [N.NR_unlinkat]: (k, t, dirfd, path, flags) => unlinkAt(k, t, dirfd, path, flags),
  [N.NR_rename]: (k, t, a, b) => renameAt(k, t, S.AT_FDCWD, a, S.AT_FDCWD, b, 0),
  [N.NR_renameat]: (k, t, od, a, nd, b) => renameAt(k, t, od, a, nd, b, 0),
  [N.NR_renameat2]: (k, t, od, a, nd, b, flags) => renameAt(k, t, od, a, nd, b, flags),
  [N.NR_link]: (k, t, a, b) => linkAt(k, t, S.AT_FDCWD, a, S.AT_FDCWD, b, 0),
  [N.NR_linkat]: (k, t, od, a, nd, b, flags) => linkAt(k, t, od, a, nd, b, flags),
  [N.NR_symlink]: (k, t, target, path) => symlinkAt(k, t, target, S.AT_FDCWD, path),
  [N.NR_symlinkat]: (k, t, target, nd, path) => symlinkAt(k, t, target, nd, path),
  [N.NR_creat]: (k, t, path, mode) => k.syscall(N.NR_openat, t, S.AT_FDCWD, path, S.O_CREAT | S.O_WRONLY | S.O_TRUNC, mode),
  [N.NR_chmod]: async (k, t, path, mode) => setattr(await inodeAt(k, t, S.AT_FDCWD, path, true), t, { mode: mode & 0o7777 }),
  [N.NR_fchmod]: (_k, t, fd, mode) => setattr(fdInode(t, fd), t, { mode: mode & 0o7777 }),
  [N.NR_fchmodat]: async (k, t, dirfd, path, mode) => setattr(await inodeAt(k, t, dirfd, path, true), t, { mode: mode & 0o7777 }),
  [N.NR_chown32]: async (k, t, path, uid, gid) => setattr(await inodeAt(k, t, S.AT_FDCWD, path, true), t, chownAttrs(uid, gid)),
  [N.NR_lchown32]: async (k, t, path, uid, gid) => setattr(await inodeAt(k, t, S.AT_FDCWD, path, false), t, chownAttrs(uid, gid)),
  [N.NR_fchown32]: (_k, t, fd, uid, gid) => setattr(fdInode(t, fd), t, chownAttrs(uid, gid)),
  [N.NR_fchownat]: async (k, t, dirfd, path, uid, gid, flags) =>
    setattr(await inodeAt(k, t, dirfd, path, (flags & S.AT_SYMLINK_NOFOLLOW) === 0, (flags & S.AT_EMPTY_PATH) !== 0), t, chownAttrs(uid, gid)),
  [N.NR_utimensat]: (k, t, dirfd, path, times, flags) => utimensat(k, t, dirfd, path, times, flags, false),
  [N.NR_utimensat_time64]: (k, t, dirfd, path, times, flags) => utimensat(k, t, dirfd, path, times, flags, true),
  [N.NR_truncate64]: async (k, t, path, lo, hi) => (await truncateInode(await inodeAt(k, t, S.AT_FDCWD, path, true), hi * 4294967296 + (lo >>> 0)), 0),
  [N.NR_truncate]: async (k, t, path, len) => (await truncateInode(await inodeAt(k, t, S.AT_FDCWD, path, true), len >>> 0), 0),
  [N.NR_ftruncate64]: async (_k, t, fd, lo, hi) => {
    const e = t.getFd(fd);
    if (!e || !e.file.writable || !(e.file instanceof InodeFile)) throw new SyscallError(EINVAL);
    await truncateInode(e.file.ino, hi * 4294967296 + (lo >>> 0));
    return 0;
  },
  [N.NR_ftruncate]: async (_k, t, fd, len) => {
    const e = t.getFd(fd);
    if (!e || !e.file.writable || !(e.file instanceof InodeFile)) throw new SyscallError(EINVAL);
    await truncateInode(e.file.ino, len >>> 0);
    return 0;
  },
  [N.NR_statfs64]: async (k, t, path, size, buf) => statfs64(t, await pathStatfs(k, t, path), size, buf),
  [N.NR_fstatfs64]: (_k, t, fd, size, buf) => statfs64(t, fdStatfs(t, fd), size, buf),
  [N.NR_statfs]: async (k, t, path, buf) => statfs32(t, await pathStatfs(k, t, path), buf),
  [N.NR_fstatfs]: (_k, t, fd, buf) => statfs32(t, fdStatfs(t, fd), buf),
  [N.NR_sync]: async (k) => {
    await k.syncAll();
    return 0;
  },
  [N.NR_syncfs]: async (k) => {
    await k.syncAll();
    return 0;
  },
};
