// The writable ext2: scripted operations on images built by mke2fs -d,
// mounted over an in-memory overlay. After each scenario the base image plus
// the overlay is written to a file and checked by e2fsprogs: `e2fsck -fn`
// must find it clean and `debugfs rdump` must produce exactly the tree the
// test expects (the expectation is written in the test, not read back from
// our code). Our own reader then reads the same image on a fresh mount.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { MemoryBlockDevice } from '../storage/block-device.js';
import { Ext2 } from './ext2.js';
import { debugfsStats, makeExt2Image, MiB, pattern, removeWork, work } from './testing.js';
import {
  debugfs, dumpTree, freeCounts, fsck, mountWritable, sha, tickingClock, writeMerged, type Mounted, type TreeEntry,
} from './testing.js';
import { FsError, S_IFIFO, type Inode } from './types.js';

const ENOENT = 2;
const EEXIST = 17;
const ENOTDIR = 20;
const EISDIR = 21;
const EINVAL = 22;
const EFBIG = 27;
const ENOSPC = 28;
const EROFS = 30;
const ENAMETOOLONG = 36;
const ENOTEMPTY = 39;
const EPERM = 1;
const ESTALE = 116;
const EXT2_INDEX_FL = 0x1000;

after(removeWork);

let fixtureCount = 0;
/** A source tree for mke2fs -d with a few files and a directory of many entries. */
function fixture(): string {
  const dir = join(work, `wsrc-${fixtureCount++}`);
  mkdirSync(join(dir, 'etc'), { recursive: true });
  writeFileSync(join(dir, 'etc', 'hostname'), 'web-vm\n');
  writeFileSync(join(dir, 'big'), pattern(300 * 1024, 7));
  mkdirSync(join(dir, 'many'));
  for (let i = 0; i < 300; i++) writeFileSync(join(dir, 'many', `entry-${String(i).padStart(4, '0')}-${'y'.repeat(i % 40)}`), String(i));
  return dir;
}

/** The expected tree of a fresh fixture image (paths as debugfs rdump shows them). */
function fixtureModel(): Map<string, TreeEntry> {
  const m = new Map<string, TreeEntry>();
  m.set('/lost+found', { type: 'dir' });
  m.set('/etc', { type: 'dir' });
  m.set('/etc/hostname', { type: 'file', data: Buffer.from('web-vm\n') });
  m.set('/big', { type: 'file', data: pattern(300 * 1024, 7) });
  m.set('/many', { type: 'dir' });
  for (let i = 0; i < 300; i++) m.set(`/many/entry-${String(i).padStart(4, '0')}-${'y'.repeat(i % 40)}`, { type: 'file', data: Buffer.from(String(i)) });
  return m;
}

async function at(fs: Ext2, path: string): Promise<Inode> {
  let cur = await fs.root();
  for (const p of path.split('/').filter((x) => x !== '')) cur = await fs.lookup(cur, p);
  return cur;
}

async function rejects(p: Promise<unknown>, errno: number): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof FsError, `expected FsError, got ${String(e)}`);
    assert.equal(e.errno, errno, e.message);
    return true;
  });
}

