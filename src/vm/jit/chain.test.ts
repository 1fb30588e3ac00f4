import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RUN_FAULT } from '../cpu/cpu.js';
import type { Cpu } from '../cpu/cpu.js';
import { DATA, makeMachine } from '../cpu/testing.js';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '../mem/address-space.js';
import { Vector } from '../mem/fault.js';
import { S_EIP } from '../mem/layout.js';

/**
 * Blocks compiled in one module call each other directly (Wasm tail calls)
 * instead of returning to Cpu.run. A loop spread over two blocks must then
 * run inside Wasm, fault precisely in whichever block faults, and stop
 * calling a block whose code was overwritten. Every case is also run by the
 * interpreter alone and must end in the same state; the expected values are
 * worked out by hand.
 */

const RWX = 0x40000;
const HOT = 32;
const EAX = 0, EDX = 2, ESI = 6;
const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** Counts calls from Cpu.run into each compiled block from now on. */
function countEntries(cpu: Cpu, addrs: number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const a of addrs) {
    const b = cpu.cache.lookup(a);
    assert.ok(b !== null && b.wasm !== null, `block ${a.toString(16)} is compiled`);
    const f = b.wasm;
    counts.set(a, 0);
    b.wasm = (budget, retired) => {
      counts.set(a, counts.get(a)! + 1);
      return f(budget, retired);
    };
  }
  return counts;
}

function machine(code: number[], mode: 'off' | 'on') {
  const m = makeMachine();
  m.as.map(RWX, 0x2000, PROT_READ | PROT_WRITE | PROT_EXEC);
  m.poke(RWX, code);
  m.cpu.setJit(mode);
  m.cpu.hotRuns = HOT;
  m.cpu.s[S_EIP] = RWX;
  return m;
}

// L: add eax, 1; jmp M — M: mov edx, [esi]; add esi, 4; jmp L. Two blocks
// that jump to each other, walking DATA (64 KiB, nothing mapped after it)
// until the load one past its end faults.
const walk = [
  0xbe, ...le32(DATA), // RWX+0   mov esi, DATA
  0x31, 0xc0, //          RWX+5   xor eax, eax
  0x83, 0xc0, 0x01, //    RWX+7 L: add eax, 1
  0xeb, 0x00, //          RWX+10  jmp M
  0x8b, 0x16, //          RWX+12 M: mov edx, [esi]
  0x83, 0xc6, 0x04, //    RWX+14  add esi, 4
  0xeb, 0xf4, //          RWX+17  jmp L
];
const L = RWX + 7;
const M = RWX + 12;

test('a loop over two blocks of one module runs inside Wasm and faults precisely in the second', () => {
  const words = 0x10000 / 4;
  const results = [];
  for (const mode of ['off', 'on'] as const) {
    const m = machine(walk, mode);
    const cpu = m.cpu;
    // Enough trips for both blocks to be hot and compiled together (next slice).
    cpu.run(HOT * 5 * 2);
    let counts: Map<number, number> | null = null;
    if (mode === 'on') {
      cpu.run(10);
      counts = countEntries(cpu, [L, M]);
    }
    let r;
    do r = cpu.run(1_000_000);
    while (r !== RUN_FAULT);
    assert.equal(cpu.fault!.vector, Vector.PF);
    if (counts !== null) {
      // Thousands of trips, a handful of entries from Cpu.run: the rest were direct calls.
      const entries = counts.get(L)! + counts.get(M)!;
      assert.ok(entries < 100, `entered from Cpu.run ${entries} times`);
    }
    results.push({ eip: cpu.s[S_EIP] >>> 0, eax: cpu.s[EAX], esi: cpu.s[ESI] >>> 0, icount: cpu.icount });
  }
  const [off, on] = results;
  assert.deepEqual(on, off);
  assert.equal(on.eip, M, 'EIP is the faulting load, in the second block');
  assert.equal(on.esi, DATA + 0x10000);
  // The add before each of the words + 1 loads (the last one faults).
  assert.equal(on.eax, words + 1);
  // mov, xor, then per word: add, jmp, mov, add, jmp; then add, jmp before the faulting mov.
  assert.equal(on.icount, 2 + 5 * words + 2);
});

test('a block whose code is overwritten is not called directly any more', () => {
  // Two pages. L (second page): add eax, IMM; jmp M. M (first page): inc
  // edx; cmp edx, 1000; je END; cmp edx, 500; jne L; mov byte [IMM], 7; jmp L.
  // After 500 trips M rewrites L's immediate: L's page is written, so L is
  // invalidated, but M (another page) stays valid and compiled — and its
  // direct call to L must now go to the re-decoded L, which adds 7.
  const Lat = RWX + 0x1000;
  const rel = (from: number, to: number): number[] => le32((to - from) | 0);
  const page0 = [
    0x31, 0xc0, //                          RWX+0   xor eax, eax
    0x31, 0xd2, //                          RWX+2   xor edx, edx
    0xe9, ...rel(RWX + 9, Lat), //          RWX+4   jmp L
    0x42, //                                RWX+9 M: inc edx
    0x81, 0xfa, ...le32(1000), //           RWX+10  cmp edx, 1000
    0x74, 0x1a, //                          RWX+16  je END (RWX+44)
    0x81, 0xfa, ...le32(500), //            RWX+18  cmp edx, 500
    0x0f, 0x85, ...rel(RWX + 30, Lat), //   RWX+24  jne L
    0xc6, 0x05, ...le32(Lat + 1), 7, //     RWX+30  mov byte [L+1], 7
    0xe9, ...rel(RWX + 42, Lat), //         RWX+37  jmp L
    0x90, 0x90, //                          RWX+42
    0xf4, //                                RWX+44 END: hlt
  ];
  assert.equal(page0.length, 45);
  const page1 = [
    0x05, ...le32(1), //                    L:      add eax, 1 (imm32 at L+1)
    0xe9, ...rel(Lat + 10, RWX + 9), //     L+5     jmp M
  ];
  const results = [];
  for (const mode of ['off', 'on'] as const) {
    const m = machine(page0, mode);
    m.poke(Lat, page1);
    const cpu = m.cpu;
    let r;
    // Short slices, so the blocks are compiled (at the next slice) long before the rewrite.
    do r = cpu.run(200);
    while (r !== RUN_FAULT);
    assert.equal(cpu.fault!.vector, Vector.GP, 'ended at the hlt');
    results.push({ eip: cpu.s[S_EIP] >>> 0, eax: cpu.s[EAX], edx: cpu.s[EDX], modules: cpu.jit?.modules ?? 0 });
  }
  const [off, on] = results;
  assert.ok(on.modules > 0, 'compiled');
  assert.deepEqual({ ...on, modules: 0 }, { ...off, modules: 0 });
  assert.equal(on.eip, RWX + 44);
  assert.equal(on.edx, 1000);
  // Trips 1–500 add 1; the 500th rewrites the immediate; trips 501–1000 add 7.
  assert.equal(on.eax, 500 + 7 * 500);
});
