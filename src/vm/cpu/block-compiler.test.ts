import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '../mem/address-space.js';
import { Vector } from '../mem/fault.js';
import { S_EIP } from '../mem/layout.js';
import { HOT_RUNS as TIER1_HOT_RUNS } from './block-compiler.js';
import { JIT_HOT_RUNS } from '../jit/jit.js';
import type { Cpu } from './cpu.js';
import { RUN_FAULT, RUN_YIELD, STOP_YIELD } from './cpu.js';
import { DATA, makeMachine } from './testing.js';

/**
 * The compiled tiers: tier 1 (JavaScript, where a Content-Security-Policy
 * forbids Wasm) and the Wasm tier (jit/), each case run by both. The machines compile a block
 * after HOT runs instead of the VM's HOT_RUNS, and each program loops well
 * past that, so its loop runs first interpreted, then compiled; the expected
 * registers, instruction counts and fault addresses are worked out by hand.
 * Every case also runs with the interpreter alone and must end the same way.
 */
type Tier = 'js' | 'wasm';
const TIERS: Tier[] = ['js', 'wasm'];

function setTier(cpu: Cpu, tier: Tier | 'off'): void {
  if (tier === 'off') cpu.setJit('off');
  else cpu.setJit('on', tier === 'wasm');
  // Each hot block compiled at once, not with the next batch (jit.ts).
  if (cpu.jit !== null) cpu.jit.batch = 1;
}

function isCompiled(cpu: Cpu, addr: number): boolean {
  const b = cpu.cache.lookup(addr);
  return b != null && (b.fn !== null || b.wasm !== null);
}

/** Runs before a block is compiled, in these tests. */
const HOT = 64;
const EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESI = 6;
/** A read-write-execute region for code that patches itself. */
const RWX = 0x40000;
const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

interface Outcome {
  regs: number[];
  icount: number;
  vector: number;
  eip: number;
  compiled: boolean;
}

/** Run `code` placed at `at` until it faults; report the state then. */
function runUntilFault(code: number[], at: number, tier: Tier | 'off', loopAt: number): Outcome {
  const m = makeMachine();
  m.as.map(RWX, 0x2000, PROT_READ | PROT_WRITE | PROT_EXEC);
  m.poke(at, code);
  const cpu = m.cpu;
  setTier(cpu, tier);
  cpu.hotRuns = HOT;
  cpu.s[S_EIP] = at;
  const before = cpu.icount;
  assert.equal(cpu.run(1_000_000), RUN_FAULT);
  return {
    regs: Array.from(cpu.s.subarray(0, 8)),
    icount: cpu.icount - before,
    vector: cpu.fault!.vector,
    eip: cpu.s[S_EIP] >>> 0,
    compiled: isCompiled(cpu, loopAt),
  };
}

function bothTiers(code: number[], at: number, loopAt: number, tier: Tier): Outcome {
  const off = runUntilFault(code, at, 'off', loopAt);
  const on = runUntilFault(code, at, tier, loopAt);
  assert.equal(off.compiled, false, 'the interpreter alone compiles nothing');
  assert.equal(on.compiled, true, 'the loop became hot and was compiled');
  assert.deepEqual({ ...on, compiled: false }, off, 'compiled and interpreted end in the same state');
  return on;
}