/** e2fsck clean, rdump equal to the model, and our reader (fresh mount) agreeing. Returns the merged image. */
async function verify(m: Mounted, model: Map<string, TreeEntry>, name: string): Promise<string> {
  const image = await writeMerged(m, name);
  const r = fsck(image);
  assert.equal(r.status, 0, `e2fsck -fn found problems:\n${r.output}`);
  const got = dumpTree(image);
  const show = (e: TreeEntry | undefined): string => (e === undefined ? 'missing' : e.type === 'file' ? `file of ${e.data.length} bytes` : e.type === 'link' ? `link to ${e.target}` : e.type);
  for (const [p, e] of model) {
    // rdump skips device nodes and FIFOs; the tests stat those with debugfs.
    if (e.type === 'other') continue;
    const g = got.get(p);
    assert.equal(g?.type, e.type, `${p}: debugfs has ${show(g)}, expected ${show(e)}`);
    if (e.type === 'file' && g?.type === 'file') assert.ok(g.data.equals(e.data), `${p}: contents differ (debugfs ${g.data.length} bytes, expected ${e.data.length})`);
    if (e.type === 'link' && g?.type === 'link') assert.equal(g.target, e.target, p);
  }
  for (const p of got.keys()) assert.ok(model.has(p), `debugfs shows ${p}, which should not exist`);
  // Our reader, on a fresh read-only mount of the merged image.
  const ro = await Ext2.mount(new MemoryBlockDevice(new Uint8Array(readFileSync(image))));
  for (const [p, e] of model) {
    const ino = await at(ro, p);
    if (e.type === 'file') assert.ok(Buffer.from(await ro.read(ino, 0, e.data.length + 10)).equals(e.data), `${p}: our reader disagrees`);
    if (e.type === 'link') assert.equal(await ro.readlink(ino), e.target);
  }
  return image;
}

interface Variant {
  name: string;
  blockSize: number;
  extra?: string[];
  rev?: 0 | 1;
  htree?: boolean;
  sizeKb: number;
}
const variants: Variant[] = [
  { name: '1 KiB blocks, 8 groups', blockSize: 1024, extra: ['-g', '2048', '-N', '2048'], sizeKb: 16384 },
  { name: '4 KiB blocks', blockSize: 4096, sizeKb: 32768 },
  { name: 'revision 0 (no filetype), 1 KiB blocks', blockSize: 1024, rev: 0, sizeKb: 16384 },
  { name: 'htree directories, 1 KiB blocks', blockSize: 1024, htree: true, sizeKb: 16384 },
];

