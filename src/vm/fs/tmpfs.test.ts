import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TmpFs, TMPFS_MAGIC } from './tmpfs.js';
import { FsError, S_IFDIR, S_IFMT, S_IFREG } from './types.js';
import { ENOSPC, ENOTEMPTY, EINVAL } from '../kernel/abi/errno.js';

const errno = async (p: Promise<unknown>): Promise<number> => {
  try {
    await p;
  } catch (e) {
    if (e instanceof FsError) return e.errno;
    throw e;
  }
  return 0;
};

test('tmpfs: a size limit counted in 4 KiB pages gives short writes, then ENOSPC; freeing space makes room again', async () => {
  // 4 pages: 16 KiB.
  const fs = new TmpFs(0x1a, 16384, () => 0);
  const root = await fs.root();
  const a = await fs.create(root, 'a', 0o644, 0, 0);
  assert.equal(await fs.write(a, 0, new Uint8Array(10000)), 10000); // 3 pages
  const b = await fs.create(root, 'b', 0o644, 0, 0);
  // One page left: a 10000-byte write is cut to 4096 bytes.
  assert.equal(await fs.write(b, 0, new Uint8Array(10000).fill(7)), 4096);
  assert.equal(await errno(fs.write(b, 4096, new Uint8Array(1))), ENOSPC);
  assert.equal(fs.statfs().freeBlocks, 0);
  assert.equal(await errno(fs.truncate(b, 20000)), ENOSPC);
  // Rewriting inside what a file holds needs no new page.
  assert.equal(await fs.write(a, 100, new Uint8Array(50)), 50);
  await fs.unlink(root, 'a');
  assert.equal(fs.statfs().freeBlocks, 3);
  assert.equal(await fs.write(b, 4096, new Uint8Array(8192)), 8192);
  assert.equal(b.stat().size, 12288);
  assert.equal(b.stat().blocks, 24);
});

test('tmpfs: an unlinked file keeps its pages until released; directories link and unlink like Linux', async () => {
  const fs = new TmpFs(0x1a, 1 << 20, () => 5000);
  const root = await fs.root();
  assert.equal(fs.magic, TMPFS_MAGIC);
  const f = await fs.create(root, 'f', 0o600, 1000, 100);
  await fs.write(f, 0, new Uint8Array(5000));
  fs.retain(f);
  await fs.unlink(root, 'f');
  assert.equal(f.stat().nlink, 0);
  assert.equal(fs.statfs().blocks - fs.statfs().freeBlocks, 2, 'still held while open');
  assert.equal((await fs.read(f, 4990, 100)).length, 10);
  await fs.release(f);
  assert.equal(fs.statfs().blocks - fs.statfs().freeBlocks, 0);
  const d = await fs.mkdir(root, 'd', 0o755, 0, 0);
  assert.equal(root.stat().nlink, 3);
  await fs.mkdir(d, 'e', 0o755, 0, 0);
  assert.equal(await errno(fs.rmdir(root, 'd')), ENOTEMPTY);
  assert.equal(await errno(fs.rename(root, 'd', d, 'x')), EINVAL);
  await fs.rename(d, 'e', root, 'e');
  assert.equal(d.stat().nlink, 2);
  assert.equal(root.stat().nlink, 4);
  assert.equal((await fs.lookup(await fs.lookup(root, 'e'), '..')).ino, root.ino);
  assert.equal((await fs.lookup(root, 'e')).mode & S_IFMT, S_IFDIR);
  assert.equal(f.mode & S_IFMT, S_IFREG);
  assert.equal(f.stat().mtimeSec, 5);
});
