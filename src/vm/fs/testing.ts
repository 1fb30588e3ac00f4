// Node-only support for the tests of this folder (never imported by the VM):
// builds fixture trees and ext2 images with mke2fs -d, and reads what
// debugfs/dumpe2fs say about an image, so that expected values come from
// the fixture or from e2fsprogs, never from the code under test.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, chownSync, closeSync, linkSync, lstatSync, lutimesSync, mkdirSync, mkdtempSync, openSync,
  readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync, writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MemoryBlockDevice, type BlockDevice } from '../storage/block-device.js';
import { OverlayBlockDevice } from '../storage/overlay.js';
import { Ext2 } from './ext2.js';
import { DT_BLK, DT_CHR, DT_DIR, DT_FIFO, DT_LNK, DT_REG, type Inode } from './types.js';

type MkImage = typeof import('../../../test/support/mkimage.mjs');
// Compiled tests live in build/src/vm/fs/, the helper in test/support/.
const mkimage = (await import(new URL('../../../../test/support/mkimage.mjs', import.meta.url).href)) as MkImage;
export const makeExt2Image = mkimage.makeExt2Image;

export const GiB = 2 ** 30;
export const MiB = 2 ** 20;

/** A scratch directory for this test process; remove it with removeWork() in an after() hook. */
export const work = mkdtempSync(join(tmpdir(), 'web-vm-fs-test-'));
export function removeWork(): void {
  rmSync(work, { recursive: true, force: true });
}

