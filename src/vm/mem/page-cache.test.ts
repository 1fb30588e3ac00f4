import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressSpace, PROT_READ, PROT_WRITE } from './address-space.js';
import { BeyondEof, SharedFile, settleWritebacks } from './page-cache.js';
import { PhysicalMemory } from './phys.js';
import { Tlb } from './tlb.js';

/** A file in a byte array behind the Backing interface. */
function memFile(size: number) {
  let bytes = new Uint8Array(size).map((_, i) => i & 0xff);
  let disposed = 0;
  return {
    get bytes() {
      return bytes;
    },
    get disposed() {
      return disposed;
    },
    truncate(n: number) {
      const b = new Uint8Array(n);
      b.set(bytes.subarray(0, n));
      bytes = b;
    },
    backing: {
      read: async (offset: number, length: number) => bytes.slice(offset, offset + length),
      write: async (offset: number, data: Uint8Array) => {
        if (offset + data.length > bytes.length) {
          const b = new Uint8Array(offset + data.length);
          b.set(bytes);
          bytes = b;
        }
        bytes.set(data, offset);
        return data.length;
      },
      size: () => bytes.length,
      dispose: () => void disposed++,
    },
  };
}

async function touch(as: AddressSpace, addr: number): Promise<void> {
  if (as.needsPage(addr)) assert.equal(await as.pageIn(addr), true);
}

test('two address spaces and a fork map the same frames; stores reach the file on flush', async () => {
  const phys = new PhysicalMemory(8);
  const tlb = new Tlb(phys);
  const f = memFile(2 * 4096);
  const sf = new SharedFile(phys, f.backing, 'f');
  const a = new AddressSpace(phys, tlb);
  const b = new AddressSpace(phys, tlb);
  a.mapSharedFile(0x40000, 2 * 4096, PROT_READ | PROT_WRITE, sf, 0, true);
  b.mapSharedFile(0x80000, 4096, PROT_READ | PROT_WRITE, sf, 4096, true);
  await touch(a, 0x41000);
  await touch(b, 0x80000);
  assert.equal(a.pte(0x41) >>> 12, b.pte(0x80) >>> 12, 'one frame for the file page');
  a.write32(0x41010, 0x12345678);
  assert.equal(b.read32(0x80010), 0x12345678);
  const c = b.fork();
  c.write32(0x80020, 7);
  assert.equal(a.read32(0x41020), 7, 'fork keeps the mapping shared, no copy-on-write');
  assert.equal(f.bytes[4096 + 0x10], 0x10, 'not written back yet');
  await sf.flush();
  assert.deepEqual([...f.bytes.subarray(4096 + 0x10, 4096 + 0x14)], [0x78, 0x56, 0x34, 0x12]);
  // write(2) updates the cached frame.
  sf.noteWrite(4096 + 0x30, new Uint8Array([9]));
  assert.equal(c.read32(0x80030) & 0xff, 9);
  // Shrinking drops the page from every space: the next touch is past EOF.
  f.truncate(100);
  sf.truncated(100);
  assert.ok(a.needsPage(0x41000) && c.needsPage(0x80000));
  await assert.rejects(a.pageIn(0x41000), (e) => e instanceof BeyondEof && e.addr === 0x41000);
  // Frames go back when no space maps them, after their stores went to the file.
  await touch(a, 0x40000);
  a.write32(0x40000, 0xab);
  const before = phys.framesInUse;
  a.destroy();
  b.destroy();
  c.destroy();
  await settleWritebacks();
  assert.equal(phys.framesInUse, before - 1);
  assert.equal(sf.residentPages, 0);
  assert.equal(f.disposed, 1);
  assert.equal(f.bytes[0], 0xab);
});
