/**
 * A read-only ext2 filesystem (revisions 0 and 1) over a BlockDevice.
 *
 * Layout facts come from "The Second Extended File System" by Dave Poirier
 * ("the spec") and Linux's fs/ext2/{ext2.h,super.c,inode.c,dir.c}. Every
 * structure read from the image is validated before use: a corrupt image
 * gives an FsError (EINVAL when mounting, EIO afterwards) with a sentence
 * saying what is wrong, never a hang. Indirect-block walks are at most three
 * levels deep and every directory entry advances by at least 12 bytes, so
 * no input can make a loop run forever.
 *
 * Names are byte strings, one byte per JS character (see names.ts).
 */

import { EINVAL, EIO, EISDIR, ENAMETOOLONG, ENOENT, ENOTDIR, EROFS } from '../kernel/abi/errno.js';
import type { BlockDevice } from '../storage/block-device.js';
import { BlockCache, DEFAULT_CACHE_BYTES } from './block-cache.js';
import {
  EXT2_IND_BLOCK, EXT2_NAME_LEN, EXT2_NDIR_BLOCKS, INCOMPAT_FILETYPE, INCOMPAT_META_BG, ROOT_INO,
  SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE, descriptorTableBlocks, direntRecLen, groupDescriptorLocation,
  parseGroupDesc, parseInode, parseSuperblock, RO_COMPAT_WRITABLE, type GroupDesc, type Superblock,
} from './ext2-layout.js';
import { Ext2Writer, type SetAttr } from './ext2-write.js';
import { Ext2Inode } from './ext2-inode.js';
import { bytesToName, nameEquals } from './names.js';
import {
  DT_BLK, DT_CHR, DT_DIR, DT_FIFO, DT_LNK, DT_REG, DT_SOCK, DT_UNKNOWN, FsError, modeToDirentType,
  type DirEntry, type FileSystem, type FsStats, type Inode,
} from './types.js';

export type { SetAttr } from './ext2-write.js';

export { Ext2Inode } from './ext2-inode.js';

export interface Ext2MountOptions {
  /**
   * Mount read-write (the device must implement `write`). Changes reach the
   * device when each operation returns, so the device holds a consistent
   * filesystem between operations.
   */
  writable?: boolean;
  /** Seconds since the epoch for timestamps (default: the wall clock). Tests pass a fixed clock. */
  clock?: () => number;
  /** st_dev of this mount; by default a fresh number per mount (8:1, 8:2, …). */
  dev?: number;
  /** Budget of the block cache in bytes (default 8 MiB). */
  cacheBytes?: number;
  /** Most inodes kept decoded in memory (default 65536). */
  inodeCacheSize?: number;
}

/** PATH_MAX - 1: the longest symlink target Linux can create (symlink(2)). */
const MAX_LINK_TARGET = 4095;
/** Directory blocks fetched together while scanning a directory. */
const DIR_CHUNK_BLOCKS = 64;

/** EXT2_FT_* (dirent file_type) → DT_* (getdents d_type); index is the EXT2_FT value. */
const FT_TO_DT = [DT_UNKNOWN, DT_REG, DT_DIR, DT_CHR, DT_BLK, DT_FIFO, DT_SOCK, DT_LNK];

let nextDefaultDev = 0x0801;

function u32le(a: Uint8Array, o: number): number {
  return (a[o]! | (a[o + 1]! << 8) | (a[o + 2]! << 16) | (a[o + 3]! << 24)) >>> 0;
}

function u16le(a: Uint8Array, o: number): number {
  return a[o]! | (a[o + 1]! << 8);
}

/** One directory entry as found on disk, before its inode is loaded. */
interface RawDirent {
  ino: number;
  name: string;
  /** EXT2_FT_* or 0 when the filesystem has no FILETYPE feature. */
  fileType: number;
}

