import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressSpace, ACCESS_EXEC, ACCESS_READ, ACCESS_WRITE, PROT_EXEC, PROT_READ, PROT_WRITE } from './address-space.js';
import { CpuFault, FaultKind, Vector } from './fault.js';
import { PhysicalMemory } from './phys.js';
import { Tlb } from './tlb.js';

function setup(mb = 8) {
  const phys = new PhysicalMemory(mb);
  const tlb = new Tlb(phys);
  const as = new AddressSpace(phys, tlb);
  as.activate();
  return { phys, tlb, as };
}

function fault(fn: () => unknown): CpuFault {
  try {
    fn();
  } catch (e) {
    if (e instanceof CpuFault) return e;
    throw e;
  }
  assert.fail('expected a fault');
}

test('demand-zero pages, permissions and the TLB', () => {
  const { as, tlb } = setup();
  as.map(0x10000, 0x2000, PROT_READ | PROT_WRITE);
  assert.equal(as.read32(0x10ffe), 0);
  as.write32(0x10ffe, 0x11223344); // crosses into the second page
  assert.equal(as.read32(0x10ffe), 0x11223344);
  assert.notEqual(tlb.read[0x10], 0);
  as.map(0x20000, 0x1000, PROT_READ);
  const f = fault(() => as.write32(0x20000, 1));
  assert.deepEqual([f.vector, f.kind, f.access, f.addr], [Vector.PF, FaultKind.Protection, ACCESS_WRITE, 0x20000]);
  const g = fault(() => as.fill(0x30000, ACCESS_READ));
  assert.equal(g.kind, FaultKind.Unmapped);
  const x = fault(() => as.fill(0x20000, ACCESS_EXEC));
  assert.equal(x.kind, FaultKind.Protection);
});

test('munmap and mprotect flush the TLB', () => {
  const { as, tlb } = setup();
  as.map(0x10000, 0x1000, PROT_READ | PROT_WRITE);
  as.write32(0x10000, 7);
  assert.notEqual(tlb.write[0x10], 0);
  assert.ok(as.protect(0x10000, 0x1000, PROT_READ));
  assert.equal(tlb.write[0x10], 0);
  assert.equal(as.read32(0x10000), 7, 'contents survive mprotect');
  as.unmap(0x10000, 0x1000);
  assert.equal(tlb.read[0x10], 0);
  assert.equal(fault(() => as.read32(0x10000)).kind, FaultKind.Unmapped);
  assert.equal(as.protect(0x10000, 0x1000, PROT_READ), false, 'mprotect of a hole fails (ENOMEM)');
});

test('frames are recycled and exhaustion is a fault, not a crash', () => {
  const { as, phys } = setup(4);
  const pages = phys.frameCount;
  as.map(0x100000, (pages + 8) * 4096, PROT_READ | PROT_WRITE);
  let oom: CpuFault | null = null;
  for (let p = 0; p < pages + 8; p++) {
    try {
      as.write32(0x100000 + p * 4096, p);
    } catch (e) {
      oom = e as CpuFault;
      break;
    }
  }
  assert.ok(oom);
  assert.equal(oom!.kind, FaultKind.OutOfMemory);
  as.unmap(0x100000, (pages + 8) * 4096);
  assert.equal(phys.framesInUse, 0);
  as.map(0x100000, 0x1000, PROT_READ | PROT_WRITE);
  assert.equal(as.read32(0x100000), 0, 'a recycled frame is zeroed');
});

test('findFree finds the highest hole below mmapTop', () => {
  const { as } = setup();
  as.mmapTop = 0x40000000;
  const a = as.findFree(0x3000);
  assert.equal(a, 0x40000000 - 0x3000);
  as.map(a, 0x3000, PROT_READ);
  assert.equal(as.findFree(0x1000), a - 0x1000);
  assert.ok(as.isFree(0x1000, 0x1000));
  assert.equal(as.isFree(a, 0x1000), false);
  void PROT_EXEC;
});

// ---- file-backed pages (mmap of a file, ELF segments) ----

