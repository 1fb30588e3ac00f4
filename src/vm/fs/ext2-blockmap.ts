/**
 * Block maps of a writable ext2 mount: finding or allocating the physical
 * block behind a logical block of a file (12 direct pointers, then single,
 * double and triple indirect blocks of blockSize/4 pointers, spec §3.5.13),
 * and freeing the blocks past a new end of file, indirect blocks included
 * (ext2_truncate_blocks in Linux's fs/ext2/inode.c). i_blocks counts every
 * block in 512-byte sectors, indirect blocks too.
 */

import { EIO } from '../kernel/abi/errno.js';
import type { Ext2Allocator } from './ext2-alloc.js';
import type { Ext2Inode } from './ext2-inode.js';
import { EXT2_IND_BLOCK, EXT2_NDIR_BLOCKS } from './ext2-layout.js';
import type { Ext2 } from './ext2.js';
import { FsError } from './types.js';

export class Ext2BlockMap {
  constructor(private readonly fs: Ext2, private readonly alloc: Ext2Allocator) {}

  /** Where logical block L sits: the chain of (depth, index) steps below i_block. */
  private path(L: number): { top: number; idx: number[] } {
    if (L < EXT2_NDIR_BLOCKS) return { top: L, idx: [] };
    const p = this.fs.ptrsPerBlock;
    let rel = L - EXT2_NDIR_BLOCKS;
    let depth = 1;
    let span = p;
    while (rel >= span) {
      rel -= span;
      depth++;
      span *= p;
    }
    const idx: number[] = [];
    for (let d = depth; d > 0; d--) {
      span /= p;
      const i = Math.floor(rel / span);
      idx.push(i);
      rel -= i * span;
    }
    return { top: EXT2_IND_BLOCK + depth - 1, idx };
  }

  /** Blocks missing on the way to logical block L (data block included), 0 if it is mapped. */
  async missing(f: Ext2Inode, L: number): Promise<number> {
    const { top, idx } = this.path(L);
    let b = f.block[top]!;
    let depth = 0;
    while (b !== 0 && depth < idx.length) {
      const data = await this.fs.cache.get(this.checkPtr(f, b));
      b = u32(data, idx[depth]! * 4);
      depth++;
    }
    return b !== 0 ? 0 : idx.length - depth + 1;
  }

  private checkPtr(f: Ext2Inode, b: number): number {
    if (b >= this.fs.superblock.blocksCount || b <= this.fs.superblock.firstDataBlock) {
      throw new FsError(EIO, `corrupt ext2 inode ${f.ino}: block pointer ${b} is outside the filesystem`);
    }
    return b;
  }

  /**
   * Physical block of logical block L, allocating it (and indirect blocks
   * on the way) when missing. A new data block is returned zeroed and dirty.
   * The caller has checked that enough blocks are free.
   */
  async mapAlloc(f: Ext2Inode, L: number): Promise<{ phys: number; fresh: boolean }> {
    const cache = this.fs.cache;
    const spb = this.fs.blockSize / 512;
    const { top, idx } = this.path(L);
    const goal = (): number => this.goal(f);
    let b = f.block[top]!;
    if (b === 0) {
      b = await this.alloc.allocBlock(goal());
      cache.fresh(b);
      f.block[top] = b;
      f.blocks512 += spb;
      this.last.set(f.ino, b);
      if (idx.length === 0) return { phys: b, fresh: true };
    } else if (idx.length === 0) {
      return { phys: this.checkPtr(f, b), fresh: false };
    }
    for (let d = 0; d < idx.length; d++) {
      const data = await cache.get(this.checkPtr(f, b));
      const child = u32(data, idx[d]! * 4);
      if (child !== 0) {
        b = child;
        if (d === idx.length - 1) return { phys: this.checkPtr(f, b), fresh: false };
        continue;
      }
      const nb = await this.alloc.allocBlock(goal());
      cache.fresh(nb);
      f.blocks512 += spb;
      this.last.set(f.ino, nb);
      const m = await cache.modify(b);
      setU32(m, idx[d]! * 4, nb);
      b = nb;
      if (d === idx.length - 1) return { phys: b, fresh: true };
    }
    throw new Error('unreachable');
  }