export class Ext2 implements FileSystem {
  readonly readOnly: boolean;
  readonly blockSize: number;
  /** Block pointers per indirect block. @internal */
  readonly ptrsPerBlock: number;
  /** Logical blocks addressable through i_block (12 + p + p² + p³). @internal */
  readonly maxFileBlocks: number;
  /** Blocks [0, metaEnd) hold the boot block, superblock and group descriptors of group 0. */
  private readonly metaEnd: number;
  /** @internal */
  readonly hasFileType: boolean;
  private readonly inodes = new Map<number, Ext2Inode>();
  /** Every inode object still reachable, LRU or not (see cached()). */
  private readonly live = new Map<number, WeakRef<Ext2Inode>>();
  private readonly liveRegistry = new FinalizationRegistry<number>((ino) => {
    if (this.live.get(ino)?.deref() === undefined) this.live.delete(ino);
  });
  /** The mutation half of a writable mount (ext2-write.ts). */
  private readonly writer: Ext2Writer | null;
  private readonly inodeLoads = new Map<number, Promise<Ext2Inode>>();
  private readonly inodeCacheSize: number;

  private constructor(
    readonly dev: number,
    readonly superblock: Superblock,
    /** @internal */
    readonly groups: GroupDesc[],
    /** @internal */
    readonly cache: BlockCache,
    opts: Ext2MountOptions,
  ) {
    const sb = superblock;
    this.blockSize = sb.blockSize;
    const p = sb.blockSize / 4;
    this.ptrsPerBlock = p;
    this.maxFileBlocks = EXT2_NDIR_BLOCKS + p + p * p + p * p * p;
    this.metaEnd = sb.featureIncompat & INCOMPAT_META_BG ? sb.firstDataBlock + 1 : sb.firstDataBlock + 1 + descriptorTableBlocks(sb);
    this.hasFileType = (sb.featureIncompat & INCOMPAT_FILETYPE) !== 0;
    this.inodeCacheSize = opts.inodeCacheSize ?? 65536;
    this.readOnly = !opts.writable;
    this.writer = opts.writable ? new Ext2Writer(this, opts.clock ?? (() => Math.floor(Date.now() / 1000))) : null;
  }

