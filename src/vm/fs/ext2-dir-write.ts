/**
 * Changing ext2 directory blocks (Linux fs/ext2/dir.c): a new entry goes
 * into the slack of an existing record (splitting its rec_len) or a free
 * record, else into a new block appended to the directory; a removed entry
 * is merged into the record before it, or, first in its block, marked free
 * with inode 0 (ext2_delete_entry). Entries are the spec's §4.1 layout:
 * inode u32, rec_len u16, name_len u8, file_type u8, name.
 */

import { EIO } from '../kernel/abi/errno.js';
import { direntRecLen } from './ext2-layout.js';
import type { Ext2Inode } from './ext2-inode.js';
import type { Ext2Writer } from './ext2-write.js';
import type { Ext2 } from './ext2.js';
import { nameEquals } from './names.js';
import { FsError, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK } from './types.js';

/** An entry found on disk: where it is and the record before it in its block (-1 if first). */
/** Space in a record: its block and offset, the bytes its own entry uses (0 if free) and its rec_len. */
interface Room {
  phys: number;
  off: number;
  used: number;
  rec: number;
}

export interface DirSlot {
  ino: number;
  phys: number;
  off: number;
  prev: number;
}

/** EXT2_FT_* for a mode (fs/ext2/dir.c ext2_type_by_mode). */
function fileType(mode: number): number {
  switch (mode & S_IFMT) {
    case S_IFREG: return 1;
    case S_IFDIR: return 2;
    case S_IFCHR: return 3;
    case S_IFBLK: return 4;
    case S_IFIFO: return 5;
    case S_IFSOCK: return 6;
    case S_IFLNK: return 7;
    default: return 0;
  }
}

function u32(a: Uint8Array, o: number): number {
  return (a[o]! | (a[o + 1]! << 8) | (a[o + 2]! << 16) | (a[o + 3]! << 24)) >>> 0;
}

export class Ext2DirWriter {
  constructor(private readonly fs: Ext2, private readonly w: Ext2Writer) {}

  private recLen(blk: Uint8Array, off: number): number {
    const r = blk[off + 4]! | (blk[off + 5]! << 8);
    // 64 KiB blocks store 65536 as 65535 or 0 (ext4_rec_len_from_disk).
    if (this.fs.blockSize >= 65536) return r === 0 || r === 65535 ? 65536 : (r & 65532) | ((r & 3) << 16);
    return r;
  }

  private setRecLen(blk: Uint8Array, off: number, len: number): void {
    const r = len >= 65536 ? 65535 : len;
    blk[off + 4] = r & 0xff;
    blk[off + 5] = r >>> 8;
  }

  private writeEntry(blk: Uint8Array, off: number, recLen: number, name: string, f: Ext2Inode): void {
    setU32(blk, off, f.ino);
    this.setRecLen(blk, off, recLen);
    blk[off + 6] = name.length;
    blk[off + 7] = this.fs.hasFileType ? fileType(f.mode) : 0;
    for (let i = 0; i < name.length; i++) blk[off + 8 + i] = name.charCodeAt(i) & 0xff;
  }

  /**
   * Visit every record of `d` in order with its block, offset and the
   * previous record's offset; `visit` returns true to stop. Records are
   * checked so that bad rec_lens cannot loop or overrun.
   */
  private async walk(d: Ext2Inode, visit: (phys: number, blk: Uint8Array, off: number, prev: number, ino: number, rec: number, nameLen: number) => boolean): Promise<boolean> {
    const bs = this.fs.blockSize;
    if (d.size % bs !== 0) throw new FsError(EIO, `corrupt ext2 directory inode ${d.ino}: size ${d.size} is not a multiple of the block size ${bs}`);
    const n = d.size / bs;
    const phys = await this.fs.mapBlocks(d, 0, n);
    for (let i = 0; i < n; i++) {
      const p = phys[i]!;
      if (p === 0) throw new FsError(EIO, `corrupt ext2 directory inode ${d.ino}, block ${i}: the directory has a hole`);
      const blk = await this.fs.cache.get(p);
      let off = 0;
      let prev = -1;
      while (off < bs) {
        const rec = this.recLen(blk, off);
        const nameLen = blk[off + 6]!;
        if (rec < 12 || rec % 4 !== 0 || off + rec > bs || rec < direntRecLen(nameLen)) {
          throw new FsError(EIO, `corrupt ext2 directory inode ${d.ino}, block ${i}, offset ${off}: bad rec_len ${rec}`);
        }
        if (visit(p, blk, off, prev, u32(blk, off), rec, nameLen)) return true;
        prev = off;
        off += rec;
      }
    }
    return false;
  }

  /**
   * Where a new entry would go, learnt by the last find() that scanned a
   * whole directory: saves the second and third scan of a create (name
   * check, space check, insert). Any change to a directory forgets it.
   */
  private hint: { dir: number; nameLen: number; room: Room | null } | null = null;

  forgetHint(): void {
    this.hint = null;
  }

