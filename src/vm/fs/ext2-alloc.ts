/**
 * Block and inode allocation for a writable ext2 mount: the bitmaps, the
 * group descriptors' free counts and the superblock's free counts, all
 * changed through the block cache's dirty blocks so that they reach the
 * device together when the operation ends.
 *
 * Placement follows Linux's fs/ext2/{balloc.c,ialloc.c} loosely: data
 * blocks near a goal (the previous block of the file, else the inode's
 * group), files in their parent's group, directories spread to the group
 * with the most free blocks among those with more free inodes than average.
 */

import { EIO, ENOSPC } from '../kernel/abi/errno.js';
import type { BlockCache } from './block-cache.js';
import { groupDescriptorLocation, SUPERBLOCK_OFFSET, type GroupDesc, type Superblock } from './ext2-layout.js';
import { FsError } from './types.js';

function findZeroBit(map: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i < to) {
    if ((i & 7) === 0 && i + 8 <= to && map[i >>> 3] === 0xff) {
      i += 8;
      continue;
    }
    if ((map[i >>> 3]! & (1 << (i & 7))) === 0) return i;
    i++;
  }
  return -1;
}

export class Ext2Allocator {
  constructor(
    private readonly sb: Superblock,
    private readonly groups: GroupDesc[],
    private readonly cache: BlockCache,
  ) {}

  /** Blocks in group `g` (the last group may be short). */
  private blocksInGroup(g: number): number {
    const sb = this.sb;
    return Math.min(sb.blocksPerGroup, sb.blocksCount - sb.firstDataBlock - g * sb.blocksPerGroup);
  }

  groupOfBlock(b: number): number {
    const g = Math.floor((b - this.sb.firstDataBlock) / this.sb.blocksPerGroup);
    return Math.max(0, Math.min(this.sb.groupCount - 1, g));
  }

  groupOfInode(ino: number): number {
    return Math.floor((ino - 1) / this.sb.inodesPerGroup);
  }

  firstBlockOfGroup(g: number): number {
    return this.sb.firstDataBlock + g * this.sb.blocksPerGroup;
  }

  get freeBlockCount(): number {
    return this.sb.freeBlocksCount;
  }

  private async writeGroup(g: number): Promise<void> {
    const loc = groupDescriptorLocation(this.sb, g);
    const buf = await this.cache.modify(loc.block);
    const gd = this.groups[g]!;
    const v = new DataView(buf.buffer, buf.byteOffset + loc.offset, 32);
    v.setUint16(12, gd.freeBlocksCount, true);
    v.setUint16(14, gd.freeInodesCount, true);
    v.setUint16(16, gd.usedDirsCount, true);
  }

  /** Write the superblock fields a writer keeps current (counts and features). */
  async writeSuper(): Promise<void> {
    const bs = this.sb.blockSize;
    const buf = await this.cache.modify(Math.floor(SUPERBLOCK_OFFSET / bs));
    const v = new DataView(buf.buffer, buf.byteOffset + (SUPERBLOCK_OFFSET % bs), 1024);
    v.setUint32(12, this.sb.freeBlocksCount, true);
    v.setUint32(16, this.sb.freeInodesCount, true);
    v.setUint32(100, this.sb.featureRoCompat, true);
  }

  /** One free block, as near `goal` as is cheap; its contents are not touched. Throws ENOSPC. */
  async allocBlock(goal: number): Promise<number> {
    const sb = this.sb;
    if (sb.freeBlocksCount === 0) throw new FsError(ENOSPC, 'ext2: no free blocks left');
    if (goal < sb.firstDataBlock || goal >= sb.blocksCount) goal = sb.firstDataBlock;
    const g0 = this.groupOfBlock(goal);
    for (let i = 0; i < sb.groupCount; i++) {
      const g = (g0 + i) % sb.groupCount;
      const gd = this.groups[g]!;
      if (gd.freeBlocksCount === 0) continue;
      const n = this.blocksInGroup(g);
      const map = await this.cache.get(gd.blockBitmap);
      const start = i === 0 ? goal - this.firstBlockOfGroup(g) : 0;
      let bit = findZeroBit(map, start, n);
      if (bit < 0) bit = findZeroBit(map, 0, start);
      if (bit < 0) continue;
      const m = await this.cache.modify(gd.blockBitmap);
      m[bit >>> 3]! |= 1 << (bit & 7);
      gd.freeBlocksCount--;
      sb.freeBlocksCount--;
      await this.writeGroup(g);
      await this.writeSuper();
      return this.firstBlockOfGroup(g) + bit;
    }
    throw new FsError(ENOSPC, 'ext2: no free blocks left');
  }

