/**
 * An ext2 inode as the VFS sees it: the decoded fields of the on-disk
 * record (see ext2-layout.ts) plus the block pointers the reader needs.
 * Decoding follows ext2_iget() in Linux's fs/ext2/inode.c.
 */

import { EIO } from '../kernel/abi/errno.js';
import {
  EXT2_OS_HURD, EXT2_OS_LINUX, EXT4_EXTENTS_FL, EXT4_HUGE_FILE_FL, EXT4_INLINE_DATA_FL,
  RO_COMPAT_HUGE_FILE, type RawInode, type Superblock,
} from './ext2-layout.js';
import {
  FsError, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK,
  type FileSystem, type Inode, type Stat,
} from './types.js';

/**
 * st_rdev in Linux's "new" (huge) encoding that stat64 reports to user space
 * (new_encode_dev in include/linux/kdev_t.h): minor low byte in bits 0–7,
 * major in bits 8–19, the rest of the minor in bits 20–31.
 */
export function encodeDev(major: number, minor: number): number {
  return ((minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12)) >>> 0;
}

/**
 * Device number of a character or block special inode. ext2 keeps an old
 * 8:8 encoding in i_block[0] when it fits, else zero there and the new
 * 12:20 encoding in i_block[1] (ext2_iget, old_decode_dev/new_decode_dev).
 */
export function decodeInodeRdev(block: Uint32Array): number {
  const old = block[0]!;
  if (old !== 0) return encodeDev((old >>> 8) & 0xff, old & 0xff);
  const v = block[1]!;
  return encodeDev((v & 0xfff00) >>> 8, (v & 0xff) | ((v >>> 12) & 0xfff00));
}

const VALID_TYPES = new Set([S_IFSOCK, S_IFLNK, S_IFREG, S_IFBLK, S_IFDIR, S_IFCHR, S_IFIFO]);

/**
 * The fields a writable mount changes in place; one object per live inode,
 * so every holder sees a change at once (the mount writes the record back
 * with encodeInode()).
 */
export class Ext2Inode implements Inode {
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: number;
  /** Bytes; exact up to 2^53. */
  size: number;
  /** 512-byte units. */
  blocks512: number;
  atime: number;
  mtime: number;
  ctime: number;
  flags: number;
  /** i_block[0..14]: block pointers, or a fast symlink's target bytes. */
  readonly block: Uint32Array;
  /** i_file_acl: block of extended attributes, 0 if none. */
  fileAcl: number;
  /** Set when a writable mount has freed this inode (its number may be reused). */
  freed = false;
  /** st_blksize: the filesystem block size, as Linux's ext2 reports it. */
  readonly blksize: number;

