import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getFlags } from '../cpu/flags.js';
import { CODE, DATA, makeMachine } from '../cpu/testing.js';

/**
 * Every tier gives the same results: random straight-line programs of the
 * integer instructions the Wasm tier emits (and some it calls out for, so
 * the lazy flags cross between the two), each run by the interpreter alone
 * and with every block compiled (`eager`). Registers, all six arithmetic
 * flags and the data they stored must agree. The interpreter's own
 * correctness is the conformance suites' business (guest programs against
 * the host CPU); this holds the compiled tier to it.
 */

/** A small deterministic PRNG (xorshift32), so a failure names its seed. */
function rng(seed: number): (n: number) => number {
  let x = seed | 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

/** General registers a program may write: all but ESP. */
const REGS = [0, 1, 2, 3, 5, 6, 7];
const modrmRR = (reg: number, rm: number): number => 0xc0 | (reg << 3) | rm;
const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** One random instruction's bytes. */
function instruction(r: (n: number) => number): number[] {
  const g = (): number => REGS[r(REGS.length)];
  const imm32 = (): number => [0, 1, -1, 0x7fffffff, 0x80000000, r(256), r(0x10000) << 16][r(7)] | 0;
  const alu = r(8); // ADD OR ADC SBB AND SUB XOR CMP
  const mem = DATA + 4 * r(64);
  switch (r(22)) {
    case 0: return [0xb8 + g(), ...le32(imm32())]; // mov r32, imm32
    case 1: return [0x01 | (alu << 3), modrmRR(g(), g())]; // alu r/m32, r32
    case 2: return [0x00 | (alu << 3), modrmRR(r(8), r(8))]; // alu r/m8, r8
    case 3: return [0x66, 0x01 | (alu << 3), modrmRR(g(), g())]; // alu r/m16, r16
    case 4: return [0x83, modrmRR(alu, g()), r(256)]; // alu r/m32, imm8
    case 5: return [0x80, modrmRR(alu, r(8)), r(256)]; // alu r/m8, imm8
    case 6: return [0x66, 0x83, modrmRR(alu, g()), r(256)]; // alu r/m16, imm8
    case 7: return [r(2) ? 0x40 + g() : 0x48 + g()]; // inc/dec r32
    case 8: return [0xfe, modrmRR(r(2), r(8))]; // inc/dec r8
    case 9: return [r(2) ? 0x85 : 0x84, modrmRR(r(8), r(8))]; // test
    case 10: return [0x0f, 0x90 + r(16), modrmRR(0, r(8))]; // setcc r8
    case 11: return [0x0f, 0x40 + r(16), modrmRR(g(), g())]; // cmovcc r32, r32
    case 12: return [0x8d, 0x44 | (g() << 3), (r(4) << 6) | (g() << 3) | g(), r(256)]; // lea r32, [b + i*s + d8]
    case 13: return [0x89, 0x05 | (g() << 3), ...le32(mem)]; // mov [mem], r32
    case 14: return [0x8b, 0x05 | (g() << 3), ...le32(mem)]; // mov r32, [mem]
    case 15: return [0x01 | (alu << 3), 0x05 | (g() << 3), ...le32(mem)]; // alu [mem], r32
    case 16: return [0x03 | (alu << 3), 0x05 | (g() << 3), ...le32(mem)]; // alu r32, [mem]
    case 17: return [0x50 + g(), 0x58 + g()]; // push r32; pop r32
    case 18: return [0x0f, r(2) ? 0xb6 : 0xbe, modrmRR(g(), r(8))]; // movzx/movsx r32, r8
    case 19: return [0xc1, modrmRR([0, 1, 4, 5, 7][r(5)], g()), r(32)]; // rol/ror/shl/shr/sar r32, imm8
    case 20: return [0xf7, modrmRR(r(2) ? 2 : 3, g())]; // not/neg r32
    default: return [0x87, modrmRR(g(), g())]; // xchg r32, r32
  }
}

/** A program: instructions, some followed by a forward Jcc over the next one. */
function program(seed: number, length: number): number[] {
  const r = rng(seed);
  const out: number[] = [];
  for (let k = 0; k < length; k++) {
    const i = instruction(r);
    if (r(4) === 0) {
      const next = instruction(r);
      out.push(...i, 0x70 + r(16), next.length, ...next);
    } else out.push(...i);
  }
  return out;
}

interface Result {
  regs: number[];
  flags: number;
  data: number[];
  fault: number | null;
}

function runIn(mode: 'off' | 'eager', code: number[], seed: number): Result {
  const m = makeMachine();
  m.cpu.setJit(mode);
  const r = rng(seed ^ 0x5eed);
  for (const reg of REGS) m.cpu.s[reg] = (r(0x10000) << 16) | r(0x10000);
  const fault = m.run(code, 100_000);
  return {
    regs: Array.from(m.cpu.s.subarray(0, 8)),
    // Arithmetic flags only (CF PF AF ZF SF OF).
    flags: getFlags(m.cpu.s) & 0x8d5,
    data: Array.from(m.peek(DATA, 256)),
    fault: fault === null ? null : fault.vector,
  };
}

test('random integer programs end in the same state interpreted and compiled (eager)', () => {
  let compiledSome = false;
  for (let seed = 1; seed <= 500; seed++) {
    const code = program(seed, 24);
    const off = runIn('off', code, seed);
    const on = runIn('eager', code, seed);
    assert.deepEqual(on, off, `seed ${seed}: ${code.map((b) => b.toString(16).padStart(2, '0')).join(' ')}`);
    assert.equal(off.fault, null, `seed ${seed} ran to its end`);
    compiledSome = true;
  }
  assert.ok(compiledSome);
  // The machine really compiled: a block's Wasm function exists after an eager run.
  const m = makeMachine();
  m.cpu.setJit('eager');
  m.run(program(7, 8));
  assert.notEqual(m.cpu.cache.lookup(CODE)?.wasm ?? null, null, 'eager compiled the first block');
});
