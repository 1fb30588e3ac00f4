// Corrupt and unsupported ext2 images: each must give an FsError with a
// sentence saying what is wrong (EINVAL when mounting, EIO afterwards) and
// never hang. Corruptions are placed with the help of debugfs.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { MemoryBlockDevice, type BlockDevice } from '../storage/block-device.js';
import { Ext2 } from './ext2.js';
import { buildTree, debugfsStats, makeExt2Image, MiB, removeWork, work, type DebugfsStat } from './testing.js';
import { FsError } from './types.js';

const EIO = 5;
const EINVAL = 22;

after(removeWork);

describe('ext2 refuses corrupt and unsupported images', () => {
  let image: string;
  let good: Uint8Array;
  let sbView: () => { bytes: Uint8Array; view: DataView };
  let dbg: Map<string, DebugfsStat>;
  const T = { timeout: 10_000 };

  before(() => {
    const tree = buildTree(false);
    image = makeExt2Image(tree.dir, join(work, 'corrupt-base.ext2'), { blockSize: 1024 });
    good = new Uint8Array(readFileSync(image));
    sbView = () => {
      const bytes = good.slice();
      return { bytes, view: new DataView(bytes.buffer) };
    };
    dbg = debugfsStats(image, ['/file-4097', '/file-307200', `/file-${MiB}`, '/many', '/a', '/link-59']);
  });

  /** Byte offset of an inode's record, from debugfs's imap. */
  function inodeOffset(path: string): number {
    const out = execFileSync('debugfs', ['-R', `imap "${path}"`, image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const m = /located at block (\d+), offset 0x([0-9a-f]+)/.exec(out)!;
    return Number(m[1]) * 1024 + parseInt(m[2]!, 16);
  }

  async function mountErr(bytes: Uint8Array, re: RegExp, errno = EINVAL): Promise<void> {
    await assert.rejects(Ext2.mount(new MemoryBlockDevice(bytes)), (e: unknown) => {
      assert.ok(e instanceof FsError, String(e));
      assert.equal(e.errno, errno);
      assert.match(e.message, re);
      return true;
    });
  }

  async function ioErr(p: Promise<unknown>, re: RegExp): Promise<void> {
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof FsError, String(e));
      assert.equal(e.errno, EIO);
      assert.match(e.message, re);
      return true;
    });
  }

  it('mounts the unmodified image', T, async () => {
    await Ext2.mount(new MemoryBlockDevice(good));
  });

  it('bad magic', T, async () => {
    const { bytes, view } = sbView();
    view.setUint16(1024 + 56, 0x1234, true);
    await mountErr(bytes, /^not an ext2 filesystem: bad magic 0x1234/);
  });

  it('zero inodes per group', T, async () => {
    const { bytes, view } = sbView();
    view.setUint32(1024 + 40, 0, true);
    await mountErr(bytes, /^corrupt ext2 superblock: zero inodes per group/);
  });

  it('zero blocks per group', T, async () => {
    const { bytes, view } = sbView();
    view.setUint32(1024 + 32, 0, true);
    await mountErr(bytes, /^corrupt ext2 superblock: zero blocks per group/);
  });

  it('absurd block size', T, async () => {
    const { bytes, view } = sbView();
    view.setUint32(1024 + 24, 20, true);
    await mountErr(bytes, /^corrupt ext2 superblock: absurd block size/);
  });

  it('ext4 extents and a journal that needs recovery', T, async () => {
    const a = sbView();
    a.view.setUint32(1024 + 96, a.view.getUint32(1024 + 96, true) | 0x40, true);
    await mountErr(a.bytes, /^unsupported ext2 feature: extents/);
    const b = sbView();
    b.view.setUint32(1024 + 96, b.view.getUint32(1024 + 96, true) | 0x4 | 0x80, true);
    await mountErr(b.bytes, /^unsupported ext2 feature: needs_recovery.*64bit/);
  });

  it('an ext3 journal (COMPAT) is ignored read-only', T, async () => {
    const { bytes, view } = sbView();
    view.setUint32(1024 + 92, view.getUint32(1024 + 92, true) | 0x4, true);
    await Ext2.mount(new MemoryBlockDevice(bytes));
  });

  it('a truncated image', T, async () => {
    await mountErr(good.slice(0, good.length / 2), /image holds only 8388608 bytes; is the image truncated/);
    await mountErr(good.slice(0, 1000), /^not an ext2 filesystem: the device holds only 1000 bytes/);
  });

  it('an inode table outside the filesystem', T, async () => {
    const { bytes, view } = sbView();
    // Group descriptor 0 is at block 2 with 1 KiB blocks; bg_inode_table at +8.
    view.setUint32(2048 + 8, 0xffffff00, true);
    await mountErr(bytes, /^corrupt ext2 group descriptor 0: inode table at block 4294967040/);
  });

  it('a data block pointer past the end of the device', T, async () => {
    const { bytes, view } = sbView();
    const off = inodeOffset('/file-4097');
    view.setUint32(off + 40 + 4 * 2, 16384 + 100, true); // i_block[2]
    const fs = await Ext2.mount(new MemoryBlockDevice(bytes));
    const f = await fs.lookup(await fs.root(), 'file-4097');
    await ioErr(fs.read(f, 0, 4097), /^corrupt ext2 inode \d+: direct block pointer 16484 is beyond the end of the filesystem/);
    // The blocks before it still read.
    assert.equal((await fs.read(f, 0, 2048)).length, 2048);
  });

  it('an indirect block pointer past the end, and self-referencing indirect blocks', T, async () => {
    const off = inodeOffset('/file-307200');
    const a = sbView();
    a.view.setUint32(off + 40 + 4 * 12, 0xfffffff0, true); // i_block[IND]
    let fs = await Ext2.mount(new MemoryBlockDevice(a.bytes));
    let f = await fs.lookup(await fs.root(), 'file-307200');
    await ioErr(fs.read(f, 0, 307200), /indirect block pointer 4294967280 is beyond the end/);

    // Point the double-indirect block at itself: the walk is bounded by the
    // three levels of i_block, so this reads garbage or fails, never hangs.
    const b = sbView();
    const dind = b.view.getUint32(off + 40 + 4 * 13, true);
    assert.ok(dind !== 0, 'file-307200 uses a double-indirect block with 1 KiB blocks');
    b.view.setUint32(dind * 1024, dind, true);
    fs = await Ext2.mount(new MemoryBlockDevice(b.bytes));
    f = await fs.lookup(await fs.root(), 'file-307200');
    const data = await fs.read(f, 0, 307200);
    assert.equal(data.length, 307200);
  });

  it('a directory entry with rec_len 0 or past its block', T, async () => {
    const dirBlock = dbg.get('/a')!.blocks[0]!;
    const a = sbView();
    // The first entry of a directory block is "."; rec_len at +4.
    a.view.setUint16(dirBlock * 1024 + 4, 0, true);
    let fs = await Ext2.mount(new MemoryBlockDevice(a.bytes));
    let dir = await fs.lookup(await fs.root(), 'a');
    await ioErr(fs.readdir(dir), /^corrupt ext2 directory inode \d+, block 0, offset 0: rec_len 0 is smaller than the minimum 12/);
    await ioErr(fs.lookup(dir, 'b'), /rec_len 0/);

    const b = sbView();
    b.view.setUint16(dirBlock * 1024 + 4, 2048, true);
    fs = await Ext2.mount(new MemoryBlockDevice(b.bytes));
    dir = await fs.lookup(await fs.root(), 'a');
    await ioErr(fs.readdir(dir), /rec_len 2048 runs past the end of the block/);
  });

  it('a directory entry naming an inode beyond the inode count, or a free inode', T, async () => {
    const dirBlock = dbg.get('/a')!.blocks[0]!;
    const a = sbView();
    a.view.setUint32(dirBlock * 1024, 0x7fffffff, true); // "." of /a
    let fs = await Ext2.mount(new MemoryBlockDevice(a.bytes));
    await ioErr(fs.readdir(await fs.lookup(await fs.root(), 'a')), /inode number 2147483647 is beyond the inode count/);

    const b = sbView();
    const inodes = b.view.getUint32(1024, true);
    b.view.setUint32(dirBlock * 1024, inodes, true); // the last inode is free in this small tree
    fs = await Ext2.mount(new MemoryBlockDevice(b.bytes));
    await ioErr(fs.lookup(await fs.lookup(await fs.root(), 'a'), '.'), new RegExp(`inode ${inodes} is not in use`));
    await ioErr(fs.inode(0), /inode number 0 is out of range/);
  });

  it('a file size beyond 2^53 and beyond what block pointers address', T, async () => {
    const off = inodeOffset('/file-4097');
    const a = sbView();
    a.view.setUint32(off + 108, 0xffffffff, true); // i_size_high
    let fs = await Ext2.mount(new MemoryBlockDevice(a.bytes));
    await ioErr(fs.lookup(await fs.root(), 'file-4097'), /beyond 2\^53 bytes/);

    const b = sbView();
    b.view.setUint32(off + 108, 0x1000, true); // 16 TiB, more than 1 KiB blocks can map
    fs = await Ext2.mount(new MemoryBlockDevice(b.bytes));
    const f = await fs.lookup(await fs.root(), 'file-4097');
    await ioErr(fs.read(f, 15 * 2 ** 40, 10), /beyond the \d+ that block pointers can address/);
  });

  it('a fast symbolic link that claims more than 60 bytes', T, async () => {
    const off = inodeOffset('/link-59');
    const { bytes, view } = sbView();
    view.setUint32(off + 4, 200, true);
    const fs = await Ext2.mount(new MemoryBlockDevice(bytes));
    await ioErr(fs.readlink(await fs.lookup(await fs.root(), 'link-59')), /fast symbolic link claims 200 bytes/);
  });

  it('a device that fails reads', T, async () => {
    // Reads that touch the file's first data block fail.
    const dataAt = dbg.get(`/file-${MiB}`)!.blocks[0]! * 1024;
    const failing: BlockDevice = {
      size: good.length,
      read: async (offset, length) => {
        if (offset <= dataAt && dataAt < offset + length) throw new RangeError('network down');
        return good.slice(offset, offset + length);
      },
    };
    const fs = await Ext2.mount(failing);
    const f = await fs.lookup(await fs.root(), `file-${MiB}`);
    await ioErr(fs.read(f, 0, MiB), /device read of \d+ block\(s\) at block \d+ failed: network down/);
  });
});