  /** Last block allocated per inode: the next goes right after it. */
  private readonly last = new Map<number, number>();
  private goal(f: Ext2Inode): number {
    const l = this.last.get(f.ino);
    if (l !== undefined) return l + 1;
    let best = 0;
    for (let i = 0; i < 15; i++) if (f.block[i]! > best) best = f.block[i]!;
    if (best !== 0) return best + 1;
    const g = this.alloc.groupOfInode(f.ino);
    return this.alloc.firstBlockOfGroup(g);
  }

  /**
   * Free every block of `f` from logical block `keep` on, indirect blocks
   * that no longer map anything included (ext2_truncate_blocks).
   */
  async freeFrom(f: Ext2Inode, keep: number): Promise<void> {
    const freed: number[] = [];
    for (let L = keep; L < EXT2_NDIR_BLOCKS; L++) {
      if (f.block[L] !== 0) freed.push(f.block[L]!);
      f.block[L] = 0;
    }
    const p = this.fs.ptrsPerBlock;
    let base = EXT2_NDIR_BLOCKS;
    let span = p;
    for (let depth = 1; depth <= 3; depth++) {
      const slot = EXT2_IND_BLOCK + depth - 1;
      const b = f.block[slot]!;
      if (b !== 0) {
        if (keep <= base) {
          await this.freeTree(f, b, depth, freed);
          f.block[slot] = 0;
        } else if (keep < base + span) {
          await this.freePartial(f, b, depth, keep - base, freed);
        }
      }
      base += span;
      span *= p;
    }
    f.blocks512 = Math.max(0, f.blocks512 - freed.length * (this.fs.blockSize / 512));
    await this.alloc.freeBlocks(freed);
    this.last.delete(f.ino);
  }

  /** Every block under indirect block `b` of `depth` levels (1 = its entries are data), and `b`. */
  private async freeTree(f: Ext2Inode, b: number, depth: number, out: number[]): Promise<void> {
    const data = await this.fs.cache.get(this.checkPtr(f, b));
    const p = this.fs.ptrsPerBlock;
    const children: number[] = [];
    for (let i = 0; i < p; i++) {
      const c = u32(data, i * 4);
      if (c !== 0) children.push(c);
    }
    for (const c of children) {
      if (depth === 1) out.push(this.checkPtr(f, c));
      else await this.freeTree(f, c, depth - 1, out);
    }
    out.push(b);
  }

  /** Free what indirect block `b` maps from relative logical block `keep` on; keep > 0. */
  private async freePartial(f: Ext2Inode, b: number, depth: number, keep: number, out: number[]): Promise<void> {
    const p = this.fs.ptrsPerBlock;
    const childSpan = p ** (depth - 1);
    const data = await this.fs.cache.get(this.checkPtr(f, b));
    const firstWhole = Math.ceil(keep / childSpan);
    const cut: number[] = [];
    for (let i = firstWhole; i < p; i++) {
      const c = u32(data, i * 4);
      if (c === 0) continue;
      cut.push(i);
      if (depth === 1) out.push(this.checkPtr(f, c));
      else await this.freeTree(f, c, depth - 1, out);
    }
    const partIdx = Math.floor(keep / childSpan);
    if (depth > 1 && keep % childSpan !== 0) {
      const c = u32(await this.fs.cache.get(b), partIdx * 4);
      if (c !== 0) await this.freePartial(f, c, depth - 1, keep - partIdx * childSpan, out);
    }
    if (cut.length > 0) {
      const m = await this.fs.cache.modify(b);
      for (const i of cut) setU32(m, i * 4, 0);
    }
  }

  /** Zero bytes [from, end of its block) of the block holding byte `from`, if mapped. */
  async zeroTail(f: Ext2Inode, from: number): Promise<void> {
    const bs = this.fs.blockSize;
    if (from % bs === 0) return;
    const L = Math.floor(from / bs);
    if (L >= this.fs.maxFileBlocks) return;
    const [phys] = await this.fs.mapBlocks(f, L, 1);
    if (!phys) return;
    const m = await this.fs.cache.modify(phys);
    m.fill(0, from % bs);
  }
}

function u32(a: Uint8Array, o: number): number {
  return (a[o]! | (a[o + 1]! << 8) | (a[o + 2]! << 16) | (a[o + 3]! << 24)) >>> 0;
}

function setU32(a: Uint8Array, o: number, v: number): void {
  a[o] = v & 0xff;
  a[o + 1] = (v >>> 8) & 0xff;
  a[o + 2] = (v >>> 16) & 0xff;
  a[o + 3] = (v >>> 24) & 0xff;
}