for (const v of variants) {
  describe(`writable ext2: ${v.name}`, () => {
    let image = '';
    let baseHash = '';
    const build = (): void => {
      if (image !== '') return;
      image = makeExt2Image(fixture(), join(work, `w-${v.name.replace(/\W+/g, '-')}.ext2`), {
        blockSize: v.blockSize, rev: v.rev, extra: [...(v.extra ?? []), ...(v.htree ? ['-O', 'dir_index'] : [])], sizeKb: v.sizeKb,
      });
      if (v.htree) {
        // e2fsck -fyD rebuilds the directories as htrees (exit 1: "errors corrected").
        const { status } = spawnE2fsckD(image);
        assert.ok(status === 0 || status === 1, `e2fsck -fyD exited ${status}`);
        assert.ok(debugfsStats(image, ['/many']).get('/many')!.flags & EXT2_INDEX_FL, '/many should be an htree directory');
      }
      baseHash = sha(readFileSync(image));
    };
    after(() => {
      if (image !== '') assert.equal(sha(readFileSync(image)), baseHash, 'the base image file changed');
    });

    it('creates, writes, appends, overwrites and truncates files across direct/indirect/double/triple blocks', async () => {
      build();
      const m = await mountWritable(image, tickingClock());
      const model = fixtureModel();
      const { fs } = m;
      const root = await fs.root();
      const bs = v.blockSize;
      const p = bs / 4;
      // Boundaries: the last direct block, the first single-indirect, the first double-indirect.
      const sizes = [0, 1, 12 * bs, 12 * bs + 1, (12 + p) * bs + 5, 3 * (12 + p) * bs + 17];
      for (const [k, size] of sizes.entries()) {
        const f = await fs.create(root, `f${k}`, 0o644, 1000, 1000);
        const data = pattern(size, 100 + k);
        // Written in uneven chunks (appends).
        let off = 0;
        let step = 777;
        while (off < size) {
          const n = Math.min(step, size - off);
          assert.equal(await fs.write(f, off, data.subarray(off, off + n)), n);
          off += n;
          step = step * 3 + 1;
        }
        assert.equal(f.stat().size, size);
        model.set(`/f${k}`, { type: 'file', data });
      }
      // Overwrite in the middle of the largest file, crossing block boundaries.
      const big = await at(fs, `/f${sizes.length - 1}`);
      const bigData = Buffer.from((model.get(`/f${sizes.length - 1}`) as { data: Buffer }).data);
      const patch = pattern(3 * bs + 11, 999);
      await fs.write(big, 5 * bs - 3, patch);
      patch.copy(bigData, 5 * bs - 3);
      model.set(`/f${sizes.length - 1}`, { type: 'file', data: bigData });
      // A sparse file reaching the triple-indirect tree for 1 KiB blocks (64.26 MiB), holes between.
      const sparse = await fs.create(root, 'sparse', 0o600, 0, 0);
      const sparseOffs = bs === 1024 ? [0, 13 * 1024, 300 * 1024, 65 * MiB] : [0, 13 * 4096 + 5, 5 * MiB];
      const sparseEnd = sparseOffs[sparseOffs.length - 1]! + 100;
      const sparseData = Buffer.alloc(sparseEnd);
      for (const [k, o] of sparseOffs.entries()) {
        const d = pattern(100, 300 + k);
        await fs.write(sparse, o, d);
        d.copy(sparseData, o);
      }
      model.set('/sparse', { type: 'file', data: sparseData });
      // Shrink the pre-existing 300 KiB file step by step through every tree, then grow it with a hole.
      const old = await at(fs, '/big');
      let oldData = pattern(300 * 1024, 7);
      for (const size of [100 * 1024 + 3, 12 * bs + 1, 12 * bs, 5000, 1]) {
        await fs.truncate(old, size);
        oldData = oldData.subarray(0, size);
        assert.equal(old.stat().size, size);
      }
      await fs.truncate(old, 40000);
      oldData = Buffer.concat([oldData, Buffer.alloc(40000 - oldData.length)]);
      await fs.write(old, 50000, Buffer.from('tail'));
      oldData = Buffer.concat([oldData, Buffer.alloc(10000), Buffer.from('tail')]);
      model.set('/big', { type: 'file', data: oldData });
      // A shrunk file reads zeros where its old bytes were once it grows again.
      const f1 = await at(fs, '/f3');
      await fs.truncate(f1, 10);
      await fs.truncate(f1, 2 * bs);
      model.set('/f3', { type: 'file', data: Buffer.concat([pattern(12 * bs + 1, 103).subarray(0, 10), Buffer.alloc(2 * bs - 10)]) });
      const merged = await verify(m, model, 'data');
      // i_blocks as e2fsprogs counts it: debugfs's Blockcount equals what we report.
      const st = debugfsStats(merged, ['/sparse', '/big', `/f${sizes.length - 1}`]);
      assert.equal(st.get('/sparse')!.blockcount, sparse.stat().blocks);
      assert.equal(st.get('/big')!.blockcount, old.stat().blocks);
      assert.equal(st.get('/big')!.uid, 0);
      assert.equal((await at(fs, '/f0')).stat().uid, 1000);
    });

    it('makes and removes directory trees, with link counts and ENOTEMPTY', async () => {
      build();
      const m = await mountWritable(image, tickingClock());
      const model = fixtureModel();
      const { fs } = m;
      const root = await fs.root();
      const rootLinks = root.stat().nlink;
      const a = await fs.mkdir(root, 'a', 0o755, 0, 0);
      const b = await fs.mkdir(a, 'b', 0o700, 0, 0);
      await fs.mkdir(b, 'c', 0o755, 0, 0);
      model.set('/a', { type: 'dir' }).set('/a/b', { type: 'dir' }).set('/a/b/c', { type: 'dir' });
      assert.equal(root.stat().nlink, rootLinks + 1);
      assert.equal(a.stat().nlink, 3);
      // Enough entries to need several directory blocks.
      for (let i = 0; i < 150; i++) {
        const f = await fs.create(b, `file-with-a-long-name-${i}`, 0o644, 0, 0);
        await fs.write(f, 0, Buffer.from(`n${i}`));
        model.set(`/a/b/file-with-a-long-name-${i}`, { type: 'file', data: Buffer.from(`n${i}`) });
      }
      await rejects(fs.rmdir(a, 'b'), ENOTEMPTY);
      await rejects(fs.rmdir(root, 'a'), ENOTEMPTY);
      for (let i = 0; i < 150; i += 2) {
        await fs.unlink(b, `file-with-a-long-name-${i}`);
        model.delete(`/a/b/file-with-a-long-name-${i}`);
      }
      // Pre-existing entries of a big (possibly htree) directory.
      const many = await at(fs, '/many');
      for (let i = 0; i < 300; i += 3) {
        const name = `entry-${String(i).padStart(4, '0')}-${'y'.repeat(i % 40)}`;
        await fs.unlink(many, name);
        model.delete(`/many/${name}`);
      }
      for (let i = 0; i < 40; i++) {
        await fs.mkdir(many, `sub${i}`, 0o755, 0, 0);
        model.set(`/many/sub${i}`, { type: 'dir' });
      }
      await fs.rmdir(b, 'c');
      model.delete('/a/b/c');
      assert.equal(b.stat().nlink, 2);
      await rejects(fs.rmdir(b, 'c'), ENOENT);
      await rejects(fs.rmdir(root, 'etc'), ENOTEMPTY);
      await rejects(fs.rmdir(await at(fs, '/etc'), 'hostname'), ENOTDIR);
      await rejects(fs.unlink(a, 'b'), EISDIR);
      await rejects(fs.mkdir(a, 'b', 0o755, 0, 0), EEXIST);
      await rejects(fs.create(a, 'b', 0o644, 0, 0), EEXIST);
      await rejects(fs.create(a, 'n'.repeat(256), 0o644, 0, 0), ENAMETOOLONG);
      await rejects(fs.create(await at(fs, '/etc/hostname'), 'x', 0o644, 0, 0), ENOTDIR);
      await rejects(fs.rmdir(root, '.'), EINVAL);
      const image2 = await verify(m, model, 'dirs');
      // A changed htree directory is left as a plain linear one.
      assert.equal(debugfsStats(image2, ['/many']).get('/many')!.flags & EXT2_INDEX_FL, 0);
      const ls = debugfs(image2, 'ls -l /a');
      assert.match(ls, / b\n/);
      const st = debugfsStats(image2, ['/a', '/a/b', '/']);
      assert.equal(st.get('/a')!.links, 3);
      assert.equal(st.get('/a/b')!.links, 2);
      assert.equal(st.get('/')!.links, rootLinks + 1);
      assert.equal(st.get('/a/b')!.mode & 0o7777, 0o700);
    });

    it('renames files and directories across directories, replacing targets per rename(2)', async () => {
      build();
      const m = await mountWritable(image, tickingClock());
      const model = fixtureModel();
      const { fs } = m;
      const root = await fs.root();
      const x = await fs.mkdir(root, 'x', 0o755, 0, 0);
      const y = await fs.mkdir(root, 'y', 0o755, 0, 0);
      const sub = await fs.mkdir(x, 'sub', 0o755, 0, 0);
      const inner = await fs.create(sub, 'inner', 0o644, 0, 0);
      await fs.write(inner, 0, Buffer.from('inner'));
      const one = await fs.create(x, 'one', 0o644, 0, 0);
      await fs.write(one, 0, Buffer.from('one'));
      const two = await fs.create(y, 'two', 0o644, 0, 0);
      await fs.write(two, 0, pattern(20000, 2));
      // Within a directory, then across, then over an existing file (which is freed).
      await fs.rename(x, 'one', x, 'uno');
      await fs.rename(x, 'uno', y, 'eins');
      await fs.rename(y, 'eins', y, 'two');
      // A directory moves across: its ".." and both parents' link counts change.
      await fs.rename(x, 'sub', y, 'moved');
      assert.equal(x.stat().nlink, 2);
      assert.equal(y.stat().nlink, 3);
      assert.equal((await fs.lookup(sub, '..')).ino, y.ino);
      // Over an empty directory; not over a non-empty one; type mismatches.
      const empty = await fs.mkdir(x, 'empty', 0o755, 0, 0);
      void empty;
      await rejects(fs.rename(y, 'moved', y, 'two'), ENOTDIR);
      await rejects(fs.rename(y, 'two', x, 'empty'), EISDIR);
      await fs.rename(y, 'moved', x, 'empty');
      assert.equal(y.stat().nlink, 2);
      assert.equal(x.stat().nlink, 3);
      const full = await fs.mkdir(root, 'full', 0o755, 0, 0);
      await fs.create(full, 'f', 0o644, 0, 0);
      await rejects(fs.rename(root, 'x', root, 'full'), ENOTEMPTY);
      // Not into itself.
      await rejects(fs.rename(root, 'x', sub, 'loop'), EINVAL);
      await rejects(fs.rename(root, 'nope', root, 'z'), ENOENT);
      // Pre-existing entries move out of the big directory.
      const many = await at(fs, '/many');
      await fs.rename(many, 'entry-0005-yyyyy', root, 'five');
      await fs.rename(root, 'etc', x, 'etc2');
      model.delete('/many/entry-0005-yyyyy');
      model.set('/five', { type: 'file', data: Buffer.from('5') });
      model.delete('/etc');
      model.delete('/etc/hostname');
      model.set('/x', { type: 'dir' }).set('/y', { type: 'dir' }).set('/full', { type: 'dir' }).set('/full/f', { type: 'file', data: Buffer.alloc(0) });
      model.set('/x/empty', { type: 'dir' }).set('/x/empty/inner', { type: 'file', data: Buffer.from('inner') });
      model.set('/y/two', { type: 'file', data: Buffer.from('one') });
      model.set('/x/etc2', { type: 'dir' }).set('/x/etc2/hostname', { type: 'file', data: Buffer.from('web-vm\n') });
      const merged = await verify(m, model, 'rename');
      const st = debugfsStats(merged, ['/x', '/y', '/x/empty']);
      assert.equal(st.get('/x')!.links, 4);
      assert.equal(st.get('/y')!.links, 2);
      assert.match(debugfs(merged, 'ls /x/empty'), /\(\d+\) \.\.\s/);
    });

    it('makes hard links, fast and slow symlinks and FIFOs, and changes attributes', async () => {
      build();
      const m = await mountWritable(image, tickingClock());
      const model = fixtureModel();
      const { fs } = m;
      const root = await fs.root();
      const host = await at(fs, '/etc/hostname');
      await fs.link(root, 'hostname-link', host);
      assert.equal(host.stat().nlink, 2);
      await rejects(fs.link(root, 'etc-link', await at(fs, '/etc')), EPERM);
      await rejects(fs.link(root, 'hostname-link', host), EEXIST);
      await fs.unlink(await at(fs, '/etc'), 'hostname');
      assert.equal(host.stat().nlink, 1);
      model.delete('/etc/hostname');
      model.set('/hostname-link', { type: 'file', data: Buffer.from('web-vm\n') });
      // ext2_symlink: the target and its NUL must fit one block.
      const longest = v.blockSize - 1;
      for (const len of [1, 59, 60, 61, 1000, longest]) {
        const target = `t${len}-`.padEnd(len, 'x').slice(0, len);
        const l = await fs.symlink(root, `link-${len}`, target, 0, 0);
        assert.equal(await fs.readlink(l), target);
        model.set(`/link-${len}`, { type: 'link', target });
      }
      await rejects(fs.symlink(root, 'bad', 'x'.repeat(longest + 1), 0, 0), ENAMETOOLONG);
      await rejects(fs.symlink(root, 'bad', '', 0, 0), ENOENT);
      // Remove a slow and a fast link again: their blocks are freed.
      await fs.unlink(root, 'link-1000');
      await fs.unlink(root, 'link-59');
      model.delete('/link-1000');
      model.delete('/link-59');
      const fifo = await fs.mknod(root, 'fifo', S_IFIFO | 0o640, 0, 5, 6);
      assert.equal(fifo.mode, S_IFIFO | 0o640);
      model.set('/fifo', { type: 'other' });
      const f = await fs.create(root, 'attrs', 0o600, 0, 0);
      await fs.setattr(f, { mode: 0o4755, uid: 70000, gid: 80001, atime: 1_600_000_000, mtime: 1_500_000_000, ctime: 1_400_000_000 });
      model.set('/attrs', { type: 'file', data: Buffer.alloc(0) });
      const merged = await verify(m, model, 'links');
      const st = debugfsStats(merged, ['/attrs', '/hostname-link', '/fifo', '/link-60', `/link-${longest}`]);
      const a = st.get('/attrs')!;
      assert.deepEqual([a.mode & 0o7777, a.uid, a.gid, a.atime, a.mtime, a.ctime], [0o4755, 70000, 80001, 1_600_000_000, 1_500_000_000, 1_400_000_000]);
      assert.equal(st.get('/hostname-link')!.links, 1);
      // debugfs prints the permission bits as Mode and the file type separately.
      assert.equal(st.get('/fifo')!.mode, 0o640);
      assert.match(debugfs(merged, 'stat /fifo'), /Type: FIFO/);
      assert.equal(st.get('/fifo')!.uid, 5);
      assert.equal(st.get('/link-60')!.size, 60);
      assert.equal(st.get(`/link-${longest}`)!.size, longest);
    });

    it('stamps ctime and mtime from the mount clock', async () => {
      build();
      let t = 1_800_000_000;
      const m = await mountWritable(image, () => t);
      const root = await m.fs.root();
      const f = await m.fs.create(root, 'timed', 0o644, 0, 0);
      assert.equal(f.stat().mtimeSec, 1_800_000_000);
      t = 1_800_000_500;
      await m.fs.write(f, 0, Buffer.from('x'));
      assert.equal(f.stat().mtimeSec, 1_800_000_500);
      assert.equal(f.stat().ctimeSec, 1_800_000_500);
      assert.equal(root.stat().mtimeSec, 1_800_000_000);
      const merged = await writeMerged(m, 'times');
      const st = debugfsStats(merged, ['/timed', '/']);
      assert.equal(st.get('/timed')!.mtime, 1_800_000_500);
      assert.equal(st.get('/')!.mtime, 1_800_000_000);
      assert.equal(fsck(merged).status, 0);
    });
  });
}