  /**
   * Read and check the superblock and group descriptors of `device`, and
   * the root directory. Rejects with FsError EINVAL ("not an ext2
   * filesystem: …", "unsupported ext2 feature: …", "corrupt ext2 superblock:
   * …", "corrupt ext2 group descriptor …") when the image cannot be read.
   */
  static async mount(device: BlockDevice, opts: Ext2MountOptions = {}): Promise<Ext2> {
    if (device.size < SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE) {
      throw new FsError(EINVAL, `not an ext2 filesystem: the device holds only ${device.size} bytes, too few for a superblock at byte 1024`);
    }
    let raw: Uint8Array;
    try {
      raw = await device.read(SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE);
    } catch (err) {
      throw new FsError(EIO, `ext2: reading the superblock failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    const sb = parseSuperblock(raw);
    if (opts.writable) {
      if (device.write === undefined) throw new FsError(EROFS, 'ext2: cannot mount read-write: the device is read-only (put an overlay over it)');
      const ro = sb.featureRoCompat & ~RO_COMPAT_WRITABLE;
      if (ro) throw new FsError(EROFS, `ext2: cannot mount read-write: unsupported read-only-compatible features 0x${ro.toString(16)} (mount read-only)`);
    }
    const fsBytes = sb.blocksCount * sb.blockSize;
    if (device.size < fsBytes) {
      throw new FsError(EINVAL, `corrupt ext2 superblock: the filesystem has ${sb.blocksCount} blocks of ${sb.blockSize} bytes (${fsBytes} bytes) but the image holds only ${device.size} bytes; is the image truncated?`);
    }
    const cache = new BlockCache(device, sb.blockSize, sb.blocksCount, opts.cacheBytes ?? DEFAULT_CACHE_BYTES);
    const groups = await readGroupDescriptors(sb, cache);
    const fs = new Ext2(opts.dev ?? nextDefaultDev++, sb, groups, cache, opts);
    let root: Ext2Inode;
    try {
      root = await fs.inode(ROOT_INO);
    } catch (err) {
      throw new FsError(EINVAL, `corrupt ext2 filesystem: cannot read the root directory: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!root.isDir) throw new FsError(EINVAL, 'corrupt ext2 filesystem: the root inode 2 is not a directory');
    return fs;
  }

  /** Device reads issued so far (tests and diagnostics). */
  get deviceReads(): number {
    return this.cache.deviceReads;
  }

  root(): Promise<Inode> {
    return this.inode(ROOT_INO);
  }

  /**
   * Inode number `ino`, decoded and cached. Throws FsError EIO if the number
   * is out of range or the record is not a live inode.
   */
  inode(ino: number): Promise<Ext2Inode> {
    const hit = this.cached(ino);
    if (hit !== undefined) return Promise.resolve(hit);
    const pending = this.inodeLoads.get(ino);
    if (pending !== undefined) return pending;
    const load = this.loadInode(ino).finally(() => this.inodeLoads.delete(ino));
    this.inodeLoads.set(ino, load);
    return load;
  }

  /**
   * The one live object of inode `ino`, if any: from the LRU, or one that
   * fell out of it but is still held somewhere (a writable mount changes
   * inode objects in place, so there must never be two for one inode).
   */
  private cached(ino: number): Ext2Inode | undefined {
    let hit = this.inodes.get(ino);
    if (hit !== undefined) {
      this.inodes.delete(ino);
    } else {
      hit = this.live.get(ino)?.deref();
      if (hit === undefined) return undefined;
    }
    this.remember(hit);
    return hit;
  }

  private remember(inode: Ext2Inode): void {
    this.inodes.set(inode.ino, inode);
    if (this.live.get(inode.ino)?.deref() !== inode) {
      this.live.set(inode.ino, new WeakRef(inode));
      this.liveRegistry.register(inode, inode.ino);
    }
    while (this.inodes.size > this.inodeCacheSize) {
      this.inodes.delete(this.inodes.keys().next().value as number);
    }
  }

  private async loadInode(ino: number): Promise<Ext2Inode> {
    const sb = this.superblock;
    if (!Number.isInteger(ino) || ino < 1 || ino > sb.inodesCount) {
      throw new FsError(EIO, `corrupt ext2 filesystem: inode number ${ino} is out of range (1..${sb.inodesCount})`);
    }
    // Inode n lives in group (n-1) / inodes_per_group at index (n-1) % inodes_per_group (spec §3.5).
    const group = Math.floor((ino - 1) / sb.inodesPerGroup);
    const index = (ino - 1) % sb.inodesPerGroup;
    const byteInTable = index * sb.inodeSize;
    const block = this.groups[group]!.inodeTable + Math.floor(byteInTable / sb.blockSize);
    const data = await this.cache.get(block);
    // Created by a writer while this read was in flight: that object wins.
    const raced = this.cached(ino);
    if (raced !== undefined) return raced;
    const inode = new Ext2Inode(this, ino, parseInode(data, byteInTable % sb.blockSize), sb);
    this.remember(inode);
    return inode;
  }

  /** @internal Register a newly created inode / forget a freed one. */
  adoptInode(inode: Ext2Inode): void {
    this.remember(inode);
  }
  /** @internal */
  forgetInode(ino: number): void {
    this.inodes.delete(ino);
    this.live.delete(ino);
  }

  /** @internal */
  own(inode: Inode): Ext2Inode {
    if (inode.fs !== this || !(inode instanceof Ext2Inode)) {
      throw new FsError(EINVAL, `ext2: inode ${inode.ino} belongs to another filesystem`);
    }
    return inode;
  }

  async lookup(dir: Inode, name: string): Promise<Inode> {
    const d = this.own(dir);
    if (!d.isDir) throw new FsError(ENOTDIR, `ext2: inode ${d.ino} is not a directory`);
    if (name.length > EXT2_NAME_LEN) throw new FsError(ENAMETOOLONG, `ext2: name of ${name.length} bytes is longer than 255`);
    if (name.length === 0) throw new FsError(ENOENT, 'ext2: empty name');
    let found = 0;
    await this.scanDir(d, (blk, off, ino, nameLen) => {
      if (ino !== 0 && nameEquals(name, blk, off + 8, nameLen)) {
        found = ino;
        return true;
      }
      return false;
    });
    if (found === 0) throw new FsError(ENOENT, `ext2: no entry ${JSON.stringify(name)} in directory inode ${d.ino}`);
    return this.inode(found);
  }

  async readdir(dir: Inode): Promise<DirEntry[]> {
    const d = this.own(dir);
    if (!d.isDir) throw new FsError(ENOTDIR, `ext2: inode ${d.ino} is not a directory`);
    const raw: RawDirent[] = [];
    await this.scanDir(d, (blk, off, ino, nameLen, fileType) => {
      if (ino !== 0) raw.push({ ino, name: bytesToName(blk, off + 8, nameLen), fileType });
      return false;
    });
    // Without the FILETYPE feature (or for an entry whose type byte is
    // unknown) the type comes from the inode itself.
    return Promise.all(raw.map(async (e): Promise<DirEntry> => {
      let type = e.fileType > 0 && e.fileType < FT_TO_DT.length ? FT_TO_DT[e.fileType]! : DT_UNKNOWN;
      if (type === DT_UNKNOWN) type = modeToDirentType((await this.inode(e.ino)).mode);
      return { name: e.name, ino: e.ino, type };
    }));
  }

  async readlink(link: Inode): Promise<string> {
    const l = this.own(link);
    if (!l.isLink) throw new FsError(EINVAL, `ext2: inode ${l.ino} is not a symbolic link`);
    if (l.size > MAX_LINK_TARGET) {
      throw new FsError(EIO, `corrupt ext2 inode ${l.ino}: symbolic link of ${l.size} bytes is longer than 4095`);
    }
    let bytes: Uint8Array;
    // A fast symlink keeps its target in i_block and owns no data blocks
    // (ext2_inode_is_fast_symlink: i_blocks minus the EA block is zero).
    const eaSectors = l.fileAcl !== 0 ? this.blockSize / 512 : 0;
    if (l.blocks512 - eaSectors === 0) {
      if (l.size > 60) {
        throw new FsError(EIO, `corrupt ext2 inode ${l.ino}: fast symbolic link claims ${l.size} bytes, more than the 60 in i_block`);
      }
      bytes = new Uint8Array(60);
      for (let i = 0; i < 15; i++) {
        const w = l.block[i]!;
        bytes[4 * i] = w & 0xff;
        bytes[4 * i + 1] = (w >>> 8) & 0xff;
        bytes[4 * i + 2] = (w >>> 16) & 0xff;
        bytes[4 * i + 3] = w >>> 24;
      }
      bytes = bytes.subarray(0, l.size);
    } else {
      bytes = await this.readData(l, 0, l.size);
    }
    // The kernel treats a link body as a C string (nd_terminate_link, readlink_copy).
    const nul = bytes.indexOf(0);
    return bytesToName(bytes, 0, nul < 0 ? bytes.length : nul);
  }

  async read(file: Inode, offset: number, length: number): Promise<Uint8Array> {
    const f = this.own(file);
    if (f.isDir) throw new FsError(EISDIR, `ext2: inode ${f.ino} is a directory`);
    if (!f.isReg) throw new FsError(EINVAL, `ext2: inode ${f.ino} is not a regular file`);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new FsError(EINVAL, `ext2: bad read of ${length} bytes at ${offset}`);
    }
    return this.readData(f, offset, length);
  }

