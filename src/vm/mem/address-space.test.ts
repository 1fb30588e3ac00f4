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