  /** Return blocks to the bitmaps (each group's bitmap and descriptor written once). */
  async freeBlocks(blocks: number[]): Promise<void> {
    if (blocks.length === 0) return;
    const sb = this.sb;
    const byGroup = new Map<number, number[]>();
    for (const b of blocks) {
      if (b < sb.firstDataBlock || b >= sb.blocksCount) throw new FsError(EIO, `corrupt ext2 filesystem: freeing block ${b}, outside the filesystem`);
      const g = this.groupOfBlock(b);
      let l = byGroup.get(g);
      if (l === undefined) byGroup.set(g, (l = []));
      l.push(b);
      this.cache.discard(b);
    }
    for (const [g, list] of byGroup) {
      const gd = this.groups[g]!;
      const m = await this.cache.modify(gd.blockBitmap);
      const first = this.firstBlockOfGroup(g);
      for (const b of list) {
        const bit = b - first;
        const mask = 1 << (bit & 7);
        // A block already free means the image was corrupt; freeing it twice would corrupt the counts.
        if ((m[bit >>> 3]! & mask) === 0) continue;
        m[bit >>> 3]! &= ~mask;
        gd.freeBlocksCount++;
        sb.freeBlocksCount++;
      }
      await this.writeGroup(g);
    }
    await this.writeSuper();
  }

  /** A free inode number for a new inode whose parent directory is `parentIno`. Throws ENOSPC. */
  async allocInode(parentIno: number, isDir: boolean): Promise<number> {
    const sb = this.sb;
    if (sb.freeInodesCount === 0) throw new FsError(ENOSPC, 'ext2: no free inodes left');
    let g0 = this.groupOfInode(parentIno);
    if (isDir) {
      const avg = sb.freeInodesCount / sb.groupCount;
      let best = -1;
      for (let g = 0; g < sb.groupCount; g++) {
        const gd = this.groups[g]!;
        if (gd.freeInodesCount === 0 || gd.freeInodesCount < avg) continue;
        if (best < 0 || gd.freeBlocksCount > this.groups[best]!.freeBlocksCount) best = g;
      }
      if (best >= 0) g0 = best;
    }
    for (let i = 0; i < sb.groupCount; i++) {
      const g = (g0 + i) % sb.groupCount;
      const gd = this.groups[g]!;
      if (gd.freeInodesCount === 0) continue;
      const n = Math.min(sb.inodesPerGroup, sb.inodesCount - g * sb.inodesPerGroup);
      // Inodes below s_first_ino are reserved (spec §3.1.24).
      const start = g === 0 ? sb.firstIno - 1 : 0;
      const map = await this.cache.get(gd.inodeBitmap);
      const bit = findZeroBit(map, start, n);
      if (bit < 0) continue;
      const m = await this.cache.modify(gd.inodeBitmap);
      m[bit >>> 3]! |= 1 << (bit & 7);
      gd.freeInodesCount--;
      if (isDir) gd.usedDirsCount++;
      sb.freeInodesCount--;
      await this.writeGroup(g);
      await this.writeSuper();
      return g * sb.inodesPerGroup + bit + 1;
    }
    throw new FsError(ENOSPC, 'ext2: no free inodes left');
  }

  async freeInode(ino: number, isDir: boolean): Promise<void> {
    const sb = this.sb;
    const g = this.groupOfInode(ino);
    const gd = this.groups[g]!;
    const bit = (ino - 1) % sb.inodesPerGroup;
    const m = await this.cache.modify(gd.inodeBitmap);
    const mask = 1 << (bit & 7);
    if ((m[bit >>> 3]! & mask) === 0) throw new FsError(EIO, `corrupt ext2 filesystem: inode ${ino} is in use but free in the bitmap`);
    m[bit >>> 3]! &= ~mask;
    gd.freeInodesCount++;
    if (isDir && gd.usedDirsCount > 0) gd.usedDirsCount--;
    sb.freeInodesCount++;
    await this.writeGroup(g);
    await this.writeSuper();
  }
}