  /** Bytes [offset, offset+length) of an inode's data, clipped to its size. */
  private async readData(f: Ext2Inode, offset: number, length: number): Promise<Uint8Array> {
    const size = f.size;
    if (offset >= size || length === 0) return new Uint8Array(0);
    const end = Math.min(size, offset + length);
    const bs = this.blockSize;
    const first = Math.floor(offset / bs);
    const count = Math.floor((end - 1) / bs) - first + 1;
    const phys = await this.mapBlocks(f, first, count);
    const out = new Uint8Array(end - offset);
    await this.cache.readInto(phys, count, out, offset - first * bs);
    return out;
  }

  private badPointer(f: Ext2Inode, b: number, what: string): FsError {
    const where = b >= this.superblock.blocksCount
      ? `is beyond the end of the filesystem (${this.superblock.blocksCount} blocks)`
      : 'points into the superblock or group descriptors';
    return new FsError(EIO, `corrupt ext2 inode ${f.ino}: ${what} block pointer ${b} ${where}`);
  }

  /**
   * Physical block numbers of logical blocks [first, first+count) of `f`;
   * 0 marks a hole. Walks i_block: 12 direct pointers, then single, double
   * and triple indirect blocks of blockSize/4 pointers each (spec §3.5.13).
   * Each indirect block is read once per call, and pointers are checked
   * against the filesystem bounds before use.
   */
  /** @internal */
  async mapBlocks(f: Ext2Inode, first: number, count: number): Promise<Uint32Array> {
    const out = new Uint32Array(count);
    const end = first + count;
    if (end > this.maxFileBlocks) {
      throw new FsError(EIO, `corrupt ext2 inode ${f.ino}: size ${f.size} needs logical block ${end - 1}, beyond the ${this.maxFileBlocks} that block pointers can address`);
    }
    const p = this.ptrsPerBlock;
    const limit = this.superblock.blocksCount;
    const metaEnd = this.metaEnd;
    let L = first;
    while (L < end) {
      if (L < EXT2_NDIR_BLOCKS) {
        const b = f.block[L]!;
        if (b !== 0 && (b >= limit || b < metaEnd)) throw this.badPointer(f, b, 'direct');
        out[L - first] = b;
        L++;
        continue;
      }
      // Which tree (single, double, triple) holds L, and L's index `rel` within it.
      let rel = L - EXT2_NDIR_BLOCKS;
      let depth = 1;
      let span = p; // logical blocks under the current pointer
      while (rel >= span) {
        rel -= span;
        depth++;
        span *= p;
      }
      let blk = f.block[EXT2_IND_BLOCK + depth - 1]!;
      for (;;) {
        if (blk === 0) {
          // A hole in the tree: everything under this pointer reads as zeros.
          L += Math.min(span - rel, end - L);
          break;
        }
        if (blk >= limit || blk < metaEnd) throw this.badPointer(f, blk, 'indirect');
        const data = await this.cache.get(blk);
        if (span === p) {
          // A leaf indirect block: its entries are data blocks.
          const n = Math.min(p - rel, end - L);
          const base = L - first;
          for (let k = 0; k < n; k++) {
            const b = u32le(data, (rel + k) * 4);
            if (b !== 0 && (b >= limit || b < metaEnd)) throw this.badPointer(f, b, 'data');
            out[base + k] = b;
          }
          L += n;
          break;
        }
        span /= p;
        const idx = Math.floor(rel / span);
        rel -= idx * span;
        blk = u32le(data, idx * 4);
      }
    }
    return out;
  }

