// The ext2 reader's block cache: few device reads for contiguous data,
// none for repeated reads, one for concurrent readers of a block, and a
// bounded budget.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { MemoryBlockDevice } from '../storage/block-device.js';
import { Ext2 } from './ext2.js';
import { buildTree, CountingDevice, makeExt2Image, MiB, removeWork, work, type Tree } from './testing.js';
import type { Inode } from './types.js';

after(removeWork);

describe('ext2 caching and device reads', () => {
  let bytes: Uint8Array;
  let tree: Tree;
  before(() => {
    tree = buildTree(false);
    const image = makeExt2Image(tree.dir, join(work, 'cache.ext2'), { blockSize: 1024 });
    bytes = new Uint8Array(readFileSync(image));
  });

  async function fresh(opts: { cacheBytes?: number } = {}): Promise<{ fs: Ext2; dev: CountingDevice; file: Inode }> {
    const dev = new CountingDevice(new MemoryBlockDevice(bytes));
    const fs = await Ext2.mount(dev, opts);
    const file = await fs.lookup(await fs.root(), `file-${MiB}`);
    dev.reads = 0;
    return { fs, dev, file };
  }

  it('reads a 1 MiB file of contiguous blocks in a few device reads', async () => {
    const { fs, dev, file } = await fresh();
    const data = await fs.read(file, 0, MiB);
    assert.ok(Buffer.from(data).equals(readFileSync(join(tree.dir, `file-${MiB}`))));
    // 1024 blocks of 1 KiB; mke2fs lays them out in order with the 5 indirect
    // blocks in between, so a handful of runs — far from one read per block.
    assert.ok(dev.reads <= 24, `${dev.reads} device reads`);
  });

  it('serves a repeated read from the cache', async () => {
    const { fs, dev, file } = await fresh();
    await fs.read(file, 0, MiB);
    const before = dev.reads;
    await fs.read(file, 0, MiB);
    await fs.read(file, 4000, 9000);
    assert.equal(dev.reads, before);
  });

  it('shares device reads between concurrent readers', async () => {
    const one = await fresh();
    await one.fs.read(one.file, 0, 64 * 1024);
    const two = await fresh();
    const [a, b] = await Promise.all([two.fs.read(two.file, 0, 64 * 1024), two.fs.read(two.file, 0, 64 * 1024)]);
    assert.ok(Buffer.from(a).equals(Buffer.from(b)));
    assert.equal(two.dev.reads, one.dev.reads);
  });

  it('keeps the block cache within its budget', async () => {
    const { fs, dev, file } = await fresh({ cacheBytes: 64 * 1024 });
    await fs.read(file, 0, MiB);
    const first = dev.reads;
    await fs.read(file, 0, MiB);
    assert.ok(dev.reads > first, 'a 1 MiB file does not fit a 64 KiB cache, so it is read again');
  });

  it('gives each mount its own device number unless told', async () => {
    const a = await Ext2.mount(new MemoryBlockDevice(bytes));
    const b = await Ext2.mount(new MemoryBlockDevice(bytes));
    assert.notEqual(a.dev, b.dev);
    assert.equal((await a.root()).stat().dev, a.dev);
  });
});