  async find(d: Ext2Inode, name: string): Promise<DirSlot | null> {
    let slot: DirSlot | null = null;
    let room: Room | null = null;
    const need = direntRecLen(name.length);
    await this.walk(d, (phys, blk, off, prev, ino, rec, nameLen) => {
      if (ino !== 0 && nameEquals(name, blk, off + 8, nameLen)) {
        slot = { ino, phys, off, prev };
        return true;
      }
      if (room === null) {
        const used = ino !== 0 ? direntRecLen(nameLen) : 0;
        if (rec - used >= need) room = { phys, off, used, rec };
      }
      return false;
    });
    this.hint = slot === null ? { dir: d.ino, nameLen: name.length, room } : null;
    return slot;
  }

  /** Free space for a `nameLen`-byte name in an existing block of `d`, or null. */
  private async roomFor(d: Ext2Inode, nameLen: number): Promise<Room | null> {
    const h = this.hint;
    if (h !== null && h.dir === d.ino && h.nameLen === nameLen) return h.room;
    const need = direntRecLen(nameLen);
    let room: Room | null = null;
    await this.walk(d, (phys, _blk, off, _prev, ino, rec, nl) => {
      const used = ino !== 0 ? direntRecLen(nl) : 0;
      if (rec - used < need) return false;
      room = { phys, off, used, rec };
      return true;
    });
    return room;
  }

  /** Whether an entry for a `nameLen`-byte name fits an existing block. */
  async hasRoom(d: Ext2Inode, nameLen: number): Promise<boolean> {
    return (await this.roomFor(d, nameLen)) !== null;
  }

  /** Whether a directory holds nothing but "." and "..". */
  async isEmpty(d: Ext2Inode): Promise<boolean> {
    const found = await this.walk(d, (_p, blk, off, _prev, ino, _rec, nl) => {
      if (ino === 0) return false;
      const dot = nl === 1 && blk[off + 8] === 0x2e;
      const dotdot = nl === 2 && blk[off + 8] === 0x2e && blk[off + 9] === 0x2e;
      return !dot && !dotdot;
    });
    return !found;
  }

  private async touch(d: Ext2Inode): Promise<void> {
    this.hint = null;
    d.mtime = d.ctime = this.w.now();
    this.w.unindex(d);
    await this.w.writeInode(d);
  }

  /** Add `name` → `f` to `d`. The caller checked that the name is new and that a block is free if one is needed. */
  async add(d: Ext2Inode, name: string, f: Ext2Inode): Promise<void> {
    const at = await this.roomFor(d, name.length);
    this.hint = null;
    const cache = this.fs.cache;
    if (at !== null) {
      const { phys, off, used, rec } = at;
      const blk = await cache.modify(phys);
      if (used === 0) {
        this.writeEntry(blk, off, rec, name, f);
      } else {
        this.setRecLen(blk, off, used);
        this.writeEntry(blk, off + used, rec - used, name, f);
      }
    } else {
      const bs = this.fs.blockSize;
      const { phys } = await this.w.blocks.mapAlloc(d, d.size / bs);
      this.writeEntry(cache.fresh(phys), 0, bs, name, f);
      d.size += bs;
    }
    await this.touch(d);
  }

  /** Remove the entry `name` of `d` (it exists). */
  async remove(d: Ext2Inode, name: string): Promise<void> {
    const s = await this.find(d, name);
    this.hint = null;
    if (s === null) throw new FsError(EIO, `ext2: entry ${JSON.stringify(name)} vanished from directory inode ${d.ino}`);
    const blk = await this.fs.cache.modify(s.phys);
    if (s.prev >= 0) this.setRecLen(blk, s.prev, this.recLen(blk, s.prev) + this.recLen(blk, s.off));
    else setU32(blk, s.off, 0);
    await this.touch(d);
  }

  /** Point the existing entry `name` of `d` at `f` (rename over a name, a moved directory's ".."). */
  async retarget(d: Ext2Inode, name: string, f: Ext2Inode): Promise<void> {
    const s = await this.find(d, name);
    this.hint = null;
    if (s === null) throw new FsError(EIO, `ext2: entry ${JSON.stringify(name)} vanished from directory inode ${d.ino}`);
    const blk = await this.fs.cache.modify(s.phys);
    setU32(blk, s.off, f.ino);
    if (this.fs.hasFileType) blk[s.off + 7] = fileType(f.mode);
    await this.touch(d);
  }

  /** Give a new directory its first block with "." and "..". */
  async initDir(f: Ext2Inode, parentIno: number): Promise<void> {
    this.hint = null;
    const bs = this.fs.blockSize;
    const { phys } = await this.w.blocks.mapAlloc(f, 0);
    const blk = this.fs.cache.fresh(phys);
    this.writeEntry(blk, 0, 12, '.', f);
    this.writeEntry(blk, 12, bs - 12, '..', f);
    setU32(blk, 12, parentIno);
    f.size = bs;
  }
}

function setU32(a: Uint8Array, o: number, v: number): void {
  a[o] = v & 0xff;
  a[o + 1] = (v >>> 8) & 0xff;
  a[o + 2] = (v >>> 16) & 0xff;
  a[o + 3] = (v >>> 24) & 0xff;
}
