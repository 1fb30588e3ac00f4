// Tests of the read-only ext2 reader against images built by mke2fs -d from
// trees written here, in every layout we support. Expected values come from
// the tree itself (the bytes written, fs.lstatSync of the source) or from
// debugfs/dumpe2fs reading the image — never from the code under test.
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { MemoryBlockDevice } from '../storage/block-device.js';
import { Ext2 } from './ext2.js';
import {
  buildTree, debugfsStats, dumpe2fsHeader, listTree, makeExt2Image, MARKER_LEN, MiB, nativeType, pattern, removeWork,
  sparseMarkers, walkTo, work, type DebugfsStat, type NativeEntry, type Tree,
} from './testing.js';
import { DT_DIR, FsError } from './types.js';

const EINVAL = 22;
const ENOENT = 2;
const ENOTDIR = 20;
const EISDIR = 21;

after(removeWork);

interface Variant {
  name: string;
  blockSize: number;
  rev?: 0 | 1;
  extra?: string[];
  /** Rebuild directory indexes with e2fsck -D so big directories become htrees. */
  htree?: boolean;
  big: boolean;
  sizeKb?: number;
}

const variants: Variant[] = [
  // -g makes many small block groups, so inodes and data spread across them.
  { name: '1 KiB blocks, 16 groups', blockSize: 1024, extra: ['-g', '1024'], big: true },
  { name: '2 KiB blocks', blockSize: 2048, big: true },
  { name: '4 KiB blocks, 2 groups', blockSize: 4096, extra: ['-g', '2048'], big: true },
  { name: 'revision 0, 1 KiB blocks', blockSize: 1024, rev: 0, big: false },
  { name: 'htree directories (dir_index, e2fsck -D), 4 KiB blocks', blockSize: 4096, htree: true, big: true },
  { name: 'meta_bg, 64 groups of 256 blocks', blockSize: 1024, extra: ['-g', '256', '-O', 'meta_bg,^resize_inode'], big: true },
  { name: 'flex_bg', blockSize: 4096, extra: ['-O', 'flex_bg'], big: true },
  // Linux can't mount these on 4 KiB pages, but the format allows them; rec_len 65536 has its own encoding.
  { name: '64 KiB blocks', blockSize: 65536, extra: ['-N', '4096'], big: true, sizeKb: 96 * 1024 },
];