/** A "file" of `pages` pages where byte k of page p is (p * 16 + k) & 0xff; counts reads. */
function fakeFile(pages: number) {
  const bytes = new Uint8Array(pages * 4096);
  for (let p = 0; p < pages; p++) for (let k = 0; k < 4096; k++) bytes[p * 4096 + k] = (p * 16 + k) & 0xff;
  const reads: [number, number][] = [];
  return {
    bytes,
    reads,
    src: {
      name: 'fake',
      read: async (off: number, len: number) => {
        reads.push([off, len]);
        return bytes.slice(off, Math.min(off + len, bytes.length));
      },
    },
  };
}

test('file pages are read on first touch only, one page at a time', async () => {
  const { as } = setup();
  const f = fakeFile(300);
  as.mapFile(0x40000, 300 * 4096, PROT_READ, f.src, 0, 300 * 4096);
  assert.equal(f.reads.length, 0, 'mapping reads nothing');
  const e = fault(() => as.fill(0x40000 + 5 * 4096 + 7, ACCESS_READ));
  assert.deepEqual([e.vector, e.kind, e.addr], [Vector.PF, FaultKind.NeedsPage, 0x40000 + 5 * 4096 + 7]);
  assert.equal(await as.pageIn(e.addr), true);
  assert.deepEqual(f.reads, [[5 * 4096, 4096]]);
  assert.equal(as.read(0x40000 + 5 * 4096 + 7, 1)[0], (5 * 16 + 7) & 0xff);
  // A page already read is not read again; writes to a read-only page still fault.
  assert.equal(await as.pageIn(e.addr), true);
  assert.equal(f.reads.length, 1);
  assert.equal(fault(() => as.fill(0x40000 + 5 * 4096, ACCESS_WRITE)).kind, FaultKind.Protection);
});

test('a file page cut short (ELF bss) reads zeros past the file part', async () => {
  const { as } = setup();
  const f = fakeFile(2);
  as.mapFile(0x40000, 3 * 4096, PROT_READ | PROT_WRITE, f.src, 0, 4096 + 100);
  await as.pageIn(0x41000);
  assert.deepEqual([...as.read(0x41000 + 98, 4)], [(16 + 98) & 0xff, (16 + 99) & 0xff, 0, 0]);
  // The page wholly past the file part is plain demand-zero memory.
  assert.equal(as.read32(0x42000), 0);
  assert.deepEqual(f.reads, [[4096, 100]]);
});

test('MAP_PRIVATE file pages: writes stay private, MADV_DONTNEED brings the file back', async () => {
  const { as } = setup();
  const f = fakeFile(1);
  as.mapFile(0x40000, 4096, PROT_READ | PROT_WRITE, f.src, 0, 4096);
  await as.pageIn(0x40000);
  as.write32(0x40000, 0x11223344);
  assert.equal(as.read32(0x40000), 0x11223344);
  assert.equal(f.bytes[0], 0, 'the file is unchanged');
  as.discard(0x40000, 4096);
  assert.equal(fault(() => as.read32(0x40000)).kind, FaultKind.NeedsPage);
  await as.pageIn(0x40000);
  assert.equal(as.read32(0x40000), 0x03020100);
});

test('kernel writes into a file page not read yet never wait, and survive the page-in', async () => {
  const { as } = setup();
  const f = fakeFile(1);
  as.mapFile(0x40000, 4096, PROT_READ | PROT_WRITE, f.src, 0, 4096);
  as.write(0x40000 + 10, new Uint8Array([0xaa, 0xbb])); // read(2) landing in .data
  as.write32(0x40000 + 100, -1);
  assert.equal(f.reads.length, 0);
  // The CPU (or a kernel read) still needs the rest of the page from the file.
  assert.equal(fault(() => as.fill(0x40000, ACCESS_READ)).kind, FaultKind.NeedsPage);
  assert.equal(fault(() => as.read(0x40000 + 10, 1)).kind, FaultKind.NeedsPage);
  await as.pageIn(0x40000);
  assert.deepEqual([...as.read(0x40000 + 9, 4)], [9, 0xaa, 0xbb, 12]);
  assert.equal(as.read32(0x40000 + 100), -1);
  assert.equal(as.read(0x40000 + 104, 1)[0], 104);
  // Read-only file pages refuse kernel writes (EFAULT), as the CPU would.
  as.mapFile(0x50000, 4096, PROT_READ, f.src, 0, 4096);
  assert.equal(fault(() => as.write(0x50000, new Uint8Array(1))).kind, FaultKind.Protection);
});