  private w(): Ext2Writer {
    if (this.writer === null) throw new FsError(EROFS, 'ext2: the filesystem is mounted read-only');
    return this.writer;
  }

  // Mutations (writable mounts only; EROFS otherwise). See ext2-write.ts.
  async create(dir: Inode, name: string, mode: number, uid: number, gid: number): Promise<Inode> {
    return this.w().create(dir, name, mode, uid, gid);
  }
  async mkdir(dir: Inode, name: string, mode: number, uid: number, gid: number): Promise<Inode> {
    return this.w().mkdir(dir, name, mode, uid, gid);
  }
  async mknod(dir: Inode, name: string, mode: number, rdev: number, uid: number, gid: number): Promise<Inode> {
    return this.w().mknod(dir, name, mode, rdev, uid, gid);
  }
  async symlink(dir: Inode, name: string, target: string, uid = 0, gid = 0): Promise<Inode> {
    return this.w().symlink(dir, name, target, uid, gid);
  }
  async link(dir: Inode, name: string, target: Inode): Promise<void> {
    return this.w().link(dir, name, target);
  }
  async unlink(dir: Inode, name: string): Promise<void> {
    return this.w().unlink(dir, name);
  }
  async rmdir(dir: Inode, name: string): Promise<void> {
    return this.w().rmdir(dir, name);
  }
  async rename(oldDir: Inode, oldName: string, newDir: Inode, newName: string): Promise<void> {
    return this.w().rename(oldDir, oldName, newDir, newName);
  }
  async write(file: Inode, offset: number, data: Uint8Array): Promise<number> {
    return this.w().write(file, offset, data);
  }
  async truncate(file: Inode, size: number): Promise<void> {
    return this.w().truncate(file, size);
  }
  async setattr(inode: Inode, attrs: SetAttr): Promise<void> {
    return this.w().setattr(inode, attrs);
  }
  /** The kernel opened `inode` (writable mounts: an unlinked open file keeps its data until release). */
  retain(inode: Inode): void {
    this.writer?.retain(inode);
  }
  /** The kernel closed `inode`; frees an unlinked file at its last close. */
  async release(inode: Inode): Promise<void> {
    if (this.writer !== null) await this.writer.release(inode);
  }
  /**
   * Run `fn` when no mutation is in progress and every earlier one has
   * reached the device, holding later ones back until it settles: the
   * place to commit the overlay's changed blocks (DESIGN.md decision 7).
   */
  async atCommitPoint<T>(fn: () => T | Promise<T>): Promise<T> {
    return this.writer === null ? fn() : this.writer.atCommitPoint(fn);
  }
  /** Resolves when every mutation started so far has reached the device. */
  sync(): Promise<void> {
    return this.writer === null ? Promise.resolve() : this.writer.sync();
  }
  /** Free and total blocks and inodes (statfs). */
  statfs(): FsStats {
    const sb = this.superblock;
    return {
      blockSize: sb.blockSize, blocks: sb.blocksCount, freeBlocks: sb.freeBlocksCount,
      availBlocks: Math.max(0, sb.freeBlocksCount - sb.rBlocksCount), inodes: sb.inodesCount,
      freeInodes: sb.freeInodesCount, nameMax: EXT2_NAME_LEN,
    };
  }