export function pattern(length: number, seed: number): Buffer {
  const b = Buffer.alloc(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** Offsets of the marker writes in the sparse file. */
export function sparseMarkers(big: boolean): number[] {
  // For 1 KiB blocks: direct < 12 KiB, single indirect < 268 KiB, double
  // < 64.3 MiB, triple beyond. For 4 KiB blocks triple starts at
  // (12 + 1024 + 1024²) * 4096 ≈ 4.004 GiB; 4.5 GiB is beyond it.
  const offs = [0, 20 * 1024 + 7, 100 * 1024, 600 * 1024 + 1000, 3 * MiB, 70 * MiB - 3];
  if (big) offs.push(600 * MiB, 4.5 * GiB - 2500, 5 * GiB - 5000);
  return offs;
}
export const MARKER_LEN = 5000;

export interface Tree {
  dir: string;
  hasDevices: boolean;
  sparseSize: number;
}

let treeCount = 0;
/** Write the fixture tree. `big` adds a 5 GiB sparse file (needs large_file, so not for rev 0). */
export function buildTree(big: boolean): Tree {
  const dir = join(work, `tree-${treeCount++}`);
  mkdirSync(dir);
  const p = (...parts: string[]): string => join(dir, ...parts);
  let seed = 1;
  for (const size of [0, 1, 4095, 4096, 4097, 300 * 1024, MiB]) writeFileSync(p(`file-${size}`), pattern(size, seed++));
  mkdirSync(p('a', 'b', 'c'), { recursive: true });
  writeFileSync(p('a', 'b', 'c', 'deep.txt'), 'deep\n');
  writeFileSync(p('a', 'b', 'sibling'), pattern(12345, seed++));
  // Hard link: one inode, two names, nlink 2.
  linkSync(p('file-1'), p('a', 'hard-link-to-file-1'));
  // Owners that need the high 16 bits of uid/gid, and special mode bits.
  writeFileSync(p('owned'), 'owned\n');
  chownSync(p('owned'), 70000, 80001);
  chmodSync(p('owned'), 0o4751);
  writeFileSync(p('private'), 'x');
  chmodSync(p('private'), 0o600);

  // A directory with 500 entries spans many blocks (names of 20–70 bytes).
  mkdirSync(p('many'));
  for (let i = 0; i < 500; i++) writeFileSync(p('many', `entry-${String(i).padStart(4, '0')}-${'x'.repeat(i % 50)}`), String(i));

  // Names are bytes: UTF-8, bytes that are not UTF-8, and the longest name.
  mkdirSync(p('names'));
  writeFileSync(p('names', 'h\u00e9llo w\u00f6rld'), 'utf8');
  writeFileSync(Buffer.concat([Buffer.from(p('names') + '/'), Buffer.from([0x66, 0xff, 0x80, 0x01, 0x7f])]), 'raw');
  writeFileSync(p('names', 'n'.repeat(255)), 'long');

  // Symbolic links: fast (< 60 bytes, kept in the inode) and slow (a data block).
  symlinkSync('file-4096', p('fast-link'));
  const slowTarget = `a/b/${'long-component-'.repeat(5)}/../../b/sibling`;
  symlinkSync(slowTarget, p('slow-link'));
  symlinkSync('/a/b/c', p('abs-link'));
  symlinkSync('does-not-exist', p('dangling'));
  symlinkSync('x'.repeat(59), p('link-59'));
  symlinkSync('y'.repeat(60), p('link-60'));
  // mke2fs -d stores a slow link's target in one block, so at most 1023 bytes here.
  symlinkSync('z'.repeat(1000), p('link-1000'));

  let hasDevices = true;
  try {
    execFileSync('mknod', [p('chr-1-3'), 'c', '1', '3'], { stdio: 'ignore' });
    execFileSync('mknod', [p('blk-8-300'), 'b', '8', '300'], { stdio: 'ignore' });
    execFileSync('mknod', [p('chr-300-5'), 'c', '300', '5'], { stdio: 'ignore' });
  } catch {
    hasDevices = false;
  }
  execFileSync('mkfifo', [p('fifo')]);

  // A sparse file: holes everywhere except a few markers straddling blocks.
  const sparseSize = big ? 5 * GiB : 80 * MiB;
  const fd = openSync(p('sparse'), 'w');
  for (const [k, off] of sparseMarkers(big).entries()) writeSync(fd, pattern(MARKER_LEN, 1000 + k), 0, MARKER_LEN, off);
  closeSync(fd);
  truncateSync(p('sparse'), sparseSize);

  // Distinct times for every entry (mke2fs -d copies them); a directory
  // after its children, whose creation changed its times.
  let t = 0;
  const stamp = (path: Buffer): void => {
    t++;
    if (lstatSync(path).isSymbolicLink()) lutimesSync(path, 1_600_000_000 + t, 1_500_000_000 + t);
    else utimesSync(path, 1_600_000_000 + t, 1_500_000_000 + t);
  };
  const walk = (d: Buffer): void => {
    for (const e of readdirSync(d, { withFileTypes: true, encoding: 'buffer' })) {
      const full = Buffer.concat([d, Buffer.from('/'), e.name]);
      if (e.isDirectory()) walk(full);
      stamp(full);
    }
  };
  walk(Buffer.from(dir));
  stamp(Buffer.from(dir));
  return { dir, hasDevices, sparseSize };
}

/** Every entry of the source tree: image path (latin1 components) and native path. */
export interface NativeEntry {
  parts: string[];
  native: Buffer;
}
export function listTree(dir: string): NativeEntry[] {
  const out: NativeEntry[] = [];
  const walk = (parts: string[], native: Buffer): void => {
    for (const name of readdirSync(native, { encoding: 'buffer' })) {
      const child = Buffer.concat([native, Buffer.from('/'), name]);
      const childParts = [...parts, name.toString('latin1')];
      out.push({ parts: childParts, native: child });
      if (lstatSync(child).isDirectory()) walk(childParts, child);
    }
  };
  walk([], Buffer.from(dir));
  return out;
}

export function nativeType(st: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isFIFO(): boolean }): number {
  if (st.isFile()) return DT_REG;
  if (st.isDirectory()) return DT_DIR;
  if (st.isSymbolicLink()) return DT_LNK;
  if (st.isCharacterDevice()) return DT_CHR;
  if (st.isBlockDevice()) return DT_BLK;
  if (st.isFIFO()) return DT_FIFO;
  throw new Error('unexpected file type in fixture');
}

/** What debugfs says about inodes, keyed by image path ("/a/b"). */
export interface DebugfsStat {
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  links: number;
  blockcount: number;
  atime: number;
  ctime: number;
  mtime: number;
  flags: number;
  blocks: number[];
}
export function debugfsStats(image: string, paths: string[]): Map<string, DebugfsStat> {
  const cmds = join(work, 'debugfs-cmds');
  writeFileSync(cmds, paths.map((p) => `stat "${p}"\n`).join(''));
  const out = execFileSync('debugfs', ['-f', cmds, image], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const result = new Map<string, DebugfsStat>();
  const chunks = out.split(/^debugfs: stat /m).slice(1);
  for (const chunk of chunks) {
    const path = JSON.parse(chunk.slice(0, chunk.indexOf('\n'))) as string;
    const num = (re: RegExp): number => {
      const m = re.exec(chunk);
      if (!m) throw new Error(`debugfs output for ${path} lacks ${re}`);
      return Number(m[1]);
    };
    const blocks: number[] = [];
    const bl = /BLOCKS:\n([^\n]*)/.exec(chunk);
    if (bl) {
      for (const m of bl[1]!.matchAll(/\((?:IND|DIND|TIND|\d+(?:-\d+)?)\):(\d+)(?:-(\d+))?/g)) {
        const lo = Number(m[1]);
        const hi = m[2] ? Number(m[2]) : lo;
        for (let b = lo; b <= hi; b++) blocks.push(b);
      }
    }
    result.set(path, {
      ino: num(/Inode: (\d+)/),
      mode: parseInt(/Mode:\s+(\d+)/.exec(chunk)![1]!, 8),
      uid: num(/User:\s+(\d+)/),
      gid: num(/Group:\s+(\d+)/),
      size: num(/Size: (\d+)/),
      links: num(/Links: (\d+)/),
      blockcount: num(/Blockcount: (\d+)/),
      atime: parseInt(/atime: 0x([0-9a-f]+)/.exec(chunk)![1]!, 16) | 0,
      ctime: parseInt(/ctime: 0x([0-9a-f]+)/.exec(chunk)![1]!, 16) | 0,
      mtime: parseInt(/mtime: 0x([0-9a-f]+)/.exec(chunk)![1]!, 16) | 0,
      flags: parseInt(/Flags: 0x([0-9a-f]+)/.exec(chunk)![1]!, 16),
      blocks,
    });
  }
  return result;
}

export function dumpe2fsHeader(image: string): Map<string, string> {
  const out = execFileSync('dumpe2fs', ['-h', image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const m = new Map<string, string>();
  for (const line of out.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return m;
}

/** A device that counts its reads. */
export class CountingDevice implements BlockDevice {
  reads = 0;
  constructor(private readonly inner: BlockDevice) {}
  get size(): number {
    return this.inner.size;
  }
  read(offset: number, length: number): Promise<Uint8Array> {
    this.reads++;
    return this.inner.read(offset, length);
  }
}

export async function walkTo(fs: Ext2, parts: string[]): Promise<Inode> {
  let cur = await fs.root();
  for (const p of parts) cur = await fs.lookup(cur, p);
  return cur;
}

// ---- the writable ext2: mount over an in-memory overlay, write base +
// overlay to a file, and ask e2fsprogs (e2fsck, debugfs) about the result,
// so that what the tests check does not come from our own reader.

export interface Mounted {
  base: Uint8Array;
  overlay: OverlayBlockDevice;
  fs: Ext2;
}

/** A fixed clock that ticks one second per call, so timestamps are predictable. */
export function tickingClock(start = 1_750_000_000): () => number {
  let t = start;
  return () => t++;
}

export async function mountWritable(image: string, clock: () => number = () => 1_750_000_000): Promise<Mounted> {
  const base = new Uint8Array(readFileSync(image));
  const overlay = new OverlayBlockDevice(new MemoryBlockDevice(base));
  const fs = await Ext2.mount(overlay, { writable: true, clock });
  return { base, overlay, fs };
}

let outCount = 0;
/** Base image + overlay, written to a new file in the scratch directory. */
export async function writeMerged(m: Mounted, name = 'merged'): Promise<string> {
  await m.fs.sync();
  const file = join(work, `${name}-${outCount++}.ext2`);
  writeFileSync(file, await m.overlay.snapshot());
  return file;
}

export interface FsckResult {
  status: number;
  output: string;
}

/** `e2fsck -fn`: exit status 0 means the filesystem is clean. */
export function fsck(image: string): FsckResult {
  const r = spawnSync('e2fsck', ['-fn', image], { encoding: 'utf8' });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

export function debugfs(image: string, cmd: string): string {
  return execFileSync('debugfs', ['-R', cmd, image], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 << 20 });
}

/** What debugfs's `rdump /` produces, as a map from path to description (independent of our reader). */
export type TreeEntry = { type: 'file'; data: Buffer } | { type: 'dir' } | { type: 'link'; target: string } | { type: 'other' };
export function dumpTree(image: string): Map<string, TreeEntry> {
  const dir = join(work, `rdump-${outCount++}`);
  mkdirSync(dir);
  execFileSync('debugfs', ['-R', `rdump / ${dir}`, image], { stdio: ['ignore', 'ignore', 'pipe'] });
  const out = new Map<string, TreeEntry>();
  const walk = (native: string, path: string): void => {
    for (const name of readdirSync(native)) {
      const full = join(native, name);
      const p = `${path}/${name}`;
      const st = lstatSync(full);
      if (st.isDirectory()) {
        out.set(p, { type: 'dir' });
        walk(full, p);
      } else if (st.isSymbolicLink()) out.set(p, { type: 'link', target: readlinkSync(full, 'latin1') });
      else if (st.isFile()) out.set(p, { type: 'file', data: readFileSync(full) });
      else out.set(p, { type: 'other' });
    }
  };
  walk(dir, '');
  return out;
}

export function sha(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Free block and inode counts as dumpe2fs reports them from the superblock. */
export function freeCounts(image: string): { blocks: number; inodes: number } {
  const out = execFileSync('dumpe2fs', ['-h', image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return {
    blocks: Number(/^Free blocks:\s+(\d+)/m.exec(out)![1]),
    inodes: Number(/^Free inodes:\s+(\d+)/m.exec(out)![1]),
  };
}
