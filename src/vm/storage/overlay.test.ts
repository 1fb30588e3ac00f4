// The copy-on-write overlay: reads merge base and changed chunks, writes
// never reach the base, and the changed chunks can be enumerated.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { MemoryBlockDevice, type BlockDevice } from './block-device.js';
import { OverlayBlockDevice } from './overlay.js';

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

class Counting implements BlockDevice {
  reads = 0;
  constructor(private readonly inner: BlockDevice) {}
  get size(): number {
    return this.inner.size;
  }
  read(o: number, l: number): Promise<Uint8Array> {
    this.reads++;
    return this.inner.read(o, l);
  }
}

describe('OverlayBlockDevice', () => {
  // 10 000 bytes: two full 4 KiB chunks and a short last one of 1808 bytes.
  const SIZE = 10_000;

  it('reads the base until written, then the written bytes, and never writes the base', async () => {
    const base = bytes(SIZE, 1);
    const copy = base.slice();
    const ov = new OverlayBlockDevice(new MemoryBlockDevice(base));
    assert.equal(ov.size, SIZE);
    assert.deepEqual(await ov.read(0, SIZE), copy);
    // Unaligned writes: inside a chunk, across a chunk boundary, into the short last chunk.
    const expect = copy.slice();
    const writes: [number, Uint8Array][] = [[10, bytes(5, 2)], [4000, bytes(300, 3)], [9990, bytes(10, 4)], [0, bytes(1, 5)]];
    for (const [off, data] of writes) {
      await ov.write(off, data);
      expect.set(data, off);
    }
    assert.deepEqual(await ov.read(0, SIZE), expect);
    assert.deepEqual(await ov.read(4090, 20), expect.slice(4090, 4110));
    assert.deepEqual(await ov.read(9995, 5), expect.slice(9995));
    assert.deepEqual(base, copy, 'the base device was written');
    assert.deepEqual([...ov.dirtyBlocks().keys()].sort(), [0, 1, 2]);
    assert.equal(ov.dirtyBlocks().get(2)!.length, SIZE - 8192);
  });

  it('reads unchanged runs from the base in one read each', async () => {
    const base = new Counting(new MemoryBlockDevice(bytes(64 * 1024, 9)));
    const ov = new OverlayBlockDevice(base);
    await ov.write(5 * 4096, new Uint8Array(4096).fill(7));
    base.reads = 0;
    const all = await ov.read(0, 64 * 1024);
    assert.equal(base.reads, 2);
    assert.ok(all.subarray(5 * 4096, 6 * 4096).every((b) => b === 7));
    // A whole-chunk write needs no base read.
    base.reads = 0;
    await ov.write(8 * 4096, new Uint8Array(4096));
    assert.equal(base.reads, 0);
  });

  it('hands out each batch of changes once (takeDirty) and reloads saved chunks', async () => {
    const ov = new OverlayBlockDevice(new MemoryBlockDevice(new Uint8Array(SIZE)));
    await ov.write(100, new Uint8Array([1, 2, 3]));
    const first = ov.takeDirty();
    assert.deepEqual([...first.keys()], [0]);
    assert.equal(ov.takeDirty().size, 0);
    await ov.write(5000, new Uint8Array([9]));
    assert.deepEqual([...ov.takeDirty().keys()], [1]);
    // A fresh overlay over the same base with the saved chunks reads the same.
    const again = new OverlayBlockDevice(new MemoryBlockDevice(new Uint8Array(SIZE)));
    again.load(ov.dirtyBlocks());
    assert.deepEqual(await again.read(0, SIZE), await ov.read(0, SIZE));
    assert.throws(() => again.load([[3, new Uint8Array(4096)]]), RangeError);
  });

  it('rejects reads and writes past the end', async () => {
    const ov = new OverlayBlockDevice(new MemoryBlockDevice(new Uint8Array(SIZE)));
    await assert.rejects(ov.read(SIZE - 1, 2), RangeError);
    await assert.rejects(ov.write(SIZE, new Uint8Array(1)), RangeError);
    await assert.rejects(ov.write(-1, new Uint8Array(1)), RangeError);
  });
});