  /**
   * Walk the entries of a directory in on-disk order, checking each like
   * ext2_check_page() (fs/ext2/dir.c): rec_len at least 12, a multiple of 4,
   * large enough for the name and not past the end of the block; inode
   * number within s_inodes_count. Indexed (htree, EXT2_INDEX_FL)
   * directories need no special case: their index blocks look like entries
   * with inode 0 spanning the block, and the root index hides inside the
   * rec_len of "..". `visit` gets the block, the entry's offset and its
   * fields, and returns true to stop.
   */
  /** @internal */
  async scanDir(
    d: Ext2Inode,
    visit: (blk: Uint8Array, off: number, ino: number, nameLen: number, fileType: number) => boolean,
  ): Promise<void> {
    const bs = this.blockSize;
    if (d.size % bs !== 0) {
      throw new FsError(EIO, `corrupt ext2 directory inode ${d.ino}: size ${d.size} is not a multiple of the block size ${bs}`);
    }
    const nblocks = d.size / bs;
    const inodesCount = this.superblock.inodesCount;
    const big = bs >= 65536;
    for (let start = 0; start < nblocks; start += DIR_CHUNK_BLOCKS) {
      const n = Math.min(DIR_CHUNK_BLOCKS, nblocks - start);
      const phys = await this.mapBlocks(d, start, n);
      const blocks = await this.cache.getMany(phys, 0, n);
      for (let i = 0; i < n; i++) {
        const blk = blocks[i];
        const at = `corrupt ext2 directory inode ${d.ino}, block ${start + i}`;
        if (!blk) throw new FsError(EIO, `${at}: the directory has a hole`);
        let off = 0;
        while (off < bs) {
          if (bs - off < 12) throw new FsError(EIO, `${at}, offset ${off}: no room for an entry`);
          const ino = u32le(blk, off);
          let recLen = u16le(blk, off + 4);
          // 64 KiB blocks store 65536 as 0 or 65535 (ext4_rec_len_from_disk).
          if (big) recLen = recLen === 0 || recLen === 65535 ? bs : (recLen & 65532) | ((recLen & 3) << 16);
          // Linux's struct ext2_dir_entry_2 reads name_len as one byte in
          // every revision; the next byte is file_type with FILETYPE and
          // unused (zero) without it.
          const nameLen = blk[off + 6]!;
          const fileType = this.hasFileType ? blk[off + 7]! : 0;
          if (recLen < 12) throw new FsError(EIO, `${at}, offset ${off}: rec_len ${recLen} is smaller than the minimum 12`);
          if (recLen % 4 !== 0) throw new FsError(EIO, `${at}, offset ${off}: rec_len ${recLen} is not a multiple of 4`);
          if (recLen < direntRecLen(nameLen)) throw new FsError(EIO, `${at}, offset ${off}: rec_len ${recLen} is too small for a ${nameLen}-byte name`);
          if (off + recLen > bs) throw new FsError(EIO, `${at}, offset ${off}: rec_len ${recLen} runs past the end of the block`);
          if (ino > inodesCount) throw new FsError(EIO, `${at}, offset ${off}: inode number ${ino} is beyond the inode count ${inodesCount}`);
          if (ino !== 0 && nameLen === 0) throw new FsError(EIO, `${at}, offset ${off}: entry for inode ${ino} has an empty name`);
          if (visit(blk, off, ino, nameLen, fileType)) return;
          off += recLen;
        }
      }
    }
  }
}