function spawnE2fsckD(image: string): { status: number } {
  try {
    execFileSync('e2fsck', ['-fyD', image], { stdio: 'ignore' });
    return { status: 0 };
  } catch (e) {
    return { status: (e as { status?: number }).status ?? -1 };
  }
}

describe('writable ext2: limits and errors', () => {
  it('fills the filesystem to ENOSPC, stays clean, and gets every block and inode back', async () => {
    const src = join(work, `wsrc-small-${fixtureCount++}`);
    mkdirSync(src);
    writeFileSync(join(src, 'keep'), 'keep');
    const image = makeExt2Image(src, join(work, 'small.ext2'), { blockSize: 1024, sizeKb: 2048, extra: ['-N', '64'] });
    const before = freeCounts(image);
    const m = await mountWritable(image);
    const { fs } = m;
    const root = await fs.root();
    const hog = await fs.create(root, 'hog', 0o644, 0, 0);
    // One write larger than the free space: cut short, then ENOSPC.
    const chunk = pattern(4 * MiB, 5);
    const n = await fs.write(hog, 0, chunk);
    assert.ok(n > 0 && n < chunk.length, `wrote ${n}`);
    assert.equal(n % 1024, 0);
    await rejects(fs.write(hog, n, chunk.subarray(0, 1024)), ENOSPC);
    assert.equal(fs.statfs().freeBlocks, 0);
    // Inodes run out too (a directory with room for the names, no data blocks needed).
    let made = 0;
    let err: unknown = null;
    try {
      for (; made < 100; made++) await fs.mknod(root, `p${made}`, S_IFIFO | 0o644, 0, 0, 0);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof FsError && err.errno === ENOSPC, `expected ENOSPC, got ${String(err)}`);
    let image2 = await writeMerged(m, 'full');
    let r = fsck(image2);
    assert.equal(r.status, 0, r.output);
    assert.ok(dumpTree(image2).get('/hog')!.type === 'file');
    assert.ok((dumpTree(image2).get('/hog') as { data: Buffer }).data.equals(chunk.subarray(0, n)));
    // Free everything again.
    await fs.unlink(root, 'hog');
    for (let i = 0; i < made; i++) await fs.unlink(root, `p${i}`);
    image2 = await writeMerged(m, 'freed');
    r = fsck(image2);
    assert.equal(r.status, 0, r.output);
    const afterCounts = freeCounts(image2);
    // The root directory grew by some blocks to hold the names; nothing else is lost.
    assert.equal(afterCounts.inodes, before.inodes);
    assert.ok(before.blocks - afterCounts.blocks <= 2, `${before.blocks} free before, ${afterCounts.blocks} after`);
  });

  it('serialises concurrent operations: many creates and writes in flight at once stay consistent', async () => {
    const src = join(work, `wsrc-conc-${fixtureCount++}`);
    mkdirSync(src);
    const image = makeExt2Image(src, join(work, 'conc.ext2'), { blockSize: 1024, sizeKb: 8192 });
    const m = await mountWritable(image);
    const { fs } = m;
    const root = await fs.root();
    const model = new Map<string, TreeEntry>([['/lost+found', { type: 'dir' }]]);
    await Promise.all(Array.from({ length: 40 }, async (_, i) => {
      const d = await fs.mkdir(root, `d${i}`, 0o755, 0, 0);
      const f = await fs.create(d, 'f', 0o644, 0, 0);
      const data = pattern(1000 * i + 1, i);
      await Promise.all([fs.write(f, 0, data.subarray(0, 500)), fs.write(f, 500, data.subarray(500))]);
      model.set(`/d${i}`, { type: 'dir' }).set(`/d${i}/f`, { type: 'file', data });
    }));
    await verify(m, model, 'concurrent');
    // Commit points taken while operations are in flight see a clean filesystem.
    const snaps: Promise<Uint8Array>[] = [];
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) {
      ops.push(fs.mkdir(root, `later${i}`, 0o755, 0, 0).then((d) => fs.create(d, 'x', 0o644, 0, 0)).then((f) => fs.write(f, 0, pattern(30_000, i))));
      snaps.push(fs.atCommitPoint(() => m.overlay.snapshot()));
    }
    await Promise.all(ops);
    for (const [i, snap] of (await Promise.all(snaps)).entries()) {
      const file = join(work, `commit-point-${i}.ext2`);
      writeFileSync(file, snap);
      const r = fsck(file);
      assert.equal(r.status, 0, r.output);
    }
  });

  it('keeps an unlinked file that is still open until its last release, and refuses writes to a freed inode', async () => {
    const src = join(work, `wsrc-orphan-${fixtureCount++}`);
    mkdirSync(src);
    const image = makeExt2Image(src, join(work, 'orphan.ext2'), { blockSize: 1024, sizeKb: 4096 });
    const before = freeCounts(image);
    const m = await mountWritable(image);
    const { fs } = m;
    const root = await fs.root();
    const f = await fs.create(root, 'open', 0o644, 0, 0);
    await fs.write(f, 0, pattern(50_000, 1));
    fs.retain(f);
    fs.retain(f);
    await fs.unlink(root, 'open');
    await rejects(fs.lookup(root, 'open'), ENOENT);
    // Still readable and writable through the open file.
    await fs.write(f, 50_000, Buffer.from('more'));
    assert.ok(Buffer.from(await fs.read(f, 0, 60_000)).equals(Buffer.concat([pattern(50_000, 1), Buffer.from('more')])));
    await fs.release(f);
    assert.equal(f.stat().size, 50_004);
    await fs.release(f);
    const image2 = await writeMerged(m, 'orphan');
    const r = fsck(image2);
    assert.equal(r.status, 0, r.output);
    const after = freeCounts(image2);
    assert.deepEqual(after, before);
    await rejects(fs.write(f, 0, Buffer.from('x')), ESTALE);
    await rejects(fs.truncate(f, 0), ESTALE);
    // Unlinked while not open: freed at once.
    const g = await fs.create(root, 'closed', 0o644, 0, 0);
    await fs.unlink(root, 'closed');
    await rejects(fs.write(g, 0, Buffer.from('x')), ESTALE);
  });

  it('answers EFBIG past the largest file size (1 KiB blocks: 16 GiB)', async () => {
    const src = join(work, `wsrc-efbig-${fixtureCount++}`);
    mkdirSync(src);
    const image = makeExt2Image(src, join(work, 'efbig.ext2'), { blockSize: 1024, sizeKb: 4096 });
    const m = await mountWritable(image);
    const root = await m.fs.root();
    const f = await m.fs.create(root, 'f', 0o644, 0, 0);
    // 12 + 256 + 256² + 256³ blocks of 1 KiB.
    const max = (12 + 256 + 256 ** 2 + 256 ** 3) * 1024;
    await rejects(m.fs.truncate(f, max + 1), EFBIG);
    await rejects(m.fs.write(f, max, Buffer.from('x')), EFBIG);
    // Just below the limit: one byte in the last block (triple indirect, 3 pointer blocks + data).
    assert.equal(await m.fs.write(f, max - 1, Buffer.from('z')), 1);
    assert.equal(f.stat().size, max);
    assert.equal(f.stat().blocks, 4 * 2);
    await m.fs.truncate(f, 3);
    assert.equal(f.stat().blocks, 0);
    const merged = await writeMerged(m, 'efbig');
    assert.equal(fsck(merged).status, 0, fsck(merged).output);
  });

  it('refuses to change a read-only mount (EROFS) and a read-only device', async () => {
    const src = join(work, `wsrc-ro-${fixtureCount++}`);
    mkdirSync(src);
    const image = makeExt2Image(src, join(work, 'ro.ext2'), { blockSize: 1024, sizeKb: 1024 });
    const bytes = new Uint8Array(readFileSync(image));
    const ro = await Ext2.mount(new MemoryBlockDevice(bytes));
    assert.equal(ro.readOnly, true);
    await rejects(ro.create(await ro.root(), 'x', 0o644, 0, 0), EROFS);
    await rejects(Ext2.mount(new MemoryBlockDevice(bytes), { writable: true }), EROFS);
  });

  it('reports device write errors as EIO', async () => {
    const src = join(work, `wsrc-eio-${fixtureCount++}`);
    mkdirSync(src);
    const image = makeExt2Image(src, join(work, 'eio.ext2'), { blockSize: 1024, sizeKb: 1024 });
    const bytes = new Uint8Array(readFileSync(image));
    const dev = {
      size: bytes.length,
      read: (o: number, l: number) => Promise.resolve(bytes.slice(o, o + l)),
      write: () => Promise.reject(new Error('quota exceeded')),
    };
    const fs = await Ext2.mount(dev, { writable: true });
    await rejects(fs.create(await fs.root(), 'x', 0o644, 0, 0), 5);
  });
});
