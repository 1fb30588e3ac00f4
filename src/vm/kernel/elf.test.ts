import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AddressSpace, PTE_EXEC, PTE_VALID, PTE_WRITE } from '../mem/address-space.js';
import { PhysicalMemory } from '../mem/phys.js';
import { Tlb } from '../mem/tlb.js';
import { AT_BASE, AT_ENTRY, AT_EXECFN, AT_NULL, AT_PAGESZ, AT_PHDR, AT_PHNUM, AT_RANDOM } from './abi/structs.js';
import { buildStack, elfHeadLength, loadElf, mapElf, parseElf, STACK_TOP } from './elf.js';
import { VmError } from './errors.js';

/** Debian's i386 static busybox: a real ET_EXEC nobody here wrote. Facts from its headers, read with DataView here. */
const bb = new Uint8Array(readFileSync('/bin/busybox'));
const dv = new DataView(bb.buffer, bb.byteOffset);

function space(): AddressSpace {
  const phys = new PhysicalMemory(16);
  return new AddressSpace(phys, new Tlb(phys));
}

test('parses busybox: entry, program headers, loadable segments with their permissions', () => {
  const elf = parseElf(bb, '/bin/busybox');
  assert.equal(elf.entry, dv.getUint32(24, true));
  assert.equal(elf.phnum, dv.getUint16(44, true));
  assert.equal(elf.interp, null);
  const loads = [];
  for (let k = 0; k < elf.phnum; k++) if (dv.getUint32(elf.phoff + k * 32, true) === 1) loads.push(k);
  assert.equal(elf.segments.length, loads.length);
  const as = space();
  const img = loadElf(as, elf, bb, '/bin/busybox');
  for (const seg of elf.segments) {
    const pte = as.pte(seg.vaddr >>> 12);
    assert.ok(pte & PTE_VALID);
    assert.equal((pte & PTE_WRITE) !== 0, (seg.flags & 2) !== 0);
    assert.equal((pte & PTE_EXEC) !== 0, (seg.flags & 1) !== 0);
    // File bytes are in place.
    assert.deepEqual(as.read(seg.vaddr, Math.min(64, seg.filesz)), bb.subarray(seg.offset, seg.offset + Math.min(64, seg.filesz)));
  }
  assert.equal(img.brk % 4096, 0);
  const last = elf.segments[elf.segments.length - 1];
  assert.ok(img.brk >= last.vaddr + last.memsz);
});

test('initial stack: argc, argv, envp, auxv (System V i386 ABI)', () => {
  const as = space();
  const elf = parseElf(bb, '/bin/busybox');
  const img = loadElf(as, elf, bb, '/bin/busybox');
  const random = new Uint8Array(16).map((_, k) => k + 1);
  const sp = buildStack(as, img, { argv: ['busybox', 'echo', 'hi'], envp: ['A=1', 'B=2'], execfn: '/bin/busybox', uid: 0, gid: 0, random });
  assert.equal(sp % 16, 0);
  assert.ok(sp < STACK_TOP);
  const word = (k: number) => as.read32(sp + k * 4) >>> 0;
  assert.equal(word(0), 3);
  assert.deepEqual([1, 2, 3].map((k) => as.readCString(word(k))), ['busybox', 'echo', 'hi']);
  assert.equal(word(4), 0);
  assert.deepEqual([5, 6].map((k) => as.readCString(word(k))), ['A=1', 'B=2']);
  assert.equal(word(7), 0);
  const aux = new Map<number, number>();
  for (let k = 8; ; k += 2) {
    if (word(k) === AT_NULL) break;
    aux.set(word(k), word(k + 1));
  }
  assert.equal(aux.get(AT_PAGESZ), 4096);
  assert.equal(aux.get(AT_ENTRY), elf.entry);
  assert.equal(aux.get(AT_PHNUM), elf.phnum);
  assert.deepEqual(as.read(aux.get(AT_PHDR)!, 32), bb.subarray(elf.phoff, elf.phoff + 32));
  assert.deepEqual(as.read(aux.get(AT_RANDOM)!, 16), random);
  assert.equal(as.readCString(aux.get(AT_EXECFN)!), '/bin/busybox');
});

test('corrupt ELFs are refused with a reason', () => {
  const bad = (mut: (b: Uint8Array, d: DataView) => void, re: RegExp) => {
    const b = bb.slice();
    mut(b, new DataView(b.buffer));
    assert.throws(() => parseElf(b, 'x'), (e: unknown) => e instanceof VmError && re.test(e.message));
  };
  bad((b) => (b[0] = 0), /not an ELF/);
  bad((b) => (b[4] = 2), /64-bit/);
  bad((b) => (b[5] = 2), /big-endian/);
  bad((_b, d) => d.setUint16(18, 62, true), /machine 62/);
  bad((_b, d) => d.setUint16(16, 1, true), /not an executable/);
  bad((_b, d) => d.setUint16(42, 56, true), /program header size/);
  bad((_b, d) => d.setUint16(44, 0, true), /0 program headers/);
  bad((_b, d) => d.setUint32(28, 0xfffff000, true), /program headers lie past the end/);
  assert.throws(() => parseElf(bb.subarray(0, 40), 'x'), /truncated ELF header/);
});

test('mapElf maps segments from the file page by page; the auxv names the interpreter', async () => {
  // Only the headers are parsed; the segments are read on first touch.
  const head = bb.subarray(0, elfHeadLength(bb));
  assert.ok(head.length < 4096);
  const elf = parseElf(head, '/bin/busybox', bb.length);
  const as = space();
  const reads: number[] = [];
  const src = {
    name: '/bin/busybox',
    read: async (off: number, len: number) => {
      reads.push(off);
      return bb.slice(off, Math.min(off + len, bb.length));
    },
  };
  const img = mapElf(as, elf, src, 0, '/bin/busybox', bb.length);
  assert.equal(reads.length, 0);
  for (const seg of elf.segments) {
    const n = Math.min(64, seg.filesz);
    for (let a = seg.vaddr; a < seg.vaddr + n; a = (a | 0xfff) + 1) await as.pageIn(a);
    assert.deepEqual(as.read(seg.vaddr, n), bb.subarray(seg.offset, seg.offset + n));
    // The bss after the file part reads as zero.
    if (seg.memsz > seg.filesz) {
      await as.pageIn(seg.vaddr + seg.filesz);
      assert.equal(as.read(seg.vaddr + seg.filesz, 1)[0], 0);
    }
  }
  assert.ok(reads.length < bb.length / 4096 / 4, `read ${reads.length} pages of ${Math.ceil(bb.length / 4096)}`);
  const sp = buildStack(as, { ...img, entry: 0xf7fd0000, progEntry: img.entry, interpBase: 0xf7fc0000 }, {
    argv: ['x'], envp: [], execfn: 'x', uid: 0, gid: 0, random: new Uint8Array(16),
  });
  const aux = new Map<number, number>();
  // argc, argv[0], NULL, (no envp) NULL, then the auxv pairs.
  for (let k = 4; as.read32(sp + k * 4) !== AT_NULL; k += 2) aux.set(as.read32(sp + k * 4), as.read32(sp + k * 4 + 4) >>> 0);
  assert.equal(aux.get(AT_BASE), 0xf7fc0000);
  assert.equal(aux.get(AT_ENTRY), elf.entry, 'AT_ENTRY is the program, not the interpreter');
});