/**
 * Read every group's descriptor and check that its inode table lies inside
 * the filesystem (like ext2_check_descriptors in fs/ext2/super.c).
 */
async function readGroupDescriptors(sb: Superblock, cache: BlockCache): Promise<GroupDesc[]> {
  const locs = Array.from({ length: sb.groupCount }, (_, g) => groupDescriptorLocation(sb, g));
  const blockNos = [...new Set(locs.map((l) => l.block))];
  for (const b of blockNos) {
    if (b >= sb.blocksCount) {
      throw new FsError(EINVAL, `corrupt ext2 superblock: group descriptors would be at block ${b}, beyond the ${sb.blocksCount} blocks of the filesystem`);
    }
  }
  const blocks = await cache.getMany(blockNos, 0, blockNos.length);
  const byNo = new Map<number, Uint8Array>();
  blockNos.forEach((b, i) => byNo.set(b, blocks[i]!));
  const tableBlocks = Math.ceil((sb.inodesPerGroup * sb.inodeSize) / sb.blockSize);
  return locs.map((loc, g) => {
    const gd = parseGroupDesc(byNo.get(loc.block)!, loc.offset);
    if (gd.inodeTable < sb.firstDataBlock + 1 || gd.inodeTable + tableBlocks > sb.blocksCount) {
      throw new FsError(EINVAL, `corrupt ext2 group descriptor ${g}: inode table at block ${gd.inodeTable} (${tableBlocks} blocks) is outside the filesystem's ${sb.blocksCount} blocks`);
    }
    return gd;
  });
}