  /**
   * Decode `raw`. Throws FsError EIO if the record cannot be a live inode
   * (deleted, an unknown file type, ext4-only flags, an impossible size).
   */
  constructor(readonly fs: FileSystem, readonly ino: number, raw: RawInode, sb: Superblock) {
    const type = raw.mode & S_IFMT;
    // A directory entry that names a freed inode (ext2_iget answers ESTALE; to us it is corruption).
    if (raw.linksCount === 0 && (raw.mode === 0 || raw.dtime !== 0)) {
      throw new FsError(EIO, `corrupt ext2 filesystem: inode ${ino} is not in use (deleted or never allocated)`);
    }
    if (!VALID_TYPES.has(type)) {
      throw new FsError(EIO, `corrupt ext2 inode ${ino}: invalid file type in mode 0o${raw.mode.toString(8)}`);
    }
    if (raw.flags & (EXT4_EXTENTS_FL | EXT4_INLINE_DATA_FL)) {
      throw new FsError(EIO, `corrupt ext2 inode ${ino}: uses ext4 extents or inline data, which this ext2 filesystem does not enable`);
    }
    this.mode = raw.mode;
    this.nlink = raw.linksCount;
    this.flags = raw.flags;
    this.block = raw.block;
    this.fileAcl = raw.fileAcl;
    this.blksize = sb.blockSize;
    this.atime = raw.atime;
    this.mtime = raw.mtime;
    this.ctime = raw.ctime;

    // ext2_iget takes the high 16 bits of uid/gid from osd2 unless mounted
    // nouid32; the fields sit at the same offsets in the Linux and Hurd
    // layouts and are zero on images that predate them.
    let uid = raw.uid;
    let gid = raw.gid;
    if (sb.creatorOs === EXT2_OS_LINUX || sb.creatorOs === EXT2_OS_HURD) {
      uid += raw.uidHigh * 0x10000;
      gid += raw.gidHigh * 0x10000;
    }
    this.uid = uid;
    this.gid = gid;

    // i_size_high (i_dir_acl in the spec) extends the size of regular files
    // only; ext2_iget applies it to every regular file.
    let size = raw.sizeLo;
    if (type === S_IFREG) size += raw.sizeHigh * 0x1_0000_0000;
    if (size > Number.MAX_SAFE_INTEGER) {
      throw new FsError(EIO, `corrupt ext2 inode ${ino}: size ${raw.sizeHigh}:${raw.sizeLo} is beyond 2^53 bytes`);
    }
    this.size = size;

    let blocks = raw.blocks;
    if (sb.featureRoCompat & RO_COMPAT_HUGE_FILE) {
      blocks += raw.blocksHigh * 0x1_0000_0000;
      if (raw.flags & EXT4_HUGE_FILE_FL) blocks *= sb.blockSize / 512;
    }
    this.blocks512 = blocks;

    this.rdev = type === S_IFCHR || type === S_IFBLK ? decodeInodeRdev(raw.block) : 0;
  }

  get isDir(): boolean {
    return (this.mode & S_IFMT) === S_IFDIR;
  }
  get isReg(): boolean {
    return (this.mode & S_IFMT) === S_IFREG;
  }
  get isLink(): boolean {
    return (this.mode & S_IFMT) === S_IFLNK;
  }

  stat(): Stat {
    return {
      dev: this.fs.dev,
      ino: this.ino,
      mode: this.mode,
      nlink: this.nlink,
      uid: this.uid,
      gid: this.gid,
      rdev: this.rdev,
      size: this.size,
      blksize: this.blksize,
      blocks: this.blocks512,
      atimeSec: this.atime,
      atimeNsec: 0,
      mtimeSec: this.mtime,
      mtimeNsec: 0,
      ctimeSec: this.ctime,
      ctimeNsec: 0,
    };
  }
}

/**
 * Write the fields of `f` that a writer changes into the on-disk record at
 * `off` in `buf` (layout of spec §3.5 and the Linux osd2 fields of
 * fs/ext2/ext2.h), leaving every other byte of the record as it was.
 */
export function encodeInode(f: Ext2Inode, buf: Uint8Array, off: number, dtime: number): void {
  const v = new DataView(buf.buffer, buf.byteOffset + off, 128);
  v.setUint16(0, f.mode, true);
  v.setUint16(2, f.uid & 0xffff, true);
  v.setUint32(4, f.size % 0x1_0000_0000, true);
  v.setInt32(8, f.atime | 0, true);
  v.setInt32(12, f.ctime | 0, true);
  v.setInt32(16, f.mtime | 0, true);
  v.setUint32(20, dtime >>> 0, true);
  v.setUint16(24, f.gid & 0xffff, true);
  v.setUint16(26, f.nlink, true);
  v.setUint32(28, f.blocks512 >>> 0, true);
  v.setUint32(32, f.flags >>> 0, true);
  for (let i = 0; i < 15; i++) v.setUint32(40 + 4 * i, f.block[i]! >>> 0, true);
  v.setUint32(104, f.fileAcl >>> 0, true);
  // i_size_high only for regular files; for directories the field is i_dir_acl.
  if ((f.mode & S_IFMT) === S_IFREG) v.setUint32(108, Math.floor(f.size / 0x1_0000_0000), true);
  v.setUint16(116, 0, true);
  v.setUint16(120, Math.floor(f.uid / 0x10000) & 0xffff, true);
  v.setUint16(122, Math.floor(f.gid / 0x10000) & 0xffff, true);
}