for (const v of variants) {
  describe(`ext2 image: ${v.name}`, () => {
    let tree: Tree;
    let image: string;
    let fs: Ext2;
    let bytes: Buffer;
    let entries: NativeEntry[];
    let dbg: Map<string, DebugfsStat>;
    const imagePath = (parts: string[]): string => '/' + parts.join('/');

    before(() => {
      tree = buildTree(v.big);
      image = join(work, `image-${v.name.replace(/\W+/g, '-')}.ext2`);
      makeExt2Image(tree.dir, image, { blockSize: v.blockSize, rev: v.rev, extra: v.extra, sizeKb: v.sizeKb ?? 16384 });
      if (v.htree) {
        try {
          execFileSync('e2fsck', ['-fyD', image], { stdio: 'ignore' });
        } catch (e) {
          // Exit status 1 means "errors corrected": the directories were rebuilt.
          if ((e as { status?: number }).status !== 1) throw e;
        }
      }
      bytes = readFileSync(image);
      entries = listTree(tree.dir);
      const plain = entries.filter((e) => /^[\x20-\x7e]*$/.test(e.parts.join('/')));
      dbg = debugfsStats(image, ['/', ...plain.map((e) => imagePath(e.parts))]);
    });
    before(async () => {
      fs = await Ext2.mount(new MemoryBlockDevice(new Uint8Array(bytes)), { dev: 0x0803 });
    });

    it('reads the superblock geometry dumpe2fs reports', () => {
      const h = dumpe2fsHeader(image);
      assert.equal(fs.blockSize, Number(h.get('Block size')));
      assert.equal(fs.superblock.blocksCount, Number(h.get('Block count')));
      assert.equal(fs.superblock.inodesCount, Number(h.get('Inode count')));
      assert.equal(fs.superblock.inodeSize, Number(h.get('Inode size') ?? 128));
      assert.equal(fs.superblock.revLevel, v.rev ?? 1);
      assert.equal(fs.superblock.firstIno, Number(h.get('First inode') ?? 11));
      const groups = Math.ceil((Number(h.get('Block count')) - Number(h.get('First block'))) / Number(h.get('Blocks per group')));
      assert.equal(fs.superblock.groupCount, groups);
      if (v.extra?.includes('-g')) assert.ok(groups > 1);
    });

    it('stats every inode as debugfs and the source tree do', async () => {
      let checked = 0;
      for (const e of entries) {
        const path = imagePath(e.parts);
        const inode = await walkTo(fs, e.parts);
        const st = inode.stat();
        const nat = lstatSync(e.native);
        assert.equal(st.mode, nat.mode, `${path} mode`);
        assert.equal(st.uid, nat.uid, `${path} uid`);
        assert.equal(st.gid, nat.gid, `${path} gid`);
        assert.equal(st.nlink, nat.nlink, `${path} nlink`);
        assert.equal(st.mtimeSec, Math.floor(nat.mtimeMs / 1000), `${path} mtime`);
        assert.equal(st.ctimeSec, Math.floor(nat.ctimeMs / 1000), `${path} ctime`);
        assert.equal(st.mtimeNsec, 0);
        assert.equal(st.dev, 0x0803);
        assert.equal(st.blksize, v.blockSize);
        if (!nat.isDirectory()) assert.equal(st.size, nat.size, `${path} size`);
        if (nat.isCharacterDevice() || nat.isBlockDevice()) assert.equal(st.rdev, nat.rdev, `${path} rdev`);
        else assert.equal(st.rdev, 0);
        const d = dbg.get(path);
        if (d !== undefined) {
          assert.equal(st.ino, d.ino, `${path} ino`);
          assert.equal(st.blocks, d.blockcount, `${path} i_blocks`);
          assert.equal(st.atimeSec, d.atime, `${path} atime`);
          assert.equal(st.size, d.size, `${path} size per debugfs`);
          checked++;
        }
      }
      assert.ok(checked > 500, `compared ${checked} inodes with debugfs`);
      assert.equal((await fs.root()).ino, 2);
      assert.equal((await fs.root()).stat().ino, dbg.get('/')!.ino);
    });

    it('lists every directory as the source tree does, with . and .. and d_type', async () => {
      const dirs: NativeEntry[] = [{ parts: [], native: Buffer.from(tree.dir) }, ...entries.filter((e) => lstatSync(e.native).isDirectory())];
      for (const d of dirs) {
        const inode = await walkTo(fs, d.parts);
        const parent = await walkTo(fs, d.parts.slice(0, -1));
        const list = await fs.readdir(inode);
        const got = new Map(list.map((x) => [x.name, x]));
        assert.equal(got.size, list.length, 'no duplicate names');
        assert.equal(got.get('.')?.ino, inode.ino);
        assert.equal(got.get('.')?.type, DT_DIR);
        assert.equal(got.get('..')?.ino, parent.ino);
        assert.equal(got.get('..')?.type, DT_DIR);
        const expected = new Set(['.', '..']);
        if (d.parts.length === 0) expected.add('lost+found');
        for (const name of readdirSync(d.native, { encoding: 'buffer' })) {
          const s = name.toString('latin1');
          expected.add(s);
          const nat = lstatSync(Buffer.concat([d.native, Buffer.from('/'), name]));
          assert.equal(got.get(s)?.type, nativeType(nat), `type of ${s}`);
          assert.equal(got.get(s)?.ino, (await fs.lookup(inode, s)).ino);
        }
        assert.deepEqual(new Set(got.keys()), expected, imagePath(d.parts));
      }
    });

    it('reads a 500-entry directory spanning several blocks', async () => {
      const many = await walkTo(fs, ['many']);
      // About 20 KiB of entries: several blocks, except with 64 KiB blocks.
      if (v.blockSize < 65536) assert.ok(many.stat().size > v.blockSize, 'directory spans blocks');
      const list = await fs.readdir(many);
      assert.equal(list.length, 502);
      for (let i = 0; i < 500; i += 37) {
        const name = `entry-${String(i).padStart(4, '0')}-${'x'.repeat(i % 50)}`;
        const f = await fs.lookup(many, name);
        assert.equal(new TextDecoder().decode(await fs.read(f, 0, 100)), String(i));
      }
      if (v.htree) assert.equal(dbg.get('/many')!.flags & 0x1000, 0x1000, 'debugfs sees EXT2_INDEX_FL');
    });

    it('reads every regular file byte for byte', async () => {
      for (const e of entries) {
        const nat = lstatSync(e.native);
        if (!nat.isFile() || e.parts[0] === 'sparse') continue;
        const data = await fs.read(await walkTo(fs, e.parts), 0, nat.size + 10);
        assert.ok(Buffer.from(data).equals(readFileSync(e.native)), imagePath(e.parts));
      }
    });

    it('reads ranges that cross block boundaries and the end of file', async () => {
      const want = readFileSync(join(tree.dir, 'file-307200'));
      const f = await fs.lookup(await fs.root(), 'file-307200');
      const bs = v.blockSize;
      for (const [off, len] of [[0, 1], [bs - 1, 2], [bs * 12 - 3, 10], [bs * 13 + 5, bs * 3], [want.length - 7, 100], [want.length, 5], [want.length + 100, 5], [12345, 0]] as const) {
        const got = await fs.read(f, off, len);
        assert.ok(Buffer.from(got).equals(want.subarray(off, off + len)), `read(${off}, ${len})`);
      }
    });

    it('reads holes as zeros and data past 4 GiB in a sparse file', async () => {
      const f = await fs.lookup(await fs.root(), 'sparse');
      assert.equal(f.stat().size, tree.sparseSize);
      for (const [k, off] of sparseMarkers(v.big).entries()) {
        const start = Math.max(0, off - 10);
        const around = Buffer.concat([Buffer.alloc(off - start), pattern(MARKER_LEN, 1000 + k), Buffer.alloc(10)]);
        const got = await fs.read(f, start, around.length);
        // The last marker ends at the end of the file, so that read is short.
        const want = around.subarray(0, Math.min(around.length, tree.sparseSize - start));
        assert.ok(Buffer.from(got).equals(want), `marker at ${off}`);
      }
      const hole = await fs.read(f, 10 * MiB, 2 * MiB);
      assert.equal(hole.length, 2 * MiB);
      assert.ok(hole.every((b) => b === 0));
      assert.equal((await fs.read(f, tree.sparseSize - 3, 10)).length, 3);
      assert.equal((await fs.read(f, tree.sparseSize, 10)).length, 0);
      // i_blocks counts only allocated blocks (debugfs agrees, checked above); far below the size.
      assert.ok(f.stat().blocks * 512 < 2 * MiB);
    });

    it('reads fast and slow symbolic links', async () => {
      const root = await fs.root();
      for (const name of ['fast-link', 'slow-link', 'abs-link', 'dangling', 'link-59', 'link-60', 'link-1000']) {
        const link = await fs.lookup(root, name);
        assert.equal(await fs.readlink(link), readlinkSync(join(tree.dir, name), { encoding: 'latin1' }), name);
      }
      // debugfs: a fast link owns no blocks, a slow one does.
      assert.equal(dbg.get('/fast-link')!.blockcount, 0);
      assert.ok(dbg.get('/slow-link')!.blockcount > 0);
      await assert.rejects(fs.readlink(await fs.lookup(root, 'file-1')), (e: FsError) => e.errno === EINVAL);
    });

    it('keeps names as bytes', async () => {
      const names = await walkTo(fs, ['names']);
      const raw = String.fromCharCode(0x66, 0xff, 0x80, 0x01, 0x7f);
      assert.equal(new TextDecoder().decode(await fs.read(await fs.lookup(names, raw), 0, 10)), 'raw');
      const utf8 = Buffer.from('h\u00e9llo w\u00f6rld').toString('latin1');
      assert.equal(new TextDecoder().decode(await fs.read(await fs.lookup(names, utf8), 0, 10)), 'utf8');
      await assert.rejects(fs.lookup(names, 'h\u00e9llo w\u00f6rld'), (e: FsError) => e.errno === ENOENT, 'UTF-16 name is not the UTF-8 bytes');
      assert.ok((await fs.readdir(names)).some((e) => e.name === 'n'.repeat(255)));
      await assert.rejects(fs.lookup(names, 'n'.repeat(256)), (e: FsError) => e.errno === 36);
    });

    it('shares one inode between hard links', async () => {
      const a = await fs.lookup(await fs.root(), 'file-1');
      const b = await walkTo(fs, ['a', 'hard-link-to-file-1']);
      assert.equal(a.ino, b.ino);
      assert.equal(a.stat().nlink, 2);
    });

    it('reports errors a caller can meet', async () => {
      const root = await fs.root();
      const file = await fs.lookup(root, 'file-1');
      await assert.rejects(fs.lookup(root, 'nope'), (e: FsError) => e instanceof FsError && e.errno === ENOENT);
      await assert.rejects(fs.lookup(file, 'x'), (e: FsError) => e.errno === ENOTDIR);
      await assert.rejects(fs.readdir(file), (e: FsError) => e.errno === ENOTDIR);
      await assert.rejects(fs.read(root, 0, 1), (e: FsError) => e.errno === EISDIR);
      await assert.rejects(fs.read(file, -1, 1), (e: FsError) => e.errno === EINVAL);
      assert.equal(fs.readOnly, true);
    });
  });
}

