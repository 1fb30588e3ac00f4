/**
 * The mutating half of a writable ext2 mount: creating, linking, renaming
 * and removing names, and writing and truncating file data. Semantics and
 * errors follow the Linux man pages (open(2), mkdir(2), link(2),
 * unlink(2), rmdir(2), rename(2), truncate(2)) and the on-disk rules of
 * Linux's fs/ext2 (dir.c, namei.c, inode.c).
 *
 * Every operation runs alone (a queue) and changes blocks only through the
 * block cache's dirty set, which is written to the device when the
 * operation ends: between operations the device always holds a consistent
 * filesystem (DESIGN.md decision 7). Operations check what can fail before
 * they change anything, so an error leaves nothing half-done.
 */

import {
  EEXIST, EFBIG, EINVAL, EISDIR, ESTALE, EMLINK, ENAMETOOLONG, ENOENT, ENOSPC, ENOTDIR, ENOTEMPTY, EPERM,
} from '../kernel/abi/errno.js';
import { Ext2Allocator } from './ext2-alloc.js';
import { Ext2BlockMap } from './ext2-blockmap.js';
import { Ext2DirWriter } from './ext2-dir-write.js';
import { encodeInode, Ext2Inode } from './ext2-inode.js';
import {
  EXT2_INDEX_FL, EXT2_NAME_LEN, parseInode, RO_COMPAT_LARGE_FILE,
} from './ext2-layout.js';
import type { Ext2 } from './ext2.js';
import {
  FsError, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, type Inode, type SetAttr,
} from './types.js';

export type { SetAttr };

/** EXT2_LINK_MAX (fs/ext2/ext2.h). */
const LINK_MAX = 32000;
/** PATH_MAX - 1: the longest symlink target (symlink(2)). */
const MAX_LINK_TARGET = 4095;

export class Ext2Writer {
  private queue: Promise<unknown> = Promise.resolve();
  /** @internal */
  readonly alloc: Ext2Allocator;
  private readonly dirs: Ext2DirWriter;
  /** @internal */
  readonly blocks: Ext2BlockMap;
  /** Largest file size in bytes (like ext2_max_size: block pointers and 32-bit i_blocks). */
  private readonly maxBytes: number;

  constructor(readonly fs: Ext2, readonly clock: () => number) {
    this.alloc = new Ext2Allocator(fs.superblock, fs.groups, fs.cache);
    this.blocks = new Ext2BlockMap(fs, this.alloc);
    this.dirs = new Ext2DirWriter(fs, this);
    const bs = fs.blockSize;
    const p = fs.ptrsPerBlock;
    // i_blocks counts 512-byte sectors in 32 bits, metadata blocks included.
    const sectorLimit = Math.floor(0xffffffff / (bs / 512));
    // Indirect blocks needed to map n data blocks.
    const metaFor = (n: number): number => {
      let rest = n - 12;
      if (rest <= 0) return 0;
      let m = 1;
      rest -= p;
      if (rest <= 0) return m;
      const d = Math.min(rest, p * p);
      m += 1 + Math.ceil(d / p);
      rest -= d;
      if (rest <= 0) return m;
      return m + 1 + Math.ceil(rest / (p * p)) + Math.ceil(rest / p);
    };
    let limit = Math.min(fs.maxFileBlocks, sectorLimit);
    while (limit + metaFor(limit) > sectorLimit) limit = sectorLimit - metaFor(limit);
    this.maxBytes = fs.superblock.revLevel === 0 ? 0x7fffffff : Math.min(limit * bs, Number.MAX_SAFE_INTEGER);
  }