for (const tier of TIERS) {
test(`${tier}: a counted loop (self-loop superblock) gives the same sum and instruction count once compiled`, () => {
  const code = [
    0xb9, ...le32(1000), // mov ecx, 1000
    0x31, 0xc0, //          xor eax, eax
    0x01, 0xc8, //       L: add eax, ecx
    0x49, //                dec ecx
    0x75, 0xfb, //          jnz L
    0xf4, //                hlt (#GP: the end)
  ];
  const r = bothTiers(code, RWX, RWX + 7, tier);
  assert.equal(r.regs[EAX], 500500);
  assert.equal(r.regs[ECX], 0);
  assert.equal(r.icount, 2 + 3 * 1000);
  assert.equal(r.vector, Vector.GP);
  assert.equal(r.eip, RWX + 12);
  assert.ok(1000 > HOT);
});

test(`${tier}: a fault inside a compiled block is precise: EIP, registers and count at the faulting load`, () => {
  // DATA is mapped for 64 KiB and nothing follows it: walk it a word at a
  // time until the load one past its end faults.
  const code = [
    0xbe, ...le32(DATA), // mov esi, DATA
    0x31, 0xc0, //          xor eax, eax
    0x8b, 0x16, //       L: mov edx, [esi]
    0x40, //                inc eax
    0x83, 0xc6, 0x04, //    add esi, 4
    0xeb, 0xf8, //          jmp L
  ];
  const r = bothTiers(code, RWX, RWX + 7, tier);
  const words = 0x10000 / 4;
  assert.equal(r.vector, Vector.PF);
  assert.equal(r.eip, RWX + 7, 'EIP is the faulting mov');
  assert.equal(r.regs[ESI] >>> 0, DATA + 0x10000);
  assert.equal(r.regs[EAX], words);
  assert.equal(r.icount, 2 + 4 * words);
});

test(`${tier}: a compiled block that overwrites an instruction later in itself runs the new instruction at once`, () => {
  // Each trip adds EBX (set by `mov ebx, imm32`) to ESI. When ECX reaches
  // 100 the store, otherwise aimed at DATA, rewrites that immediate to 100,
  // and the same trip must already see it.
  const immAt = RWX + 31;
  const code = [
    0xb9, ...le32(200), //          mov ecx, 200
    0x31, 0xf6, //                  xor esi, esi
    0x31, 0xc0, //               L: xor eax, eax
    0x83, 0xf9, 0x64, //            cmp ecx, 100
    0x0f, 0x94, 0xc0, //            sete al
    0xf7, 0xd8, //                  neg eax
    0x25, ...le32(immAt - DATA), // and eax, immAt - DATA
    0x8d, 0xb8, ...le32(DATA), //   lea edi, [eax + DATA]
    0x89, 0x0f, //                  mov [edi], ecx
    0xbb, ...le32(0x11111111), //   mov ebx, 0x11111111   (immediate at RWX+31)
    0x01, 0xde, //                  add esi, ebx
    0x49, //                        dec ecx
    0x75, 0xdf, //                  jnz L
    0xf4, //                        hlt
  ];
  assert.equal(code.length, 41);
  // The patched block is decoded afresh and has not been compiled again; what
  // matters is what ran, so compare the registers rather than `compiled`.
  const off = runUntilFault(code, RWX, 'off', RWX + 7);
  const on = runUntilFault(code, RWX, tier, RWX + 7);
  const expected = (Math.imul(100, 0x11111111) + 100 * 100) | 0;
  assert.equal(off.regs[ESI], expected);
  assert.equal(on.regs[ESI], expected);
  assert.equal(on.regs[EBX], 100);
  assert.equal(on.regs[ECX], 0);
  assert.equal(on.icount, off.icount);
  assert.equal(on.icount, 2 + 11 * 200);
  assert.equal(on.eip, RWX + 40);
});

test(`${tier}: a budget that runs out inside a compiled self-loop stops on an instruction boundary`, () => {
  const m = makeMachine();
  m.as.map(RWX, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC);
  m.poke(RWX, [0xb9, ...le32(100_000), 0x31, 0xc0, 0x01, 0xc8, 0x49, 0x75, 0xfb, 0xf4]);
  const cpu = m.cpu;
  setTier(cpu, tier);
  cpu.hotRuns = HOT;
  cpu.s[S_EIP] = RWX;
  let total = 0;
  // Small slices, as the kernel's scheduler hands out: the loop must resume exactly.
  for (let slices = 0; slices < 10_000; slices++) {
    const before = cpu.icount;
    const r = cpu.run(997);
    // The loop may finish the block it is in, never more.
    assert.ok(cpu.icount - before <= 997 + 3, `slice ${slices} retired ${cpu.icount - before}`);
    total += cpu.icount - before;
    if (r === RUN_FAULT) break;
  }
  assert.equal(cpu.fault?.vector, Vector.GP);
  assert.equal(cpu.s[EAX], (100_000 * 100_001) / 2 | 0);
  assert.equal(total, 2 + 3 * 100_000);
  assert.equal(isCompiled(cpu, RWX + 7), true);
});

test(`${tier}: a compiled block ending in INT 0x80 yields to the kernel after counting the whole block`, () => {
  // The block: inc eax; cmp eax, eax; jne (never taken: a fused pair, one
  // Insn counting two); add ebx, eax; int 0x80 (the host stops the loop, as
  // a syscall that parks the task does) and the run resumes after it.
  const m = makeMachine();
  m.as.map(RWX, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC);
  m.poke(RWX, [0x40, 0x39, 0xc0, 0x75, 0x10, 0x01, 0xc3, 0xcd, 0x80, 0xeb, 0xf5]);
  const cpu = m.cpu;
  setTier(cpu, tier);
  cpu.hotRuns = HOT;
  let calls = 0;
  cpu.host = {
    interrupt(c, vector) {
      assert.equal(vector, 0x80);
      calls++;
      c.stop = STOP_YIELD;
    },
  };
  cpu.s[S_EIP] = RWX;
  const trips = HOT * 3;
  for (let t = 0; t < trips; t++) {
    const before = cpu.icount;
    assert.equal(cpu.run(1_000_000), RUN_YIELD);
    // First trip: inc, cmp, jne, add, int. Later ones also count the jmp back.
    assert.equal(cpu.icount - before, t === 0 ? 5 : 6, `trip ${t}`);
    assert.equal(cpu.s[S_EIP] >>> 0, RWX + 9, 'EIP after the INT');
  }
  assert.equal(calls, trips);
  assert.equal(cpu.s[EAX], trips);
  assert.equal(cpu.s[EBX], (trips * (trips + 1)) / 2);
  assert.equal(isCompiled(cpu, RWX), true, 'compiled');
});

test(`${tier}: with the VM's own threshold, a block is compiled on its HOT_RUNS-th run and not before`, () => {
  const m = makeMachine();
  m.as.map(RWX, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC);
  // L: inc eax; jmp L (a two-instruction self-loop), stopped by the budget.
  m.poke(RWX, [0x40, 0xeb, 0xfd]);
  const cpu = m.cpu;
  setTier(cpu, tier);
  const HOT_RUNS = tier === 'wasm' ? JIT_HOT_RUNS : TIER1_HOT_RUNS;
  assert.equal(cpu.hotRuns, HOT_RUNS);
  cpu.s[S_EIP] = RWX;
  cpu.run(2 * (HOT_RUNS - 1));
  assert.equal(isCompiled(cpu, RWX), false, 'not yet hot');
  assert.equal(cpu.compiledBlocks, 0);
  cpu.run(2 * 10);
  assert.equal(isCompiled(cpu, RWX), true, 'compiled');
  assert.equal(cpu.compiledBlocks, 1);
  assert.equal(cpu.s[EAX], HOT_RUNS - 1 + 10);
});
}