test('a page unmapped or remapped while its read is in flight is left alone', async () => {
  const { as } = setup();
  const f = fakeFile(1);
  as.mapFile(0x40000, 4096, PROT_READ, f.src, 0, 4096);
  const p = as.pageIn(0x40000);
  as.map(0x40000, 4096, PROT_READ | PROT_WRITE);
  assert.equal(await p, true);
  assert.equal(as.read32(0x40000), 0, 'the anonymous page that replaced it');
});

test('fork shares file pages and frames copy-on-write; mremap moves and grows file mappings', async () => {
  const { as } = setup();
  const f = fakeFile(4);
  as.mapFile(0x40000, 2 * 4096, PROT_READ | PROT_WRITE, f.src, 0, 4 * 4096);
  await as.pageIn(0x40000);
  as.write(0x41000, new Uint8Array([0x77])); // half-written page at fork time
  const child = as.fork();
  as.write32(0x40000, 0x55555555);
  assert.equal(child.read32(0x40000), 0x03020100, 'the child keeps the pre-fork bytes');
  await as.pageIn(0x41000);
  await child.pageIn(0x41000);
  as.write(0x41000, new Uint8Array([0x99]));
  assert.deepEqual([...child.read(0x41000, 2)], [0x77, 17]);
  assert.deepEqual([...as.read(0x41000, 2)], [0x99, 17]);
  // mremap: move the two pages and grow to four; the new pages continue the file.
  as.move(0x40000, 2 * 4096, 0x80000, 4 * 4096);
  assert.equal(as.read32(0x80000), 0x55555555);
  assert.equal(fault(() => as.read32(0x83000)).kind, FaultKind.NeedsPage);
  await as.pageIn(0x83000);
  assert.equal(as.read(0x83000 + 1, 1)[0], 3 * 16 + 1);
  child.destroy();
  as.destroy();
});

test('MAP_SHARED anonymous pages stay shared across fork and survive MADV_DONTNEED', () => {
  const { as } = setup();
  assert.equal(as.mapShared(0x60000, 2 * 4096, PROT_READ | PROT_WRITE), true);
  const child = as.fork();
  child.write32(0x61000, 7); // a page neither side had touched
  assert.equal(as.read32(0x61000), 7);
  as.write32(0x60000, 9);
  assert.equal(child.read32(0x60000), 9);
  as.discard(0x60000, 2 * 4096);
  assert.equal(as.read32(0x60000), 9);
  child.destroy();
  // More than guest memory holds: refused, nothing left mapped.
  assert.equal(as.mapShared(0x1000000, 16 << 20, PROT_READ), false);
  assert.equal(as.isFree(0x1000000, 16 << 20), true);
});

test('mappings() lists ranges for /proc/self/maps, merging like pages', () => {
  const { as } = setup();
  const f = fakeFile(4);
  as.mapFile(0x40000, 2 * 4096, PROT_READ | PROT_EXEC, f.src, 0, 4 * 4096);
  as.mapFile(0x42000, 4096, PROT_READ | PROT_WRITE, f.src, 2 * 4096, 4 * 4096);
  as.map(0x43000, 4096, PROT_READ | PROT_WRITE); // bss: anonymous
  as.brkStart = as.brk = 0x50000;
  as.map(0x50000, 0x2000, PROT_READ | PROT_WRITE);
  as.brk = 0x51800;
  as.mapShared(0x60000, 4096, PROT_READ);
  assert.deepEqual(as.mappings(), [
    { start: 0x40000, end: 0x42000, prot: PROT_READ | PROT_EXEC, shared: false, name: 'fake', offset: 0 },
    { start: 0x42000, end: 0x43000, prot: PROT_READ | PROT_WRITE, shared: false, name: 'fake', offset: 0x2000 },
    { start: 0x43000, end: 0x44000, prot: PROT_READ | PROT_WRITE, shared: false, name: '', offset: 0 },
    { start: 0x50000, end: 0x52000, prot: PROT_READ | PROT_WRITE, shared: false, name: '[heap]', offset: 0 },
    { start: 0x60000, end: 0x61000, prot: PROT_READ, shared: true, name: '', offset: 0 },
  ]);
});