  /** Run `fn` after every earlier mutation, then write its changed blocks to the device. */
  private run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      this.dirs.forgetHint();
      try {
        return await fn();
      } finally {
        await this.fs.cache.flush();
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  sync(): Promise<void> {
    return this.run(async () => undefined);
  }

  /** Run `fn` between two operations: the device then holds a consistent filesystem. */
  atCommitPoint<T>(fn: () => T | Promise<T>): Promise<T> {
    return this.run(async () => fn());
  }

  now(): number {
    return this.clock() | 0;
  }

  // ---- inodes -------------------------------------------------------------

  private inodeLocation(ino: number): { block: number; offset: number } {
    const sb = this.fs.superblock;
    const group = Math.floor((ino - 1) / sb.inodesPerGroup);
    const byte = ((ino - 1) % sb.inodesPerGroup) * sb.inodeSize;
    return { block: this.fs.groups[group]!.inodeTable + Math.floor(byte / sb.blockSize), offset: byte % sb.blockSize };
  }

  /** Write `f`'s fields into its inode table record. */
  async writeInode(f: Ext2Inode, dtime = 0): Promise<void> {
    const loc = this.inodeLocation(f.ino);
    const buf = await this.fs.cache.modify(loc.block);
    encodeInode(f, buf, loc.offset, dtime);
  }

  /** Allocate and initialise an inode; it is written but has no name yet. */
  private async newInode(parent: Ext2Inode, mode: number, uid: number, gid: number): Promise<Ext2Inode> {
    const isDir = (mode & S_IFMT) === S_IFDIR;
    const ino = await this.alloc.allocInode(parent.ino, isDir);
    const sb = this.fs.superblock;
    const loc = this.inodeLocation(ino);
    const buf = await this.fs.cache.modify(loc.block);
    buf.fill(0, loc.offset, loc.offset + sb.inodeSize);
    // Large inodes: i_extra_isize covers the fields after the 128-byte core (as mke2fs and Linux set it).
    if (sb.inodeSize > 128) buf[loc.offset + 128] = 32;
    const t = this.now();
    const raw = parseInode(buf, loc.offset);
    raw.mode = mode;
    raw.linksCount = 1;
    const f = new Ext2Inode(this.fs, ino, raw, sb);
    f.uid = uid >>> 0;
    f.gid = gid >>> 0;
    f.atime = f.mtime = f.ctime = t;
    encodeInode(f, buf, loc.offset, 0);
    this.fs.adoptInode(f);
    return f;
  }

  /** Open files per inode (retain/release), and inodes whose last name went while open. */
  private readonly opens = new Map<number, number>();
  private readonly orphans = new Set<number>();

  /** The kernel opened `inode`: an unlink keeps its data until release(). */
  retain(inode: Inode): void {
    const f = this.fs.own(inode);
    this.opens.set(f.ino, (this.opens.get(f.ino) ?? 0) + 1);
  }

  /** The kernel closed `inode`; the last close of an unlinked file frees it. */
  release(inode: Inode): Promise<void> {
    const f = this.fs.own(inode);
    const n = (this.opens.get(f.ino) ?? 0) - 1;
    if (n > 0) {
      this.opens.set(f.ino, n);
      return Promise.resolve();
    }
    this.opens.delete(f.ino);
    if (!this.orphans.has(f.ino)) return Promise.resolve();
    return this.run(async () => {
      if (!this.orphans.delete(f.ino) || this.opens.has(f.ino)) return;
      await this.destroy(f);
    });
  }

  /** Unlinked files still open (their inodes are in use with no name). */
  get orphanCount(): number {
    return this.orphans.size;
  }

  /**
   * Drop one link. At zero the inode and its blocks are freed at once, or,
   * for a file still open (retain), on its last release() — as Linux's
   * ext2 does; until then e2fsck would call it an unattached inode.
   */
  async dropLink(f: Ext2Inode): Promise<void> {
    const isDir = (f.mode & S_IFMT) === S_IFDIR;
    f.nlink = isDir ? 0 : Math.max(0, f.nlink - 1);
    f.ctime = this.now();
    if (f.nlink > 0 || (!isDir && this.opens.has(f.ino))) {
      if (f.nlink === 0) this.orphans.add(f.ino);
      await this.writeInode(f);
      return;
    }
    await this.destroy(f);
  }

  private async destroy(f: Ext2Inode): Promise<void> {
    const isDir = (f.mode & S_IFMT) === S_IFDIR;
    if (this.hasDataBlocks(f)) await this.blocks.freeFrom(f, 0);
    else if ((f.mode & S_IFMT) === S_IFLNK) f.block.fill(0);
    await this.releaseAcl(f);
    f.size = 0;
    await this.writeInode(f, this.now());
    await this.alloc.freeInode(f.ino, isDir);
    f.freed = true;
    this.fs.forgetInode(f.ino);
  }

  /** An inode freed already must not be written: its number may belong to a new file. */
  private alive(f: Ext2Inode): Ext2Inode {
    if (f.freed) throw new FsError(ESTALE, `ext2: inode ${f.ino} has been deleted`);
    return f;
  }

  /** Drop this inode's reference to its extended-attribute block (fs/ext2/xattr.c ext2_xattr_delete_inode). */
  private async releaseAcl(f: Ext2Inode): Promise<void> {
    const b = f.fileAcl;
    if (b === 0) return;
    f.fileAcl = 0;
    f.blocks512 = Math.max(0, f.blocks512 - this.fs.blockSize / 512);
    if (b >= this.fs.superblock.blocksCount) return;
    const buf = await this.fs.cache.modify(b);
    const v = new DataView(buf.buffer, buf.byteOffset, 8);
    const refs = v.getUint32(4, true);
    if (refs <= 1) await this.alloc.freeBlocks([b]);
    else v.setUint32(4, refs - 1, true);
  }

  /** Whether i_block holds block pointers (not a fast symlink's text or a device number). */
  hasDataBlocks(f: Ext2Inode): boolean {
    const type = f.mode & S_IFMT;
    if (type === S_IFREG || type === S_IFDIR) return true;
    if (type === S_IFLNK) {
      const ea = f.fileAcl !== 0 ? this.fs.blockSize / 512 : 0;
      return f.blocks512 - ea > 0;
    }
    return false;
  }

  // ---- file data ------------------------------------------------------------

  write(file: Inode, offset: number, data: Uint8Array): Promise<number> {
    return this.run(async () => {
      const f = this.alive(this.fs.own(file));
      if (f.isDir) throw new FsError(EISDIR, `ext2: inode ${f.ino} is a directory`);
      if (!f.isReg) throw new FsError(EINVAL, `ext2: inode ${f.ino} is not a regular file`);
      if (!Number.isSafeInteger(offset) || offset < 0) throw new FsError(EINVAL, `ext2: bad write offset ${offset}`);
      if (data.length === 0) return 0;
      if (offset >= this.maxBytes) throw new FsError(EFBIG, `ext2: offset ${offset} is beyond the largest file size ${this.maxBytes}`);
      // write(2): a write crossing the limit is cut short; only one starting past it fails.
      const len = Math.min(data.length, this.maxBytes - offset);
      const bs = this.fs.blockSize;
      const cache = this.fs.cache;
      if (offset > f.size) await this.blocks.zeroTail(f, f.size);
      let done = 0;
      while (done < len) {
        const pos = offset + done;
        const L = Math.floor(pos / bs);
        const inBlock = pos % bs;
        const n = Math.min(bs - inBlock, len - done);
        const need = await this.blocks.missing(f, L);
        if (need > this.alloc.freeBlockCount) {
          if (done > 0) break;
          throw new FsError(ENOSPC, 'ext2: no space left for the data');
        }
        const { phys, fresh } = await this.blocks.mapAlloc(f, L);
        const buf = fresh || n === bs ? cache.fresh(phys) : await cache.modify(phys);
        buf.set(data.subarray(done, done + n), inBlock);
        done += n;
      }
      if (offset + done > f.size) await this.setSize(f, offset + done);
      f.mtime = f.ctime = this.now();
      await this.writeInode(f);
      return done;
    });
  }

  /** Set i_size, turning on LARGE_FILE the first time a file passes 2 GiB (ext2_update_dynamic_rev and friends). */
  private async setSize(f: Ext2Inode, size: number): Promise<void> {
    f.size = size;
    const sb = this.fs.superblock;
    if (size > 0x7fffffff && !(sb.featureRoCompat & RO_COMPAT_LARGE_FILE)) {
      sb.featureRoCompat |= RO_COMPAT_LARGE_FILE;
      await this.alloc.writeSuper();
    }
  }

  truncate(file: Inode, size: number): Promise<void> {
    return this.run(() => this.truncateLocked(this.alive(this.fs.own(file)), size));
  }

  private async truncateLocked(f: Ext2Inode, size: number): Promise<void> {
    if (f.isDir) throw new FsError(EISDIR, `ext2: inode ${f.ino} is a directory`);
    if (!f.isReg) throw new FsError(EINVAL, `ext2: inode ${f.ino} is not a regular file`);
    if (!Number.isSafeInteger(size) || size < 0) throw new FsError(EINVAL, `ext2: bad size ${size}`);
    if (size > this.maxBytes) throw new FsError(EFBIG, `ext2: size ${size} is beyond the largest file size ${this.maxBytes}`);
    const bs = this.fs.blockSize;
    if (size < f.size) {
      await this.blocks.freeFrom(f, Math.ceil(size / bs));
      await this.blocks.zeroTail(f, size);
    } else if (size > f.size) {
      await this.blocks.zeroTail(f, f.size);
    }
    await this.setSize(f, size);
    f.mtime = f.ctime = this.now();
    await this.writeInode(f);
  }

  setattr(inode: Inode, attrs: SetAttr): Promise<void> {
    return this.run(async () => {
      const f = this.alive(this.fs.own(inode));
      if (attrs.size !== undefined && attrs.size !== f.size) await this.truncateLocked(f, attrs.size);
      if (attrs.mode !== undefined) f.mode = (f.mode & S_IFMT) | (attrs.mode & 0o7777);
      if (attrs.uid !== undefined) f.uid = attrs.uid >>> 0;
      if (attrs.gid !== undefined) f.gid = attrs.gid >>> 0;
      if (attrs.atime !== undefined) f.atime = attrs.atime | 0;
      if (attrs.mtime !== undefined) f.mtime = attrs.mtime | 0;
      f.ctime = attrs.ctime !== undefined ? attrs.ctime | 0 : this.now();
      await this.writeInode(f);
    });
  }

  // ---- names ----------------------------------------------------------------

  /** Checks shared by every call that adds `name` to `dir`. */
  private async checkNew(dir: Inode, name: string): Promise<Ext2Inode> {
    const d = this.fs.own(dir);
    if (!d.isDir) throw new FsError(ENOTDIR, `ext2: inode ${d.ino} is not a directory`);
    checkName(name);
    if (d.nlink === 0) throw new FsError(ENOENT, `ext2: directory inode ${d.ino} has been removed`);
    if (name === '.' || name === '..' || (await this.dirs.find(d, name)) !== null) {
      throw new FsError(EEXIST, `ext2: ${JSON.stringify(name)} already exists in directory inode ${d.ino}`);
    }
    return d;
  }

  /** Enough free blocks for a new directory block (plus indirect blocks), or ENOSPC before anything changes. */
  private async needDirSpace(d: Ext2Inode, name: string, extra: number): Promise<void> {
    const need = (await this.dirs.hasRoom(d, name.length)) ? 0 : await this.blocks.missing(d, d.size / this.fs.blockSize);
    if (need + extra > this.alloc.freeBlockCount) throw new FsError(ENOSPC, 'ext2: no space left for the directory entry');
  }

  private async makeNode(dir: Inode, name: string, mode: number, uid: number, gid: number, init?: (f: Ext2Inode) => Promise<void>): Promise<Inode> {
    return this.run(async () => {
      const d = await this.checkNew(dir, name);
      await this.needDirSpace(d, name, 0);
      if (this.fs.superblock.freeInodesCount === 0) throw new FsError(ENOSPC, 'ext2: no free inodes left');
      const f = await this.newInode(d, mode, uid, gid);
      if (init) await init(f);
      await this.writeInode(f);
      await this.dirs.add(d, name, f);
      return f;
    });
  }

  create(dir: Inode, name: string, mode: number, uid: number, gid: number): Promise<Inode> {
    return this.makeNode(dir, name, S_IFREG | (mode & 0o7777), uid, gid);
  }

  mknod(dir: Inode, name: string, mode: number, rdev: number, uid: number, gid: number): Promise<Inode> {
    const type = mode & S_IFMT;
    if (type === S_IFDIR || type === S_IFLNK) return Promise.reject(new FsError(EPERM, 'ext2: mknod cannot make directories or symbolic links'));
    const full = (type === 0 ? S_IFREG : type) | (mode & 0o7777);
    return this.makeNode(dir, name, full, uid, gid, async (f) => {
      if (type === S_IFCHR || type === S_IFBLK) {
        // ext2_set_inode: the old 8:8 encoding in i_block[0] when it fits, else the new one in i_block[1].
        const major = (rdev >>> 8) & 0xfff;
        const minor = (rdev & 0xff) | ((rdev >>> 12) & 0xfff00);
        if (major < 256 && minor < 256) f.block[0] = (major << 8) | minor;
        else f.block[1] = rdev >>> 0;
        f.rdev = rdev >>> 0;
      } else if (type !== S_IFIFO && type !== S_IFSOCK && type !== S_IFREG && type !== 0) {
        throw new FsError(EINVAL, `ext2: bad file type in mode 0o${mode.toString(8)}`);
      }
    });
  }

  mkdir(dir: Inode, name: string, mode: number, uid: number, gid: number): Promise<Inode> {
    return this.run(async () => {
      const d = await this.checkNew(dir, name);
      if (d.nlink >= LINK_MAX) throw new FsError(EMLINK, `ext2: directory inode ${d.ino} has too many links`);
      await this.needDirSpace(d, name, 1);
      if (this.fs.superblock.freeInodesCount === 0) throw new FsError(ENOSPC, 'ext2: no free inodes left');
      const f = await this.newInode(d, S_IFDIR | (mode & 0o7777), uid, gid);
      f.nlink = 2;
      await this.dirs.initDir(f, d.ino);
      await this.writeInode(f);
      await this.dirs.add(d, name, f);
      d.nlink++;
      await this.writeInode(d);
      return f;
    });
  }

  symlink(dir: Inode, name: string, target: string, uid: number, gid: number): Promise<Inode> {
    if (target.length === 0) return Promise.reject(new FsError(ENOENT, 'ext2: empty symbolic link target'));
    const bs = this.fs.blockSize;
    // ext2_symlink (fs/ext2/namei.c): the target and its NUL must fit one block.
    if (target.length > MAX_LINK_TARGET || target.length + 1 > bs) {
      return Promise.reject(new FsError(ENAMETOOLONG, `ext2: symbolic link target of ${target.length} bytes is longer than 4095 or does not fit one ${bs}-byte block`));
    }
    const fast = target.length < 60;
    return this.run(async () => {
      const d = await this.checkNew(dir, name);
      const dataBlocks = fast ? 0 : 1;
      await this.needDirSpace(d, name, dataBlocks);
      if (this.fs.superblock.freeInodesCount === 0) throw new FsError(ENOSPC, 'ext2: no free inodes left');
      const f = await this.newInode(d, S_IFLNK | 0o777, uid, gid);
      const bytes = new Uint8Array(target.length);
      for (let i = 0; i < target.length; i++) bytes[i] = target.charCodeAt(i) & 0xff;
      if (fast) {
        // A fast symlink keeps its target in i_block (ext2_symlink: l <= sizeof(i_data)).
        const padded = new Uint8Array(60);
        padded.set(bytes);
        const v = new DataView(padded.buffer);
        for (let i = 0; i < 15; i++) f.block[i] = v.getUint32(4 * i, true);
      } else {
        const { phys } = await this.blocks.mapAlloc(f, 0);
        this.fs.cache.fresh(phys).set(bytes);
      }
      f.size = target.length;
      await this.writeInode(f);
      await this.dirs.add(d, name, f);
      return f;
    });
  }

  link(dir: Inode, name: string, target: Inode): Promise<void> {
    return this.run(async () => {
      const t = this.alive(this.fs.own(target));
      const d = await this.checkNew(dir, name);
      if (t.isDir) throw new FsError(EPERM, 'ext2: hard links to directories are not allowed');
      if (t.nlink === 0) throw new FsError(ENOENT, `ext2: inode ${t.ino} has been removed`);
      if (t.nlink >= LINK_MAX) throw new FsError(EMLINK, `ext2: inode ${t.ino} has too many links`);
      await this.needDirSpace(d, name, 0);
      t.nlink++;
      t.ctime = this.now();
      await this.writeInode(t);
      await this.dirs.add(d, name, t);
    });
  }

  unlink(dir: Inode, name: string): Promise<void> {
    return this.run(async () => {
      const d = this.fs.own(dir);
      if (!d.isDir) throw new FsError(ENOTDIR, `ext2: inode ${d.ino} is not a directory`);
      checkName(name);
      if (name === '.' || name === '..') throw new FsError(EISDIR, `ext2: ${name} is a directory`);
      const e = await this.dirs.find(d, name);
      if (e === null) throw new FsError(ENOENT, `ext2: no entry ${JSON.stringify(name)} in directory inode ${d.ino}`);
      const f = await this.fs.inode(e.ino);
      if (f.isDir) throw new FsError(EISDIR, `ext2: ${JSON.stringify(name)} is a directory`);
      await this.dirs.remove(d, name);
      await this.dropLink(f);
    });
  }

  rmdir(dir: Inode, name: string): Promise<void> {
    return this.run(async () => {
      const d = this.fs.own(dir);
      if (!d.isDir) throw new FsError(ENOTDIR, `ext2: inode ${d.ino} is not a directory`);
      checkName(name);
      if (name === '.') throw new FsError(EINVAL, 'ext2: cannot remove "."');
      if (name === '..') throw new FsError(ENOTEMPTY, 'ext2: cannot remove ".."');
      const e = await this.dirs.find(d, name);
      if (e === null) throw new FsError(ENOENT, `ext2: no entry ${JSON.stringify(name)} in directory inode ${d.ino}`);
      const f = await this.fs.inode(e.ino);
      if (!f.isDir) throw new FsError(ENOTDIR, `ext2: ${JSON.stringify(name)} is not a directory`);
      if (!(await this.dirs.isEmpty(f))) throw new FsError(ENOTEMPTY, `ext2: directory ${JSON.stringify(name)} is not empty`);
      await this.dirs.remove(d, name);
      await this.dropLink(f);
      d.nlink = Math.max(2, d.nlink - 1);
      await this.writeInode(d);
    });
  }

  rename(oldDir: Inode, oldName: string, newDir: Inode, newName: string): Promise<void> {
    return this.run(async () => {
      const od = this.fs.own(oldDir);
      const nd = this.fs.own(newDir);
      if (!od.isDir || !nd.isDir) throw new FsError(ENOTDIR, 'ext2: rename between non-directories');
      checkName(oldName);
      checkName(newName);
      if (oldName === '.' || oldName === '..' || newName === '.' || newName === '..') throw new FsError(EINVAL, 'ext2: cannot rename "." or ".."');
      const se = await this.dirs.find(od, oldName);
      if (se === null) throw new FsError(ENOENT, `ext2: no entry ${JSON.stringify(oldName)} in directory inode ${od.ino}`);
      const src = await this.fs.inode(se.ino);
      const de = await this.dirs.find(nd, newName);
      const dst = de === null ? null : await this.fs.inode(de.ino);
      // rename(2): two names of one inode — nothing happens.
      if (dst !== null && dst.ino === src.ino) return;
      if (src.isDir) {
        // A directory may not move below itself.
        for (let cur = nd; ; ) {
          if (cur.ino === src.ino) throw new FsError(EINVAL, 'ext2: cannot move a directory into itself');
          if (cur.ino === 2) break;
          const up = await this.dirs.find(cur, '..');
          if (up === null || up.ino === cur.ino) break;
          cur = await this.fs.inode(up.ino);
        }
      }
      if (dst !== null) {
        if (src.isDir && !dst.isDir) throw new FsError(ENOTDIR, `ext2: ${JSON.stringify(newName)} is not a directory`);
        if (!src.isDir && dst.isDir) throw new FsError(EISDIR, `ext2: ${JSON.stringify(newName)} is a directory`);
        if (dst.isDir && !(await this.dirs.isEmpty(dst))) throw new FsError(ENOTEMPTY, `ext2: directory ${JSON.stringify(newName)} is not empty`);
      } else {
        if (src.isDir && od.ino !== nd.ino && nd.nlink >= LINK_MAX) throw new FsError(EMLINK, `ext2: directory inode ${nd.ino} has too many links`);
        await this.needDirSpace(nd, newName, 0);
      }
      const t = this.now();
      if (dst !== null) {
        await this.dirs.retarget(nd, newName, src);
        await this.dropLink(dst);
        if (dst.isDir) nd.nlink = Math.max(2, nd.nlink - 1);
      } else {
        await this.dirs.add(nd, newName, src);
      }
      await this.dirs.remove(od, oldName);
      if (src.isDir && od.ino !== nd.ino) {
        await this.dirs.retarget(src, '..', nd);
        od.nlink = Math.max(2, od.nlink - 1);
        nd.nlink++;
      }
      src.ctime = t;
      await this.writeInode(src);
      od.mtime = od.ctime = nd.mtime = nd.ctime = t;
      await this.writeInode(od);
      if (nd.ino !== od.ino) await this.writeInode(nd);
    });
  }

  /** A directory being changed loses its htree index (as Linux's ext2 without dir_index does). */
  unindex(d: Ext2Inode): void {
    d.flags &= ~EXT2_INDEX_FL;
  }
}

function checkName(name: string): void {
  if (name.length === 0) throw new FsError(ENOENT, 'ext2: empty name');
  if (name.length > EXT2_NAME_LEN) throw new FsError(ENAMETOOLONG, `ext2: name of ${name.length} bytes is longer than 255`);
  if (name.includes('/') || name.includes('\0')) throw new FsError(EINVAL, 'ext2: a name may not contain "/" or NUL');
}
